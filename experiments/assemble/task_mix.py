"""Issue #17 item 1: the input/output task mix after ``assemble`` on the paper's 464 demo functions.

Pairs: the paper's recorded ones (``codeio_reference/rawcode_1k_parsed.jsonl``), the first 3, 6 or 10 of
each function; prompts: the ``+experiment=codeio`` prompt settings (``query_code``, given value as
Python's ``str()``); every task gets one verified turn (no teacher runs; dedup looks at prompts and
reference answers only). Exact dedup under both keys: ``prompt_answer`` (the default) and ``prompt``
(the old rule). Prints a table and writes ``task_mix.json`` beside this script.

    flock /tmp/codeio-heavy.lock python experiments/assemble/task_mix.py
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from experiments.demo_data import demo_pairs  # noqa: E402

from codeio.assemble.assembler import Assembler
from codeio.assemble.config import DatasetConfig
from codeio.tasks.builder import TaskBuilder
from codeio.tasks.config import PromptConfig


def answered(tasks: list[dict]) -> list[dict]:
    return [dict(t, responses=["reasoning"], finish_reasons=["stop"], statuses=["success"],
                 feedbacks=["ok"], answers_json=["null"]) for t in tasks]


def main() -> None:
    pairs = demo_pairs()
    result = {"functions": len({p["function_id"] for p in pairs}), "points": []}
    print(f"{'pairs/fn':>8} {'dedup_key':>14} {'tasks in':>9} {'input':>7} {'output':>7} {'input share':>12}")
    for per_function in (3, 6, 10):
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
    (HERE / "task_mix.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
