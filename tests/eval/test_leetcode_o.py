"""LeetCode-O loader and scorer on the hand-written fixture (tests/fixtures/leetcode_o/README.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from codeio.eval import leetcode_o as lc

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "leetcode_o"


def test_fixture_metrics():
    m = lc.score_file(FIXTURE / "prediction.jsonl")
    assert m["cases"] == 14 and m["problems"] == 3
    assert m["Overall_Question_Acc"] == pytest.approx(1 / 3)
    assert m["Overall_Example_Acc"] == pytest.approx(12 / 14)
    assert m["No_Answer"] == pytest.approx(1 / 14)
    assert m["Lang_EN_Question_Acc"] == pytest.approx(2 / 3)
    assert m["Lang_ZH_Question_Acc"] == pytest.approx(2 / 3)
    assert m["Difficulty_Easy_Question_Acc"] == 1.0
    assert m["Difficulty_Medium_Question_Acc"] == 0.0
    assert m["Difficulty_Hard_Question_Acc"] == 0.0
    assert m["Difficulty_Medium_Example_Acc"] == pytest.approx(3 / 4)
    assert m["rejected"] == {}


def test_problem_needs_both_languages(tmp_path):
    cases, _ = lc.load_leetcode_o(FIXTURE / "leetcode.jsonl")
    right = [f'{{"output": {json.dumps(c.answer)}}}' for c in cases]
    assert lc.score_cases(cases, right)["Overall_Question_Acc"] == 1.0
    # break one Chinese case of problem 1: problem 1 fails overall, but still counts for EN
    broken = list(right)
    i = next(k for k, c in enumerate(cases) if c.problem_id == "1" and c.lang == "ZH")
    broken[i] = '{"output": "wrong"}'
    m = lc.score_cases(cases, broken)
    assert m["Overall_Question_Acc"] == pytest.approx(2 / 3)
    assert m["Lang_EN_Question_Acc"] == 1.0
    assert m["Lang_ZH_Question_Acc"] == pytest.approx(2 / 3)
    assert m["problems_missing_a_language"] == 0
    # drop problem 1's Chinese cases: it is still scored (on English) but flagged
    english_only = [c for c in cases if not (c.problem_id == "1" and c.lang == "ZH")]
    m = lc.score_cases(english_only, [f'{{"output": {json.dumps(c.answer)}}}' for c in english_only])
    assert m["problems_missing_a_language"] == 1 and m["Overall_Question_Acc"] == 1.0


def test_bad_lines_are_counted_not_fatal(tmp_path):
    good = (FIXTURE / "prediction.jsonl").read_text().splitlines()[:2]
    f = tmp_path / "p.jsonl"
    f.write_text("\n".join(good + ["{not json", json.dumps({"messages": []}), json.dumps([1, 2]),
                                   json.dumps({"question_id": 9, "prompt": "x"})]) + "\n")
    cases, rejected = lc.load_leetcode_o(f)
    assert len(cases) == 2
    assert rejected == {"bad_json": 1, "no_problem_id": 1, "not_an_object": 1, "no_answer_field": 1}


def test_limit_keeps_whole_problems():
    cases, _ = lc.load_leetcode_o(FIXTURE / "leetcode.jsonl", limit=2)
    assert {c.problem_id for c in cases} == {"1", "2"}
    assert len(cases) == 8  # 2 problems x 2 cases x 2 languages
