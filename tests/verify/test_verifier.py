"""Verdicts and feedback, with input predictions run through the real executor."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence

import pytest

from codeio import records
from codeio.execution.base import Executor, Job, JobResult
from codeio.verify import INVALID, Verifier, VerifyItem, record_verdict

CODE = '''
def main_solution(n, word="ab"):
    if n < 0:
        while True:
            pass
    if n > 10**6:
        return len([0] * n)
    if n == 13:
        raise ValueError("unlucky")
    if n == 7:
        import os
        os._exit(3)
    return {"square": n * n, "word": word * 2}
'''
TRUE_INPUT = {"n": 12, "word": "xy"}
TRUE_OUTPUT = {"square": 144, "word": "xyxy"}


def item(kind, response, finish_reason="stop", code=CODE):
    return VerifyItem(code, "main_solution", kind, json.dumps(TRUE_INPUT), json.dumps(TRUE_OUTPUT),
                      response, finish_reason)


def out(value) -> str:
    return "Let me think... " + json.dumps({"output": value})


def inp(value) -> str:
    return "Reasoning. " + json.dumps({"input": value})


@pytest.fixture(scope="module")
def verifier():
    return Verifier(timeout=1.0)


def test_output_prediction_needs_no_executor(verifier):
    verdicts = verifier.verify(
        [item("output", out(TRUE_OUTPUT)), item("output", out({"square": 144.0001, "word": "xyxy"})),
         item("output", out({"square": 145, "word": "xyxy"})), item("output", "no idea")],
        executor=None,
    )
    assert [v.status for v in verdicts] == [records.SUCCESS, records.SUCCESS, records.MISMATCH,
                                           records.NO_ANSWER]
    assert verdicts[0].answer_json == '{"square":144,"word":"xyxy"}'
    assert verdicts[3].detail == "no_json_object" and verdicts[3].answer_json is None


def test_wrong_output_feedback_never_reveals_the_true_output(verifier):
    verdict = verifier.verify_one(item("output", out({"square": 1, "word": "zz"})))
    assert verdict.status == records.MISMATCH
    assert "144" not in verdict.feedback and "xyxy" not in verdict.feedback
    assert '"square": 1' in verdict.feedback  # it quotes the prediction


def test_truncated_response_is_no_answer_even_if_right(verifier):
    verdict = verifier.verify_one(item("output", out(TRUE_OUTPUT), finish_reason="length"))
    assert verdict.status == records.NO_ANSWER and verdict.detail == "truncated"
    assert "cut off" in verdict.feedback


def test_failed_teacher_is_no_answer(verifier):
    verdict = verifier.verify_one(item("input", None))
    assert verdict.status == records.NO_ANSWER and verdict.detail == "no_response"


def test_input_prediction_verdicts(verifier, executor):
    items = [
        item("input", inp(TRUE_INPUT)),  # success
        item("input", inp({"word": "xy", "n": 12})),  # same kwargs: deduplicated, still success
        item("input", inp({"n": 11, "word": "xy"})),  # mismatch, actual output shown
        item("input", inp({"m": 12})),  # wrong argument name -> exception
        item("input", inp([12, "xy"])),  # not a dict -> exception without running
        item("input", inp({"n": 13})),  # raises -> exception
        item("input", inp({"n": 7})),  # os._exit -> crash -> exception
        item("input", '{"input": {"n": NaN}}'),  # not strict JSON -> exception without running
        item("input", inp({"n": -1})),  # loops -> timeout
        item("input", inp({"n": 10**12})),  # allocates -> memory
        item("input", '{"output": {"n": 12}}'),  # wrong key
    ]
    start = time.perf_counter()
    verdicts = verifier.verify(items, executor)
    elapsed = time.perf_counter() - start
    statuses = [v.status for v in verdicts]
    assert statuses == [
        records.SUCCESS, records.SUCCESS, records.MISMATCH, records.EXCEPTION, records.EXCEPTION,
        records.EXCEPTION, records.EXCEPTION, records.EXCEPTION, records.TIMEOUT, records.MEMORY,
        records.NO_ANSWER,
    ], [(v.status, v.feedback) for v in verdicts]
    assert elapsed < 30
    mismatch = verdicts[2]
    assert mismatch.actual_json == '{"square":121,"word":"xyxy"}'
    assert '{"square": 121, "word": "xyxy"}' in mismatch.feedback
    assert "unexpected keyword argument" in verdicts[3].feedback
    assert verdicts[4].detail == "input_not_dict"
    assert "ValueError: unlucky" in verdicts[5].feedback
    assert "crash" in verdicts[6].feedback
    assert verdicts[7].detail == "input_not_json"
    assert "1 s" in verdicts[8].feedback
    assert "memory" in verdicts[9].feedback
    assert verdicts[10].detail == "wrong_key"


class RecordingExecutor(Executor):
    """Passes jobs to a real executor and records them, to check batching."""

    def __init__(self, inner: Executor):
        self.inner = inner
        self.batches: list[list[Job]] = []

    def run(self, jobs: Sequence[Job]) -> list[JobResult]:
        self.batches.append(list(jobs))
        return self.inner.run(jobs)


def test_batching_and_deduplication(executor):
    verifier = Verifier(timeout=1.0, max_calls_per_job=4)
    items = [item("input", inp({"n": i % 10, "word": "xy"})) for i in range(50)]
    other = "def main_solution(n, word='ab'):\n    return {'square': n * n, 'word': word * 2}\n"
    items += [item("input", inp({"n": 12, "word": "xy"}), code=other)]
    recorder = RecordingExecutor(executor)
    verdicts = verifier.verify(items, recorder)
    assert len(recorder.batches) == 1  # everything in one executor call
    jobs = recorder.batches[0]
    calls = [c for job in jobs for c in job.calls]
    # n = 7 crashes its child in CODE, still 10 distinct kwargs for CODE + 1 for the other code
    assert len(calls) == 11
    assert all(len(job.calls) <= 4 for job in jobs)
    assert all(job.timeout == 1.0 for job in jobs)
    assert verdicts[-1].status == records.SUCCESS
    statuses = [v.status for v in verdicts[:10]]
    assert statuses[7] == records.EXCEPTION  # n = 7 crashes its child
    assert statuses[:7] + statuses[8:] == [records.MISMATCH] * 9


def test_timeouts_in_a_row_do_not_hide_later_answers(executor):
    """The executor may skip a job's calls after consecutive timeouts; the verifier reruns them."""
    verifier = Verifier(timeout=0.5, max_calls_per_job=32)
    items = [item("input", inp({"n": -i})) for i in range(1, 5)] + [item("input", inp(TRUE_INPUT))]
    verdicts = verifier.verify(items, executor)
    assert [v.status for v in verdicts] == [records.TIMEOUT] * 4 + [records.SUCCESS]


def test_invalid_items_are_marked_not_raised(verifier):
    bad_kind = VerifyItem(CODE, "main_solution", "sideways", "{}", "1", "x")
    bad_json = VerifyItem(CODE, "main_solution", "output", "{}", "{not json", "x")
    no_code = VerifyItem(None, "main_solution", "input", "{}", "1", '{"input": {}}')  # type: ignore[arg-type]
    not_text = VerifyItem(CODE, "main_solution", "output", "{}", "1", ["a list"])  # type: ignore[arg-type]
    verdicts = verifier.verify([bad_kind, bad_json, no_code, not_text], None)
    assert [v.status for v in verdicts] == [INVALID, INVALID, INVALID, records.NO_ANSWER]


def test_from_task_row():
    row = {"refcode": CODE, "funcname": "main_solution", "kind": "output", "input_json": "{}",
           "output_json": "1", "responses": ["a", "b"], "finish_reasons": ["stop", "length"]}
    it = VerifyItem.from_task(row)
    assert it.response == "b" and it.finish_reason == "length"
    assert VerifyItem.from_task(row, turn=0).response == "a"


def test_record_verdict_appends_one_turn(verifier):
    row = {"refcode": CODE, "funcname": "main_solution", "kind": "output", "input_json": json.dumps(TRUE_INPUT),
           "output_json": json.dumps(TRUE_OUTPUT), "responses": [out(1)], "finish_reasons": ["stop"]}
    record_verdict(row, verifier.verify_one(VerifyItem.from_task(row)))
    row["responses"].append(out(TRUE_OUTPUT))
    row["finish_reasons"].append("stop")
    record_verdict(row, verifier.verify_one(VerifyItem.from_task(row)))
    assert row["statuses"] == [records.MISMATCH, records.SUCCESS]
    assert row["answers_json"] == ["1", '{"square":144,"word":"xyxy"}']
    assert len(row["feedbacks"]) == 2


def test_unrepresentable_results_are_mismatches(verifier, executor):
    code = "def main_solution(n):\n    if n == 1:\n        return {1, 2}\n    return 'x' * n\n"
    items = [VerifyItem(code, "main_solution", "input", '{"n": 3}', '"xxx"', inp({"n": n})) for n in (1, 3_000_000)]
    verdicts = verifier.verify(items, executor)
    assert [v.status for v in verdicts] == [records.MISMATCH, records.MISMATCH]
    assert [v.detail for v in verdicts] == ["not_serializable", "output_too_large"]
    assert "not JSON" in verdicts[0].feedback and "too large" in verdicts[1].feedback
