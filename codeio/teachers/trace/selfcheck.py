"""Check the trace teacher end to end on a corpus: sample inputs, write rationales, verify them.

    python -m codeio.teachers.trace.selfcheck --corpus reasoning_gym --limit 500 --out report.json
    python -m codeio.teachers.trace.selfcheck --corpus bundled

For every function: one input from its generator (``Call(generate=True)`` in the executor), its output
from a plain call of the entry (the reference the tasks carry), then an output-prediction and an
input-prediction task answered by ``TraceTeacher`` and judged by ``codeio.verify.Verifier``. Functions
that cannot become tasks and tasks the tracer cannot handle are counted by reason, never dropped
silently. The report's ``wrong`` count must be 0: the teacher is right by construction.
"""

from __future__ import annotations

import argparse
import gzip
import json
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codeio.execution.base import OK, Call, Executor, Job
from codeio.shared_data import shared_data_dir
from codeio.teachers.base import ChatRequest, SamplingParams

REASONING_GYM_FILE = shared_data_dir() / "reasoning_gym" / "codeio.json.gz"


@dataclass
class CheckFunction:
    name: str
    refcode: str
    inputgen: str
    generator: str
    funcname: str = "main_solution"


@dataclass
class CheckReport:
    functions: int = 0
    tasks: int = 0
    rejected_functions: dict[str, int] = field(default_factory=dict)
    """Functions that gave no task (generator or reference call failed), by reason."""
    verdicts: dict[str, dict[str, int]] = field(default_factory=dict)
    """kind -> verdict status -> count, for tasks the teacher answered."""
    teacher_failures: dict[str, int] = field(default_factory=dict)
    """Tasks the tracer could not handle, by reason."""
    truncated: int = 0
    """Answered tasks whose log was cut by a limit (answered anyway)."""
    wrong: list[dict[str, Any]] = field(default_factory=list)
    """Answered tasks whose verdict was not success (should stay empty)."""
    rationale_chars: dict[str, float] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def load_reasoning_gym(path: str | Path = REASONING_GYM_FILE, limit: int | None = None) -> list[CheckFunction]:
    """Functions of reasoning-gym's codeio file (gzipped JSON array or JSON lines)."""
    with gzip.open(path, "rt", encoding="utf-8") as f:
        text = f.read()
    try:
        records = json.loads(text)
    except ValueError:
        records = [json.loads(line) for line in text.splitlines() if line.strip()]
    out = []
    for i, record in enumerate(records[:limit] if limit else records):
        out.append(CheckFunction(name=f"rg{i}", refcode=record["code_sample"], inputgen=record["input_generator"],
                                 generator="generate_inputs"))
    return out


def load_bundled(limit: int | None = None) -> list[CheckFunction]:
    """Functions of the bundled demo corpus (``codeio/data/bundled/unified.jsonl``)."""
    path = Path(__file__).resolve().parents[2] / "data" / "bundled" / "unified.jsonl"
    out = []
    with open(path, encoding="utf-8") as f:
        for i, line in enumerate(f):
            record = json.loads(line)
            gen = "generate_inputs" if "def generate_inputs" in (record.get("inputgen") or "") else "input_generator"
            out.append(CheckFunction(name=(record.get("meta") or {}).get("raw_file", f"bundled{i}"),
                                     refcode=record["refcode"], inputgen=record.get("inputgen") or "",
                                     generator=gen, funcname=record.get("funcname") or "main_solution"))
    return out[:limit] if limit else out


def make_tasks(executor: Executor, functions: Sequence[CheckFunction], seed: int = 1,
               rejected: Counter | None = None) -> list[dict[str, Any]]:
    """Two task rows (output and input prediction) per function whose generator and entry both run."""
    rejected = Counter() if rejected is None else rejected
    gen_jobs = [Job(code=f.refcode + "\n\n" + f.inputgen, entry=f.funcname, generator=f.generator,
                    calls=[Call(generate=True, seed=seed)]) for f in functions]
    generated = executor.run(gen_jobs)
    kept: list[tuple[CheckFunction, str]] = []
    for function, result in zip(functions, generated, strict=True):
        call = result.calls[0]
        if call.input_json is None:
            rejected[f"generate_{call.status}"] += 1
        else:
            kept.append((function, call.input_json))
    # The reference output comes from a plain call (seed 0, like the traced call), as the sampler's would.
    plain = executor.run([Job(code=f.refcode, entry=f.funcname, calls=[Call(kwargs_json=kw)]) for f, kw in kept])
    tasks = []
    for (function, kwargs_json), result in zip(kept, plain, strict=True):
        call = result.calls[0]
        if call.status != OK:
            rejected[f"run_{call.status}"] += 1
            continue
        for kind in ("output", "input"):
            tasks.append({"task_id": f"{function.name}/{kind}", "kind": kind, "refcode": function.refcode,
                          "funcname": function.funcname, "input_json": kwargs_json,
                          "output_json": call.value_json, "prompt": f"({kind} prediction task for {function.name})",
                          "prompt_format": "query_code"})
    return tasks


def check(teacher: Any, executor: Executor, tasks: Sequence[dict[str, Any]],
          params: SamplingParams | None = None) -> tuple[CheckReport, list[Any]]:
    """Answer ``tasks`` with ``teacher`` and verify every answer; returns the report and the generations."""
    from codeio.verify.verifier import Verifier, VerifyItem

    params = params or SamplingParams(temperature=0.0)
    report = CheckReport(tasks=len(tasks))
    start = time.perf_counter()
    requests = [ChatRequest(messages=[{"role": "user", "content": t["prompt"]}], task=t) for t in tasks]
    generations = teacher.generate(requests, params)
    report.seconds["teacher"] = time.perf_counter() - start
    items, answered = [], []
    for task, gens in zip(tasks, generations, strict=True):
        gen = gens[0]
        if not gen.ok:
            reason = (gen.error or "unknown").split(":")[0]
            report.teacher_failures[reason] = report.teacher_failures.get(reason, 0) + 1
            continue
        items.append(VerifyItem(refcode=task["refcode"], funcname=task["funcname"], kind=task["kind"],
                                input_json=task["input_json"], output_json=task["output_json"],
                                response=gen.text, finish_reason=gen.finish_reason))
        answered.append((task, gen))
    start = time.perf_counter()
    verdicts = Verifier().verify(items, executor)
    report.seconds["verify"] = time.perf_counter() - start
    lengths = []
    for (task, gen), verdict in zip(answered, verdicts, strict=True):
        by_kind = report.verdicts.setdefault(task["kind"], {})
        by_kind[verdict.status] = by_kind.get(verdict.status, 0) + 1
        lengths.append(len(gen.text))
        if verdict.status != "success":
            report.wrong.append({"task_id": task["task_id"], "status": verdict.status, "detail": verdict.detail})
    report.truncated = int(getattr(teacher, "outcomes", Counter()).get("rendered_truncated", 0))
    if lengths:
        lengths.sort()
        report.rationale_chars = {"median": lengths[len(lengths) // 2], "max": lengths[-1]}
    return report, generations


def main(argv: Sequence[str] | None = None) -> int:
    from dataclasses import asdict

    from codeio.execution import make_executor
    from codeio.teachers.trace.config import TraceTeacherConfig
    from codeio.teachers.trace.teacher import TraceTeacher

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", choices=("reasoning_gym", "bundled"), default="bundled")
    parser.add_argument("--path", default=None, help="reasoning-gym file (default: ../shared/data/...)")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--executor", default="forkserver")
    parser.add_argument("--out", default=None, help="write the report here as JSON")
    args = parser.parse_args(argv)
    if args.corpus == "bundled":
        functions = load_bundled(args.limit)
    else:
        functions = load_reasoning_gym(args.path or REASONING_GYM_FILE, args.limit)
    with make_executor(args.executor) as executor:
        rejected: Counter = Counter()
        tasks = make_tasks(executor, functions, rejected=rejected)
        teacher = TraceTeacher(TraceTeacherConfig(), executor)
        report, _ = check(teacher, executor, tasks)
    report.functions = len(functions)
    report.rejected_functions = dict(rejected)
    text = json.dumps(asdict(report), indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    return 0 if not report.wrong else 1


if __name__ == "__main__":
    raise SystemExit(main())
