"""LiveBench: the categories and release the paper scored, each question with its task's own grader.

The paper (its Table 1 footnote) uses "the 2406-2407 split, excluding the code generation and
instruction-following subtasks": the questions live at the 2024-07-26 release in the categories
reasoning, math, data_analysis and language (672 questions: its Table 7). Data layout (LiveBench's own
question files): ``<data_path>/<category>/question.jsonl`` (or ``.json`` / ``.parquet`` / a ``datasets``
folder, or any ``*.jsonl`` below the category folder), rows with ``question_id``, ``category``, ``task``,
optional ``subtask``, ``turns`` (the prompt; the first turn is sent), ``ground_truth``,
``livebench_release_date`` and ``livebench_removal_date``. A question counts when it was released on or
before ``release`` and not removed by then. Rows without a prompt, a ground truth or a grader are
rejected and counted.

Scoring (LiveBench's ``gen_ground_truth_judgment`` + ``show_livebench_result``): each question gets
its task's grader score in [0, 1] (``livebench_graders``); a task's score is the mean over its questions,
a category's the mean over its tasks, and LiveBench's number is the mean over the categories, times
100. A grader that fails on a question (e.g. a ground-truth table pandas cannot read) scores it 0 and
counts it under ``grader_errors``.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from codeio.eval.benchmarks.files import find_file, read_rows, require_path
from codeio.eval.benchmarks.livebench_graders import grader_for
from codeio.eval.config import LiveBenchConfig

log = logging.getLogger(__name__)


@dataclass
class LiveQuestion:
    id: str
    category: str
    task: str
    subtask: str | None
    prompt: str
    ground_truth: Any


def _day(value: Any) -> str | None:
    """A release/removal date as ``YYYY-MM-DD`` (empty or missing -> None)."""
    if value is None or value == "":
        return None
    if isinstance(value, (datetime, date)):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, (int, float)):  # epoch milliseconds (pandas' JSON export of a timestamp)
        return datetime.fromtimestamp(value / 1000, tz=timezone.utc).strftime("%Y-%m-%d")
    return str(value)[:10]


def live_at(row: dict[str, Any], release: str) -> bool:
    released, removed = _day(row.get("livebench_release_date")), _day(row.get("livebench_removal_date"))
    return released is not None and released <= release and (removed is None or removed > release)


def _category_files(root: Path, category: str) -> list[Path]:
    folder = root / category
    single = find_file(folder, "question") if folder.is_dir() else None
    if single is not None:
        return [single]
    if folder.is_dir():
        return sorted(folder.rglob("*.jsonl"))
    alone = find_file(root, category)
    return [alone] if alone is not None else []


class LiveBench:
    def __init__(self, cfg: LiveBenchConfig) -> None:
        self.cfg = cfg

    def load(self) -> tuple[list[LiveQuestion], dict[str, int]]:
        root = require_path(self.cfg.data_path, "eval.livebench.data_path")
        questions: list[LiveQuestion] = []
        rejected: dict[str, int] = defaultdict(int)
        for category in self.cfg.categories:
            files = _category_files(root, category)
            if not files:
                raise ValueError(f"eval.livebench.data_path={root}: no {category}/question.jsonl "
                                 "(categories: eval.livebench.categories)")
            per_task: dict[str, int] = defaultdict(int)
            for path in files:
                rows, bad = read_rows(path)
                rejected["bad_json"] += bad
                for row in rows:
                    reason = self._problem(row)
                    if reason == "not_in_release":
                        continue  # other releases are not rejections, just not this benchmark
                    if reason:
                        rejected[reason] += 1
                        continue
                    task = str(row["task"])
                    if self.cfg.limit is not None and per_task[task] >= self.cfg.limit:
                        continue
                    per_task[task] += 1
                    questions.append(LiveQuestion(
                        id=str(row["question_id"]), category=str(row.get("category") or category), task=task,
                        subtask=str(row["subtask"]) if row.get("subtask") else None, prompt=str(row["turns"][0]),
                        ground_truth=row["ground_truth"]))
        return questions, {k: v for k, v in rejected.items() if v}

    def _problem(self, row: Any) -> str | None:
        if not isinstance(row, dict) or "question_id" not in row or "task" not in row:
            return "missing_id_or_task"
        if not live_at(row, self.cfg.release):
            return "not_in_release"
        turns = row.get("turns")
        if not isinstance(turns, list) or not turns or not isinstance(turns[0], str):
            return "missing_turns"
        if row.get("ground_truth") in (None, ""):
            return "missing_ground_truth"
        if grader_for(str(row["task"]), row.get("subtask") or None) is None:
            return "no_grader"
        return None

    def messages(self, q: LiveQuestion) -> list[dict[str, str]]:
        return [{"role": "user", "content": q.prompt}]

    def score(self, questions: list[LiveQuestion], replies: list[str | None]) -> dict[str, Any]:
        task_scores: dict[tuple[str, str], list[float]] = defaultdict(list)
        verdicts = []
        errors = 0
        for q, reply in zip(questions, replies, strict=True):
            grader = grader_for(q.task, q.subtask)
            try:
                value = float(grader(q.ground_truth, reply or "", q.prompt))
            except Exception as exc:  # noqa: BLE001 - one ungradable question must not lose the others
                log.warning("livebench grader failed on %s: %s: %s", q.id, type(exc).__name__, exc)
                value, errors = 0.0, errors + 1
            task_scores[(q.category, q.task)].append(value)
            verdicts.append({"id": q.id, "task": q.task, "score": value})
        tasks = {f"{c}/{t}": 100.0 * sum(v) / len(v) for (c, t), v in sorted(task_scores.items())}
        by_category: dict[str, list[float]] = defaultdict(list)
        for (category, _task), values in task_scores.items():
            by_category[category].append(100.0 * sum(values) / len(values))
        categories = {c: sum(v) / len(v) for c, v in sorted(by_category.items())}
        return {
            "score": sum(categories.values()) / len(categories) if categories else None,
            "questions": len(questions),
            "per_category": categories,
            "per_task": tasks,
            "grader_errors": errors,
            "verdicts": verdicts,
        }
