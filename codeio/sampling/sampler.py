"""The sample component: functions in, distinct deterministic input/output pairs out.

Per function, in rounds batched over all functions (one job per function per round, many calls per
job): call the generator with per-call seeds derived from ``seed``, the function id and the call index,
keep the first ``N`` distinct pairs (in call order, so the round sizes never change the result) that
pass the size limits, and stop early on timeouts, repeated failures or stalls. Recorded pairs of
imported corpora are re-executed first and kept only when they reproduce. Finally every kept pair is
re-executed in a child with another hash seed (and another random seed); a function whose output
changes is dropped whole.

The returned ``Counter`` holds function-level drop reasons; call-level outcomes (exceptions, size
failures, duplicates, ...) are in ``Sampler.call_stats``.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from codeio.execution.base import EXCEPTION, OK, TIMEOUT, Call, CallResult, Executor, Job, canonical_json
from codeio.records import IOPair
from codeio.sampling.config import SamplerConfig
from codeio.sampling.limits import SizeLimits
from codeio.transform.program import call_seed, program_code

log = logging.getLogger(__name__)

MISSING_MODULE_ERRORS = ("ModuleNotFoundError", "ImportError")


def call_failure(result: CallResult) -> str:
    """A short reason for a failed call: its status, or ``missing_module`` for import errors."""
    if result.status == "exception" and result.error and result.error.split(":")[0].strip() in MISSING_MODULE_ERRORS:
        return "missing_module"
    return "error" if result.status == "exception" else result.status


@dataclass
class FunctionState:
    row: dict[str, Any]
    target: int
    pairs: list[tuple[str, str, str]] = field(default_factory=list)
    """``(input_json, output_json, origin)`` in the order they were found."""
    seen: set[str] = field(default_factory=set)
    calls: int = 0
    timeouts: int = 0
    failed: int = 0
    since_new: int = 0
    rounds: int = 0
    failures: Counter = field(default_factory=Counter)
    dropped: str | None = None
    generating: bool = True
    first_generated_call: int | None = None
    """Index (seed) of the call that gave the first generated pair."""

    @property
    def function_id(self) -> str:
        return self.row["function_id"]


class Sampler:
    """Functions in, pairs out; the settings are ``SamplerConfig``'s."""

    def __init__(self, cfg: SamplerConfig) -> None:
        self.cfg = cfg
        self.seed = cfg.seed
        self.pairs_per_function = cfg.pairs_per_function
        self.pairs_per_source = dict(cfg.pairs_per_source)
        self.max_calls, self.min_pairs, self.timeout = cfg.max_calls, cfg.min_pairs, cfg.timeout
        self.first_round_calls, self.max_round_calls = cfg.first_round_calls, cfg.max_round_calls
        self.max_timeouts, self.max_failed_calls, self.stall_calls = (cfg.max_timeouts, cfg.max_failed_calls,
                                                                      cfg.stall_calls)
        self.limits = (SizeLimits(cfg.max_total_bytes, cfg.max_items, cfg.max_str_chars, cfg.max_scalar_bytes,
                                  cfg.size_measure) if cfg.size_limits else None)
        self.use_recorded, self.drop_on_recorded_mismatch = cfg.use_recorded, cfg.drop_on_recorded_mismatch
        self.check_determinism, self.check_generator = cfg.check_determinism, cfg.check_generator
        self.call_stats: Counter = Counter()
        """Call-level outcomes of the last ``process`` call (``generated:ok``, ``generated:size_output``, ...)."""

    def target_for(self, source: str) -> int:
        return int(self.pairs_per_source.get(source, self.pairs_per_function))

    # ------------------------------------------------------------------ public
    def process(self, functions: Sequence[dict[str, Any]], executor: Executor) -> tuple[list[dict[str, Any]], Counter]:
        """Sample pairs for ``Function`` rows; returns ``(IOPair rows, function drops by reason)``."""
        self.call_stats = Counter()
        states = [FunctionState(row=dict(f), target=self.target_for(f.get("source", ""))) for f in functions]
        for st in states:
            st.generating = bool(st.row.get("inputgen") and st.row.get("inputgen_entry"))
        if self.use_recorded:
            self._recorded(states, executor)
        while True:
            active = [st for st in states if self._wants_more(st)]
            if not active:
                break
            self._generate_round(active, executor)
        for st in states:
            if st.dropped is None and len(st.pairs) < self.min_pairs:
                st.dropped = self._too_few_reason(st)
        if self.check_generator:
            self._check_generators([st for st in states if st.dropped is None], executor)
        if self.check_determinism:
            self._check_determinism([st for st in states if st.dropped is None], executor)
        drops: Counter = Counter(st.dropped for st in states if st.dropped is not None)
        rows = [row for st in states if st.dropped is None for row in self._pair_rows(st)]
        return rows, drops

    # ------------------------------------------------------------------ helpers
    def _job(self, st: FunctionState, calls: list[Call], variant: int = 0) -> Job:
        row = st.row
        return Job(code=program_code(row["refcode"], row.get("inputgen")), entry=row.get("funcname") or "main_solution",
                   calls=calls, generator=row.get("inputgen_entry"), variant=variant, timeout=self.timeout)

    def _accept(self, st: FunctionState, input_json: str | None, output_json: str | None, origin: str) -> str:
        """Try to keep a pair; returns the outcome (``ok`` or why it was not kept)."""
        try:
            kwargs = json.loads(input_json or "")
            output = json.loads(output_json or "")
        except ValueError:
            return "not_json"
        if not isinstance(kwargs, dict):
            return "input_not_dict"
        if output is None and not self.cfg.keep_none_outputs:
            return "output_none"
        input_json, output_json = canonical_json(kwargs), canonical_json(output)
        if self.limits is not None:
            bound = self.limits.violation(kwargs, input_json)
            if bound:
                return f"size_input_{bound}"
            bound = self.limits.violation(output, output_json)
            if bound:
                return f"size_output_{bound}"
        if input_json in st.seen:
            return "duplicate"
        st.seen.add(input_json)
        st.pairs.append((input_json, output_json, origin))
        return OK

    def _input_rejection(self, st: FunctionState, input_json: str) -> str | None:
        """Why a generated input would be skipped before the function runs (``duplicate``,
        ``size_input_<bound>``), or None."""
        try:
            kwargs = json.loads(input_json)
        except ValueError:
            return None
        if canonical_json(kwargs) in st.seen:
            return "duplicate"
        bound = self.limits.violation(kwargs) if self.limits is not None else None
        return f"size_input_{bound}" if bound else None

    def _wants_more(self, st: FunctionState) -> bool:
        if st.dropped or not st.generating or len(st.pairs) >= st.target or st.calls >= self.max_calls:
            return False
        if self.max_timeouts and st.timeouts >= self.max_timeouts:
            return False
        if self.max_failed_calls and st.failed >= self.max_failed_calls:
            return False
        return not (self.stall_calls and st.since_new >= self.stall_calls)

    def _round_size(self, st: FunctionState) -> int:
        if st.rounds == 0:
            size = self.first_round_calls
        else:
            size = (st.target - len(st.pairs)) * 2**st.rounds
        return max(1, min(size, self.max_round_calls, self.max_calls - st.calls))

    def _generate_round(self, active: list[FunctionState], executor: Executor) -> None:
        jobs = []
        for st in active:
            n = self._round_size(st)
            calls = [Call(generate=True, seed=call_seed(self.seed, st.function_id, st.calls + i)) for i in range(n)]
            jobs.append(self._job(st, calls))
        results = executor.run(jobs)
        for st, job, result in zip(active, jobs, results, strict=False):
            st.rounds += 1
            for res in result.calls:
                if len(st.pairs) >= st.target:
                    break  # later calls of the round are ignored: the result must not depend on round sizes
                index = st.calls
                st.calls += 1
                if res.status == OK:
                    outcome = self._accept(st, res.input_json, res.value_json, "generated")
                    if outcome == OK and st.first_generated_call is None:
                        st.first_generated_call = index
                else:
                    outcome = call_failure(res)
                    st.failed += 1
                    st.timeouts += res.status == TIMEOUT
                    if self.cfg.drop_on_error and res.status == EXCEPTION:
                        skipped = self._input_rejection(st, res.input_json) if res.input_json else None
                        if skipped:  # the paper never calls the function on a duplicate or oversized input
                            outcome = skipped
                        else:  # the paper's script dies on the first exception, losing the function
                            st.dropped = "function_raised" if res.input_json else "generator_raised"
                self.call_stats[f"generated:{outcome}"] += 1
                if outcome == OK:
                    st.since_new = 0
                else:
                    st.failures[outcome] += 1
                    st.since_new += 1
                if not self._wants_more(st) and len(st.pairs) < st.target:
                    break  # an early-stop limit was reached inside the round
            # Calls a child never reported count as made, so a broken job cannot loop forever.
            st.calls = max(st.calls, min(self.max_calls, st.calls + len(job.calls) - len(result.calls)))

    def _recorded(self, states: list[FunctionState], executor: Executor) -> None:
        """Re-execute recorded pairs; keep those whose output reproduces exactly."""
        work = []
        for st in states:
            try:
                ios = json.loads(st.row.get("ios_json") or "[]")
            except ValueError:
                ios = []
            ios = [p for p in ios if isinstance(p, dict) and isinstance(p.get("input"), dict) and "output" in p]
            if ios:
                calls = [Call(kwargs_json=canonical_json(p["input"]), seed=call_seed(self.seed, st.function_id, f"recorded-{i}"))
                         for i, p in enumerate(ios)]
                work.append((st, ios, self._job(st, calls)))
        if not work:
            return
        results = executor.run([job for _, _, job in work])
        for (st, ios, _), result in zip(work, results, strict=False):
            mismatch = False
            for pair, res in zip(ios, result.calls, strict=False):
                if res.status != OK:
                    outcome = "recorded_" + call_failure(res)
                elif res.value_json != _canonical_or_none(pair["output"]):
                    outcome, mismatch = "recorded_not_reproducible", True
                elif len(st.pairs) >= st.target:
                    outcome = "recorded_surplus"
                else:
                    outcome = self._accept(st, res.input_json or canonical_json(pair["input"]), res.value_json, "recorded")
                    outcome = outcome if outcome == OK else "recorded_" + outcome
                self.call_stats[f"recorded:{outcome}"] += 1
                if outcome not in (OK, "recorded_surplus"):
                    st.failures[outcome] += 1
            if mismatch and self.drop_on_recorded_mismatch:
                st.dropped = "recorded_not_reproducible"

    def _too_few_reason(self, st: FunctionState) -> str:
        if not st.generating and not st.failures and not st.pairs:
            return "no_inputs"
        if not st.failures:
            return "too_few_pairs"
        cause = st.failures.most_common(1)[0][0]
        cause = cause.removeprefix("recorded_")
        if cause.startswith("size_"):
            cause = "size"
        return f"too_few_pairs_{cause}"

    def _check_generators(self, states: list[FunctionState], executor: Executor) -> None:
        """Run each function's first generating call again in a fresh child: the same seed must give the
        same input, or reruns could not reproduce the pairs."""
        work = []
        for st in states:
            first = next((i for i, (_, _, origin) in enumerate(st.pairs) if origin == "generated"), None)
            if first is None or st.first_generated_call is None:
                continue
            call = Call(generate=True, seed=call_seed(self.seed, st.function_id, st.first_generated_call))
            # Same hash seed as the first run (variant 0): reruns use it too; only the seed must matter.
            work.append((st, st.pairs[first][0], self._job(st, [call], variant=0)))
        if not work:
            return
        for (st, expected, _), result in zip(work, executor.run([job for _, _, job in work]), strict=False):
            res = result.calls[0] if result.calls else None
            self.call_stats["generator_check:" + ("ok" if res and res.ok and res.input_json == expected else "differs")] += 1
            if res is None or res.status != OK or res.input_json != expected:
                st.dropped = "generator_not_reproducible"

    def _check_determinism(self, states: list[FunctionState], executor: Executor) -> None:
        work = []
        for st in states:
            calls = [Call(kwargs_json=inp, seed=call_seed(self.seed, st.function_id, f"recheck-{i}"))
                     for i, (inp, _, _) in enumerate(st.pairs)]
            work.append((st, self._job(st, calls, variant=1)))
        if not work:
            return
        for (st, _), result in zip(work, executor.run([job for _, job in work]), strict=False):
            statuses = [res.status for res in result.calls]
            if len(result.calls) != len(st.pairs):
                st.dropped = "recheck_crashed"
            elif any(s != OK for s in statuses):
                failure = next(call_failure(r) for r in result.calls if r.status != OK)
                st.dropped = f"recheck_{failure}"
            elif any(res.value_json != out for res, (_, out, _) in zip(result.calls, st.pairs, strict=False)):
                st.dropped = "nondeterministic"
            self.call_stats["recheck:" + (st.dropped or "ok")] += 1

    def _pair_rows(self, st: FunctionState) -> list[dict[str, Any]]:
        row = st.row
        return [
            IOPair(
                pair_id=IOPair.make_id(st.function_id, inp),
                function_id=st.function_id,
                raw_id=row.get("raw_id", ""),
                source=row.get("source", ""),
                problem_description=row.get("problem_description", ""),
                io_requirements=row.get("io_requirements", ""),
                refcode=row["refcode"],
                funcname=row.get("funcname") or "main_solution",
                input_json=inp,
                output_json=out,
                pair_index=i,
                origin=origin,
            ).to_row()
            for i, (inp, out, origin) in enumerate(st.pairs)
        ]


def _canonical_or_none(value: Any) -> str | None:
    try:
        return canonical_json(value)
    except (TypeError, ValueError):
        return None
