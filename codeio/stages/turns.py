"""What respond, verify and revise share: conversations, asking the teacher, judging the latest turn.

Every turn extends the task row's per-turn lists (``responses``, ``finish_reasons``, ``statuses``,
``feedbacks``, ``answers_json``) by one entry, so the three stages read and write the same ``Task`` rows.
"""

from __future__ import annotations

from collections import Counter

from codeio.teachers.base import ChatRequest


def first_turn_messages(row: dict) -> list[dict[str, str]]:
    messages = [{"role": "system", "content": row["system"]}] if row.get("system") else []
    messages.append({"role": "user", "content": row["prompt"]})
    return messages


def conversation(row: dict, redo_request: str) -> list[dict[str, str]]:
    """The whole conversation so far: prompt, then each answer and the feedback it got.

    Every turn extends the previous conversation verbatim, so an engine with prefix caching (vLLM)
    reuses the work done for the earlier turns."""
    messages = first_turn_messages(row)
    for response, feedback in zip(row["responses"], row["feedbacks"], strict=False):
        messages.append({"role": "assistant", "content": response})
        messages.append({"role": "user", "content": f"{feedback}\n\n{redo_request}".strip()})
    return messages


# Failures of the connection rather than of the request (after the teacher's own retries): the answer
# would come on another day, so the rows must not be recorded as lost.
TRANSIENT_FAILURES = ("connection", "timeout", "bad_response", "http_408", "http_409", "http_429", "http_5")


def ask_teacher(teacher, sampling, rows: list[dict], messages: list[list[dict]],
                rejected: Counter, reason_prefix: str) -> list[dict]:
    """Generate one answer per row and append it. Rows whose request the teacher refused for good
    (e.g. ``http_400``) are dropped and counted (``<prefix>:<reason>``). A transient failure that
    outlived the teacher's retries (connection, timeout, 429, 5xx) raises ``StageFailed`` instead, so
    the chunk is not committed and a rerun asks again. Returns the rows that got an answer."""
    requests = [ChatRequest(messages=m, task=r) for r, m in zip(rows, messages, strict=True)]
    answered = []
    transient: Counter = Counter()
    example = ""
    for row, samples in zip(rows, teacher.generate(requests, sampling), strict=True):
        gen = samples[0]
        if gen.finish_reason == "error" or gen.text is None:
            reason = _short(gen.error)
            if reason.startswith(TRANSIENT_FAILURES):
                transient[f"{reason_prefix}:{reason}"] += 1
                example = example or (gen.error or "")
            else:
                rejected[f"{reason_prefix}:{reason}"] += 1
            continue
        row["responses"] = [*row["responses"], gen.text]
        row["finish_reasons"] = [*row["finish_reasons"], gen.finish_reason]
        row["model"] = gen.model
        answered.append(row)
    if transient:
        from codeio.pipeline.stage import StageFailed

        counts = ", ".join(f"{k}={v}" for k, v in transient.items())
        raise StageFailed(
            f"the teacher failed for {sum(transient.values())} of {len(rows)} requests of a chunk after its "
            f"retries ({counts}; e.g. {example[:200]}). Nothing of this chunk is cached: check that the "
            "server is up (teacher.base_url) and run the same command again to resume here.")
    return answered


def teacher_counts(teacher) -> Counter:
    """The teacher's running totals (requests sent, cache hits, retries); stages report per-chunk
    differences so ``stats.counts`` in the summary says what a run actually paid for."""
    stats = getattr(teacher, "stats", None)
    if stats is None:
        return Counter()
    return Counter({"teacher_requests": stats.requests, "teacher_cache_hits": stats.cache_hits,
                    "teacher_retries": stats.retries})


def _short(reason: str | None) -> str:
    text = (reason or "unknown").split(":")[0].strip().lower().replace(" ", "_")
    return text[:40] or "unknown"


def verify_latest(verifier, executor, rows: list[dict]) -> None:
    """Append the verdict of each row's latest response (status, feedback, extracted answer)."""
    from codeio.verify import VerifyItem, record_verdict

    items = [VerifyItem.from_task(row) for row in rows]
    for row, verdict in zip(rows, verifier.verify(items, executor), strict=True):
        record_verdict(row, verdict)


def correct_rate_per_turn(ds) -> dict[str, dict[str, float]]:
    """Share of tasks answered correctly by turn t (cumulative), per task kind and overall."""
    if not len(ds):
        return {}
    from codeio.verify.rates import correct_rates

    return correct_rates(ds["kind"], ds["statuses"])["cumulative"]

