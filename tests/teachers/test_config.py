"""Teacher presets compose through Hydra and build through ``build_teacher``."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hydra.errors import ConfigCompositionException

from codeio.teachers import build_teacher, cache_namespace
from codeio.teachers.base import SamplingParams
from codeio.teachers.cache import CachedTeacher
from codeio.teachers.config import OpenAITeacherConfig, VLLMTeacherConfig
from codeio.teachers.openai_backend import OpenAITeacher
from tests.helpers import compose_config

PRESETS = ["openai", "deepseek_chat_api", "vllm", "deepseek_v25_vllm", "qwen25_coder_vllm", "hf"]


def _compose(name: str, *overrides: str):
    for prefix in ("", "+"):  # `teacher=` when the root config has a teacher default, else `+teacher=`
        try:
            return compose_config([f"{prefix}teacher={name}", *overrides])
        except ConfigCompositionException as exc:
            if "No match in the defaults list" not in str(exc):
                raise
    raise AssertionError("unreachable")


@pytest.mark.parametrize("name", PRESETS)
def test_every_preset_composes_with_its_schema(name):
    cfg = _compose(name)
    assert cfg.teacher._target_.startswith("codeio.teachers.")
    assert set(cfg.teacher.sampling) == {"temperature", "top_p", "max_tokens", "n", "seed", "stop"}


def test_paper_settings_of_the_deepseek_presets():
    for name in ("deepseek_chat_api", "deepseek_v25_vllm"):
        sampling = _compose(name).teacher.sampling
        assert (sampling.temperature, sampling.max_tokens) == (0.7, 4096)
    api = _compose("deepseek_chat_api").teacher
    assert api.api_key_env == "DEEPSEEK_API_KEY" and api.model == "deepseek-chat"


def test_typos_and_wrong_types_fail_at_composition():
    with pytest.raises(ConfigCompositionException, match="max_concurency"):
        _compose("openai", "teacher.max_concurency=3")
    with pytest.raises(ConfigCompositionException, match="temperature"):
        _compose("openai", "teacher.sampling.temperature=hot")


def test_build_validates_and_wraps_in_the_cache(tmp_path):
    cfg = _compose("openai", "teacher.base_url=[http://127.0.0.1:1/v1,http://127.0.0.1:2/v1]",
                   "teacher.sampling.n=3", "teacher.sampling.seed=9", "teacher.model=my-model")
    teacher, params = build_teacher(cfg.teacher, cache_dir=tmp_path)
    assert isinstance(teacher, CachedTeacher) and isinstance(teacher.inner, OpenAITeacher)
    assert len(teacher.inner.urls) == 2 and teacher.model_name == "my-model"
    assert params == SamplingParams(temperature=0.7, top_p=1.0, max_tokens=4096, n=3, seed=9, stop=None)
    assert (tmp_path / "responses.sqlite").is_file()
    teacher.close()
    bare, _ = build_teacher(cfg.teacher)
    assert isinstance(bare, OpenAITeacher)
    with pytest.raises(ValueError, match="top_p"):
        build_teacher(_compose("openai", "teacher.sampling.top_p=2.0").teacher)
    with pytest.raises(KeyError, match="modle"):  # a plain mapping goes through the schema: typos fail
        build_teacher({"_target_": "codeio.teachers.openai_backend.OpenAITeacher", "modle": "x"})
    with pytest.raises(ValueError, match="NAME of an environment variable"):
        build_teacher({"_target_": "codeio.teachers.openai_backend.OpenAITeacher", "api_key_env": "sk-abc.def"})


def test_cache_namespace_follows_answer_changing_fields_only():
    base = OpenAITeacherConfig(model="m", base_url="http://a/v1", max_concurrency=8)
    assert cache_namespace(base) == ""
    moved = replace(base, base_url="http://b/v1", max_concurrency=512, timeout=5.0, max_retries=0)
    assert cache_namespace(moved) == ""  # transport settings: every cached answer stays valid
    assert cache_namespace(replace(base, extra_body={"top_k": 20})) != ""
    assert cache_namespace(replace(base, model="other")) == ""  # the model is a key field of its own
    vllm = VLLMTeacherConfig()
    assert cache_namespace(replace(vllm, tensor_parallel_size=8, batch_size=64)) == cache_namespace(vllm)
    assert cache_namespace(replace(vllm, dtype="float16")) != cache_namespace(vllm)


def test_executor_reaches_teachers_that_need_one(tmp_path):
    from codeio.teachers.trace import TraceTeacher

    marker = object()
    cfg = _compose("trace").teacher
    teacher, params = build_teacher(cfg, cache_dir=tmp_path, executor=marker)
    assert isinstance(teacher.inner, TraceTeacher) and teacher.inner.executor is marker
    assert params == SamplingParams()


@pytest.mark.parametrize(("preset", "namespace"), [
    ("openai", ""), ("deepseek_chat_api", ""), ("vllm", "70d2ef497db64471"),
    ("deepseek_v25_vllm", "bafd596d20939b3a"), ("qwen25_coder_vllm", "1e2c4881466428e1"),
])
def test_response_cache_namespaces_stay_put(preset, namespace):
    """Responses paid for with these presets keep hitting the cache: a change here re-asks every one of
    them, so it must be deliberate (these values predate the affects_output marker and still hold)."""
    from omegaconf import OmegaConf

    assert cache_namespace(OmegaConf.to_object(_compose(preset).teacher)) == namespace


def test_paper_experiment_asks_the_paper_teacher():
    """Issue #17 item 10: +experiment=codeio uses the DeepSeek-V2.5 weights (vLLM), not the hosted alias."""
    from tests.helpers import compose_config

    teacher = compose_config(["+experiment=codeio"]).teacher
    assert teacher.model == "deepseek-ai/DeepSeek-V2.5" and teacher._target_.endswith("VLLMTeacher")
