"""Cache-key membership: transport settings keep every stage key, output settings change exactly the keys
of the stages that use them and of everything downstream (the rule lives on the schema fields)."""

from __future__ import annotations

import dataclasses
import typing
from pathlib import Path
from typing import Any

import pytest
from omegaconf import OmegaConf

from codeio.pipeline.runner import Pipeline
from codeio.schema import AFFECTS_OUTPUT, output_settings
from codeio.stages import STAGE_NAMES, STAGES
from tests.helpers import compose_config

# The quickstart with an LLM teacher and one revision turn, so respond and revise both depend on it.
BASE = ["cache.dir=/tmp/codeio-test-cache", "teacher=openai", "revision=codeio_pp"]


def typed(overrides: list[str]) -> Any:
    return OmegaConf.to_object(compose_config([*BASE, *overrides]))


def keys(cfg: Any) -> dict[str, str]:
    pipeline = Pipeline(cfg, Path("/tmp/codeio-test-run"), STAGES)
    return {name: pipeline.key(name) for name in STAGE_NAMES}


@pytest.fixture(scope="module")
def base_keys() -> dict[str, str]:
    return keys(typed([]))


@pytest.mark.parametrize("override", [
    "teacher.max_concurrency=7", "teacher.timeout=5.0", "teacher.connect_timeout=1.0", "teacher.max_retries=0",
    "teacher.base_url=http://node7:8000/v1", "teacher.api_key_env=OTHER_KEY", "teacher.client=httpx",
    "teacher.cache_failures=true", "trainer.num_workers=3", "trainer.progress_bar=false", "progress=false",
])
def test_transport_settings_keep_every_stage_key(base_keys, override):
    assert keys(typed([override])) == base_keys


def test_sampling_settings_change_respond_and_everything_after(base_keys):
    changed = keys(typed(["teacher.sampling.temperature=0.2"]))
    first = STAGE_NAMES.index("respond")
    for name in STAGE_NAMES[:first]:
        assert changed[name] == base_keys[name], f"{name} does not use the teacher"
    for name in STAGE_NAMES[first:]:
        assert changed[name] != base_keys[name], f"{name} is downstream of respond"


def test_execution_limits_are_output_settings(base_keys):
    """The executor's timeout decides which calls succeed: every stage that runs code is recomputed."""
    changed = keys(typed(["executor.timeout=2.0"]))
    assert changed["collect"] == base_keys["collect"]
    assert all(changed[name] != base_keys[name] for name in STAGE_NAMES[1:])


def _different(value: Any, hint: Any) -> Any:
    """A value of the field's type that differs from ``value``."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, float):
        return value + 1.5
    if isinstance(value, str):
        return value + "-other"
    if isinstance(value, list):
        return [*value, "other"]
    if isinstance(value, dict):
        return {**value, "other": "x"}
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    return {int: 7, float: 0.5, str: "other", bool: True}.get(args[0] if args else hint, "other")


def _transport_fields(node: Any, path: str = ""):
    """``(path, field)`` of every field marked ``affects_output: False`` in a typed config tree."""
    if not dataclasses.is_dataclass(node):
        return
    hints = typing.get_type_hints(type(node))
    for spec in dataclasses.fields(node):
        where = f"{path}.{spec.name}" if path else spec.name
        if not spec.metadata.get(AFFECTS_OUTPUT, True):
            yield where, hints[spec.name]
        yield from _transport_fields(getattr(node, spec.name), where)


def _set(node: Any, path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for part in parents:
        node = getattr(node, part)
    object.__setattr__(node, last, value)


def _get(node: Any, path: str) -> Any:
    for part in path.split("."):
        node = getattr(node, part)
    return node


@pytest.mark.parametrize("choice", [
    [], ["teacher=trace"], ["teacher=vllm"], ["teacher=hf", "teacher.model=/models/m"],
    ["executor=subprocess"], ["executor=bwrap"], ["executor=docker"],
    ["model=qwen2_5_coder_7b", "trainer=default"],
])
def test_every_field_marked_transport_keeps_every_stage_key(choice):
    """Whatever a schema marks ``affects_output: False`` (here or on another branch) never reaches a key."""
    cfg = typed(choice)
    before = keys(cfg)
    marked = list(_transport_fields(cfg))
    assert marked, "no transport field in this configuration"
    for path, hint in marked:
        original = _get(cfg, path)
        _set(cfg, path, _different(original, hint))
        assert keys(cfg) == before, f"{path} is marked affects_output=False but changes a stage key"
        _set(cfg, path, original)


def test_output_settings_reads_the_marker():
    @dataclasses.dataclass
    class Example:
        kept: int = 1
        """Changes results."""
        speed: int = dataclasses.field(default=2, metadata={AFFECTS_OUTPUT: False})
        """Only how fast."""

    assert output_settings(Example()) == {"kept": 1}
    assert output_settings({"a": [Example()]}) == {"a": [{"kept": 1}]}
