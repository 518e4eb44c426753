"""Check model responses to prediction tasks and write feedback (PAPER.md steps 6 and 7).

Output prediction: the extracted value is compared with the true output (``compare.outputs_match``); no
code runs. Input prediction: the reference code is run on the predicted kwargs *in the executor* (never
in this process) and the value it returns is compared with the target output. All input-prediction
checks of one ``verify`` call are batched: identical (code, entry, kwargs) run once, and the calls of
one function share a job (up to ``max_calls_per_job``), so the child loads the code once. Each call
still runs in its own fork of the loaded code, so batching and order never change a verdict.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from codeio import records
from codeio.execution import base as ex
from codeio.execution.base import Call, CallResult, Executor, Job, canonical_json, is_strict_json_value
from codeio.verify.compare import outputs_match
from codeio.verify.config import VerifierConfig
from codeio.verify.extract import Extraction, extract_answer
from codeio.verify.feedback import load_feedback_templates, render

INVALID = "invalid"
"""Status for an item that cannot be checked at all (unknown kind, true output not JSON). Not a model
verdict: it marks bad upstream data and is counted as a rejection by callers."""

ANSWER_FORMATS = {
    "output": '{"output": <the predicted output>}',
    "input": '{"input": <a JSON object mapping each argument name to its value>}',
}


@dataclass
class VerifyItem:
    """One response to check, with the task it answers."""

    refcode: str
    funcname: str
    kind: str
    """``output`` (predict the output from the input) or ``input`` (predict an input from the output)."""
    input_json: str
    output_json: str
    response: str | None
    """Model text; None when the teacher failed."""
    finish_reason: str | None = "stop"

    @classmethod
    def from_task(cls, task: Mapping, turn: int = -1) -> VerifyItem:
        """The item for turn ``turn`` (default: the latest) of a ``records.Task`` row."""
        responses = task.get("responses") or []
        reasons = task.get("finish_reasons") or []
        response = responses[turn] if responses else None
        reason = reasons[turn] if reasons and len(reasons) == len(responses) else "stop"
        return cls(
            refcode=task["refcode"],
            funcname=task.get("funcname") or "main_solution",
            kind=task["kind"],
            input_json=task["input_json"],
            output_json=task["output_json"],
            response=response,
            finish_reason=reason,
        )


@dataclass
class Verdict:
    status: str
    """One of ``records.VERDICT_STATUSES``, or ``INVALID`` for an uncheckable item."""
    feedback: str
    """Message for the model (revision turn); never reveals the hidden side of the task."""
    answer_json: str | None = None
    """What was extracted (JSON text), None when nothing was."""
    detail: str = ""
    """Machine-readable precision: the no-answer reason, the exception text, the call status."""
    actual_json: str | None = None
    """Input prediction: what the code returned on the predicted input (when it returned)."""

    def to_dict(self) -> dict:
        return asdict(self)


def record_verdict(task: dict, verdict: Verdict) -> dict:
    """Append ``verdict`` to a ``records.Task`` row's per-turn lists (statuses, feedbacks, answers_json)."""
    task["statuses"] = [*(task.get("statuses") or []), verdict.status]
    task["feedbacks"] = [*(task.get("feedbacks") or []), verdict.feedback]
    task["answers_json"] = [*(task.get("answers_json") or []), verdict.answer_json]
    return task


def _was_skipped(result: CallResult) -> bool:
    """A call the executor did not run because earlier calls of its job timed out."""
    return result.status == ex.TIMEOUT and "skipped" in (result.error or "").lower()


class Verifier:
    """Extracts, checks and writes feedback for batches of responses."""

    def __init__(self, cfg: VerifierConfig | None = None, **settings: Any) -> None:
        """``cfg`` holds the settings (defaults and checks live in ``VerifierConfig``); callers outside the
        pipeline may pass its fields as keywords instead, e.g. ``Verifier(timeout=2.0)``."""
        cfg = cfg if cfg is not None else VerifierConfig(**settings)
        self.cfg = cfg
        self.rel_tol = cfg.rel_tol
        self.abs_tol = cfg.abs_tol
        self.timeout = float(cfg.timeout)
        self.max_calls_per_job = int(cfg.max_calls_per_job)
        self.max_shown_chars = int(cfg.max_shown_chars)
        self.templates = load_feedback_templates(cfg.feedback_file, cfg.feedback)

    # ---------------------------------------------------------------------------------------------
    def verify(self, items: Sequence[VerifyItem], executor: Executor | None) -> list[Verdict]:
        """One verdict per item, in order. ``executor`` may be None only if no item is an input
        prediction with an extractable answer."""
        verdicts: list[Verdict | None] = [None] * len(items)
        pending: dict[tuple[str, str, str], list[tuple[int, Extraction, str]]] = {}
        for i, item in enumerate(items):
            verdict, run_key = self._prepare(item)
            if verdict is not None:
                verdicts[i] = verdict
            else:
                extraction, kwargs_json = run_key
                pending.setdefault((item.refcode, item.funcname, kwargs_json), []).append(
                    (i, extraction, kwargs_json)
                )
        if pending:
            if executor is None:
                raise ValueError("input-prediction responses need an executor to run the reference code")
            results = self._run(list(pending), executor)
            for key, result in zip(pending, results, strict=True):
                for i, extraction, _kw in pending[key]:
                    verdicts[i] = self._judge_run(items[i], extraction, result)
        lost = Verdict(INVALID, "internal error: no verdict was produced", detail="internal")
        return [v if v is not None else lost for v in verdicts]

    def verify_one(self, item: VerifyItem, executor: Executor | None = None) -> Verdict:
        return self.verify([item], executor)[0]

    # ---------------------------------------------------------------------------------------------
    def _prepare(self, item: VerifyItem) -> tuple[Verdict | None, tuple[Extraction, str] | None]:
        """A final verdict, or (extraction, kwargs JSON) for an input prediction that must run."""
        if item.kind not in records.TASK_KINDS:
            return Verdict(INVALID, f"unknown task kind {item.kind!r}", detail="bad_kind"), None
        if not isinstance(item.refcode, str) or not isinstance(item.funcname, str) or not item.funcname:
            return Verdict(INVALID, "the task has no reference code or entry name", detail="bad_task_code"), None
        try:
            expected = json.loads(item.output_json)
            given = json.loads(item.input_json if item.kind == "output" else item.output_json)
        except (TypeError, ValueError, RecursionError) as exc:
            return Verdict(INVALID, f"task holds invalid JSON: {exc}", detail="bad_task_json"), None

        extraction = extract_answer(item.response, item.kind, item.finish_reason)
        base = {"given": self._show(given), "key": item.kind, "format": ANSWER_FORMATS[item.kind]}
        if not extraction.ok:
            message = self._message(
                f"no_answer_{extraction.reason}", base | {"detail": extraction.detail}
            )
            return Verdict(records.NO_ANSWER, message, detail=extraction.reason or ""), None

        answer_json = extraction.answer_json
        fields = base | {"answer": self._show_json(answer_json)}
        if item.kind == "output":
            if outputs_match(extraction.value, expected, self.rel_tol, self.abs_tol):
                return Verdict(records.SUCCESS, self._message("output_success", fields), answer_json), None
            return Verdict(records.MISMATCH, self._message("output_mismatch", fields), answer_json), None

        kwargs = extraction.value
        if not isinstance(kwargs, dict):
            message = self._message("input_not_dict", fields)
            return Verdict(records.EXCEPTION, message, answer_json, detail="input_not_dict"), None
        if not is_strict_json_value(kwargs):
            message = self._message("input_not_json", fields)
            return Verdict(records.EXCEPTION, message, answer_json, detail="input_not_json"), None
        return None, (extraction, canonical_json(kwargs))

    def _run(self, keys: list[tuple[str, str, str]], executor: Executor) -> list[CallResult]:
        """Run every distinct (code, entry, kwargs) once; calls of one function share jobs."""
        by_function: dict[tuple[str, str], list[int]] = {}
        for index, (code, entry, _kw) in enumerate(keys):
            by_function.setdefault((code, entry), []).append(index)
        jobs: list[Job] = []
        owners: list[list[int]] = []
        for (code, entry), indices in by_function.items():
            for start in range(0, len(indices), self.max_calls_per_job):
                chunk = indices[start : start + self.max_calls_per_job]
                calls = [Call(kwargs_json=keys[i][2]) for i in chunk]
                jobs.append(Job(code=code, entry=entry, calls=calls, timeout=self.timeout))
                owners.append(chunk)
        results: list[CallResult | None] = [None] * len(keys)
        # Not strict: a short answer from a faulty executor leaves None, reported below as a crash.
        for chunk, job_result in zip(owners, executor.run(jobs), strict=False):
            for i, call_result in zip(chunk, job_result.calls, strict=False):
                results[i] = call_result
        # An executor may skip a job's remaining calls after several timeouts in a row (a guard for
        # sampling). Every prediction deserves its own run, so skipped calls run again, one per job.
        skipped = [i for i, r in enumerate(results) if r is not None and _was_skipped(r)]
        if skipped:
            retry = [
                Job(code=keys[i][0], entry=keys[i][1], calls=[Call(kwargs_json=keys[i][2])], timeout=self.timeout)
                for i in skipped
            ]
            for i, job_result in zip(skipped, executor.run(retry), strict=False):
                if job_result.calls:
                    results[i] = job_result.calls[0]
        missing = CallResult(status=ex.CRASHED, error="the executor returned no result for this call")
        return [r if r is not None else missing for r in results]

    def _judge_run(self, item: VerifyItem, extraction: Extraction, result: CallResult) -> Verdict:
        answer_json = extraction.answer_json
        given = json.loads(item.output_json)
        fields = {"answer": self._show_json(answer_json), "given": self._show(given)}
        status = result.status
        if status == ex.OK:
            try:
                actual = json.loads(result.value_json or "null")
            except ValueError:
                status, result = ex.CRASHED, CallResult(status=ex.CRASHED, error="garbled value")
            else:
                fields["actual"] = self._show_json(result.value_json)
                ok = outputs_match(actual, given, self.rel_tol, self.abs_tol)
                name = "input_success" if ok else "input_mismatch"
                verdict_status = records.SUCCESS if ok else records.MISMATCH
                return Verdict(
                    verdict_status, self._message(name, fields), answer_json, "ok", result.value_json
                )
        if status in (ex.OUTPUT_TOO_LARGE, ex.NOT_SERIALIZABLE):
            # It returned, but something the target (small, strict JSON) can never equal.
            what = "a value too large to show" if status == ex.OUTPUT_TOO_LARGE else "a value that is not JSON"
            fields["actual"] = f"{what} ({result.error or status})"
            return Verdict(records.MISMATCH, self._message("input_mismatch", fields), answer_json, status)
        if status == ex.TIMEOUT:
            fields["timeout"] = f"{self.timeout:g}"
            return Verdict(records.TIMEOUT, self._message("timeout", fields), answer_json, result.error or "")
        if status == ex.MEMORY:
            return Verdict(records.MEMORY, self._message("memory", fields), answer_json, result.error or "")
        error = result.error or status
        if status == ex.CRASHED:
            error = f"a crash of the program ({error})"
        fields["error"] = self._clip(error)
        return Verdict(records.EXCEPTION, self._message("exception", fields), answer_json, error)

    # ---------------------------------------------------------------------------------------------
    def _message(self, name: str, fields: Mapping[str, str]) -> str:
        return render(self.templates[name], fields)

    def _clip(self, text: str) -> str:
        limit = self.max_shown_chars
        return text if len(text) <= limit else text[: max(0, limit - 3)] + "..."

    def _show_json(self, text: str | None) -> str:
        if text is None:
            return "null"
        try:
            return self._show(json.loads(text))
        except (ValueError, RecursionError):
            return self._clip(text)

    def _show(self, value) -> str:
        """JSON as the model should read it (spaces after separators), clipped."""
        try:
            text = json.dumps(value, ensure_ascii=False)
        except (TypeError, ValueError, RecursionError):
            text = repr(value)
        return self._clip(text)
