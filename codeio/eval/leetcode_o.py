"""LeetCode-O: predict the outputs of LeetCode test cases from the problem statement alone.

Published format (hkust-nlp LeetCode-O, as its dataset card describes it): ``leetcode.jsonl`` holds one
JSON object per line with the chat ``messages`` to send to the model; a predictions file is the same
lines with the model's reply added as ``output``; the card names the metrics below and
``Overall_Question_Acc`` as the main one. (The card's text is all that could be read here: the other
field names of the file are taken from the published metric names, Lang_EN/ZH and Difficulty_*, and
close variants are accepted.) PAPER.md: 900 problems (300 per difficulty), 2-3 test cases
each taken from the statement, every problem in English and Chinese; a problem counts as solved only if
all its test cases are right in both languages.

Field names read here (the first one present wins, so close variants load without conversion):

- problem id: ``question_id`` | ``problem_id`` | ``qid`` | ``id``
- difficulty: ``difficulty`` (Easy / Medium / Hard, any case)
- language: ``lang`` | ``language`` (EN / ZH, any case)
- expected answer: ``answer`` | ``expected_output`` | ``gt`` | ``ground_truth`` (a JSON value; a string
  that parses as JSON is decoded first)
- prompt: ``messages`` (chat) or ``prompt`` (a user message)
- model reply: ``output``

One line is one test case. The reply is scored like a CodeI/O output prediction: the last JSON object
with an ``"output"`` key is extracted and compared with the answer (equal JSON text or close values).

Metrics (fractions in [0, 1], named like the published ``evaluate.py`` reports them):
``Overall_Question_Acc`` (the main number), ``Overall_Example_Acc``, ``Difficulty_<D>_{Question,
Example}_Acc``, ``Lang_<L>_{Question,Example}_Acc`` (a question within one language: all its cases right
in that language) and ``No_Answer`` (share of cases without an extractable answer).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codeio.verify.compare import outputs_match
from codeio.verify.extract import extract_answer

ID_FIELDS = ("question_id", "problem_id", "qid", "id")
LANG_FIELDS = ("lang", "language")
ANSWER_FIELDS = ("answer", "expected_output", "gt", "ground_truth")


@dataclass
class LeetCodeCase:
    problem_id: str
    difficulty: str
    lang: str
    messages: list[dict[str, str]]
    answer: Any
    output: str | None = None
    row: dict[str, Any] = field(default_factory=dict, repr=False)


def _first(row: dict[str, Any], names: Iterable[str]) -> Any:
    for n in names:
        if n in row and row[n] is not None:
            return row[n]
    return None


def _decode_answer(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def parse_case(row: dict[str, Any]) -> LeetCodeCase | str:
    """A case from one line, or the reason the line is unusable."""
    if not isinstance(row, dict):
        return "not_an_object"
    pid = _first(row, ID_FIELDS)
    if pid is None:
        return "no_problem_id"
    answer_raw = _first(row, ANSWER_FIELDS)
    if answer_raw is None:
        return "no_answer_field"
    messages = row.get("messages")
    if not isinstance(messages, list):
        prompt = row.get("prompt")
        if not isinstance(prompt, str):
            return "no_prompt"
        messages = [{"role": "user", "content": prompt}]
    lang = str(_first(row, LANG_FIELDS) or "EN").upper()
    difficulty = str(row.get("difficulty") or "Unknown").capitalize()
    output = row.get("output")
    return LeetCodeCase(
        problem_id=str(pid),
        difficulty=difficulty,
        lang=lang,
        messages=messages,
        answer=_decode_answer(answer_raw),
        output=output if isinstance(output, str) else None,
        row=row,
    )


def load_leetcode_o(path: str | Path, limit: int | None = None) -> tuple[list[LeetCodeCase], dict[str, int]]:
    """Cases from a JSONL file (or a ``datasets`` dir); ``limit`` keeps the first N problems. Returns the
    cases and the count of rejected lines by reason."""
    from codeio.eval.cruxeval import resolve_path

    p = resolve_path(path)
    rows: list[Any] = []
    rejected: dict[str, int] = defaultdict(int)
    if p.is_dir():
        import datasets

        ds = datasets.load_from_disk(str(p))
        if isinstance(ds, datasets.DatasetDict):
            ds = ds["test"] if "test" in ds else ds[next(iter(ds))]
        rows = list(ds)
    else:
        for line in p.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except ValueError:
                rejected["bad_json"] += 1
    cases: list[LeetCodeCase] = []
    kept: list[str] = []
    for row in rows:
        case = parse_case(row)
        if isinstance(case, str):
            rejected[case] += 1
            continue
        if limit is not None and case.problem_id not in kept:
            if len(kept) >= limit:
                continue
            kept.append(case.problem_id)
        cases.append(case)
    return cases, dict(rejected)


def judge_case(case: LeetCodeCase, output: str | None, finish_reason: str | None = "stop") -> tuple[bool, bool]:
    """(correct, answered) for one case and one model reply."""
    extraction = extract_answer(output, "output", finish_reason)
    if not extraction.ok:
        return False, False
    return bool(outputs_match(extraction.value, case.answer)), True


def _acc(groups: dict[Any, list[bool]]) -> float | None:
    if not groups:
        return None
    return sum(all(v) for v in groups.values()) / len(groups)


def score_cases(cases: Sequence[LeetCodeCase], outputs: Sequence[str | None] | None = None) -> dict[str, Any]:
    """Published metrics for ``cases`` with their replies (``outputs``, else each case's ``output``)."""
    replies = list(outputs) if outputs is not None else [c.output for c in cases]
    if len(replies) != len(cases):
        raise ValueError("one output per case is needed")
    correct: list[bool] = []
    no_answer = 0
    for case, reply in zip(cases, replies, strict=True):
        ok, answered = judge_case(case, reply)
        correct.append(ok)
        no_answer += not answered
    metrics: dict[str, Any] = {}
    if not cases:
        return {"Overall_Question_Acc": None, "Overall_Example_Acc": None, "No_Answer": None, "cases": 0}
    by_problem: dict[str, list[bool]] = defaultdict(list)
    by_problem_lang: dict[tuple[str, str], list[bool]] = defaultdict(list)
    difficulty_of: dict[str, str] = {}
    for case, ok in zip(cases, correct, strict=True):
        by_problem[case.problem_id].append(ok)
        by_problem_lang[(case.problem_id, case.lang)].append(ok)
        difficulty_of.setdefault(case.problem_id, case.difficulty)
    for diff in sorted(set(difficulty_of.values())):
        probs = {p: v for p, v in by_problem.items() if difficulty_of[p] == diff}
        ex = [ok for c, ok in zip(cases, correct, strict=True) if difficulty_of[c.problem_id] == diff]
        metrics[f"Difficulty_{diff}_Example_Acc"] = sum(ex) / len(ex)
        metrics[f"Difficulty_{diff}_Question_Acc"] = _acc(probs)
    for lang in sorted({c.lang for c in cases}):
        probs = {k: v for k, v in by_problem_lang.items() if k[1] == lang}
        ex = [ok for c, ok in zip(cases, correct, strict=True) if c.lang == lang]
        metrics[f"Lang_{lang}_Example_Acc"] = sum(ex) / len(ex)
        metrics[f"Lang_{lang}_Question_Acc"] = _acc(probs)
    metrics["No_Answer"] = no_answer / len(cases)
    metrics["Overall_Example_Acc"] = sum(correct) / len(correct)
    metrics["Overall_Question_Acc"] = _acc(by_problem)
    metrics["cases"] = len(cases)
    metrics["problems"] = len(by_problem)
    # A problem is scored over both languages; one present in a single language is flagged, not dropped.
    langs = {c.lang for c in cases}
    metrics["problems_missing_a_language"] = sum(
        1 for p in by_problem if {lang for (q, lang) in by_problem_lang if q == p} != langs)
    return dict(sorted(metrics.items()))


def score_file(path: str | Path, limit: int | None = None) -> dict[str, Any]:
    """Score a predictions file (lines with ``output``); adds ``rejected`` line counts."""
    cases, rejected = load_leetcode_o(path, limit)
    metrics = score_cases(cases)
    metrics["rejected"] = rejected
    return metrics


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m codeio.eval.leetcode_o", description="Score LeetCode-O predictions.")
    parser.add_argument("predictions", help="JSONL: the benchmark lines with an 'output' field added")
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args(argv)
    print(json.dumps(score_file(args.predictions, args.limit), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
