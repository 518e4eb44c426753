"""Task rows -> the paper's released record and the two chat forms; writers for TRL and LLaMA-Factory.

A *turn* is one answer with its verdict and the feedback written for it. The released record lists them
as ``turn_k`` / ``feedback_k`` (null where a turn did not happen). The ``single`` chat form puts every turn
into one assistant message joined by linking phrases (PAPER.md step 8); the ``multiturn`` form alternates
assistant answers and user feedback, so a trainer can put loss on each answer.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codeio.assemble.config import LinkingPhrases
from codeio.records import SUCCESS, TASK_KINDS


@dataclass
class Turn:
    response: str
    status: str
    feedback: str
    truncated: bool = False
    """The response was cut at the teacher's ``max_tokens`` (``finish_reason == "length"``)."""

    @property
    def correct(self) -> bool:
        return self.status == SUCCESS


class BadRow(ValueError):
    """A task row that cannot become a sample; ``str(err)`` is the counted rejection reason."""


REQUIRED = ("task_id", "prompt", "kind", "responses", "statuses")


def read_turns(row: dict[str, Any], max_turns: int, linking: LinkingPhrases) -> list[Turn]:
    """The verified turns of a Task row (at most ``max_turns``); raises ``BadRow`` on malformed rows."""
    for name in REQUIRED:
        if row.get(name) is None:
            raise BadRow(f"bad_row:missing_{name}")
    if not isinstance(row["prompt"], str) or not row["prompt"].strip():
        raise BadRow("bad_row:empty_prompt")
    if row["kind"] not in TASK_KINDS:
        raise BadRow("bad_row:unknown_kind")
    responses, statuses = list(row["responses"]), list(row["statuses"])
    feedbacks = list(row.get("feedbacks") or [])
    # A response without a verdict (e.g. a revise run killed between generating and verifying) is
    # not a turn: we cannot say whether it was right.
    count = min(len(responses), len(statuses), max_turns)
    if count == 0:
        raise BadRow("bad_row:no_verified_turn")
    reasons = list(row.get("finish_reasons") or [])
    turns = []
    for i in range(count):
        if not isinstance(responses[i], str) or not isinstance(statuses[i], str):
            raise BadRow("bad_row:non_text_turn")
        feedback = feedbacks[i] if i < len(feedbacks) and isinstance(feedbacks[i], str) else ""
        if not feedback.strip():
            feedback = linking.correct_feedback if statuses[i] == SUCCESS else linking.wrong_feedback
        turns.append(Turn(responses[i], statuses[i], feedback, i < len(reasons) and reasons[i] == "length"))
    return turns


def true_answer(row: dict[str, Any], template: str) -> str:
    """The true answer as the JSON object the prompt asks for, e.g. ``{"output": 3}``, in ``template``."""
    field = "output_json" if row["kind"] == "output" else "input_json"
    try:
        value = json.loads(row[field])
    except (TypeError, ValueError, KeyError) as err:
        raise BadRow(f"bad_row:unreadable_{field}") from err
    answer = json.dumps({row["kind"]: value}, ensure_ascii=False)
    return template.replace("{answer}", answer)


def apply_keep_policy(row: dict[str, Any], turns: list[Turn], keep: str, template: str,
                      linking: LinkingPhrases) -> tuple[list[Turn], bool]:
    """(turns to keep, replaced?) under the keep policy; raises ``BadRow`` for a dropped task."""
    first_ok = next((i for i, t in enumerate(turns) if t.correct), None)
    if keep == "all":
        return turns, False
    if first_ok is not None:
        return turns[:first_ok + 1], False
    if keep == "drop_wrong":
        raise BadRow("keep_policy:never_correct")
    return [Turn(true_answer(row, template), SUCCESS, linking.correct_feedback)], True


def released_record(prompt: str, turns: list[Turn], width: int, redo_request: str = "") -> dict[str, Any]:
    """``prompt, turn_1, feedback_1, ..., turn_width, feedback_width`` (None past the last turn).

    A feedback followed by another turn is the user message the model got, as in the released data:
    the verifier's message, a blank line, ``redo_request`` (the same joining as
    ``codeio.stages.turns.conversation``)."""
    record: dict[str, Any] = {"prompt": prompt}
    for k in range(1, width + 1):
        turn = turns[k - 1] if k <= len(turns) else None
        feedback = turn.feedback if turn else None
        if turn and k < len(turns) and redo_request:
            feedback = f"{feedback}\n\n{redo_request}".strip()
        record[f"turn_{k}"] = turn.response if turn else None
        record[f"feedback_{k}"] = feedback
    return record


def _join(*parts: str, sep: str = " ") -> str:
    return sep.join(p.strip() for p in parts if p and p.strip())


def single_response(turns: list[Turn], with_feedback: bool, linking: LinkingPhrases) -> str:
    """One assistant message. Without feedback (plain CodeI/O) it is the first answer alone."""
    if not with_feedback:
        return turns[0].response
    blocks = []
    for i, turn in enumerate(turns):
        if turn.correct:
            closing = linking.correct
        elif i + 1 < len(turns):
            closing = linking.wrong
        else:
            closing = linking.gave_up
        blocks += [turn.response, _join(linking.check, turn.feedback, closing)]
    return _join(*blocks, sep="\n\n")


def chat_forms(row: dict[str, Any], turns: list[Turn], with_feedback: bool, linking: LinkingPhrases,
               followup: str) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """(single, multiturn) message lists; a row's own system message comes first when it has one."""
    head = [{"role": "system", "content": row["system"]}] if row.get("system") else []
    head.append({"role": "user", "content": row["prompt"]})
    single = [*head, {"role": "assistant", "content": single_response(turns, with_feedback, linking)}]
    multi = list(head)
    shown = turns if with_feedback else turns[:1]
    for i, turn in enumerate(shown):
        if i:
            multi.append({"role": "user", "content": _join(shown[i - 1].feedback, followup, sep="\n\n")})
        multi.append({"role": "assistant", "content": turn.response})
    return single, multi


# -- writers ----------------------------------------------------------------------------------------

def write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> int:
    count = 0
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    return count


def write_json_array(path: Path, rows: Iterable[dict[str, Any]]) -> int:
    """A JSON array written one element at a time (no whole-file string in memory)."""
    count = 0
    with path.open("w", encoding="utf-8") as handle:
        handle.write("[")
        for row in rows:
            handle.write(",\n" if count else "\n")
            handle.write(json.dumps(row, ensure_ascii=False))
            count += 1
        handle.write("\n]\n")
    return count


def _split_system(messages: list[dict[str, str]]) -> tuple[str, list[dict[str, str]]]:
    if messages and messages[0]["role"] == "system":
        return messages[0]["content"], messages[1:]
    return "", messages


def to_sharegpt(messages: list[dict[str, str]]) -> dict[str, Any]:
    system, rest = _split_system(messages)
    names = {"user": "human", "assistant": "gpt"}
    return {"conversations": [{"from": names[m["role"]], "value": m["content"]} for m in rest],
            "system": system}


def to_alpaca(messages: list[dict[str, str]]) -> dict[str, Any]:
    system, rest = _split_system(messages)
    pairs = [[rest[i]["content"], rest[i + 1]["content"]] for i in range(0, len(rest) - 1, 2)]
    (instruction, output), history = pairs[-1], pairs[:-1]
    return {"instruction": instruction, "input": "", "output": output, "history": history, "system": system}


LLAMAFACTORY_SHAREGPT = "llamafactory_sharegpt.json"
LLAMAFACTORY_ALPACA = "llamafactory_alpaca.json"


def llamafactory_dataset_info(name: str = "codeio") -> dict[str, Any]:
    """``dataset_info.json`` entries so LLaMA-Factory (``dataset_dir`` = this folder) loads both files."""
    return {
        f"{name}_sharegpt": {
            "file_name": LLAMAFACTORY_SHAREGPT,
            "formatting": "sharegpt",
            "columns": {"messages": "conversations", "system": "system"},
            "tags": {"role_tag": "from", "content_tag": "value", "user_tag": "human", "assistant_tag": "gpt"},
        },
        f"{name}_alpaca": {
            "file_name": LLAMAFACTORY_ALPACA,
            "formatting": "alpaca",
            "columns": {"prompt": "instruction", "query": "input", "response": "output", "history": "history",
                        "system": "system"},
        },
    }
