"""The hf backend with a tiny random model built on the spot (no downloads)."""

from __future__ import annotations

import pytest

from codeio.teachers import build_teacher
from codeio.teachers.base import LENGTH, STOP, ChatRequest, SamplingParams
from codeio.teachers.config import HFTeacherConfig
from codeio.testing.tiny_model import build_tiny_model


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    return build_tiny_model(tmp_path_factory.mktemp("tiny") / "model", arch="llama", chat_template=False)


@pytest.fixture(scope="module")
def teacher(tiny_model):
    from codeio.teachers.hf_backend import HFTeacher

    return HFTeacher(HFTeacherConfig(model=str(tiny_model), batch_size=4))


def _requests(texts):
    return [ChatRequest(messages=[{"role": "user", "content": t}]) for t in texts]


PROMPTS = ["def f(x): return x", "short", "a much longer prompt about lists and loops and sums " * 3,
           "print(1)", "x"]


def test_fallback_template_when_the_tokenizer_has_none(teacher):
    rendered = teacher.render([{"role": "system", "content": "S"}, {"role": "user", "content": "U"}])
    assert rendered == "<|system|>\nS\n<|user|>\nU\n<|assistant|>\n"


def test_greedy_batched_left_padded_equals_one_by_one(teacher):
    params = SamplingParams(temperature=0.0, max_tokens=8)
    batched = teacher.generate(_requests(PROMPTS), params)
    alone = [teacher.generate(_requests([p]), params)[0] for p in PROMPTS]
    assert [b[0].text for b in batched] == [a[0].text for a in alone]
    assert all(g[0].finish_reason in (STOP, LENGTH) and g[0].completion_tokens <= 8 for g in batched)
    assert batched[0][0].prompt_tokens < batched[2][0].prompt_tokens


def test_length_and_stop_strings(teacher):
    [[long]] = teacher.generate(_requests(["def f(x): return x"]), SamplingParams(temperature=0.0, max_tokens=12))
    assert long.finish_reason == LENGTH and long.truncated and long.text
    stop = long.text.strip()[:2]
    [[stopped]] = teacher.generate(_requests(["def f(x): return x"]),
                                   SamplingParams(temperature=0.0, max_tokens=12, stop=[stop]))
    assert stopped.finish_reason == STOP and stop not in stopped.text
    assert long.text.startswith(stopped.text)


def test_seeded_sampling_reproduces_and_samples_differ(teacher):
    params = SamplingParams(temperature=1.0, max_tokens=6, n=2, seed=3)
    first = teacher.generate(_requests(PROMPTS[:2]), params)
    again = teacher.generate(_requests(PROMPTS[:2]), params)
    assert [[g.text for g in s] for s in first] == [[g.text for g in s] for s in again]
    assert len({g.text for s in first for g in s}) > 1


def test_build_from_config_with_cache(tiny_model, tmp_path):
    cfg = {"_target_": "codeio.teachers.hf_backend.HFTeacher", "model": str(tiny_model), "batch_size": 2,
           "sampling": {"temperature": 0.0, "max_tokens": 6}}
    teacher, params = build_teacher(cfg, cache_dir=tmp_path)
    first = teacher.generate(_requests(PROMPTS[:3]), params)
    again = teacher.generate(_requests(PROMPTS[:3]), params)
    assert [g[0].text for g in first] == [g[0].text for g in again] and all(g[0].cached for g in again)
    assert teacher.stats.requests == 3 and teacher.stats.cache_hits == 3
