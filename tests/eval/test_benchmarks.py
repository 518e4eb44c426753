"""The four benchmarks scored here on hand-written fixtures in each benchmark's published layout
(tests/fixtures/<benchmark>/, README.md there). Every expected score is worked out by hand in the test's
docstring; each fixture holds replies that must be judged wrong, and rows that must be rejected."""

from __future__ import annotations

from pathlib import Path

import pytest

from codeio.eval.benchmarks import build
from codeio.eval.config import BbhZhConfig, KorBenchConfig, LiveBenchConfig, ZebraLogicConfig

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _by_id(items, replies: dict[str, str | None]):
    assert sorted(i.id for i in items) == sorted(replies), "fixture and test disagree on the items"
    return [replies[i.id] for i in items]


# ---------------------------------------------------------------------------------------------- BBH-ZH
BBH_REPLIES = {
    "boolean_expressions/0": "not True = False，False and True = False。所以答案是 False。",
    "boolean_expressions/1": "The inner part is True, so the whole is True. So the answer is **true**.",
    "boolean_expressions/2": "not True = False，False and True = False，False or False = False。答案是 True。",
    "boolean_expressions/3": "I think it is True.",
    "navigate/0": "Forward 2 and back 2. So the answer is Yes.\n\nQ: another one\nA: So the answer is No.",
    "navigate/1": "One step forward, a turn, one step: not home. So the answer is No.",
    "navigate/2": "Three steps forward. So the answer is Yes, I am back.",
}


def test_bbh_zh_fixture_score():
    """7 examples after one navigate row without a target is rejected.

    boolean_expressions: /0 "答案是 False。" -> "False" = target False: right; /1 "the answer is **true**." ->
    "true" = "True" ignoring case: right; /2 answers True, target False: wrong; /3 has no "the answer
    is" / "答案是": wrong (no answer). 2/4 = 50.0.
    navigate: /0 the *first* "the answer is" gives "Yes" = target: right (the invented next question is
    ignored); /1 "No" = target: right; /2 "Yes, I am back" != "No": wrong. 2/3 = 66.67.
    Overall 4 right of 7 = 57.142857...
    """
    bench = build("bbh_zh", BbhZhConfig(data_path=str(FIXTURES / "bbh_zh"), tasks=["boolean_expressions", "navigate"]))
    items, rejected = bench.load()
    assert rejected == {"missing_input_or_target": 1}
    result = bench.score(items, _by_id(items, BBH_REPLIES))
    assert result["score"] == pytest.approx(100 * 4 / 7)
    assert result["per_task"] == pytest.approx({"boolean_expressions": 50.0, "navigate": 100 * 2 / 3})
    assert result["no_answer"] == 1 and result["examples"] == 7
    wrong = {v["id"] for v in result["verdicts"] if not v["correct"]}
    assert wrong == {"boolean_expressions/2", "boolean_expressions/3", "navigate/2"}


def test_bbh_zh_prompt_is_three_shot_in_the_examples_own_scaffold():
    bench = build("bbh_zh", BbhZhConfig(data_path=str(FIXTURES / "bbh_zh"), tasks=["boolean_expressions", "navigate"]))
    items, _ = bench.load()
    boolean = bench.messages(items[0])[0]["content"]
    assert boolean.startswith("计算一个随机布尔表达式的结果。\n\n问：not not True 是")  # header before ----- dropped
    assert boolean.count("问：") == 4 and "not ( True or False )" not in boolean  # 3 of the file's 4 shots
    assert boolean.endswith("问：not ( True ) and ( True ) 是\n答：让我们一步一步地思考。")
    navigate = bench.messages(items[4])[0]["content"]
    assert navigate.count("Q: ") == 4 and navigate.endswith("- No\nA: Let's think step by step.")
    zero = build("bbh_zh", BbhZhConfig(data_path=str(FIXTURES / "bbh_zh"), tasks=["navigate"], num_fewshot=0))
    items0, _ = zero.load()
    assert zero.messages(items0[0])[0]["content"].startswith("Q: 如果你按照")


def test_bbh_zh_missing_data_says_which_key():
    with pytest.raises(ValueError, match="eval.bbh_zh.data_path is not set"):
        build("bbh_zh", BbhZhConfig()).load()
    with pytest.raises(ValueError, match="no date_understanding.json"):
        build("bbh_zh", BbhZhConfig(data_path=str(FIXTURES / "bbh_zh"))).load()


# ------------------------------------------------------------------------------------------ ZebraLogic
def _zebra(solution: str) -> str:
    return f'Let me fill the grid.\n```json\n{{"reasoning": "...", "solution": {solution}}}\n```'


ZEBRA_REPLIES = {
    # an earlier object (the template echoed back) is ignored: the last complete one counts
    "lgp-test-2x2-1": '{"solution": {"House 1": {"Name": "Bob"}}}\nNow the real answer:\n' + _zebra(
        '{"House 1": {"Name": " alice ", "Pet": "Cat"}, "House 2": {"Name": "Bob", "Pet": ["dog"]}}'),
    "lgp-test-2x3-1": _zebra('{"House 1": {"Name": "Eve", "Drink": "tea", "Color": "red"}, '
                             '"House 2": {"Name": "Dan", "Drink": "tea", "Color": 5}}'),
    "lgp-test-4x2-1": "I could not solve it.",
}


def test_zebralogic_fixture_score():
    """3 usable puzzles (a hidden-solution row and a malformed-header row are rejected).

    2x2 (easy, 4 cells): " alice "/"Cat" match ignoring case and spaces, ["dog"] counts by its first
    element: 4/4, solved. 2x3 (easy, 6 cells): House 1 right (3), House 2 Name right, Drink "tea" wrong,
    Color 5 is not text (wrong, 1 malformed cell): 4/6, not solved. 4x2 (hard, 8 cells): no JSON: 0/8,
    no answer.
    puzzle_acc = 1/3 = 33.33; cell_acc = (4+4+0)/(4+6+8) = 8/18 = 44.44; easy 1/2 = 50, hard 0/1 = 0.
    """
    bench = build("zebralogic", ZebraLogicConfig(data_path=str(FIXTURES / "zebralogic" / "grid_mode.jsonl")))
    puzzles, rejected = bench.load()
    assert rejected == {"solution_hidden": 1, "malformed_solution": 1}
    result = bench.score(puzzles, _by_id(puzzles, ZEBRA_REPLIES))
    assert result["score"] == result["puzzle_acc"] == pytest.approx(100 / 3)
    assert result["cell_acc"] == pytest.approx(100 * 8 / 18)
    assert (result["easy_puzzle_acc"], result["hard_puzzle_acc"]) == (50.0, 0.0)
    assert result["no_answer"] == 1 and result["malformed_cells"] == 1
    cell = build("zebralogic", ZebraLogicConfig(data_path=str(FIXTURES / "zebralogic" / "grid_mode.jsonl"),
                                                metric="cell_acc"))
    assert cell.score(puzzles, _by_id(puzzles, ZEBRA_REPLIES))["score"] == pytest.approx(100 * 8 / 18)


def test_zebralogic_public_copy_needs_the_solutions_file():
    public = FIXTURES / "zebralogic" / "grid_mode_public.jsonl"
    with pytest.raises(ValueError, match="solutions_path"):
        build("zebralogic", ZebraLogicConfig(data_path=str(public))).load()
    bench = build("zebralogic", ZebraLogicConfig(data_path=str(public),
                                                 solutions_path=str(FIXTURES / "zebralogic" / "solutions.jsonl")))
    puzzles, rejected = bench.load()
    assert rejected == {} and len(puzzles) == 3
    assert bench.score(puzzles, _by_id(puzzles, ZEBRA_REPLIES))["puzzle_acc"] == pytest.approx(100 / 3)
    prompt = bench.messages(puzzles[1])[0]["content"]
    assert "## Puzzle to solve\n\nThere are 2 houses." in prompt
    assert '"House 2": {\n            "Name": "___",\n            "Drink": "___",\n            "Color": "___"' in prompt


# -------------------------------------------------------------------------------------------- KorBench
KOR_REPLIES = {
    "operation/1": "3*3 + 3 = 12, so [[12]]",
    "operation/2": "The result is [[ 6 ]]",
    "operation/18": "Halving 1 gives [[\\frac{2}{4}]]",
    "operation/3": "[[-2 or 2]]",
    "operation/178": "[[y ≤ 3, x ≥ 2]]",
    "logic/1": "[[A; B]]",
    "logic/2": "[[ T. ]]",
    "logic/3": "The answer is F.",
    "cipher/1": "[[H E L L O]]",
    "cipher/2": "First guess [[XYZ]], corrected: [[ABC]]",
    "puzzle/1": "[[(7-1)*(8-4)]]",
    "puzzle/2": "[[(8-4)*(7+1)]]",
    "puzzle/3": "[[Pear]]",
    "counterfactual/1": "In the story: [[B]]",
    "counterfactual/2": "Really it sets in the west: [[D]]",
}


def test_korbench_fixture_score():
    """15 questions (an operation question whose rule 99 does not exist is rejected).

    operation 4/5: /1 "[[12]]" = "[[12]]"; /2 6 != 5 (wrong); /18 is a symbolic question: 2/4 and 1/2
    simplify to the same number; /3 "or" alternatives in another order; /178 the same inequalities
    (spaces dropped, sorted).
    logic 2/3: /1 rule 5 "[[A; B]]" -> "[[A;B]]" (spaces removed) = reference; /2 "[[ T. ]]" -> "[[T]]"
    (spaces and full stops removed); /3 no brackets (wrong).
    cipher 1/2: /1 spaces removed -> "[[HELLO]]"; /2 the *first* [[...]] counts: XYZ (wrong).
    puzzle 2/3: /1 rule 10, the same numbers (7,1,8,4) and the expression is 24; /2 the same numbers but
    (8-4)*(7+1) = 32 (wrong); /3 rule 2: "pear" is one of "apple,pear".
    counterfactual 1/2: /1 B = story answer; /2 D is the real-world answer, not the story's C (wrong,
    real-life match). real_life_rate = 1/2.
    Overall 10/15 = 66.67.
    """
    bench = build("korbench", KorBenchConfig(data_path=str(FIXTURES / "korbench")))
    questions, rejected = bench.load()
    assert rejected == {"unknown_rule": 1}
    result = bench.score(questions, _by_id(questions, KOR_REPLIES))
    assert result["score"] == pytest.approx(100 * 10 / 15)
    assert result["per_category"] == pytest.approx(
        {"operation": 80.0, "logic": 100 * 2 / 3, "cipher": 50.0, "puzzle": 100 * 2 / 3, "counterfactual": 50.0})
    assert result["real_life_rate"] == 50.0
    wrong = {v["id"] for v in result["verdicts"] if not v["correct"]}
    assert wrong == {"operation/2", "logic/3", "cipher/2", "puzzle/2", "counterfactual/2"}


def test_korbench_judge_details():
    from codeio.eval.benchmarks import korbench as kb

    # rule 5 compares ';'-parts as written: brackets stick to the first and last part, so a reordered
    # answer does not match (the benchmark's own behaviour, kept)
    assert not kb.is_correct("[[B;A]]", "[[A;B]]", "logic", "5", "1")
    # a reply that is code, not arithmetic, is never run: just wrong
    assert not kb.is_correct("[[__import__('os').getcwd()]]", "[[(8-4)*(7-1)=24]]", "puzzle", "10", "1")
    assert kb.bracket_answer("no brackets at all") == kb.NULL
    assert kb.bracket_answer("$\\boxed{42}$") == "[[42]]"
    prompt = build("korbench", KorBenchConfig(data_path=str(FIXTURES / "korbench"), categories=["cipher"]))
    q = prompt.load()[0][0]
    text = prompt.messages(q)[0]["content"]
    assert "### Cipher rule:\n\nDecryption: shift every letter back by one" in text and text.endswith("### Answer:\n")


# ------------------------------------------------------------------------------------------- LiveBench
LIVE_REPLIES = {
    "r1": "So: **yes, no, yes**",
    "r2": "**yes, no, no**",
    "r3": "It is house ***3***",
    "r4": "I count **four**",
    "m1": "The sum is 3, so CCCCC",
    "m2": "so the answer is 205",
    "m3": "Reasoning...\nAnswer: 3, 1, 4",
    "m4": "Integrating: $\\boxed{\\frac{1}{2}x^{2} + C}$",
    "d1": "Date_of_birth.",
    "d2": "```python\n{'a': 'x', 'b': 'z'}\n```",
    "d3": '```json\n{"s":"b","n":2}\n{"n":1,"s":"a"}\n```',
    "d4": 'Here is the converted table:\n{"n":3,"s":"c"}\n{"n":4,"s":"d"}',
    "l1": "**a, b, c, d, e, f, h, g**",
    "l2": "**a, b, c, e, d, f, g, h**",
    "l3": "Corrected:\nThe quick brown fox.\n",
    "l4": "<PLOT_SUMMARY>The dog ran. A cat sat. A bird flew.",
}


def test_livebench_fixture_score():
    """16 questions at the 2024-07-26 release (r5 released later and r6 removed at that release are not
    in it; r7 has no ground truth: rejected).

    reasoning: web_of_lies_v2 (r1 1, r2 0: last bold "yes, no, no" is not "no, no, yes") = 0.5;
    zebra_puzzle r3 ***3*** = 1; spatial r4 "four" spelled out = 1 -> (50 + 100 + 100) / 3 = 83.33.
    math: math_comp (m1 CCCC in the reply: 1; m2 205 is not 204: 0) = 0.5; olympiad m3 [3,1,4] vs
    [3,1,2]: one edit of 3 -> 1 - 1/3 = 0.667; AMPS_Hard m4 boxed 1/2 x^2 (+ C dropped) equals x^2/2 = 1
    -> (50 + 66.67 + 100) / 3 = 72.22.
    data_analysis: cta d1 "date_of_birth" both = 1; tablejoin d2 a right, b wrong: F1 = 2/(2+1+1) = 0.5;
    tablereformat d3 (fenced, rows reordered) = 1, d4 (a "Here is the converted table:" line first) = 1
    -> (100 + 50 + 100) / 3 = 83.33.
    language: connections (l1 both groups = 1, l2 neither = 0) = 0.5; typos l3 = 1; plot_unscrambling l4
    order [1,0,2] vs [0,1,2]: distance 2 of 3 -> 0.333 -> (50 + 100 + 33.33) / 3 = 61.11.
    LiveBench = (83.33 + 72.22 + 83.33 + 61.11) / 4 = 75.0.
    """
    pytest.importorskip("lark")
    bench = build("livebench", LiveBenchConfig(data_path=str(FIXTURES / "livebench")))
    questions, rejected = bench.load()
    assert rejected == {"missing_ground_truth": 1}
    result = bench.score(questions, _by_id(questions, LIVE_REPLIES))
    assert result["per_category"] == pytest.approx(
        {"reasoning": 250 / 3, "math": (50 + 200 / 3 + 100) / 3, "data_analysis": 250 / 3, "language": (50 + 100 + 100 / 3) / 3})
    assert result["score"] == pytest.approx(75.0)
    assert result["per_task"]["math/olympiad"] == pytest.approx(200 / 3)
    assert result["grader_errors"] == 0
    scores = {v["id"]: v["score"] for v in result["verdicts"]}
    assert scores["r2"] == scores["m2"] == scores["l2"] == 0.0


def test_livebench_release_filter_and_categories():
    later = build("livebench", LiveBenchConfig(data_path=str(FIXTURES / "livebench"), release="2024-08-31",
                                               categories=["reasoning"]))
    ids = sorted(q.id for q in later.load()[0])
    assert ids == ["r1", "r2", "r3", "r4", "r5"]  # r5 is live at the August release, r6 still removed
    with pytest.raises(ValueError, match="unknown"):
        LiveBenchConfig(categories=["coding"])


def test_downloaded_repository_folders_and_exported_dates_load(tmp_path):
    """A dataset repository as downloaded (parquet files in a sub-folder) loads like the JSONL copy, and
    LiveBench dates exported by pandas as epoch milliseconds are read as dates."""
    import datasets

    from codeio.eval.benchmarks.livebench import live_at

    rows = [r for r in datasets.Dataset.from_json(str(FIXTURES / "zebralogic" / "grid_mode.jsonl"))]
    (tmp_path / "repo" / "grid_mode").mkdir(parents=True)
    datasets.Dataset.from_list(rows).to_parquet(str(tmp_path / "repo" / "grid_mode" / "test-00000-of-00001.parquet"))
    bench = build("zebralogic", ZebraLogicConfig(data_path=str(tmp_path / "repo")))
    puzzles, rejected = bench.load()
    assert [p.id for p in puzzles] == ["lgp-test-2x2-1", "lgp-test-2x3-1", "lgp-test-4x2-1"]
    assert rejected == {"solution_hidden": 1, "malformed_solution": 1}
    july = 1721952000000  # 2024-07-26 00:00 UTC in milliseconds
    assert live_at({"livebench_release_date": july, "livebench_removal_date": None}, "2024-07-26")
    assert not live_at({"livebench_release_date": july + 86_400_000 * 36, "livebench_removal_date": ""}, "2024-07-26")
