"""Issue #17 item 1: the input/output task mix after ``assemble`` on the paper's 464 demo functions.

Pairs: the paper's recorded ones (``codeio_reference/rawcode_1k_parsed.jsonl``), the first 3, 6 or 10 of
each function; prompts: the ``+experiment=codeio`` prompt settings (``query_code``, given value as
Python's ``str()``); every task gets one verified turn (no teacher runs; dedup looks at prompts and
reference answers only). Exact dedup under both keys: ``prompt_answer`` (the default) and ``prompt``
(the old rule). Prints a table and writes ``task_mix.json`` beside this script.

    flock /tmp/codeio-heavy.lock python experiments/assemble/task_mix.py
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from codeio.assemble.assembler import Assembler  # noqa: E402
from codeio.assemble.config import DatasetConfig  # noqa: E402
from codeio.tasks.builder import TaskBuilder  # noqa: E402
from codeio.tasks.config import PromptConfig  # noqa: E402
from experiments.demo_data import demo_pairs  # noqa: E402


def answered(tasks: list[dict]) -> list[dict]:
    return [dict(t, responses=["reasoning"], finish_reasons=["stop"], statuses=["success"],
                 feedbacks=["ok"], answers_json=["null"]) for t in tasks]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", default="3,6,10", help="pairs per function, comma-separated")
    parser.add_argument("--out", type=Path, default=HERE / "task_mix.json")
    args = parser.parse_args()
    pairs = demo_pairs()
    result = {"functions": len({p["function_id"] for p in pairs}), "points": []}
    print(f"{'pairs/fn':>8} {'dedup_key':>14} {'tasks in':>9} {'input':>7} {'output':>7} {'input share':>12}")
    for per_function in (int(n) for n in args.pairs.split(",")):
        prompt = PromptConfig(given_format="python", pairs_per_function=per_function)
        tasks, _ = TaskBuilder(prompt).process(pairs)
        for key in ("prompt_answer", "prompt"):
            cfg = DatasetConfig(dedup_key=key, decontam_benchmarks={}, plots=False)
            with tempfile.TemporaryDirectory() as out:
                samples, rejected, _ = Assembler(cfg).run(answered(tasks), Path(out), 0, {})
            kinds = Counter(s["kind"] for s in samples)
            share = kinds["input"] / max(1, len(samples))
            result["points"].append({"pairs_per_function": per_function, "dedup_key": key, "tasks": len(tasks),
                                     "input": kinds["input"], "output": kinds["output"],
                                     "input_share": round(share, 4), "rejected": dict(rejected)})
            print(f"{per_function:8d} {key:>14} {len(tasks):9d} {kinds['input']:7d} {kinds['output']:7d} "
                  f"{share:12.1%}")
    result["command"] = "python experiments/assemble/task_mix.py"
    args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
