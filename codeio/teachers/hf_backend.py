"""``hf`` teacher: transformers ``generate`` for small models, CPU-capable (tests, laptops).

Conversations are rendered with the tokenizer's chat template (or ``chat_template``; a tokenizer without
one gets ``FALLBACK_CHAT_TEMPLATE``), left-padded and generated ``batch_size`` at a time. Temperature 0
means greedy decoding. With ``sampling.seed`` set, each batch is seeded from the seed and its first
sample, so a rerun with the same batches reproduces the same text.
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
from codeio.teachers.config import HFTeacherConfig

FALLBACK_CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|' + message['role'] + '|>\n' + message['content'] + '\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|assistant|>\n' }}{% endif %}"
)
"""Plain role-tagged turns, for tokenizers that ship no chat template."""


def _import_transformers():
    try:
        import torch
        import transformers
    except ImportError as exc:  # pragma: no cover - both are core dependencies
        raise ImportError("the hf teacher needs torch and transformers: pip install -e .") from exc
    return torch, transformers


class HFTeacher(SampleTeacher):
    """Settings: ``HFTeacherConfig``."""

    def __init__(self, cfg: HFTeacherConfig) -> None:
        torch, transformers = _import_transformers()
        self.model_name = str(cfg.model)
        self.device = cfg.device
        self.batch_size = cfg.batch_size
        self.stats = TeacherStats()
        self.tokenizer = transformers.AutoTokenizer.from_pretrained(cfg.model, trust_remote_code=cfg.trust_remote_code)
        self.tokenizer.padding_side = "left"  # generation continues every row at its right end
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        chat_template = cfg.chat_template
        if chat_template:
            template_path = Path(chat_template)
            is_file = len(chat_template) < 4096 and "{" not in chat_template and template_path.is_file()
            self.tokenizer.chat_template = template_path.read_text() if is_file else chat_template
        elif not getattr(self.tokenizer, "chat_template", None):
            self.tokenizer.chat_template = FALLBACK_CHAT_TEMPLATE
        self.model = transformers.AutoModelForCausalLM.from_pretrained(
            cfg.model, dtype=getattr(torch, cfg.dtype), trust_remote_code=cfg.trust_remote_code).to(cfg.device)
        self.model.eval()
        self.context_length = getattr(self.model.config, "max_position_embeddings", None)

    # ------------------------------------------------------------------ request building
    def render(self, messages: list[dict[str, str]]) -> str:
        """The prompt text of one conversation, ending where the assistant's answer starts."""
        return self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)

    def generate_kwargs(self, params: SamplingParams, max_new_tokens: int) -> dict[str, Any]:
        """Keyword arguments for ``model.generate`` (greedy when temperature is 0)."""
        kwargs: dict[str, Any] = {"max_new_tokens": max_new_tokens, "pad_token_id": self.tokenizer.pad_token_id,
                                  "eos_token_id": self.tokenizer.eos_token_id}
        if params.temperature == 0:
            kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        else:
            kwargs.update(do_sample=True, temperature=params.temperature, top_p=params.top_p, top_k=0)
        if params.stop:
            kwargs.update(stop_strings=list(params.stop), tokenizer=self.tokenizer)
        return kwargs

    # ------------------------------------------------------------------ generation
    def generate_samples(
        self,
        items: Sequence[tuple[ChatRequest, int]],
        params: SamplingParams,
        on_result: Callable[[int, Generation], None] | None = None,
    ) -> list[Generation]:
        return self.in_batches(items, self.batch_size, lambda batch: self._generate_batch(batch, params), on_result)

    def _generate_batch(self, batch: Sequence[tuple[ChatRequest, int]], params: SamplingParams) -> list[Generation]:
        torch, _ = _import_transformers()
        try:
            prompts = [self.render(request.messages) for request, _ in batch]
        except Exception as exc:  # a malformed conversation fails this batch, not the run
            return [self._error(f"bad_conversation: {type(exc).__name__}: {exc}")] * len(batch)
        encoded = self.tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False)
        prompt_width = encoded["input_ids"].shape[1]
        max_new = params.max_tokens
        if self.context_length is not None:
            if prompt_width >= self.context_length:
                return [self._error(f"prompt_too_long: {prompt_width} tokens, context {self.context_length}")
                        ] * len(batch)
            max_new = min(max_new, self.context_length - prompt_width)
        if params.seed is not None:
            torch.manual_seed(params.seed + batch[0][1])
        try:
            with torch.no_grad():
                output = self.model.generate(**encoded.to(self.device), **self.generate_kwargs(params, max_new))
        except Exception as exc:
            return [self._error(f"generation_failed: {type(exc).__name__}: {exc}")] * len(batch)
        results = []
        eos = self.tokenizer.eos_token_id
        for row in range(len(batch)):
            new_tokens = output[row, prompt_width:].tolist()
            stopped = eos in new_tokens
            if stopped:
                new_tokens = new_tokens[: new_tokens.index(eos) + 1]
            else:  # padding after an early finish of a stop string
                while new_tokens and new_tokens[-1] == self.tokenizer.pad_token_id:
                    new_tokens.pop()
            text = self.tokenizer.decode(new_tokens, skip_special_tokens=True)
            for stop in params.stop or []:
                if stop in text:
                    text, stopped = text[: text.index(stop)], True
            if not stopped and len(new_tokens) < max_new:
                stopped = True  # ended early without eos (e.g. a stop string spanning tokens)
            results.append(Generation(
                text=text, finish_reason=STOP if stopped else LENGTH, model=self.model_name,
                prompt_tokens=int(encoded["attention_mask"][row].sum()), completion_tokens=len(new_tokens)))
        return results

    def _error(self, message: str) -> Generation:
        return Generation(text=None, finish_reason=ERROR, model=self.model_name, error=message[:300])

    def close(self) -> None:
        self.model = None
