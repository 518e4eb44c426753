"""One measured run of the pipeline's CPU stages on a slice of a real corpus, stage by stage.

What ``bench_costs.py`` (the plan's inputs) and ``validate.py`` (the plan's check) both run: the
reasoning-gym corpus (unified functions with input generators, derived from the paper's PyEdu-R release)
cut to its first ``limit`` rows, through collect, transform (import, static checks, smoke run), sample,
tasks, respond (the execution-trace teacher: no model), verify, revise and assemble, with the paper's
settings (``+experiment=codeio``) wherever a CPU stage has one. Each stage runs as its own
``stages=[<stage>]`` pipeline run in this process, on a fresh cache shared by the steps, so that each is
timed on its own: wall seconds, CPU seconds of the whole process tree (sandbox workers and their
children included), the executions it sent to the sandbox, rows in and out, and the bytes its cache entry
holds on disk.
"""

from __future__ import annotations

import contextlib
import io
import os
import statistics
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]

from codeio.shared_data import shared_data_path  # noqa: E402
from experiments.benchmethod import Stopwatch  # noqa: E402

CPU_STAGES = ("collect", "transform", "sample", "tasks", "respond", "verify", "revise", "assemble")
"""The stages a slice runs, in order (train and evaluate need a GPU at the paper's size)."""

CORPUS = "reasoning_gym/codeio.json.gz"
SOURCE_NAME = "pyedu_r"
"""The reasoning-gym functions come from the paper's PyEdu-R release: their rows carry that corpus name."""
PAIRS_PER_FUNCTION = 6
"""The paper's pair count for PyEdu-R (PAPER.md step 3)."""


def slice_overrides(limit: int, extra: list[str] | tuple[str, ...] = ()) -> list[str]:
    """The pipeline settings of a slice of ``limit`` rows: the paper's (``+experiment=codeio``) for every
    CPU stage, the reasoning-gym corpus as PyEdu-R with its 6 pairs per function, the trace teacher for
    the answers, and ``dataset=default`` (the paper's samples without the stage-2 instruction mix, which
    needs instruction data); ``extra`` overrides come last."""
    return ["+experiment=codeio", "source=reasoning_gym", f"source.path={shared_data_path(CORPUS)}",
            f"source.name={SOURCE_NAME}", "sampler=paper_uniform", f"sampler.pairs_per_function={PAIRS_PER_FUNCTION}",
            "teacher=trace", "dataset=default", f"collect.limit={limit}", "progress=false", *extra]


def compose(overrides: list[str]):
    """The pipeline config of ``overrides``, composed as ``python -m codeio`` (and the plan) compose it."""
    from codeio.plan.__main__ import compose as compose_config

    return compose_config("config", overrides)


@contextlib.contextmanager
def counted_executions(counter: Counter):
    """Count the jobs and calls every executor built meanwhile is sent (a call = one execution in a
    sandbox child); the executor itself is untouched."""
    import codeio.execution as execution

    original = execution.build_executor

    def build_counting(cfg):
        executor = original(cfg)
        run = executor.run

        def counting_run(jobs):
            counter["jobs"] += len(jobs)
            counter["calls"] += sum(len(job.calls) for job in jobs)
            return run(jobs)

        executor.run = counting_run
        return executor

    execution.build_executor = build_counting
    try:
        yield counter
    finally:
        execution.build_executor = original


def tree_bytes(path: Path) -> int:
    """Bytes of every file below ``path`` (apparent sizes: what the rows take, not block rounding)."""
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(root, name)).st_size
    return total


def run_stage(stage: str, overrides: list[str], cache_dir: Path, run_dir: Path) -> dict[str, Any]:
    """Run one stage (its upstream already cached) and measure it."""
    from codeio.__main__ import build_pipeline

    cfg = compose([*overrides, f"stages=[{stage}]", f"cache.dir={cache_dir}"])
    pipeline = build_pipeline(cfg, run_dir / stage)
    counter: Counter = Counter()
    responses = cache_dir / "responses"
    responses_before = tree_bytes(responses)
    with counted_executions(counter), contextlib.redirect_stdout(io.StringIO()), Stopwatch() as watch:
        summary = pipeline.run()
    report = summary["stages"][stage]
    if report.get("status") != "done":
        raise RuntimeError(f"stage {stage} did not finish: {report}")
    store = pipeline.store(stage)
    out = {"wall_s": round(watch.wall_s, 3), "cpu_s": round(watch.cpu_s, 3), "stage_seconds": report["seconds"],
           "rows_in": report["rows_in"], "rows_out": report["rows_out"], "rejected": report.get("rejected", {}),
           "set_aside": report.get("set_aside", {}), "executions": counter["calls"], "jobs": counter["jobs"],
           "bytes": tree_bytes(store.dir), "chunked": pipeline.stages[stage].chunked,
           "stats": _small_stats(report.get("stats") or {})}
    if stage == "respond":
        out["response_cache_bytes"] = tree_bytes(responses) - responses_before
    return out


def _small_stats(stats: dict[str, Any]) -> dict[str, Any]:
    keep = ("functions", "pairs", "pairs_per_function_mean", "tasks_by_kind", "counts", "verdicts", "correct_rate")
    return {k: v for k, v in stats.items() if k in keep}


def run_slice(limit: int, work_dir: Path, extra: list[str] | tuple[str, ...] = ()) -> dict[str, Any]:
    """Every CPU stage on the first ``limit`` rows, in ``work_dir`` (a fresh cache), stage by stage."""
    overrides = slice_overrides(limit, extra)
    cache_dir, run_dir = work_dir / "cache", work_dir / "runs"
    stages = {stage: run_stage(stage, overrides, cache_dir, run_dir) for stage in CPU_STAGES}
    return {"limit": limit, "overrides": overrides, "stages": stages, "cache_dir": str(cache_dir)}


def stage_output(cache_dir: Path, stage: str) -> Path:
    """The one output folder of ``stage`` in a slice's cache (the pipeline's lock folder, ``.locks``,
    lies beside it)."""
    entries = [p for p in (cache_dir / stage).iterdir() if p.is_dir() and not p.name.startswith(".")]
    if len(entries) != 1:
        raise RuntimeError(f"expected one output of {stage} in {cache_dir}, found {[p.name for p in entries]}")
    return entries[0]


def task_texts(cache_dir: Path) -> dict[str, list[str]]:
    """Prompts, turn-1 responses and task kinds of a finished slice (its ``respond`` output)."""
    import datasets

    entry = stage_output(cache_dir, "respond")
    ds = datasets.load_from_disk(str(entry / "data"))
    return {"prompts": list(ds["prompt"]), "responses": [r[0] for r in ds["responses"] if r],
            "kinds": list(ds["kind"])}


def wrong_answer_feedback(cache_dir: Path, overrides: list[str]) -> dict[str, Any]:
    """Feedback texts for wrong answers, as the verifier writes them: every task of the slice answered
    with another pair's answer of the same function and kind (so most are wrong; an input prediction is
    executed). Gives the feedback's length that a revision turn carries, measured, not guessed."""
    import datasets

    from codeio.execution import build_executor
    from codeio.schema import build
    from codeio.verify import VerifyItem

    cfg = compose([*overrides, f"cache.dir={cache_dir}"])
    from omegaconf import OmegaConf

    entry = stage_output(cache_dir, "tasks")
    ds = datasets.load_from_disk(str(entry / "data"))
    by_function: dict[tuple[str, str], list[dict]] = {}
    for row in ds:
        by_function.setdefault((row["function_id"], row["kind"]), []).append(row)
    items = []
    for rows in by_function.values():
        for i, row in enumerate(rows):
            other = rows[(i + 1) % len(rows)]
            answer = other["output_json"] if row["kind"] == "output" else other["input_json"]
            response = f"Reasoning omitted.\n```json\n{{\"{row['kind']}\": {answer}}}\n```"
            items.append(VerifyItem(refcode=row["refcode"], funcname=row["funcname"], kind=row["kind"],
                                    input_json=row["input_json"], output_json=row["output_json"], response=response))
    verifier = build(OmegaConf.to_object(cfg.verifier))
    with build_executor(OmegaConf.to_object(cfg.executor)) as executor:
        verdicts = verifier.verify(items, executor)
    wrong = [v.feedback for v in verdicts if v.status != "success" and v.feedback]
    return {"answers": len(items), "wrong": len(wrong),
            "feedback_chars_mean": round(statistics.fmean(len(f) for f in wrong), 1) if wrong else 0.0,
            "texts": wrong}
