"""Every experiment file (and the default) composes; the sweeps name real config keys; option files list
only what differs from their schema."""

from __future__ import annotations

import pytest
from omegaconf import OmegaConf

from tests.helpers import REPO_ROOT, compose_config
from tests.option_defaults import option_files, redundant_keys

EXPERIMENTS = sorted(p.stem for p in (REPO_ROOT / "conf" / "experiment").glob("*.yaml"))


def test_default_config_composes_and_validates():
    cfg = compose_config(["cache.dir=/tmp/codeio-test-cache"])
    assert cfg.name == "quickstart"
    assert list(cfg.stages)[0] == "collect" and list(cfg.stages)[-1] == "evaluate"
    OmegaConf.to_object(cfg)  # every schema's __post_init__ passes


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_experiment_composes(name):
    cfg = compose_config([f"+experiment={name}", "cache.dir=/tmp/codeio-test-cache"])
    assert cfg.name == name
    for group in ("source", "teacher", "sampler", "prompt", "revision", "dataset", "model", "trainer", "eval"):
        assert cfg[group] is not None, f"{name}: group {group} is empty"


@pytest.mark.parametrize("name", [n for n in EXPERIMENTS if n.startswith("ablation_")])
def test_ablation_sweeps_point_at_existing_keys_and_options(name):
    raw = OmegaConf.load(REPO_ROOT / "conf" / "experiment" / f"{name}.yaml")
    params = raw.hydra.sweeper.params
    assert params, f"{name} sweeps nothing"
    for key, values in params.items():
        for value in str(values).split(","):
            cfg = compose_config([f"+experiment={name}", f"{key}={value}", "cache.dir=/tmp/x"])
            if (REPO_ROOT / "conf" / key).is_dir():  # a group choice: the option file exists
                assert (REPO_ROOT / "conf" / key / f"{value}.yaml").is_file()
            else:
                assert str(OmegaConf.select(cfg, key)) == value


def test_experiments_are_documented():
    for name in EXPERIMENTS:
        text = (REPO_ROOT / "conf" / "experiment" / f"{name}.yaml").read_text()
        assert text.startswith("# @package _global_"), name
        assert "python -m codeio" in text, f"{name}: say the command that runs it"


@pytest.mark.parametrize(("group", "option"), option_files())
def test_option_files_list_only_what_differs(group, option):
    """Defaults live in the schema dataclasses; an option (or a preset extending a sibling) restates none."""
    assert redundant_keys(group, option) == [], (
        f"conf/{group}/{option}.yaml repeats values its base already has; delete those keys")


def test_redundant_key_detection_catches_a_restated_default(tmp_path, monkeypatch):
    """The check above would fail on a file that restates a default (here: sampler.seed: 0)."""
    import tests.option_defaults as od

    conf = tmp_path / "conf"
    (conf / "sampler").mkdir(parents=True)
    (conf / "sampler" / "restated.yaml").write_text("defaults:\n  - default_schema\n  - _self_\n\nseed: 0\nmax_calls: 5\n")
    monkeypatch.setattr(od, "CONF", conf)
    assert od.redundant_keys("sampler", "restated") == ["seed"]
