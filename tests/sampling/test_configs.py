"""The YAML options of the groups this package owns compose and instantiate; typos fail naming the key."""

from __future__ import annotations

import pytest
from hydra import compose, initialize_config_dir
from hydra.errors import ConfigCompositionException

from codeio.config import register_configs
from tests.conftest import REPO_ROOT
from tests.helpers import build_from


@pytest.fixture(scope="module")
def composer():
    register_configs()
    with initialize_config_dir(config_dir=str(REPO_ROOT / "conf"), version_base=None):
        yield lambda overrides: compose("config", overrides=overrides)


def test_sampler_transform_and_importer_options(composer, tmp_path):
    cfg = composer(["sampler=paper", "transform.min_chars=10", "source=unified", f"source.path={tmp_path}/x.jsonl"])
    sampler = build_from(cfg.sampler)
    assert sampler.target_for("codemix") == 3 and sampler.target_for("pyedu_r") == 6
    assert sampler.target_for("anything") == 10
    assert build_from(cfg.transform).cfg.min_chars == 10
    assert cfg.source.path.endswith("x.jsonl") and cfg.source.name == "unified"
    cfg = composer(["source=reasoning_gym", "+sampler.pairs_per_source.mine=4", "sampler.seed=7"])
    sampler = build_from(cfg.sampler)
    assert sampler.target_for("mine") == 4 and sampler.seed == 7
    assert cfg.source.path is None


@pytest.mark.parametrize("override", ["sampler.max_cals=3", "transform.deny=[x]", "sampler.min_pairs=two"])
def test_typos_and_wrong_types_fail_at_start(composer, override):
    with pytest.raises(ConfigCompositionException):
        composer([override])
