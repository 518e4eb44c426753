"""The response parser on well-formed, varied and adversarial teacher answers (no execution)."""

from __future__ import annotations

import time

from codeio.transform.parser import classify_heading, parse_response, split_blocks
from tests.transform.canned import BAD_ANSWERS, GEN_OK, IO_TEXT, MAIN_OK, PROBLEM_TEXT, _doc, good_answer

PAPER_LIKE = {
    "refcode": "import math\n\n# main function\ndef main_solution(n):\n    return math.factorial(n)",
    "io_requirements": "Input:\n  `n` (int): a number\nOutput:\n  `return` (int): n!",
    "problem_description": "A shelf holds n distinct books. In how many orders can they stand?",
    "ios": [{"input": {"n": 3}, "output": 6}, {"input": {"n": 4}, "output": 24}],
}


def test_every_good_style_parses_to_the_same_parts():
    for style in range(6):
        p = parse_response(good_answer(PAPER_LIKE, style))
        assert p.error is None, (style, p.error, p.detail)
        assert "def main_solution(n)" in p.refcode
        assert "def input_generator()" not in p.refcode, style  # split out of the code block (style 4)
        assert "def input_generator()" in p.inputgen
        assert p.problem_description == PAPER_LIKE["problem_description"], style
        assert p.io_requirements == PAPER_LIKE["io_requirements"], style


def test_comment_lines_inside_code_are_not_headings():
    p = parse_response(_doc(main="# main function\n## not a heading\ndef main_solution(a, b):\n    return a + b\n"))
    assert p.error is None
    assert "## not a heading" in p.refcode


def test_headings_classified_in_any_case_and_wording():
    assert classify_heading("INPUT GENERATOR") == "generator"
    assert classify_heading("Input/Output Description") == "io"
    assert classify_heading("i/o requirements") == "io"
    assert classify_heading("Problem Statement") == "problem"
    assert classify_heading("Query") == "problem"
    assert classify_heading("Main Code File") == "code"
    assert classify_heading("Explanation") == "other"


def test_no_sections_at_all():
    assert parse_response("Just some words, no code, no headings.").error == "no_code_block"
    assert parse_response(None).error == "empty_response"
    assert parse_response("   \n").error == "empty_response"


def test_code_without_sections_lacks_prose_parts():
    text = f"```python\n{MAIN_OK}```\n```python\n{GEN_OK}```\n"
    p = parse_response(text)
    assert p.error == "missing_problem"
    assert p.refcode and p.inputgen


def test_two_main_functions():
    # Two blocks, neither under the main-code heading: ambiguous.
    assert parse_response(BAD_ANSWERS[5].answer).error == "multiple_entries"
    # The same function twice inside one block.
    twice = _doc(main=MAIN_OK + "\n\n" + MAIN_OK.replace("a + b", "a - b"))
    assert parse_response(twice).error == "multiple_entries"
    # A draft in prose sections and one under the code heading: the code heading wins.
    text = ("## Draft\n```python\n" + MAIN_OK.replace("a + b", "0") + "```\n" + _doc())
    p = parse_response(text)
    assert p.error is None and "a + b" in p.refcode


def test_generator_with_required_args_is_parsed_then_rejected_by_checks():
    from codeio.transform.checks import DEFAULT_DENY_CALLS, DEFAULT_DENY_IMPORTS, static_check

    p = parse_response(_doc(gen="def input_generator(n, m):\n    return {'a': n, 'b': m}\n"))
    assert p.error is None
    reason, detail, _ = static_check(p.refcode, "main_solution", p.inputgen, DEFAULT_DENY_IMPORTS, DEFAULT_DENY_CALLS)
    assert reason == "generator_bad_signature" and "2 required" in detail


def test_code_fences_in_prose():
    text = (
        "Wrap code in ```python``` fences, like ```this```.\n\n"
        "## Problem Statement\nUse the ``` marker? No: count the stones ```a``` and ```b```.\n\n"
        + _doc(problem=None)
    )
    p = parse_response(text)
    assert p.error is None, p.error
    assert "count the stones" in p.problem_description
    assert "def main_solution" in p.refcode


def test_unclosed_fence_runs_to_the_end():
    text = _doc(gen=None, problem=None) + "## Problem Statement\nq?\n## Input Generator\n```python\n" + GEN_OK
    p = parse_response(text)
    assert p.error is None and "def input_generator" in p.inputgen


def test_extra_sections_are_ignored_and_reported():
    p = parse_response(_doc() + "\n## Notes\nSome remarks.\n## Complexity\nO(1)\n")
    assert p.error is None
    assert p.extra_sections == ["Complexity", "Notes"]
    assert "remarks" not in p.problem_description


def test_one_megabyte_response_is_parsed_quickly():
    filler = ("All work and no play makes Jack a dull boy. " * 20 + "\n") * 1200  # ~1 MB of prose
    text = "## Problem Statement\n" + PROBLEM_TEXT + "\n" + filler + _doc(problem=None)
    assert len(text) > 1_000_000
    start = time.perf_counter()
    p = parse_response(text)
    assert time.perf_counter() - start < 5
    assert p.error is None and p.problem_description.startswith(PROBLEM_TEXT)
    # Pathological single lines (heading-like, fence-like) stay linear too.
    for line in ("# " + "# " * 500_000 + "x", "**" + "*" * 1_000_000, "`" * 1_000_000, "~~~" + " " * 1_000_000 + "`"):
        start = time.perf_counter()
        assert parse_response(line + "\n" + _doc()).error in (None, "missing_entry", "no_code_block", "code_syntax_error")
        assert time.perf_counter() - start < 5


def test_huge_code_block_and_deep_nesting_do_not_crash():
    deep = "def main_solution(a, b):\n    return " + "(" * 5000 + "1" + ")" * 5000 + "\n"
    assert parse_response(_doc(main=deep)).error in ("code_syntax_error", "missing_entry")
    big = "def main_solution(a, b):\n" + "    x = 1\n" * 100_000 + "    return a + b\n"
    assert parse_response(_doc(main=big)).error is None


def test_split_blocks_keeps_section_of_each_block():
    blocks = split_blocks(_doc())
    kinds = [(b.section, b.is_code) for b in blocks]
    assert kinds == [("code", True), ("io", False), ("generator", True), ("problem", False)]
    assert blocks[1].text == IO_TEXT
