"""``python -m codeio.plan``: every stage planned from a recorded benchmark, figures that scale as they
should, every input labelled measured / assumed / config, and misconfigurations stopped at start-up.

The recorded input is ``costs_miniature.json``: a real run of ``experiments/plan/bench_plan.py --small 4
--size 8`` (the command is in the file), so the tests do not depend on the full record's numbers.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from codeio.plan.__main__ import main, make_plan
from tests.helpers import REPO_ROOT

COSTS = Path(__file__).with_name("costs_miniature.json")
PAPER = ["+experiment=codeio_pp", "source.source_field=corpus", f"plan.costs={COSTS}"]
SLICE = ["+experiment=codeio", "source=reasoning_gym", "source.name=pyedu_r", "sampler=paper_uniform",
         "sampler.pairs_per_function=6", "teacher=trace", "dataset=default", "scale=slice", f"plan.costs={COSTS}"]
CPU_STAGES = ("collect", "transform", "sample", "tasks", "respond", "verify", "revise", "assemble")


def stages(args: list[str]) -> dict:
    plan, _, _ = make_plan(args)
    return {s.stage: s for s in plan.stages}


def test_cli_prints_every_stage_and_writes_json(tmp_path):
    out = tmp_path / "plan.json"
    done = subprocess.run([sys.executable, "-m", "codeio.plan", *PAPER, "cluster.nodes=64", "cluster.cores_per_node=64",
                           "cluster.gpus=64", f"plan.out={out}"], cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    for stage in (*CPU_STAGES, "train stage 1", "train stage 2", "**total**"):
        assert f"| {stage} |" in done.stdout, stage
    plan = json.loads(out.read_text())
    assert set(plan["stages"]) == {*CPU_STAGES, "train stage 1", "train stage 2"}
    assert {i["basis"] for i in plan["inputs"].values()} == {"measured", "assumed", "config"}
    assert plan["inputs"]["teacher_decode_tokens_per_gpu_s"]["basis"] == "assumed"
    assert plan["inputs"]["sample:cpu_s_per_execution"]["basis"] == "measured"
    assert plan["costs"]["command"].startswith("python experiments/plan/bench_plan.py")
    # the paper's size: 810.5K raw files rewritten once each, about 3.5M tasks answered, one revision turn
    assert plan["stages"]["transform"]["work"]["teacher calls"] == 810_500
    assert 3.0e6 < plan["stages"]["respond"]["work"]["teacher calls"] < 4.5e6
    assert plan["stages"]["revise"]["work"]["teacher calls"] == pytest.approx(
        0.5 * plan["stages"]["respond"]["work"]["teacher calls"])
    assert all(s["wall_s"] is not None for s in plan["stages"].values())


def test_twice_the_functions_is_twice_the_work():
    one, two = stages([*SLICE, "scale.raw_files.pyedu_r=1000"]), stages([*SLICE, "scale.raw_files.pyedu_r=2000"])
    assert two["sample"].work["executions"] == pytest.approx(2 * one["sample"].work["executions"])
    assert two["tasks"].work["tasks"] == pytest.approx(2 * one["tasks"].work["tasks"])
    for stage in CPU_STAGES:  # the variable part doubles; the fixed start-up cost does not
        assert one[stage].cpu_s < two[stage].cpu_s <= 2 * one[stage].cpu_s + 1e-9, stage
        assert 1.8 * one[stage].cpu_s < two[stage].cpu_s or one[stage].cpu_s < 5, stage


def test_revision_turns_set_the_revision_calls():
    calls = {turns: stages([*PAPER, f"revision.turns={turns}"])["revise"].work.get("teacher calls", 0.0)
             for turns in (0, 1, 3)}
    tasks = stages(PAPER)["respond"].work["teacher calls"]
    assert calls[0] == 0
    assert calls[1] == pytest.approx(0.5 * tasks)  # PAPER.md: ~50% right at turn 1
    fix = 0.5 * 0.16 + 0.5 * 0.10
    assert calls[3] == pytest.approx(0.5 * tasks * (1 + (1 - fix) + (1 - fix) ** 2))
    assert stages([*PAPER, "plan.teacher.turn1_correct_rate=0.8"])["revise"].work["teacher calls"] == pytest.approx(0.2 * tasks)


def test_the_cluster_changes_wall_time_not_core_or_gpu_hours():
    small = stages([*PAPER, "cluster.nodes=1", "cluster.gpus=8"])
    big = stages([*PAPER, "cluster.nodes=8", "cluster.gpus=64"])
    for name in small:
        assert big[name].cpu_s == pytest.approx(small[name].cpu_s) and big[name].gpu_s == pytest.approx(small[name].gpu_s)
    assert big["sample"].wall_s < small["sample"].wall_s / 7  # sharded over 8x the cores
    assert big["assemble"].wall_s == pytest.approx(small["assemble"].wall_s)  # one process either way
    assert big["respond"].wall_s == pytest.approx(small["respond"].wall_s / 8)
    none = stages([*PAPER, "cluster.gpus=0"])
    assert none["respond"].wall_s is None and none["respond"].gpu_s > 0


def test_sampler_and_prompt_settings_shape_the_plan():
    base = stages(PAPER)
    more = stages([*PAPER, "sampler.pairs_per_source.codemix=6"])
    assert more["sample"].work["pairs"] > base["sample"].work["pairs"]
    capped = stages([*PAPER, "sampler.max_calls=1"])
    assert capped["sample"].work["executions"] < base["sample"].work["executions"]
    one_kind = stages([*PAPER, "prompt.mix=output"])
    assert one_kind["tasks"].work["tasks"] == pytest.approx(base["tasks"].work["tasks"] / 2)
    assert one_kind["verify"].work["executions"] == 0  # output predictions are compared, not run


def test_a_trace_teacher_needs_no_gpu_and_uses_measured_rates():
    plan = stages([*SLICE, "scale.raw_files.pyedu_r=400", "revision.turns=1"])
    assert all(s.gpu_s == 0 for name, s in plan.items() if not name.startswith("train"))
    assert plan["revise"].work["revision calls"] == 0  # the trace teacher is right by construction (measured)


def test_assumptions_are_labelled_as_such():
    plan, _, _ = make_plan([*PAPER, "plan.teacher.response_tokens=500"])
    assert plan.inputs["response_tokens"].basis == "assumed" and plan.inputs["response_tokens"].value == 500
    plan, _, _ = make_plan(PAPER)
    assert plan.inputs["response_tokens"].basis == "measured"
    assert "stand-in" in plan.inputs["response_tokens"].source
    plan, _, _ = make_plan([*PAPER, "teacher.sampling.max_tokens=100"])
    assert any("capped" in w for w in plan.warnings)


def test_token_counts_without_a_tokenizer_are_an_assumption(tmp_path):
    costs = json.loads(COSTS.read_text())
    costs["text"].update(tokenizer=None, chars_per_token=3.5, chars_per_token_source="assumed: --chars-per-token 3.5")
    path = tmp_path / "costs.json"
    path.write_text(json.dumps(costs))
    plan, _, _ = make_plan([*PAPER, f"plan.costs={path}"])
    assert plan.inputs["chars_per_token"].basis == "assumed"
    plan, _, _ = make_plan(PAPER)
    assert plan.inputs["chars_per_token"].basis == "measured" and "Qwen2.5" in plan.inputs["chars_per_token"].source


def test_settings_unlike_the_benchmark_are_pointed_out():
    plan, _, _ = make_plan([*PAPER, "sampler.timeout=10"])
    assert any("sampler.timeout=10.0" in w for w in plan.warnings)
    plan, _, _ = make_plan(PAPER)
    assert not any("differ from the benchmark" in w for w in plan.warnings)


@pytest.mark.parametrize(("args", "message"), [
    (["plan.costs=/nonexistent/costs.json"], "python experiments/plan/bench_plan.py"),
    (["cluster.nodez=3"], "nodez"),
    (["cluster.nodes=0"], "cluster.nodes must be >= 1"),
    (["cluster.train_flops_utilisation=1.5"], "cluster.train_flops_utilisation"),
    (["scale.functions.codemix=500000"], "scale.functions.codemix"),
    (["source.source_field=null"], "source.source_field"),
    (["sampler.max_calls=0"], "sampler.max_calls"),
])
def test_misconfiguration_stops_at_start_up(args, message, capsys):
    assert main([*PAPER, *args]) == 2
    err = capsys.readouterr().err
    assert "configuration error" in err and message in err, err


def test_a_costs_file_of_another_kind_is_refused(tmp_path, capsys):
    bad = tmp_path / "costs.json"
    bad.write_text(json.dumps({"format": "something-else"}))
    assert main([*PAPER, f"plan.costs={bad}"]) == 2
    assert "bench_plan.py" in capsys.readouterr().err
    partial = json.loads(COSTS.read_text())
    del partial["yields"]["executions_per_pair"]
    bad.write_text(json.dumps(partial))
    assert main([*PAPER, f"plan.costs={bad}"]) == 2
    assert "yields.executions_per_pair" in capsys.readouterr().err


@pytest.mark.slow
def test_bench_plan_in_miniature(tmp_path, shared_data):
    """The benchmark command measures every stage, writes the plan's inputs, and checks the plan against
    a real 2x run (a miniature: 4 / 8 / 16 rows, ratios not held to 10%)."""
    done = subprocess.run([sys.executable, "experiments/plan/bench_plan.py", "--small", "4", "--size", "8",
                           "--max-spread", "100", "--out-dir", str(tmp_path)], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    costs = json.loads((tmp_path / "costs.json").read_text())
    assert costs["method"]["repetitions"] == 3 and set(costs["stages"]) == set(CPU_STAGES)
    assert costs["stages"]["sample"]["cpu_s"]["per_unit"] > 0 and costs["yields"]["executions_per_pair"] > 1
    validation = json.loads((tmp_path / "validation.json").read_text())
    assert set(validation["stages"]) == set(CPU_STAGES)
    assert validation["command"].startswith("python -m codeio.plan")
    assert "| sample |" in (tmp_path / "validation.md").read_text()
    plan, _, _ = make_plan([*PAPER, f"plan.costs={tmp_path / 'costs.json'}"])
    assert plan.totals()["cpu_s"] > 0
