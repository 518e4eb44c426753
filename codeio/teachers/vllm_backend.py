"""``vllm`` teacher: the offline vLLM engine (``vllm.LLM``) on this node's GPUs.

Every sample of a batch goes to one ``LLM.chat`` call (vLLM schedules them itself), each with its own
``SamplingParams`` (``n=1``; seed ``sampling.seed + sample index`` when a seed is set). Prefix caching is
on by default: revision turns resend the whole earlier conversation, which the engine then reuses.
The model's own chat template renders the conversations unless ``chat_template`` replaces it.

The request building (``engine_kwargs``, ``sampling_kwargs``, ``chat_batch``) is plain Python, tested
without vLLM installed; the engine itself needs ``pip install -e '.[vllm]'`` and a CUDA GPU.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from codeio.teachers.base import (
    ERROR,
    LENGTH,
    STOP,
    ChatRequest,
    Generation,
    SampleTeacher,
    SamplingParams,
    TeacherStats,
)
from codeio.teachers.config import VLLMTeacherConfig

INSTALL_HINT = "the vllm teacher needs vLLM and a CUDA GPU: pip install -e '.[vllm]'"


def import_vllm():
    try:
        import vllm
    except ImportError as exc:
        raise ImportError(INSTALL_HINT) from exc
    return vllm


def engine_kwargs(cfg: VLLMTeacherConfig) -> dict[str, Any]:
    """Keyword arguments for ``vllm.LLM``."""
    kwargs: dict[str, Any] = {
        "model": cfg.model,
        "tensor_parallel_size": cfg.tensor_parallel_size,
        "dtype": cfg.dtype,
        "gpu_memory_utilization": cfg.gpu_memory_utilization,
        "enable_prefix_caching": cfg.enable_prefix_caching,
        "trust_remote_code": cfg.trust_remote_code,
        "seed": cfg.seed,
    }
    if cfg.max_model_len is not None:
        kwargs["max_model_len"] = cfg.max_model_len
    kwargs.update(cfg.engine_kwargs)
    return kwargs


def sampling_kwargs(params: SamplingParams, sample_index: int) -> dict[str, Any]:
    """Keyword arguments for ``vllm.SamplingParams`` of one sample (one output per request)."""
    kwargs: dict[str, Any] = {
        "n": 1,
        "temperature": params.temperature,
        "top_p": params.top_p,
        "max_tokens": params.max_tokens,
    }
    if params.seed is not None:
        kwargs["seed"] = params.seed + sample_index
    if params.stop:
        kwargs["stop"] = list(params.stop)
    return kwargs


def chat_batch(items: Sequence[tuple[ChatRequest, int]], params: SamplingParams
               ) -> tuple[list[list[dict[str, str]]], list[dict[str, Any]]]:
    """The conversations and per-conversation sampling kwargs one ``LLM.chat`` call receives."""
    conversations = [[{"role": m["role"], "content": m["content"]} for m in request.messages]
                     for request, _ in items]
    return conversations, [sampling_kwargs(params, index) for _, index in items]


def load_chat_template(chat_template: str | None) -> str | None:
    """A template given as a file path is read; template text is used as it is."""
    if not chat_template:
        return None
    path = Path(chat_template)
    if len(chat_template) < 4096 and "{" not in chat_template and path.is_file():
        return path.read_text()
    return chat_template


def to_generation(output: Any, model: str) -> Generation:
    """A ``Generation`` from one ``vllm.RequestOutput``."""
    completion = output.outputs[0]
    reason = completion.finish_reason
    finish = LENGTH if reason == "length" else STOP if reason == "stop" else ERROR
    return Generation(
        text=completion.text if finish != ERROR else None,
        finish_reason=finish,
        model=model,
        prompt_tokens=len(output.prompt_token_ids or []),
        completion_tokens=len(completion.token_ids or []),
        error=None if finish != ERROR else f"engine_{reason or 'unfinished'}: request did not finish",
    )


class VLLMTeacher(SampleTeacher):
    """Settings: ``VLLMTeacherConfig``."""

    def __init__(self, cfg: VLLMTeacherConfig) -> None:
        vllm = import_vllm()
        self.model_name = cfg.model
        self.batch_size = cfg.batch_size
        self.chat_template = load_chat_template(cfg.chat_template)
        self.stats = TeacherStats()
        self._vllm = vllm
        self.llm = vllm.LLM(**engine_kwargs(cfg))

    def generate_samples(
        self,
        items: Sequence[tuple[ChatRequest, int]],
        params: SamplingParams,
        on_result: Callable[[int, Generation], None] | None = None,
    ) -> list[Generation]:
        size = self.batch_size or max(1, len(items))
        return self.in_batches(items, size, lambda chunk: self._chat(chunk, params), on_result)

    def _chat(self, items: Sequence[tuple[ChatRequest, int]], params: SamplingParams) -> list[Generation]:
        conversations, sampling = chat_batch(items, params)
        try:
            outputs = self.llm.chat(conversations, [self._vllm.SamplingParams(**k) for k in sampling],
                                    use_tqdm=False, chat_template=self.chat_template, add_generation_prompt=True)
            return [to_generation(o, self.model_name) for o in outputs]
        except ValueError as exc:
            if len(items) == 1:  # e.g. a prompt longer than the context: this sample fails, not the run
                return [Generation(text=None, finish_reason=ERROR, model=self.model_name,
                                   error=f"rejected_by_engine: {str(exc)[:200]}")]
        # One bad conversation fails the whole call: redo one by one to isolate it.
        return [g for item in items for g in self._chat([item], params)]

    def close(self) -> None:
        self.llm = None
