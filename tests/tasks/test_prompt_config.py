"""Every conf/prompt option validates against its schema and builds a TaskBuilder."""

from __future__ import annotations

from pathlib import Path

import pytest

from codeio.tasks import TaskBuilder
from codeio.tasks.config import BUNDLED_FORMATS, TEMPLATES_DIR
from tests.helpers import build_from, compose_config

CONF = Path(__file__).resolve().parents[2] / "conf" / "prompt"
OPTIONS = sorted(p.stem for p in CONF.glob("*.yaml"))


def compose(option: str, *overrides: str):
    return compose_config([f"prompt={option}", *overrides, "cache.dir=/tmp/codeio-test-cache"]).prompt


def test_prompt_formats_are_the_templates_and_each_has_an_option():
    assert BUNDLED_FORMATS == tuple(sorted(p.stem for p in TEMPLATES_DIR.glob("*.yaml")))
    assert set(OPTIONS) == {"default", *BUNDLED_FORMATS}


@pytest.mark.parametrize("option", OPTIONS)
def test_option_builds(option):
    builder = build_from(compose(option))
    assert isinstance(builder, TaskBuilder)
    expected = "query_code" if option == "default" else option
    assert builder.config.name == expected


def test_typo_and_bad_values_fail_naming_the_key():
    with pytest.raises(Exception, match="pairs_per_functon"):
        compose("default", "prompt.pairs_per_functon=3")
    with pytest.raises(Exception, match="mix"):
        build_from(compose("default", "prompt.mix=sometimes"))
