"""Determinism check: rerun successful calls in other children and flag values that change.

The rerun uses ``Job.variant=1`` (workers started with another ``PYTHONHASHSEED``) and a different
random seed, with the exact kwargs the first run used (for generator calls: the generated input). A
function whose value depends on set/dict-of-str iteration order, on ``random`` or on the clock then
shows a different value. Comparison happens here, in the parent, on canonical JSON text.
"""

from __future__ import annotations

from collections.abc import Sequence

from codeio.execution.base import Call, Executor, Job, JobResult

SEED_OFFSET = 1_000_003


def rerun_job(job: Job, result: JobResult, seed_offset: int = SEED_OFFSET) -> tuple[Job, list[int]]:
    """The variant job rerunning ``result``'s ok calls, and the indices of those calls in ``job``."""
    calls, indices = [], []
    for index, (call, outcome) in enumerate(zip(job.calls, result.calls, strict=True)):
        if not outcome.ok:
            continue
        kwargs_json = outcome.input_json if call.generate else call.kwargs_json
        calls.append(Call(kwargs_json=kwargs_json or "{}", seed=call.seed + seed_offset, harness=call.harness,
                          harness_options=call.harness_options))
        indices.append(index)
    rerun = Job(code=job.code, entry=job.entry, calls=calls, generator=job.generator, variant=1,
                timeout=job.timeout)
    return rerun, indices


def check_determinism(executor: Executor, jobs: Sequence[Job], results: Sequence[JobResult],
                      seed_offset: int = SEED_OFFSET) -> list[list[bool | None]]:
    """Per job and call: True when the rerun gave the same value, False when it differed (or failed),
    None when the first run was not ok (nothing to compare)."""
    reruns = [rerun_job(job, result, seed_offset) for job, result in zip(jobs, results, strict=True)]
    second = executor.run([job for job, _ in reruns])
    flags: list[list[bool | None]] = []
    for result, (_, indices), again in zip(results, reruns, second, strict=True):
        row: list[bool | None] = [None] * len(result.calls)
        for index, outcome in zip(indices, again.calls, strict=True):
            row[index] = outcome.ok and outcome.value_json == result.calls[index].value_json
        flags.append(row)
    return flags
