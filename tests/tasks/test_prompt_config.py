"""Every conf/prompt option validates against its schema and builds a TaskBuilder."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hydra.utils import instantiate
from omegaconf import OmegaConf

from codeio.tasks import TaskBuilder
from codeio.tasks.config import BUNDLED_FORMATS, SCHEMAS

CONF = Path(__file__).resolve().parents[2] / "conf" / "prompt"
OPTIONS = sorted(p.stem for p in CONF.glob("*.yaml"))


def compose(option: str, **overrides):
    data = yaml.safe_load((CONF / f"{option}.yaml").read_text())
    defaults = data.pop("defaults")
    schema_name = defaults[0]
    assert defaults == [schema_name, "_self_"]
    schema = SCHEMAS["prompt"][schema_name]
    cfg = OmegaConf.merge(OmegaConf.structured(schema), data, overrides)
    OmegaConf.to_object(cfg)  # runs __post_init__ validation
    return cfg


def test_one_option_per_table3_row_plus_default():
    assert set(OPTIONS) == {"default", *BUNDLED_FORMATS}


@pytest.mark.parametrize("option", OPTIONS)
def test_option_builds(option):
    builder = instantiate(compose(option))
    assert isinstance(builder, TaskBuilder)
    expected = "query_code" if option == "default" else option
    assert builder.config.name == expected


def test_typo_and_bad_values_fail_naming_the_key():
    with pytest.raises(Exception, match="pairs_per_functon"):
        compose("default", pairs_per_functon=3)
    with pytest.raises(Exception, match="mix"):
        compose("default", mix="sometimes")
