"""Every ablation sweep of conf/experiment/ runs end to end in miniature with Hydra's basic launcher:
tiny corpus, trace teacher (and the local OpenAI-compatible server where a sweep needs an LLM), tiny
model, a few training steps. Each sweep point must produce its results row, and each stage must run
once per distinct upstream configuration (every later point with the same stage key is a cache hit)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from codeio.testing.openai_server import FakeOpenAIServer
from tests.helpers import REPO_ROOT, run_cli, run_module

ABLATIONS = sorted(p.stem for p in (REPO_ROOT / "conf" / "experiment").glob("ablation_*.yaml"))

MINIATURE = [
    "source=bundled", "source.limit=4", "sampler=paper_uniform", "sampler.pairs_per_function=3",
    "teacher=trace", "model=tiny", "trainer=tiny", "trainer.max_steps=2", "trainer.stage2.max_steps=2",
    "trainer.max_length=1024", "trainer.micro_batch_size=1", "trainer.global_batch_size=2",
    "trainer.stage2.global_batch_size=1", "eval=default", "eval.cruxeval.limit=2", "eval.holdout.limit=4",
    "eval.generation.max_new_tokens=16", "dataset.holdout_fraction=0.25", "progress=false",
]


def answer_with_truth(request: dict) -> str:
    """A scripted LLM for the teacher sweep: always answers with a JSON object (verified as it comes)."""
    return 'Reasoning in words.\n```json\n{"output": 0}\n```'


def sweep_points(sweep_dir: Path) -> list[dict]:
    points = sorted((p for p in sweep_dir.iterdir() if p.is_dir() and p.name.isdigit()), key=lambda p: int(p.name))
    return [json.loads((p / "summary.json").read_text()) for p in points]


@pytest.mark.slow
@pytest.mark.timeout(1800)
@pytest.mark.parametrize("name", ABLATIONS)
def test_ablation_sweep_in_miniature(name, tmp_path):
    params = OmegaConf.load(REPO_ROOT / "conf" / "experiment" / f"{name}.yaml").hydra.sweeper.params
    extra: list[str] = []
    server = None
    if name == "ablation_teacher":
        # The LLM point talks to the local server on the port conf/teacher/openai.yaml points at (a local
        # `vllm serve`), instead of a paid API or a GPU.
        try:
            server = FakeOpenAIServer(responder=answer_with_truth, port=8000).start()
        except OSError:
            pytest.skip("port 8000 is taken; the teacher sweep's openai point needs it")
        extra = ["teacher=trace,openai"]  # the command line's sweep replaces the file's
        params = {"teacher": "trace,openai"}
    try:
        sweep = run_miniature_sweep(name, tmp_path, extra)
    finally:
        if server is not None:
            server.stop()
    check_miniature_sweep(sweep, tmp_path, params)


def run_miniature_sweep(name: str, tmp_path: Path, extra: list[str], timeout: float = 1700) -> Path:
    """``python -m codeio -m +experiment=NAME`` in miniature (``MINIATURE``) plus ``extra`` overrides (a
    launcher, a command-line sweep); the cache in ``tmp_path/cache``. Returns the sweep directory."""
    instruction = tmp_path / "it.jsonl"
    instruction.write_text("".join(json.dumps({"messages": [{"role": "user", "content": f"Say {i}."},
                                                            {"role": "assistant", "content": f"{i}."}]}) + "\n"
                                   for i in range(16)))
    sweep = tmp_path / "sweep"
    replaced = {o.split("=", 1)[0] for o in extra}
    miniature = [o for o in MINIATURE if o.split("=", 1)[0] not in replaced]
    proc = run_cli(["-m", f"+experiment={name}", *miniature, f"dataset.instruction_data={instruction}",
                    f"cache.dir={tmp_path / 'cache'}", f"hydra.sweep.dir={sweep}", *extra], timeout=timeout)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    return sweep


def check_miniature_sweep(sweep: Path, tmp_path: Path, params) -> None:
    """Every point produced its results row; each stage ran once per distinct key (every other point
    with that key was a cache hit); the upstream of the swept setting is shared; the aggregator merges
    the sweep into one table."""
    summaries = sweep_points(sweep)
    expected_points = 1
    for values in params.values():
        expected_points *= len(str(values).split(","))
    assert len(summaries) == expected_points
    rows_per_point = []
    for point in range(len(summaries)):
        results = sweep / str(point) / "stages" / "evaluate" / "results.json"
        table = json.loads(results.read_text())
        assert len(table["rows"]) >= 1, f"point {point} has no results row"
        rows_per_point.append(len(table["rows"]))
    # points may run at once (on SLURM), so the one that computed a key is not always the first
    for stage in summaries[0]["stages"]:
        by_key: dict[str, list[str]] = {}
        for summary in summaries:
            rep = summary["stages"][stage]
            by_key.setdefault(rep["key"], []).append(rep["cache"])
        for key, caches in by_key.items():
            assert sorted(caches) == ["hit"] * (len(caches) - 1) + ["miss"], (stage, key, caches)
        entries = [p for p in (tmp_path / "cache" / stage).iterdir() if not p.name.startswith(".")]
        assert len(entries) == len(by_key), stage
    assert len({s["stages"]["collect"]["key"] for s in summaries}) == 1
    assert len({s["stages"]["sample"]["key"] for s in summaries}) == 1

    proc = run_module("codeio.eval.aggregate", [str(sweep), "--out", str(tmp_path / "agg")])
    assert proc.returncode == 0, proc.stderr[-2000:]
    merged = json.loads((tmp_path / "agg" / "results.json").read_text())
    assert len(merged["rows"]) == sum(rows_per_point)  # one row per checkpoint of every point
