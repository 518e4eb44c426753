"""Config schemas of the revision settings (group ``revision``). Light module."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class RevisionConfig:
    """CodeI/O++ revision: how many feedback-and-retry turns a wrong answer gets."""

    turns: int = 0
    """0 = plain CodeI/O (no revision), 1 = CodeI/O++ (the paper's choice), 2+ = the ablation."""
    redo_request: str = (
        "Take this feedback into account and work through the problem again from the start. Do not "
        "give any answer you have already given, since those were checked and found wrong. Reason step "
        "by step in plain language and end with the JSON answer in the requested format."
    )
    """Appended after the verifier's feedback in the user turn that asks for a new answer."""

    def __post_init__(self) -> None:
        if self.turns < 0:
            raise ValueError(f"revision.turns must be >= 0, got {self.turns}")


SCHEMAS = {"revision": {"default_schema": RevisionConfig}}
