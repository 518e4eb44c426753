"""What the student is trained on when it differs from what the teacher was asked (PAPER.md Table 3).

Table 3 compares arrangements of one fixed set of query, reference code and reasoning in the training
samples, so the teacher is asked once (with the run's prompt format) and ``dataset.student_format``
re-arranges each kept sample: the prompt is rendered again with that format's template, and the
response keeps the reasoning (``cot``), puts the reference code before it (``code_cot``), or is the
reference code followed by the true answer, with no reasoning (``code``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from codeio.assemble.formats import Turn, true_answer
from codeio.records import SUCCESS
from codeio.tasks.builder import TaskBuilder
from codeio.tasks.config import PromptConfig

TEACHER = "teacher"
RESPONSE_FORMS = {"query_code": "cot", "query_only": "cot", "code_only": "cot",
                  "query_to_code_cot": "code_cot", "query_to_code": "code"}
"""Student format (a bundled prompt format, Table 3's rows) -> the response arrangement it trains."""
STUDENT_FORMATS = (TEACHER, *RESPONSE_FORMS)


def code_block(row: dict[str, Any]) -> str:
    return f"```python\n{str(row['refcode']).strip()}\n```"


class StudentView:
    """Re-renders a sample for one student format; ``given_format`` is the run's ``prompt.given_format``."""

    def __init__(self, student_format: str, given_format: str = "json", answer_template: str = "```json\n{answer}\n```"):
        self.form = RESPONSE_FORMS[student_format]
        self.builder = TaskBuilder(PromptConfig(name=student_format, given_format=given_format))
        self.answer_template = answer_template

    def prompt(self, row: dict[str, Any]) -> str:
        return self.builder.build_prompt(row, row["kind"])

    def turns(self, row: dict[str, Any], turns: list[Turn]) -> list[Turn]:
        if self.form == "cot":
            return turns
        if self.form == "code_cot":
            return [replace(t, response=f"{code_block(row)}\n\n{t.response}") for t in turns]
        answer = true_answer(row, self.answer_template)
        return [Turn(f"{code_block(row)}\n\n{answer}", SUCCESS, turns[-1].feedback if turns[-1].correct else "")]
