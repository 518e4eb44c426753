"""Keep policies, task-type filter and the record / chat formats, checked row by row."""

from __future__ import annotations

import json

import pytest

from codeio.assemble.assembler import Assembler
from codeio.assemble.config import LinkingPhrases
from tests.assemble.conftest import NEVER_CORRECT, SPEC, make_task, quiet

LINK = LinkingPhrases()


def by_task(samples):
    return {s["task_id"]: s for s in samples}


def test_keep_all_single_records_and_linking(tasks, tmp_path):
    samples, rejected, stats = Assembler(quiet()).run(tasks, tmp_path, 1, {})
    assert len(samples) == len(SPEC) and not rejected
    assert stats["samples"] == len(SPEC)
    rows = by_task(samples)
    for task in tasks:
        s = rows[task["task_id"]]
        n = len(task["statuses"])
        assert s["n_turns"] == n and s["final_status"] == task["statuses"][-1]
        assert s["prompt"] == task["prompt"]
        for k in (1, 2):
            if k <= n:
                assert s[f"turn_{k}"] == task["responses"][k - 1]
                assert s[f"feedback_{k}"] == task["feedbacks"][k - 1]
            else:
                assert s[f"turn_{k}"] is None and s[f"feedback_{k}"] is None
        assert "turn_3" not in s
        assert s["messages"] == s["messages_single"]
        assistant = s["messages"][-1]["content"]
        # Every turn and every feedback appears, in order, joined by the linking phrases.
        pos = [assistant.index(task["responses"][0]), assistant.index(LINK.check),
               assistant.index(task["feedbacks"][0])]
        if n == 2:
            pos += [assistant.index(LINK.wrong), assistant.index(task["responses"][1]),
                    assistant.index(task["feedbacks"][1])]
        assert pos == sorted(pos)
        if task["statuses"][-1] == "success":
            assert assistant.endswith(LINK.correct)
        else:
            assert LINK.correct not in assistant
        for message in s["messages"]:
            assert set(message) == {"role", "content"}
    # the row with a system message keeps it first
    assert rows[tasks[5]["task_id"]]["messages"][0] == {"role": "system", "content": "Answer with JSON at the end."}
    assert stats["correct_rate"]["cumulative"]["all"]["turn_1"] == round(
        sum(s[0] == "success" for *_, s in SPEC) / len(SPEC), 4)


def test_plain_codeio_has_no_feedback_in_messages(tasks, tmp_path):
    turn1 = [dict(t, responses=t["responses"][:1], statuses=t["statuses"][:1], feedbacks=t["feedbacks"][:1])
             for t in tasks]
    samples, _, _ = Assembler(quiet()).run(turn1, tmp_path, 0, {})
    for task, s in zip(turn1, samples, strict=True):
        assert s["turn_2"] is None and s["feedback_2"] is None
        assert s["feedback_1"] == task["feedbacks"][0]
        assert s["messages"][-1] == {"role": "assistant", "content": task["responses"][0]}
        assert s["messages_multiturn"][-1] == s["messages"][-1]
        assert len(s["messages_multiturn"]) == len(s["messages"])


def test_drop_wrong_is_rejection_sampling(tasks, tmp_path):
    samples, rejected, _ = Assembler(quiet(keep="drop_wrong")).run(tasks, tmp_path, 1, {})
    assert len(samples) == len(SPEC) - NEVER_CORRECT
    assert rejected == {"keep_policy:never_correct": NEVER_CORRECT}
    for s in samples:
        assert s["final_status"] == "success"
        assert s[f"feedback_{s['n_turns']}"].startswith("verifier says success")


def test_drop_wrong_cuts_turns_after_first_success(tmp_path):
    # a row that kept going after a success (not produced by revise, but must not leak extra turns)
    row = make_task("fx", 0, "output", ["success", "mismatch", "success"])
    samples, _, _ = Assembler(quiet(keep="drop_wrong")).run([row], tmp_path, 2, {})
    assert samples[0]["n_turns"] == 1 and samples[0]["turn_2"] is None and samples[0]["turn_3"] is None


def test_replace_wrong_uses_true_answer_without_reasoning(tasks, tmp_path):
    samples, rejected, stats = Assembler(quiet(keep="replace_wrong")).run(tasks, tmp_path, 1, {})
    assert len(samples) == len(SPEC) and not rejected
    rows = by_task(samples)
    replaced = [s for s in samples if s["replaced"]]
    assert len(replaced) == NEVER_CORRECT == stats["replaced"]
    for task in tasks:
        s = rows[task["task_id"]]
        if "success" in task["statuses"]:
            assert not s["replaced"] and s["turn_1"] == task["responses"][0]
            continue
        truth = json.loads(task["output_json"] if task["kind"] == "output" else task["input_json"])
        assert s["turn_1"] == "```json\n" + json.dumps({task["kind"]: truth}) + "\n```"
        assert s["turn_2"] is None and s["n_turns"] == 1
        assert s["feedback_1"] == LINK.correct_feedback
        assert s["messages"][-1]["content"].startswith(s["turn_1"])
        assert "Step by step" not in s["messages"][-1]["content"]


@pytest.mark.parametrize("kind", ["input", "output"])
def test_task_type_filter(tasks, tmp_path, kind):
    samples, rejected, _ = Assembler(quiet(task_types=kind)).run(tasks, tmp_path, 1, {})
    expected = sum(k == kind for _, _, k, _ in SPEC)
    assert len(samples) == expected and {s["kind"] for s in samples} == {kind}
    assert rejected == {"task_type_filter": len(SPEC) - expected}


def test_multiturn_format(tasks, tmp_path):
    samples, _, _ = Assembler(quiet(chat_format="multiturn", multiturn_followup="Try again.")).run(
        tasks, tmp_path, 1, {})
    rows = by_task(samples)
    for task in tasks:
        s = rows[task["task_id"]]
        msgs = [m for m in s["messages"] if m["role"] != "system"]
        assert s["messages"] == s["messages_multiturn"]
        n = len(task["statuses"])
        assert [m["role"] for m in msgs] == ["user"] + ["assistant", "user"] * (n - 1) + ["assistant"]
        assert [m["content"] for m in msgs[1::2]] == task["responses"]
        if n == 2:
            assert msgs[2]["content"] == task["feedbacks"][0] + "\n\nTry again."
        # the single form is still there
        assert s["messages_single"][-1]["role"] == "assistant" and len(s["messages_single"]) <= 3


def test_more_revision_turns_add_columns_and_truncate(tmp_path):
    rows = [make_task("fa", 0, "output", ["mismatch", "mismatch", "success"]),
            make_task("fb", 0, "input", ["success"])]
    samples, _, _ = Assembler(quiet()).run(rows, tmp_path / "t2", 2, {})
    assert samples[0]["turn_3"] == rows[0]["responses"][2] and samples[0]["n_turns"] == 3
    assert samples[1]["turn_3"] is None and samples[1]["feedback_3"] is None
    # the same rows under revision.turns=1: only two turns are kept
    samples, _, _ = Assembler(quiet()).run(rows, tmp_path / "t1", 1, {})
    assert samples[0]["n_turns"] == 2 and "turn_3" not in samples[0]


def test_bad_rows_are_counted_not_fatal(tasks, tmp_path):
    broken = [dict(tasks[0], prompt=None), dict(tasks[1], statuses=[]), "not a row",
              dict(tasks[2], responses=[None, None]), dict(tasks[3], prompt="   "), dict(tasks[4], kind="both")]
    good = tasks[5:]
    samples, rejected, stats = Assembler(quiet()).run([*broken, *good], tmp_path, 1, {})
    assert len(samples) == len(good)
    assert rejected == {"bad_row:missing_prompt": 1, "bad_row:no_verified_turn": 1, "bad_row:not_a_mapping": 1,
                        "bad_row:non_text_turn": 1, "bad_row:empty_prompt": 1,
                        "bad_row:unknown_kind": 1}
    assert stats["rows_in"] == len(broken) + len(good)


def test_unverified_last_response_is_not_a_turn(tmp_path):
    row = make_task("fa", 0, "output", ["mismatch"])
    row["responses"].append("an answer that was never checked")
    samples, _, _ = Assembler(quiet()).run([row], tmp_path, 1, {})
    assert samples[0]["n_turns"] == 1 and samples[0]["turn_2"] is None


def test_missing_feedback_gets_the_fallback_phrase(tmp_path):
    row = make_task("fa", 0, "output", ["mismatch", "success"])
    row["feedbacks"] = ["", None]
    samples, _, _ = Assembler(quiet()).run([row], tmp_path, 1, {})
    assert samples[0]["feedback_1"] == LINK.wrong_feedback and samples[0]["feedback_2"] == LINK.correct_feedback
