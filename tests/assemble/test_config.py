"""Every ``conf/dataset`` option composes, validates and builds an Assembler; bad values fail early."""

from __future__ import annotations

from pathlib import Path

import pytest
from hydra.core.config_store import ConfigStore
from hydra.errors import ConfigCompositionException

from codeio.assemble.assembler import Assembler
from codeio.assemble.config import SCHEMAS, DatasetConfig
from tests.helpers import CONF_DIR, build_from, compose_config

PRESETS = sorted(p.stem for p in (Path(CONF_DIR) / "dataset").glob("*.yaml"))
TABLE4 = {  # preset: (stage1_mix, stage2_mix), PAPER.md Table 4
    "table4_it": ("none", "instruction_only"), "table4_codeio10it": ("none", "subset"),
    "table4_codeioit_only": ("concat", "none"), "table4_codeio_then_it": ("codeio", "instruction_only"),
    "table4_codeioit_then_it": ("concat", "instruction_only"),
    "table4_codeio_then_codeio10it": ("codeio", "subset"),
}


@pytest.fixture(autouse=True, scope="module")
def _schemas():
    # codeio.config registers every SCHEMAS module it lists; store ours too in case it is not listed yet
    for group, schemas in SCHEMAS.items():
        for name, node in schemas.items():
            ConfigStore.instance().store(group=group, name=name, node=node)


def compose(preset: str, *extra: str):
    return compose_config([f"dataset={preset}", *extra])


@pytest.mark.parametrize("preset", PRESETS)
def test_presets_compose_and_instantiate(preset, tmp_path):
    cfg = compose(preset, f"dataset.instruction_data={tmp_path / 'it.jsonl'}")
    assembler = build_from(cfg.dataset)
    assert isinstance(assembler, Assembler)
    assert isinstance(assembler.cfg, DatasetConfig)
    defaults = DatasetConfig()
    expected = {"drop_wrong": ("keep", "drop_wrong"), "replace_wrong": ("keep", "replace_wrong"),
                "input_only": ("task_types", "input"), "output_only": ("task_types", "output"),
                "half": ("fraction", 0.5), "multiturn": ("chat_format", "multiturn"),
                "stage2_ratio10_it": ("stage2_mix", "ratio"), "holdout10": ("holdout_fraction", 0.1)}
    if preset in TABLE4:
        assert (assembler.cfg.stage1_mix, assembler.cfg.stage2_mix) == TABLE4[preset]
    elif preset in expected:
        name, value = expected[preset]
        assert getattr(assembler.cfg, name) == value != getattr(defaults, name)
    else:
        assert assembler.cfg.keep == "all" and assembler.cfg.linking == defaults.linking


def test_stage2_preset_needs_instruction_data():
    cfg = compose("table4_codeio_then_codeio10it")
    with pytest.raises(Exception, match="instruction_data"):
        build_from(cfg.dataset)


@pytest.mark.parametrize("override, message", [
    ("dataset.keep=sometimes", "keep"),
    ("dataset.fraction=1.5", "fraction"),
    ("dataset.chat_format=xml", "chat_format"),
    ("dataset.stage2_mix=ratio", "instruction_data"),
])
def test_bad_values_fail_at_instantiation(override, message):
    cfg = compose("default", override)
    with pytest.raises(Exception, match=message):
        build_from(cfg.dataset)


def test_unknown_key_fails_at_composition():
    with pytest.raises(ConfigCompositionException):
        compose("default", "dataset.kep=all")


def test_linking_phrases_are_configurable(tmp_path):
    from tests.assemble.conftest import make_task

    cfg = compose("default", "dataset.linking.check=CHECKING:", "dataset.linking.wrong=RETRY.",
                  "dataset.decontam_benchmarks={}", "dataset.plots=false")
    row = make_task("fa", 0, "output", ["mismatch", "success"])
    samples, _, _ = build_from(cfg.dataset).run([row], tmp_path, 1, {})
    text = samples[0]["messages"][-1]["content"]
    assert text.count("CHECKING:") == 2 and text.count("RETRY.") == 1
