"""Command-line executor: ``python -m codeio.execute --executor forkserver --timeout 5 jobs.jsonl``.

Reads one job per line, ``{"code": ..., "entry": "main_solution", "kwargs": {...}}`` (optional
``"generator"`` + ``"seed"`` to call the input generator instead of giving kwargs), and writes one
result per line, in order: ``{"status": ..., "value": <JSON value or null>, "error": ..., "seconds": ...}``
(plus ``"input"`` for generator jobs). A line that is not a valid job gets ``status: "invalid_job"``
instead of stopping the run. Every executor option is a flag: ``--memory-mb 512``, ``--workers 4``,
``--python /env/bin/python``, ``--allow-unsandboxed`` (trusted code only)...
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import MISSING, fields
from typing import Any

from codeio.execution.base import Call, Job
from codeio.execution.config import EXECUTOR_CONFIGS
from codeio.jsontext import dumps_line

INVALID = "invalid_job"


def _add_option_flags(parser: argparse.ArgumentParser) -> None:
    seen: set[str] = set()
    for schema in EXECUTOR_CONFIGS.values():
        for f in fields(schema):
            if f.name.startswith("_") or f.name in seen or f.name == "timeout":
                continue
            seen.add(f.name)
            flag = "--" + f.name.replace("_", "-")
            default = f.default if f.default is not MISSING else None
            if default is None and f.default_factory is not MISSING:
                default = f.default_factory()
            if isinstance(default, bool):
                parser.add_argument(flag, dest=f.name, action=argparse.BooleanOptionalAction, default=None)
            elif isinstance(default, dict):
                parser.add_argument(flag, dest=f.name, action="append", default=None, metavar="KEY=VALUE",
                                    help="repeat for several entries (replaces the whole default)")
            elif isinstance(default, list):
                parser.add_argument(flag, dest=f.name, action="append", default=None,
                                    help="repeat for several entries (replaces the whole default)")
            else:
                kind = type(default) if default is not None else str
                parser.add_argument(flag, dest=f.name, type=kind, default=None)


def parse_job(line: str) -> Job | str:
    """A ``Job`` or the reason the line is not one."""
    try:
        row = json.loads(line)
    except ValueError as exc:
        return f"not JSON: {exc}"
    if not isinstance(row, dict) or not isinstance(row.get("code"), str):
        return "a job needs a \"code\" string"
    entry = row.get("entry", "main_solution")
    generator = row.get("generator")
    seed = row.get("seed", 0)
    if not isinstance(entry, str) or (generator is not None and not isinstance(generator, str)):
        return "\"entry\" and \"generator\" must be strings"
    if not isinstance(seed, int):
        return "\"seed\" must be an integer"
    timeout = row.get("timeout")
    if timeout is not None and not (isinstance(timeout, (int, float)) and timeout > 0):
        return "\"timeout\" must be a positive number"
    if generator:
        call = Call(generate=True, seed=seed)
    else:
        kwargs = row.get("kwargs", {})
        if not isinstance(kwargs, dict):
            return "\"kwargs\" must be an object"
        call = Call(kwargs_json=json.dumps(kwargs), seed=seed)
    return Job(code=row["code"], entry=entry, calls=[call], generator=generator, timeout=timeout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m codeio.execute", description=__doc__.splitlines()[0])
    parser.add_argument("jobs", help="JSON Lines file of jobs ('-' = stdin)")
    parser.add_argument("--executor", default="forkserver", choices=sorted(EXECUTOR_CONFIGS))
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds per call (default 5)")
    parser.add_argument("--batch", type=int, default=1000, help="jobs sent to the executor at once")
    _add_option_flags(parser)
    args = parser.parse_args(argv)

    options: dict[str, Any] = {"timeout": args.timeout}
    schema_fields = {f.name for f in fields(EXECUTOR_CONFIGS[args.executor])}
    for name, value in vars(args).items():
        if name in ("jobs", "executor", "timeout", "batch") or value is None:
            continue
        if name not in schema_fields:
            parser.error(f"--{name.replace('_', '-')} does not apply to the {args.executor} executor")
        if name == "child_env":
            if any("=" not in item for item in value):
                parser.error("--child-env takes KEY=VALUE")
            value = dict(item.split("=", 1) for item in value)
        options[name] = value

    from codeio.execution import make_executor

    try:
        executor = make_executor(args.executor, **options)
    except Exception as exc:  # noqa: BLE001 - a start-up failure is reported, not a traceback
        print(f"python -m codeio.execute: cannot start the {args.executor} executor: {exc}", file=sys.stderr)
        return 1
    # undecodable bytes become U+FFFD: a broken line is a bad job, never a crash of the run
    stream = sys.stdin if args.jobs == "-" else open(args.jobs, encoding="utf-8", errors="replace")
    out = sys.stdout
    with stream, executor:
        pending: list[Job | str] = []

        def flush() -> None:
            jobs = [p for p in pending if isinstance(p, Job)]
            results = iter(executor.run(jobs)) if jobs else iter(())
            for item in pending:
                if isinstance(item, str):
                    row = {"status": INVALID, "value": None, "error": item, "seconds": 0.0}
                else:
                    call = next(results).calls[0]
                    row = {"status": call.status, "value": call.value(), "error": call.error,
                           "seconds": round(call.seconds, 6)}
                    if call.input_json is not None:
                        row["input"] = json.loads(call.input_json)
                out.write(dumps_line(row) + "\n")  # lone surrogates escaped: the line always encodes
            out.flush()
            pending.clear()

        for line in stream:
            if not line.strip():
                continue
            pending.append(parse_job(line))
            if len(pending) >= args.batch:
                flush()
        flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
