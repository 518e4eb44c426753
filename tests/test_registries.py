"""Every list derived from a registry matches what the config tree offers: stages, config groups, prompt
formats, executors, teachers and sources are each said once."""

from __future__ import annotations

import re

import pytest
from hydra.core.config_store import ConfigStore
from omegaconf import OmegaConf

from codeio.config import CodeioConfig
from codeio.execution.base import Executor
from codeio.execution.config import EXECUTOR_CONFIGS
from codeio.plan.config import PLAN_GROUPS
from codeio.schema import component_class
from codeio.sources.base import Source
from codeio.stages import STAGE_NAMES, STAGES
from codeio.tasks.config import BUNDLED_FORMATS, TEMPLATES_DIR
from codeio.teachers.base import Teacher
from tests.helpers import REPO_ROOT, compose_config

CONF = REPO_ROOT / "conf"
# conf/cluster/ and conf/scale/ belong to the plan command (python -m codeio.plan), not to the pipeline
GROUPS = sorted(d.name for d in CONF.iterdir() if d.is_dir() and d.name not in ("experiment", "hydra", *PLAN_GROUPS))


def options(group: str) -> list[str]:
    return sorted(p.stem for p in (CONF / group).glob("*.yaml"))


def schema_of(group: str, option: str) -> type:
    """The schema dataclass an option composes to."""
    cfg = compose_config([f"{group}={option}", "cache.dir=/tmp/x"])
    return OmegaConf.get_type(cfg[group])


def test_stage_registry_is_the_stage_list_everywhere():
    assert STAGE_NAMES == ("collect", "transform", "sample", "tasks", "respond", "verify", "revise", "assemble",
                           "train", "evaluate")  # DESIGN.md's contract, in data-flow order
    assert CodeioConfig().stages == list(STAGE_NAMES)
    readme = (REPO_ROOT / "README.md").read_text()
    rows = [line for line in readme.splitlines() if re.match(r"^\| `(\w+)` \|", line)]
    table = {line.split("`")[1]: line for line in rows if line.split("`")[1] in STAGE_NAMES}
    assert list(table) == list(STAGE_NAMES), "README's stage table"
    for name, line in table.items():  # the package column points at real packages
        packages = re.findall(r"`(\w+)`", line.rstrip(" |").rsplit("|", 1)[-1])
        assert packages and all((REPO_ROOT / "codeio" / pkg / "__init__.py").is_file() for pkg in packages), name
    assert len({cls.name for cls in STAGES}) == len(STAGES)


def test_every_group_a_stage_needs_is_a_config_group():
    root_groups = {f.name for f in CodeioConfig.__dataclass_fields__.values()}
    for stage in STAGES:
        for group in stage.groups:
            assert group in GROUPS and group in root_groups, f"{stage.name} needs unknown group {group}"


def test_every_config_group_is_a_root_field_and_used_by_a_stage():
    root_groups = set(CodeioConfig.__dataclass_fields__)
    used = {group for stage in STAGES for group in stage.groups}
    for group in GROUPS:
        assert group in root_groups, f"conf/{group}/ has no field in CodeioConfig"
        assert group in used, f"no stage declares the config group {group}"


def test_prompt_formats_are_the_template_files():
    assert BUNDLED_FORMATS == tuple(sorted(p.stem for p in TEMPLATES_DIR.glob("*.yaml")))
    assert set(options("prompt")) == {*BUNDLED_FORMATS, "default"}  # default: the root config's name


def test_executor_options_are_the_executor_registry():
    assert set(options("executor")) == set(EXECUTOR_CONFIGS)
    for name, schema in EXECUTOR_CONFIGS.items():
        assert schema_of("executor", name) is schema
        assert issubclass(component_class(schema()), Executor)


@pytest.mark.parametrize(("group", "base"), [("teacher", Teacher), ("source", Source)])
def test_every_registered_schema_has_an_option_and_builds_its_kind(group, base):
    registered = {node.node._metadata.object_type for node in ConfigStore.instance().repo[group].values()}
    used = {schema_of(group, option) for option in options(group)}
    assert used == registered, f"schemas of group {group} without an option, or options without a schema"
    for schema in registered:
        assert issubclass(component_class(schema()), base)


def test_capabilities_come_from_the_classes():
    from codeio.sources.bundled import BundledSource
    from codeio.sources.config import BundledSourceConfig
    from codeio.teachers.openai_backend import OpenAITeacher
    from codeio.teachers.trace import TraceTeacher

    assert TraceTeacher.needs_executor and not TraceTeacher.writes_code
    assert OpenAITeacher.writes_code and not OpenAITeacher.needs_executor
    assert BundledSource.yields_unified(BundledSourceConfig(form="unified"))
    assert not BundledSource.yields_unified(BundledSourceConfig(form="raw"))
    for option, unified in (("jsonl", False), ("directory", False), ("hf", False), ("unified", True),
                            ("reasoning_gym", True)):
        schema = schema_of("source", option)
        cfg = schema(path="/x") if "path" in schema.__dataclass_fields__ else schema()
        assert component_class(cfg).yields_unified(cfg) is unified, option
