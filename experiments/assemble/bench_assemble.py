"""Measure the assembler on real prompts: the paper's 464 demo functions (../shared/data) -> tasks.

    .venv/bin/python experiments/assemble/bench_assemble.py [--copies N] [--out DIR]

Pairs come from ``codeio_reference/rawcode_1k_parsed.jsonl`` (recorded by the paper's pipeline), prompts
from the ``tasks`` stage's builder (bundled ``query_code`` template). Turns are simulated with a seeded
coin (turn 1 correct with p=0.5, a revision fixes p=0.13), since no teacher runs here: the figures are
about the assembler's speed, the duplicate counts and the CRUXEval 13-gram overlap of real prompts.
``--copies N`` repeats the task set N times under new function ids with the first word of each prompt
changed (scale test: every copy is a near duplicate of its original, so near dedup must remove them). Prints a table and writes ``bench.json`` in ``--out``.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path

from codeio.assemble.config import DatasetConfig
from codeio.records import IOPair, dumps
from codeio.tasks.config import PromptConfig

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def demo_pairs() -> list[dict]:
    """``IOPair`` rows of the paper's recorded pairs, in file order (``pair_index`` = position in ``ios``)."""
    pairs = []
    with (SHARED / "codeio_reference" / "rawcode_1k_parsed.jsonl").open() as handle:
        for line_no, line in enumerate(handle):
            fn = json.loads(line)
            for index, io in enumerate(fn.get("ios") or []):
                if not isinstance(io.get("input"), dict):
                    continue
                function_id = f"demo{line_no}"
                try:
                    inp, outp = dumps(io["input"]), dumps(io["output"])
                except (TypeError, ValueError):  # NaN / inf recorded by the paper's run: not JSON
                    continue
                pairs.append(IOPair(pair_id=IOPair.make_id(function_id, inp), function_id=function_id,
                                    raw_id=f"raw{line_no}", source="rawcode_1k",
                                    problem_description=fn["problem_description"],
                                    io_requirements=fn["io_requirements"], refcode=fn["refcode"],
                                    funcname=fn.get("funcname") or "main_solution", input_json=inp,
                                    output_json=outp, pair_index=index).to_row())
    return pairs


def demo_tasks(copies: int = 1, seed: int = 0) -> list[dict]:
    from codeio.tasks.builder import TaskBuilder

    tasks, _ = TaskBuilder(PromptConfig()).process(demo_pairs())
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
    parser.add_argument("--copies", type=int, default=1)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    from codeio.assemble.assembler import Assembler

    tasks = demo_tasks(args.copies)
    out_dir = Path(args.out or tempfile.mkdtemp(prefix="assemble-bench-"))
    crux = SHARED / "cruxeval" / "cruxeval.jsonl"
    assembler = Assembler(DatasetConfig(decontam_benchmarks={"cruxeval": str(crux)}, holdout_fraction=0.05))
    started = time.perf_counter()
    samples, rejected, stats = assembler.run(tasks, out_dir, 1, {})
    seconds = time.perf_counter() - started
    decon = stats["decontamination"]["cruxeval"]
    result = {"tasks_in": len(tasks), "samples": len(samples), "seconds": round(seconds, 2),
              "tasks_per_second": round(len(tasks) / seconds, 1), "rejected": dict(rejected),
              "dedup": {k: v for k, v in stats["dedup"].items() if k != "near_rule"},
              "cruxeval": {k: decon.get(k) for k in ("items", "items_touched", "item_overlap_rate",
                                                      "samples_flagged", "sample_overlap_rate")},
              "token_lengths": stats["token_lengths"]}
    (out_dir / "bench.json").write_text(json.dumps(result, indent=2))
    print(f"| tasks in | samples | seconds | tasks/s | exact dup | near dup | CRUXEval samples flagged | "
          f"CRUXEval items touched |\n|---|---|---|---|---|---|---|---|\n"
          f"| {len(tasks)} | {len(samples)} | {seconds:.1f} | {len(tasks) / seconds:.0f} | "
          f"{stats['dedup']['exact']} | {stats['dedup']['near']} | {decon['samples_flagged']} "
          f"({100 * decon['sample_overlap_rate']:.2f}%) | {decon['items_touched']} / {decon['items']} |")
    print(f"outputs: {out_dir}; CPU seconds of this process: {time.process_time():.1f}")


if __name__ == "__main__":
    main()
