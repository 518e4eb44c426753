"""BBH-ZH: the paper's Chinese version of 9 BIG-Bench Hard tasks, prompted and scored like BBH.

The paper (its Appendix B) translated 9 BBH tasks (``config.BBH_ZH_TASKS``) and evaluates them 3-shot with
greedy decoding; the translation itself is not public, so this module reads any copy laid out as BBH
publishes its data (suzgunmirac/BIG-Bench-Hard):

- ``<data_path>/<task>.json``: ``{"examples": [{"input": ..., "target": ...}, ...]}``;
- ``<data_path>/cot-prompts/<task>.txt``: an optional header ending in a ``-----`` line, the task
  description, then worked examples separated by blank lines, each ``Q: <input>`` / ``A: <lead line>``
  followed by the chain of thought and ``So the answer is <target>.``

Prompt: description, the first ``num_fewshot`` worked examples, then the question in the examples'
own scaffold (``Q: <input>`` and the examples' ``A:`` lead line; Chinese labels ``问：`` / ``答：`` are
recognised too), as one user message rendered with the chat template.

Scoring (BBH's rule, as lm-evaluation-harness applies it to BBH-EN): the answer is the text after the
first "the answer is" (or "答案是") up to the end of that line, without surrounding spaces, ``**`` and
one final full stop; it must equal the target exactly, ignoring case. A reply without such a phrase is
wrong (counted as ``no_answer``). The benchmark score is the accuracy over all examples of all tasks,
in percent; per-task accuracies are reported beside it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codeio.eval.benchmarks.files import read_rows, require_path
from codeio.eval.config import BbhZhConfig

ANSWER_LEAD = re.compile(r"(?:the answer is|答案是)[:：]?", re.IGNORECASE)
QUESTION_LABELS = ("Q:", "问：", "问:", "问题：", "问题:")
ANSWER_LABELS = ("A:", "答：", "答:", "回答：", "回答:")
DEFAULT_SCAFFOLD = ("Q: ", "A: Let's think step by step.")


@dataclass
class BbhItem:
    id: str
    task: str
    input: str
    target: str
    prefix: str
    """Description and worked examples, ending with a blank line (empty when zero-shot)."""
    scaffold: tuple[str, str]
    """Question label and answer lead line of this task's examples."""


def parse_cot_prompt(text: str) -> tuple[str, list[str]]:
    """(description, worked examples) of a BBH ``cot-prompts`` file."""
    if "\n-----\n" in text:
        text = text.split("\n-----\n")[-1]
    blocks = [b.strip("\n") for b in text.strip().split("\n\n") if b.strip()]
    if not blocks:
        return "", []
    if blocks[0].startswith(QUESTION_LABELS):
        return "", blocks
    return blocks[0], blocks[1:]


def example_scaffold(shot: str) -> tuple[str, str]:
    """The question label and the answer lead line a worked example uses (English BBH's by default)."""
    q_label = next((label for label in QUESTION_LABELS if shot.startswith(label)), None)
    lead = next((line.strip() for line in shot.splitlines() if line.startswith(ANSWER_LABELS)), None)
    if q_label is None or lead is None:
        return DEFAULT_SCAFFOLD
    return (q_label + (" " if q_label.endswith(":") else ""), lead)


def extract_answer(reply: str | None) -> str | None:
    """The text after the first "the answer is" / "答案是" up to the end of its line, or None."""
    if not reply:
        return None
    match = ANSWER_LEAD.search(reply)
    if match is None:
        return None
    answer = reply[match.end():].split("\n", 1)[0].strip()
    answer = answer.strip("*").strip()
    if answer.endswith((".", "。")):
        answer = answer[:-1].rstrip()
    return answer.strip("*").strip()


def is_correct(answer: str | None, target: str) -> bool:
    return answer is not None and answer.lower() == target.strip().lower()


class BbhZh:
    def __init__(self, cfg: BbhZhConfig) -> None:
        self.cfg = cfg

    def load(self) -> tuple[list[BbhItem], dict[str, int]]:
        root = require_path(self.cfg.data_path, "eval.bbh_zh.data_path")
        items: list[BbhItem] = []
        rejected: dict[str, int] = defaultdict(int)
        for task in self.cfg.tasks:
            data_file = root / f"{task}.json"
            if not data_file.is_file():
                raise ValueError(f"eval.bbh_zh.data_path={root}: no {task}.json (tasks: eval.bbh_zh.tasks)")
            prefix, scaffold = self._prefix(root, task)
            rows, bad = read_rows(data_file)
            rejected["bad_json"] += bad
            kept = 0
            for i, row in enumerate(rows):
                if not isinstance(row, dict) or not isinstance(row.get("input"), str) or row.get("target") is None:
                    rejected["missing_input_or_target"] += 1
                    continue
                if self.cfg.limit is not None and kept >= self.cfg.limit:
                    break
                items.append(BbhItem(id=f"{task}/{i}", task=task, input=row["input"], target=str(row["target"]),
                                     prefix=prefix, scaffold=scaffold))
                kept += 1
        return items, {k: v for k, v in rejected.items() if v}

    def _prefix(self, root: Path, task: str) -> tuple[str, tuple[str, str]]:
        if self.cfg.num_fewshot == 0:
            return "", DEFAULT_SCAFFOLD
        prompt_file = root / "cot-prompts" / f"{task}.txt"
        if not prompt_file.is_file():
            raise ValueError(f"eval.bbh_zh: {self.cfg.num_fewshot}-shot needs {prompt_file} "
                             "(or set eval.bbh_zh.num_fewshot=0)")
        description, shots = parse_cot_prompt(prompt_file.read_text(encoding="utf-8"))
        if len(shots) < self.cfg.num_fewshot:
            raise ValueError(f"{prompt_file} has {len(shots)} worked examples, "
                             f"eval.bbh_zh.num_fewshot={self.cfg.num_fewshot}")
        shots = shots[: self.cfg.num_fewshot]
        parts = ([description] if description else []) + shots
        return "\n\n".join(parts) + "\n\n", example_scaffold(shots[0])

    def messages(self, item: BbhItem) -> list[dict[str, str]]:
        label, lead = item.scaffold
        return [{"role": "user", "content": f"{item.prefix}{label}{item.input}\n{lead}"}]

    def score(self, items: list[BbhItem], replies: list[str | None]) -> dict[str, Any]:
        per_task: dict[str, list[bool]] = defaultdict(list)
        verdicts = []
        no_answer = 0
        for item, reply in zip(items, replies, strict=True):
            answer = extract_answer(reply)
            ok = is_correct(answer, item.target)
            no_answer += answer is None
            per_task[item.task].append(ok)
            verdicts.append({"id": item.id, "answer": answer, "target": item.target, "correct": ok})
        total = sum(len(v) for v in per_task.values())
        right = sum(sum(v) for v in per_task.values())
        return {
            "score": 100.0 * right / total if total else None,
            "examples": total,
            "no_answer": no_answer,
            "per_task": {t: 100.0 * sum(v) / len(v) for t, v in sorted(per_task.items())},
            "verdicts": verdicts,
        }
