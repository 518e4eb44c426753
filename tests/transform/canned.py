"""Canned teacher answers for raw files of rawcode_1k.jsonl, replayed by the fake OpenAI server.

For a raw file that the paper's own pipeline turned into a function (rawcode_1k_parsed.jsonl, matched
through ``meta.msgidx``), the answer is that real transformation written out as a markdown document in
one of several heading styles, with an input generator we add (it draws from the recorded inputs).
Other raw files get one of many malformed or unusable answers, each with the rejection reason it must
produce. ``expected`` tells the test which reason every file should end with (None = may pass).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

GOOD_STYLES = 6


def generator_code(inputs: list[dict]) -> str:
    return (
        "import json\nimport random\n\n"
        f"RECORDED_INPUTS = json.loads({json.dumps(inputs)!r})\n\n\n"
        "def input_generator():\n"
        "    return dict(random.choice(RECORDED_INPUTS))\n"
    )


def good_answer(p: dict, style: int) -> str:
    code, io, problem = p["refcode"].strip(), p["io_requirements"].strip(), p["problem_description"].strip()
    gen = generator_code([pair["input"] for pair in p["ios"]]).strip()
    if style == 0:  # the requested layout
        return (f"## Main Code\n```python\n{code}\n```\n\n## Input/Output Description\n{io}\n\n"
                f"## Input Generator\n```python\n{gen}\n```\n\n## Problem Statement\n{problem}\n")
    if style == 1:  # bold headings, other order, other names, ```py tag
        return (f"Here is the rewrite.\n\n**Problem:**\n{problem}\n\n**Input and Output Requirements**\n{io}\n\n"
                f"**Reference Code**\n```py\n{code}\n```\n\n**Input Generator**\n```python\n{gen}\n```\n")
    if style == 2:  # "Title:" headings in lower case, trailing extra section
        return (f"main code:\n```python\n{code}\n```\ninput generator:\n```python\n{gen}\n```\n"
                f"input/output description:\n{io}\nquery:\n{problem}\n\n"
                "explanation:\nThe generator draws inputs from a fixed pool.\n")
    if style == 3:  # upper-case ATX headings, I/O wrapped in a text fence, closing hashes
        return (f"### QUERY ###\n{problem}\n\n### I/O DESCRIPTION ###\n```text\n{io}\n```\n\n"
                f"### MAIN SOLUTION ###\n```python\n{code}\n```\n\n### GENERATOR ###\n```python\n{gen}\n```\n")
    if style == 4:  # generator inside the main code block
        return (f"# Question\n{problem}\n\n# Input/Output\n{io}\n\n# Code\n```python\n{gen}\n\n\n{code}\n```\n")
    # numbered bold headings and tilde fences
    return (f"1. **Main function**\n~~~python\n{code}\n~~~\n2. **Input/output description**\n{io}\n"
            f"3. **Input generator**\n~~~python\n{gen}\n~~~\n4. **Problem statement**\n{problem}\n")


MAIN_OK = "def main_solution(a, b):\n    return a + b\n"
GEN_OK = "import random\n\ndef input_generator():\n    return {'a': random.randint(0, 9), 'b': random.randint(0, 9)}\n"
IO_TEXT = "Input:\n  `a` (int): first\n  `b` (int): second\nOutput:\n  `return` (int): the sum"
PROBLEM_TEXT = "Two piles hold a and b stones. How many stones are there in total?"


def _doc(main: str = MAIN_OK, gen: str | None = GEN_OK, problem: str | None = PROBLEM_TEXT,
         io: str | None = IO_TEXT) -> str:
    parts = [f"## Main Code\n```python\n{main}```\n"]
    if io is not None:
        parts.append(f"## Input/Output Description\n{io}\n")
    if gen is not None:
        parts.append(f"## Input Generator\n```python\n{gen}```\n")
    if problem is not None:
        parts.append(f"## Problem Statement\n{problem}\n")
    return "\n".join(parts)


@dataclass(frozen=True)
class Bad:
    answer: str | dict
    reason: str


BAD_ANSWERS = [
    Bad("I am sorry, but this file has no self-contained logic I can rewrite.", "parse_no_code_block"),
    Bad(_doc(main="def solve(a, b):\n    return a + b\n"), "parse_missing_entry"),
    Bad(_doc(main="def main_solution(a, b:\n    return a + b\n"), "parse_code_syntax_error"),
    Bad({"content": _doc()[:60], "finish_reason": "length"}, "teacher_truncated"),
    Bad(_doc(gen=None), "parse_missing_generator"),
    Bad("## Draft\n```python\n" + MAIN_OK + "```\n## Final\n```python\n" + MAIN_OK.replace("a + b", "b + a")
        + "```\n## Input Generator\n```python\n" + GEN_OK + "```\n## Query\nq\n## Input/Output\nio\n",
        "parse_multiple_entries"),
    Bad(_doc(main="import matplotlib.pyplot as plt\n\n" + MAIN_OK), "denied_import"),
    Bad(_doc(gen="def input_generator(n, m):\n    return {'a': n, 'b': m}\n"), "generator_bad_signature"),
    Bad(_doc(gen="def input_generator():\n    return [1, 2]\n"), "smoke_not_serializable"),
    Bad(_doc(main="def main_solution(a, b):\n    return a / 0\n"), "smoke_exception"),
    Bad(_doc(main="def main_solution(a, b):\n    return {a, b}\n"), "smoke_not_serializable"),
    Bad({"status": 400}, "teacher_error"),
    Bad(_doc(problem=None), "parse_missing_problem"),
    Bad(_doc(main="def main_solution(a, b):\n    while True:\n        a += b\n"), "smoke_timeout"),
    Bad(_doc(main="def main_solution(a, b):\n    return input('a?')\n"), "denied_call"),
    Bad(_doc(io=None), "parse_missing_io"),
    Bad("", "parse_empty_response"),
    Bad(_doc(main="import no_such_module_xyz\n\n" + MAIN_OK), "smoke_missing_module"),
]


class CannedTeacherScript:
    """Maps each raw file to its canned answer; the fake server's responder calls ``respond``."""

    def __init__(self, raws: list[dict], parsed_by_index: dict[int, dict], indices: list[int]) -> None:
        self.answers: list[tuple[str, str | dict]] = []
        self.expected: dict[str, str | None] = {}
        bad_i = good_i = 0
        for raw, index in zip(raws, indices, strict=True):
            p = parsed_by_index.get(index)
            if p is not None:
                answer: str | dict = good_answer(p, good_i % GOOD_STYLES)
                good_i += 1
                reason = None
            else:
                bad = BAD_ANSWERS[bad_i % len(BAD_ANSWERS)]
                bad_i += 1
                answer, reason = bad.answer, bad.reason
            self.answers.append((raw["content"], answer))
            self.expected[raw["raw_id"]] = reason

    def respond(self, request: dict) -> str | dict:
        prompt = request["messages"][-1]["content"]
        # The longest raw content found in the prompt identifies the file (short files may be substrings).
        best = max((pair for pair in self.answers if pair[0] in prompt), key=lambda pair: len(pair[0]), default=None)
        if best is None:
            return "no canned answer for this prompt"
        return json.loads(json.dumps(best[1]))
