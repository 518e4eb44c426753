"""The ``eval`` presets compose, validate and reach the runner; bad values fail at start-up."""

from __future__ import annotations

import pytest

from codeio.eval import to_eval_config
from codeio.eval.config import BENCHMARKS, CruxEvalConfig, EvalConfig, GenerationConfig
from tests.helpers import compose_config


@pytest.mark.parametrize("preset", ["default", "paper"])
def test_presets_compose(preset):
    cfg = compose_config([f"eval={preset}", "cache.dir=/tmp/codeio-test-cache"])
    ev = to_eval_config(cfg.eval)
    assert isinstance(ev, EvalConfig) and isinstance(ev.generation, GenerationConfig)
    if preset == "default":
        assert ev.benchmarks == ["cruxeval_o", "codeio_holdout"] and ev.cruxeval.limit == 20
    else:
        assert ev.benchmarks == list(BENCHMARKS) and ev.cruxeval.limit is None


def test_bad_values_fail_naming_the_key():
    with pytest.raises(Exception, match="limt"):
        compose_config(["eval=default", "eval.cruxeval.limt=3"])
    with pytest.raises(ValueError, match="unknown"):
        EvalConfig(benchmarks=["cruxeval_o", "humaneval"])
    with pytest.raises(ValueError, match="prompt_style"):
        CruxEvalConfig(prompt_style="fewshot")
    with pytest.raises(ValueError, match="cruxeval.prompt_style"):
        to_eval_config({"cruxeval": {"prompt_style": "fewshot"}})
