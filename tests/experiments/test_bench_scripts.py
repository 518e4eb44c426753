"""Every benchmark command documented under experiments/ runs, in miniature, and writes its figures in
the shared method's format (interleaved repetitions, medians, spreads, load, ratios refused when their
repetitions disagree)."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LOOSE = ["--max-spread", "100"]  # a miniature run times a few milliseconds: its ratios are noise by design


def run_script(script: str, *args: str, timeout: int = 600, status: int = 0) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, str(ROOT / "experiments" / script), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)
    assert done.returncode == status, done.stdout[-3000:] + done.stderr[-3000:]
    return done


def check_method(result: dict, methods: list[str]) -> None:
    assert result["method"]["repetitions"] == 3 and result["method"]["order"] == "interleaved"
    order = result["method"]["run_order"]  # whole runs in turn, or steps of every method in turn
    assert order[: len(methods)] == methods or order[0] == f"steps of {', '.join(methods)} in turn"
    for name in methods:
        stats = result["methods"][name]
        assert len(stats["rate"]["values"]) == 3 and stats["cpu_s"]["median"] >= 0
    assert {"load_average", "busy_loop_core_share"} <= set(result["method"]["before"])


@pytest.mark.slow
def test_bench_packing_measures_every_batching_mode(tmp_path, shared_data):
    out = tmp_path / "bench.json"
    run_script("training/bench_packing.py", "--samples", "12", "--max-length", "2048", "--preset", "tiny",
               "--vocab-size", "1024", "--threads", "1", "--steps-limit", "2", "--cache-dir", str(tmp_path / "cache"),
               "--out", str(out), *LOOSE)
    result = json.loads(out.read_text())
    modes = ["padding", "grouped", "packing", "packing-mask"]
    check_method(result, modes)
    wall = {"grouped / padding", "packing / padding", "packing-mask / padding", "packing / grouped"}
    assert set(result["ratios"]) == wall | {f"{name} (per CPU second)" for name in wall}
    assert result["response_tokens"]["p50"] > 100  # responses carry reasoning, not just the answer
    assert "| packing | varlen: per-sample SDPA |" in out.with_suffix(".md").read_text()


@pytest.mark.slow
def test_bench_openai_quick_and_full_table(tmp_path):
    out = tmp_path / "openai.json"
    run_script("teachers/bench_openai.py", "--concurrency", "1", "4", "--seconds", "0.2", "--out", str(out), *LOOSE)
    result = json.loads(out.read_text())
    clients = 6 if importlib.util.find_spec("openai") else 5  # the SDK's row needs the SDK installed
    assert len(result["cells"]) == clients * 2 and result["cells"][0]["req_per_s"]["median"] > 0
    assert "teacher (aiohttp) / raw aiohttp @ 4" in result["ratios"]
    quick = run_script("teachers/bench_openai.py", "--quick", "--concurrency", "2", "--seconds", "0.2", *LOOSE)
    assert "teacher (aiohttp) + cache" in quick.stdout


@pytest.mark.slow
def test_bench_openai_takes_no_ratio_between_cpu_bound_cells(tmp_path):
    # with the threshold at 0 every cell counts as CPU-bound: the record is written (nothing refused) and
    # says why each ratio was not taken instead of recording one
    out = tmp_path / "openai.json"
    run_script("teachers/bench_openai.py", "--concurrency", "4", "--seconds", "0.2", "--cpu-bound", "0",
               "--out", str(out), *LOOSE)
    result = json.loads(out.read_text())
    assert result["ratios"] == {}
    assert set(result["ratios_not_taken"]) == {"teacher (aiohttp) + cache / teacher (aiohttp) @ 4",
                                               "teacher (aiohttp) / raw aiohttp @ 4"}
    assert "CPU-bound" in out.with_suffix(".md").read_text()


@pytest.mark.slow
def test_bench_trace_times_plain_and_traced_passes(tmp_path, shared_data):
    out = tmp_path / "trace.json"
    run_script("trace/bench_trace.py", "--limit", "12", "--out", str(out), *LOOSE)
    result = json.loads(out.read_text())
    check_method(result, ["plain", "traced"])
    assert result["ms"]["tracing overhead"]["median"] > 0
    assert len(result["median_overhead_ms_per_repetition"]["values"]) == 3


@pytest.mark.slow
def test_bench_assemble_small(tmp_path, shared_data):
    out = tmp_path / "assemble.json"
    run_script("assemble/bench_assemble.py", "--limit", "200", "--copies", "1", "2", "--out", str(out))
    result = json.loads(out.read_text())
    check_method(result, ["copies=1", "copies=2"])
    assert result["outcomes"]["copies=2"]["identical_across_repetitions"]
    assert result["outcomes"]["copies=2"]["dedup"]["near"] > 0


@pytest.mark.slow
def test_cruxeval_scoring_small(tmp_path, shared_data):
    out = tmp_path / "crux.json"
    run_script("eval/cruxeval_scoring.py", "--limit", "20", "--reference", "--out", str(out), *LOOSE)
    result = json.loads(out.read_text())
    check_method(result, ["codeio output", "official output", "codeio input", "official input"])
    rows = {(r["scorer"], r["mode"]): r for r in result["rows"]}
    for mode in ("output", "input"):  # the two scorers agree exactly
        assert rows[("codeio (forkserver executor)", mode)]["pass@1"] == pytest.approx(
            rows[("official loop (oracle)", mode)]["pass@1"])
        assert rows[("codeio (forkserver executor)", mode)]["same_scores_every_repetition"]


@pytest.mark.slow
def test_sampling_stats_small(tmp_path, shared_data):
    out = tmp_path / "stats"
    run_script("sampling/run_stats.py", "--corpus", "rawcode_1k_parsed", "--limit", "15", "--repeat", "5",
               "--out", str(out))
    result = json.loads(out.with_suffix(".json").read_text())
    corpus = result["corpora"][0]
    assert corpus["identical_across_repetitions"] and corpus["same_seed_byte_identical"]
    assert len(corpus["wall_seconds"]["sample"]["values"]) == 3


@pytest.mark.slow
def test_bench_verify_small_and_refuses_unstable_ratios(tmp_path, shared_data):
    out = tmp_path / "verify"
    methods = ["--methods", "inprocess,paper,forkserver"]
    run_script("execution/bench_verify.py", "--limit", "12", "--blocks", "3", *methods, "--out", str(out), *LOOSE)
    result = json.loads(out.with_suffix(".json").read_text())
    check_method(result, ["inprocess", "paper", "forkserver"])
    forkserver = result["rows"]["forkserver"]
    assert len(forkserver["seconds_runs"]) == 3 and forkserver["agree_with_floor"] == 12
    assert forkserver["verdicts_stable_across_repetitions"]
    assert {"forkserver: speed-up vs paper", "forkserver: x (floor / cores)", "inprocess: speed-up vs paper",
            "paper: x (floor / cores)"} == set(result["ratios"])
    # rounds of a few milliseconds never agree within 0.01%: the script refuses and writes nothing
    refused = tmp_path / "refused"
    done = run_script("execution/bench_verify.py", "--limit", "12", *methods, "--out", str(refused),
                      "--max-spread", "0.0001", status=3)
    assert "NOT RECORDED" in done.stderr and not refused.with_suffix(".json").exists()


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0, reason="bench_overhead mounts, switches uid and makes cgroups: needs root")
def test_bench_overhead_small(tmp_path):
    out = tmp_path / "overhead"
    run_script("execution/bench_overhead.py", "--iterations", "20", "--blocks", "5", "--jobs", "20", "--out", str(out), *LOOSE)
    result = json.loads(out.with_suffix(".json").read_text())
    parts = result["parts"]
    assert len(parts["one more process per call"]["ms_runs"]) == 3
    assert "from the full template (numpy loaded): x baseline" in result["ratios"]
    assert parts["the same + loading the code"]["cpu_ms_median"] > 0
    assert result["executor"]["10-call job, plain (ms per job)"]["ms_median"] > 0


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0, reason="every executor sandboxes as root here")
def test_bench_call_cost_small(tmp_path):
    out = tmp_path / "call_cost"
    done = run_script("execution/bench_call_cost.py", "--checkout", f"new={ROOT}", "--checkout", f"same={ROOT}",
                      "--executors", "forkserver", "--steps", "1", "--calls", "10", "--out", str(out), *LOOSE)
    result = json.loads(out.with_suffix(".json").read_text())
    assert "1-call plain" in done.stdout and "10-call numpy" in done.stdout
    assert result["ratios"], "each checkout's calls per second over the reference's"


@pytest.mark.slow
def test_fork_floor_small(tmp_path):
    out = tmp_path / "floor"
    done = run_script("execution/fork_floor.py", "--forks", "20", "--steps", "2", "--out", str(out), *LOOSE)
    result = json.loads(out.with_suffix(".json").read_text())
    assert "bare interpreter" in done.stdout and len(result["per_fork"]) == 2
    check_method(result, list(result["methods"]))


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0, reason="every executor sandboxes as root here")
def test_agreement_of_a_checkout_with_itself(tmp_path, shared_data):
    out = tmp_path / "agreement"
    run_script("execution/agreement.py", "--reference", str(ROOT), "--demo", "5", "--generated", "3",
               "--seeds", "2", "--out", str(out))
    summary = json.loads(out.with_suffix(".json").read_text())["summary"]
    assert summary["generated"]["calls"] == 6 and summary["demo checks"]["calls"] > 0
    assert all(not row.get("the checkouts disagree") for row in summary.values())


@pytest.mark.slow
def test_compare_checkouts_runs_each_checkout_in_turn(shared_data):
    # the checkout against itself: identical counts in every pass, one table row per round
    done = run_script("sampling/compare_checkouts.py", "--old", str(ROOT), "--limit", "8", *LOOSE)
    rows = [line for line in done.stdout.splitlines() if line.startswith("| ") and line[2].isdigit()]
    assert len(rows) == 3
    assert "sample wall, new / old: median" in done.stdout and "counts, identical in every pass" in done.stdout

