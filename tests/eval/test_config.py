"""The ``eval`` presets compose, validate and reach the runner; bad values fail at start-up."""

from __future__ import annotations

import dataclasses

import pytest
import yaml

from codeio.eval import to_eval_config
from codeio.eval.config import BENCHMARKS, TABLE1_BENCHMARKS, CruxEvalConfig, EvalConfig, GenerationConfig
from tests.helpers import compose_config, run_cli


@pytest.mark.parametrize("preset", ["default", "paper"])
def test_presets_compose(preset):
    cfg = compose_config([f"eval={preset}", "cache.dir=/tmp/codeio-test-cache"])
    ev = to_eval_config(cfg.eval)
    assert isinstance(ev, EvalConfig) and isinstance(ev.generation, GenerationConfig)
    assert ev.cruxeval.shots == 0  # zero-shot, as the paper evaluates
    if preset == "default":
        assert ev.benchmarks == ["cruxeval_o", "codeio_holdout"] and ev.cruxeval.limit == 20
        assert ev.paper_row is None
    else:
        assert ev.benchmarks == list(BENCHMARKS) and ev.cruxeval.limit is None
        assert ev.lm_eval.apply_chat_template and ev.lm_eval.multiple_choice == "generate"
        assert ev.generation.backend == ev.generation.device == ev.generation.dtype == "auto"


def test_codeio_experiment_lists_all_14_benchmarks_and_names_its_paper_row():
    """The documented command: ``python -m codeio +experiment=codeio --cfg job``."""
    proc = run_cli(["+experiment=codeio", "--cfg", "job"], timeout=120)
    assert proc.returncode == 0, proc.stderr
    job = yaml.safe_load(proc.stdout)
    assert set(TABLE1_BENCHMARKS) <= set(job["eval"]["benchmarks"]) and len(TABLE1_BENCHMARKS) == 14
    assert job["eval"]["benchmarks"][:14] == list(TABLE1_BENCHMARKS)
    for name, row in (("codeio", "qwen2.5-coder-7b/codeio"), ("codeio_pp", "qwen2.5-coder-7b/codeio_pp")):
        cfg = compose_config([f"+experiment={name}", "cache.dir=/tmp/codeio-test-cache"])
        assert to_eval_config(cfg.eval).paper_row == row
    llama = compose_config(["+experiment=codeio", "model=llama3_1_8b", "cache.dir=/tmp/codeio-test-cache"])
    assert to_eval_config(llama.eval).paper_row == "llama-3.1-8b/codeio"


def test_missing_benchmark_data_is_named_at_start_up():
    ev = to_eval_config(compose_config(["eval=paper", "eval.zebralogic.data_path=/data/z.jsonl"]).eval)
    with pytest.raises(ValueError) as err:
        ev.check_data_paths()
    message = str(err.value)
    for key in ("eval.leetcode_o.data_path", "eval.bbh_zh.data_path", "eval.korbench.data_path",
                "eval.livebench.data_path"):
        assert key in message
    assert "zebralogic" not in message
    to_eval_config(compose_config(["eval=default"]).eval).check_data_paths()  # quickstart needs none


def test_speed_settings_stay_out_of_cache_keys():
    fast = {f.name for f in dataclasses.fields(GenerationConfig) if f.metadata.get("affects_output") is False}
    assert {"backend", "device", "batch_size", "cache", "cache_dir", "tensor_parallel_size"} <= fast
    assert not {"dtype", "max_new_tokens", "temperature", "chat_template", "system"} & fast


def test_bad_values_fail_naming_the_key():
    with pytest.raises(Exception, match="limt"):
        compose_config(["eval=default", "eval.cruxeval.limt=3"])
    with pytest.raises(ValueError, match="unknown"):
        EvalConfig(benchmarks=["cruxeval_o", "humaneval"])
    with pytest.raises(ValueError, match="prompt_style"):
        CruxEvalConfig(prompt_style="fewshot")
    with pytest.raises(ValueError, match="cruxeval.shots"):
        CruxEvalConfig(shots=3)
    with pytest.raises(ValueError, match="cruxeval.prompt_style"):
        to_eval_config({"cruxeval": {"prompt_style": "fewshot"}})
    with pytest.raises(ValueError, match="eval.korbench.categories"):
        to_eval_config({"korbench": {"categories": ["math"]}})
    with pytest.raises(ValueError, match="eval.lm_eval.multiple_choice"):
        to_eval_config({"lm_eval": {"multiple_choice": "mc"}})
