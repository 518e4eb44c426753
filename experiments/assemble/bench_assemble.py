"""Measure the assembler on real prompts: the paper's 464 demo functions (../shared/data) -> tasks.

    python experiments/assemble/bench_assemble.py [--copies 1 4] [--repetitions 3] [--out FILE.json]

Pairs come from ``codeio_reference/rawcode_1k_parsed.jsonl`` (recorded by the paper's pipeline), prompts
from the ``tasks`` stage's builder (bundled ``query_code`` template; ``experiments/demo_data.py``). Turns
are simulated with a seeded coin (turn 1 correct with p=0.5, a revision fixes p=0.13), since no teacher
runs here: the figures are about the assembler's speed, the duplicate counts and the CRUXEval 13-gram
overlap of real prompts. ``--copies N`` repeats the task set N times under new function ids with the
first word of each prompt changed (scale test: every copy is a near duplicate of its original, so near
dedup must remove them). The sizes run interleaved, ``--repetitions`` times each
(``experiments/benchmethod.py``); prints a table and writes ``bench_assemble.json`` / ``.md`` here.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from experiments.benchmethod import (  # noqa: E402
    MIN_REPETITIONS,
    Stopwatch,
    interleave,
    median_cell,
    record,
    state_line,
)
from experiments.demo_data import SHARED, demo_tasks  # noqa: E402


def simulated_turns(tasks: list[dict], copies: int = 1, seed: int = 0) -> list[dict]:
    """The tasks ``copies`` times (copies after the first are near duplicates), with seeded verdicts."""
    rng = random.Random(seed)
    out = []
    for copy in range(copies):
        for task in tasks:
            row = dict(task, function_id=f"{task['function_id']}-c{copy}", task_id=f"{task['task_id']}-c{copy}")
            if copy:  # one word changed: no longer an exact copy, still a near duplicate
                row["prompt"] = f"Variant{copy} " + task["prompt"].split(" ", 1)[-1]
            statuses = ["success"] if rng.random() < 0.5 else (
                ["mismatch", "success"] if rng.random() < 0.13 else ["mismatch", "mismatch"])
            row["responses"] = [f"Reasoning about the {row['kind']} step by step (turn {t + 1})."
                                for t in range(len(statuses))]
            row["finish_reasons"] = ["stop"] * len(statuses)
            row["statuses"] = statuses
            row["feedbacks"] = [f"feedback {s}" for s in statuses]
            row["answers_json"] = ["null"] * len(statuses)
            out.append(row)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--repetitions", type=int, default=MIN_REPETITIONS)
    parser.add_argument("--limit", type=int, default=None, help="only the first N tasks (smoke runs)")
    parser.add_argument("--out", type=Path, default=HERE / "bench_assemble.json")
    args = parser.parse_args()
    from codeio.assemble.assembler import Assembler
    from codeio.assemble.config import DatasetConfig

    base = demo_tasks()[: args.limit]
    crux = SHARED / "cruxeval" / "cruxeval.jsonl"
    outcomes: dict[int, list[dict]] = {n: [] for n in args.copies}

    def assemble(copies: int):
        def run():
            tasks = simulated_turns(base, copies)
            assembler = Assembler(DatasetConfig(decontam_benchmarks={"cruxeval": str(crux)},
                                                holdout_fraction=0.05))
            with tempfile.TemporaryDirectory(prefix="assemble-bench-") as out_dir, Stopwatch() as watch:
                samples, rejected, stats = assembler.run(tasks, Path(out_dir), 1, {})
            decon = stats["decontamination"]["cruxeval"]
            outcomes[copies].append({
                "tasks_in": len(tasks), "samples": len(samples), "rejected": dict(rejected),
                "dedup": {k: v for k, v in stats["dedup"].items() if k != "near_rule"},
                "cruxeval": {k: decon.get(k) for k in ("items", "items_touched", "item_overlap_rate",
                                                        "samples_flagged", "sample_overlap_rate")},
                "token_lengths": stats["token_lengths"]})
            return watch.sample(work=len(tasks))
        return run

    comparison = interleave({f"copies={n}": assemble(n) for n in args.copies}, repetitions=args.repetitions)
    result = {"command": "python experiments/assemble/bench_assemble.py " + " ".join(sys.argv[1:]),
              **comparison.to_dict(), "outcomes": {}}
    lines = ["| tasks in | samples | wall s median (spread) | CPU s | tasks/s | exact dup | near dup | "
             "CRUXEval samples flagged | CRUXEval items touched |", "|---|---|---|---|---|---|---|---|---|"]
    for n in args.copies:
        first = outcomes[n][0]
        identical = all(o == first for o in outcomes[n])
        result["outcomes"][f"copies={n}"] = {**first, "identical_across_repetitions": identical}
        stats = result["methods"][f"copies={n}"]
        decon = first["cruxeval"]
        lines.append(f"| {first['tasks_in']:,}{'' if n == 1 else f' (`--copies {n}`)'} | {first['samples']:,} | "
                     f"{median_cell(stats['wall_s'])} | {stats['cpu_s']['median']:.1f} | "
                     f"{stats['rate']['median']:,.0f} | {first['dedup']['exact']:,} | {first['dedup']['near']:,} | "
                     f"{decon['samples_flagged']} ({100 * decon['sample_overlap_rate']:.2f}%) | "
                     f"{decon['items_touched']} / {decon['items']} |")
        if not identical:
            lines.append(f"| (copies={n}: counts differed between repetitions, see the JSON) |||||||||")
    lines += ["", state_line(result["method"]) + ".", f"Command: `{result['command']}`"]
    text = "\n".join(lines)
    print(text)
    record(result, args.out, text)


if __name__ == "__main__":
    main()
