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


def ask_teacher(teacher, sampling, rows: list[dict], messages: list[list[dict]],
                rejected: Counter, reason_prefix: str) -> list[dict]:
    """Generate one answer per row and append it; rows whose generation failed for good are dropped
    and counted (``<prefix>:<reason>``). Returns the rows that got an answer."""
    requests = [ChatRequest(messages=m, task=r) for r, m in zip(rows, messages, strict=True)]
    answered = []
    for row, samples in zip(rows, teacher.generate(requests, sampling), strict=True):
        gen = samples[0]
        if gen.finish_reason == "error" or gen.text is None:
            rejected[f"{reason_prefix}:{_short(gen.error)}"] += 1
            continue
        row["responses"] = [*row["responses"], gen.text]
        row["finish_reasons"] = [*row["finish_reasons"], gen.finish_reason]
        row["model"] = gen.model
        answered.append(row)
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

