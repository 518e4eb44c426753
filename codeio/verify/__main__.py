"""``python -m codeio.verify rows.jsonl > verdicts.jsonl``: check responses without Hydra.

Each input line is one JSON object::

    {"refcode": "...", "funcname": "main_solution", "kind": "output" | "input",
     "input": {true kwargs}, "output": <true output>, "response": "model text" | null,
     "finish_reason": "stop"}              # funcname and finish_reason are optional

Each output line, in the same order, is a verdict::

    {"status": "success" | "mismatch" | "no_answer" | "exception" | "timeout" | "memory",
     "feedback": "...", "answer_json": "...", "detail": "...", "actual_json": "..."}

A line that is not a usable row gets ``{"status": "invalid", "feedback": ..., "detail": "bad_row",
"error": "line N: why"}`` instead; blank lines are skipped. Predicted inputs run only in the executor.
Exit status: 0 when every line was checked (invalid rows included), 1 when the executor cannot start or
a batch could not be verified (its rows get ``detail: verifier_error``), 2 on bad arguments.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Iterator
from typing import IO, Any

from codeio.jsontext import canonical_json, dumps_line
from codeio.verify.verifier import INVALID, Verdict, Verifier, VerifyItem


def parse_row(line: str) -> VerifyItem:
    """A row as a VerifyItem; ValueError says what is wrong with it."""
    try:
        row = json.loads(line)
    except (ValueError, RecursionError) as exc:
        raise ValueError(f"not JSON ({exc})") from None
    if not isinstance(row, dict):
        raise ValueError("a row must be a JSON object")
    kind = row.get("kind")
    if kind not in ("output", "input"):
        raise ValueError(f'"kind" must be "output" or "input", got {kind!r}')
    refcode = row.get("refcode")
    if not isinstance(refcode, str) or not refcode.strip():
        raise ValueError('"refcode" must be non-empty text')
    funcname = row.get("funcname") or "main_solution"
    if not isinstance(funcname, str) or not funcname.isidentifier():
        raise ValueError(f'"funcname" must be a Python identifier, got {funcname!r}')
    if "output" not in row:
        raise ValueError('"output" (the true output) is missing')
    kwargs = row.get("input", {})
    if kind == "output" and "input" not in row:
        raise ValueError('"input" (the true kwargs) is missing')
    if not isinstance(kwargs, dict):
        raise ValueError('"input" must be a JSON object of keyword arguments')
    response = row.get("response")
    if response is not None and not isinstance(response, str):
        raise ValueError('"response" must be text or null')
    finish_reason = row.get("finish_reason", "stop")
    if finish_reason is not None and not isinstance(finish_reason, str):
        raise ValueError('"finish_reason" must be text or null')
    try:
        input_json, output_json = canonical_json(kwargs), canonical_json(row["output"])
    except (TypeError, ValueError) as exc:
        raise ValueError(f"true input/output is not strict JSON ({exc})") from None
    return VerifyItem(refcode, funcname, kind, input_json, output_json, response, finish_reason)


def _batches(stream: IO[str], size: int) -> Iterator[list[tuple[int, VerifyItem | str]]]:
    """(line number, item or error text) in batches of ``size`` rows; blank lines skipped."""
    batch: list[tuple[int, VerifyItem | str]] = []
    for number, line in enumerate(stream, 1):
        if not line.strip():
            continue
        try:
            batch.append((number, parse_row(line)))
        except ValueError as exc:
            batch.append((number, f"line {number}: {exc}"))
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _line(verdict: Verdict) -> dict[str, Any]:
    out = {"status": verdict.status, "feedback": verdict.feedback}
    for key in ("answer_json", "detail", "actual_json"):
        value = getattr(verdict, key)
        if value not in (None, ""):
            out[key] = value
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m codeio.verify",
        description="Check model responses to prediction tasks: one JSON verdict per input row, in order.",
    )
    parser.add_argument("rows", help="JSONL file of rows to check ('-' = stdin)")
    parser.add_argument("-o", "--out", default="-", help="where to write the verdicts ('-' = stdout)")
    parser.add_argument("--executor", default="forkserver", help="forkserver (default), subprocess, bwrap, docker")
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds per run of a predicted input (5)")
    parser.add_argument("--memory-mb", type=int, default=None, help="memory limit of a run, MiB")
    parser.add_argument("--workers", type=int, default=0, help="parallel children (0 = CPU count)")
    parser.add_argument("--rel-tol", type=float, default=1e-3, help="relative tolerance for numbers (1e-3)")
    parser.add_argument("--feedback-file", default=None, help="YAML file of feedback messages")
    parser.add_argument("--batch-size", type=int, default=2000, help="rows checked per executor batch")
    parser.add_argument("-q", "--quiet", action="store_true", help="no summary on stderr")
    args = parser.parse_args(argv)
    if args.timeout <= 0 or args.batch_size < 1:
        parser.error("--timeout must be > 0 and --batch-size >= 1")

    from codeio.execution.config import EXECUTOR_CONFIGS

    if args.executor not in EXECUTOR_CONFIGS:
        parser.error(f"unknown --executor {args.executor!r}; choose from {sorted(EXECUTOR_CONFIGS)}")
    try:
        verifier = Verifier(rel_tol=args.rel_tol, timeout=args.timeout, feedback_file=args.feedback_file)
    except ValueError as exc:
        parser.error(str(exc))
    try:
        source = sys.stdin if args.rows == "-" else open(args.rows, encoding="utf-8", errors="replace")
    except OSError as exc:
        parser.error(f"cannot read {args.rows}: {exc}")
    sink = sys.stdout if args.out == "-" else open(args.out, "w", encoding="utf-8")

    executor = None
    exit_code = 0
    counts: Counter = Counter()
    started = time.perf_counter()
    try:
        for batch in _batches(source, args.batch_size):
            items = [item for _n, item in batch if isinstance(item, VerifyItem)]
            if executor is None and any(item.kind == "input" for item in items):
                try:
                    executor = _make_executor(args)
                except Exception as exc:  # noqa: BLE001 - report any start-up failure, then stop
                    print(f"python -m codeio.verify: cannot start the {args.executor} executor: {exc}",
                          file=sys.stderr)
                    return 1
            try:
                verdicts = iter(verifier.verify(items, executor))
            except Exception as exc:  # noqa: BLE001 - an executor failure must not lose the other batches
                failure = f"verification failed: {type(exc).__name__}: {exc}"
                print(f"python -m codeio.verify: {failure}", file=sys.stderr)
                verdicts = iter([Verdict(INVALID, "this row could not be checked", detail="verifier_error")
                                 for _ in items])
                exit_code = 1
            for _number, item in batch:
                if isinstance(item, VerifyItem):
                    line = _line(next(verdicts))
                else:
                    line = {"status": INVALID, "feedback": "this row cannot be checked", "detail": "bad_row",
                            "error": item}
                counts[line["status"]] += 1
                sink.write(dumps_line(line) + "\n")  # lone surrogates escaped: the line always encodes
            sink.flush()
    finally:
        if executor is not None:
            executor.close()
        if source is not sys.stdin:
            source.close()
        if sink is not sys.stdout:
            sink.close()
    if not args.quiet:
        total = sum(counts.values())
        seconds = time.perf_counter() - started
        summary = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        print(f"verified {total} rows in {seconds:.1f} s: {summary}", file=sys.stderr)
    return exit_code


def _make_executor(args: argparse.Namespace):
    from codeio.execution import make_executor

    options: dict[str, Any] = {"timeout": args.timeout, "workers": args.workers}
    if args.memory_mb is not None:
        options["memory_mb"] = args.memory_mb
    return make_executor(args.executor, **options)


if __name__ == "__main__":
    sys.exit(main())
