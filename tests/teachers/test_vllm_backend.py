"""The vllm backend's request building, tested without vLLM (and its wiring, with a recording double)."""

from __future__ import annotations

import importlib.util
import sys
import types
from types import SimpleNamespace

import pytest

from codeio.teachers import build_teacher
from codeio.teachers.base import ERROR, LENGTH, STOP, ChatRequest, SamplingParams
from codeio.teachers.config import VLLMTeacherConfig
from codeio.teachers.vllm_backend import (
    chat_batch,
    engine_kwargs,
    load_chat_template,
    sampling_kwargs,
    to_generation,
)

CONVERSATION = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "2+2?"},
                {"role": "assistant", "content": "5"}, {"role": "user", "content": "Wrong; again."}]


def test_sampling_kwargs_per_sample():
    params = SamplingParams(temperature=0.7, top_p=0.95, max_tokens=4096, n=4, seed=100, stop=["</s>"])
    assert sampling_kwargs(params, 0) == {"n": 1, "temperature": 0.7, "top_p": 0.95, "max_tokens": 4096,
                                          "seed": 100, "stop": ["</s>"]}
    assert sampling_kwargs(params, 3)["seed"] == 103
    assert sampling_kwargs(SamplingParams(temperature=0.0), 2) == {"n": 1, "temperature": 0.0, "top_p": 1.0,
                                                                   "max_tokens": 4096}


def test_chat_batch_keeps_whole_conversations_in_order():
    requests = [ChatRequest(messages=CONVERSATION, task={"ignored": True}),
                ChatRequest(messages=[{"role": "user", "content": "hi"}])]
    items = [(requests[0], 0), (requests[0], 1), (requests[1], 0)]
    conversations, sampling = chat_batch(items, SamplingParams(n=2, seed=7))
    assert conversations == [CONVERSATION, CONVERSATION, [{"role": "user", "content": "hi"}]]
    assert [s["seed"] for s in sampling] == [7, 8, 7]


def test_engine_kwargs_turn_on_prefix_caching_and_tensor_parallel():
    kwargs = engine_kwargs(VLLMTeacherConfig(model="deepseek-ai/DeepSeek-V2.5", tensor_parallel_size=8,
                                             dtype="bfloat16", max_model_len=8192, trust_remote_code=True,
                                             engine_kwargs={"max_num_seqs": 64}))
    assert kwargs == {"model": "deepseek-ai/DeepSeek-V2.5", "tensor_parallel_size": 8, "dtype": "bfloat16",
                      "gpu_memory_utilization": 0.9, "enable_prefix_caching": True, "trust_remote_code": True,
                      "seed": 0, "max_model_len": 8192, "max_num_seqs": 64}
    assert "max_model_len" not in engine_kwargs(VLLMTeacherConfig(model="m"))


def test_chat_template_from_file_or_text(tmp_path):
    path = tmp_path / "t.jinja"
    path.write_text("{{ messages }}")
    assert load_chat_template(str(path)) == "{{ messages }}"
    assert load_chat_template("{% for m in messages %}{% endfor %}") == "{% for m in messages %}{% endfor %}"
    assert load_chat_template(None) is None


def test_request_output_conversion():
    def output(reason, text="x"):
        return SimpleNamespace(prompt_token_ids=[1, 2, 3],
                               outputs=[SimpleNamespace(text=text, finish_reason=reason, token_ids=[5, 6])])

    assert to_generation(output("stop"), "m").ok
    truncated = to_generation(output("length"), "m")
    assert truncated.finish_reason == LENGTH and truncated.prompt_tokens == 3 and truncated.completion_tokens == 2
    aborted = to_generation(output("abort"), "m")
    assert aborted.finish_reason == ERROR and aborted.text is None and aborted.error.startswith("engine_abort:")


@pytest.mark.skipif(importlib.util.find_spec("vllm") is not None, reason="vLLM is installed here")
def test_missing_vllm_names_the_extra():
    cfg = {"_target_": "codeio.teachers.vllm_backend.VLLMTeacher", "model": "m"}
    with pytest.raises(ImportError, match=r"pip install -e '\.\[vllm\]'"):
        build_teacher(cfg)


class RecordingLLM:
    """Stands in for ``vllm.LLM``: records what it is given, answers by echoing the last message, and
    refuses (like vLLM) any batch holding a conversation marked too long."""

    instances: list = []

    def __init__(self, **kwargs):
        self.kwargs = kwargs
        self.calls = []
        RecordingLLM.instances.append(self)

    def chat(self, conversations, sampling_params, use_tqdm, chat_template, add_generation_prompt):
        self.calls.append((conversations, sampling_params, chat_template, add_generation_prompt))
        if any(c[-1]["content"] == "TOO LONG" for c in conversations):
            raise ValueError("prompt is longer than the maximum model length")
        return [SimpleNamespace(prompt_token_ids=[0] * len(c), outputs=[SimpleNamespace(
            text="echo " + c[-1]["content"], finish_reason="length" if s.max_tokens < 5 else "stop", token_ids=[1])])
            for c, s in zip(conversations, sampling_params, strict=True)]


def test_engine_wiring_with_a_recording_double(monkeypatch):
    fake = types.ModuleType("vllm")
    fake.LLM = RecordingLLM
    fake.SamplingParams = lambda **kw: SimpleNamespace(**kw)
    monkeypatch.setitem(sys.modules, "vllm", fake)
    cfg = {"_target_": "codeio.teachers.vllm_backend.VLLMTeacher", "model": "org/model",
           "tensor_parallel_size": 2, "batch_size": 3, "chat_template": "{{ x }}",
           "sampling": {"temperature": 0.7, "max_tokens": 4096, "n": 2, "seed": 1}}
    teacher, params = build_teacher(cfg)
    llm = RecordingLLM.instances[-1]
    assert llm.kwargs["tensor_parallel_size"] == 2 and llm.kwargs["enable_prefix_caching"] is True
    requests = [ChatRequest(messages=[{"role": "user", "content": c}]) for c in ("a", "TOO LONG", "b")]
    seen = []
    flat = teacher.generate_samples([(r, i) for r in requests for i in range(2)], params,
                                    on_result=lambda i, g: seen.append(i))
    assert [g.finish_reason for g in flat] == [STOP, STOP, ERROR, ERROR, STOP, STOP]
    assert flat[2].error.startswith("rejected_by_engine:") and flat[4].text == "echo b"
    assert seen == list(range(6))
    first_conversations, first_sampling, template, add_prompt = llm.calls[0]
    assert len(first_conversations) == 3 and template == "{{ x }}" and add_prompt is True  # batch_size=3
    assert [s.seed for s in first_sampling] == [1, 2, 1]
    assert teacher.stats.failures == {"rejected_by_engine": 2}
