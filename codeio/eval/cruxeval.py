"""CRUXEval-I / CRUXEval-O: load the benchmark, prompt a model, score generations like the official scorer.

Scoring semantics (re-implemented from the published evaluation, facebookresearch/cruxeval):

- A *generation* is Python expression text. In output mode it is the predicted value of ``f(<input>)``;
  in input mode it is a whole call ``f(<predicted args>)``.
- Pre-filters, decided in the parent without running anything: an output-mode generation that contains
  the call ``f(<input>)`` itself fails (it would let the model dodge the prediction), and an input-mode
  generation without ``f(`` fails.
- Otherwise the program ``<task code>\\nassert <output> == <generation>`` is executed as a module with
  fresh globals under a wall-clock limit (3 s officially); it passes when it runs to the end. In input
  mode this is ``f(<prediction>) == <output>``; in output mode it compares the prediction to the recorded
  output ``f(<input>)`` (``check="execute"`` compares against a fresh ``f(<input>)`` call instead).
- Every generation of a task counts (n = number of generations, c = passing ones); pass@k is the unbiased
  estimator ``1 - C(n-c, k) / C(n, k)`` averaged over tasks, in percent.

All programs run only through an :class:`~codeio.execution.base.Executor`: one job per task whose calls
each execute one generation's program in the child; the parent only reads back ``true``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from codeio.execution.base import Call, Executor, Job

MODES = ("output", "input")
PROMPT_STYLES = ("direct", "cot")
OFFICIAL_TIMEOUT = 3.0

# The child runs this small trusted wrapper; ``program`` is untrusted text executed as a fresh module.
# It returns True only when the whole program (definition + assert) ran to the end. Like the official
# scorer it enforces the time limit itself with SIGALRM, so a slow generation fails as a plain exception
# and the job's other generations still run; the executor's own limit (one second later) is the backstop.
CHECKER_CODE = '''
import signal as _signal


class CheckTimeout(BaseException):
    pass


def _on_alarm(signum, frame):
    raise CheckTimeout("time limit reached")


def run_program(program, seconds):
    namespace = {}
    previous = _signal.signal(_signal.SIGALRM, _on_alarm)
    _signal.setitimer(_signal.ITIMER_REAL, seconds)
    try:
        exec(compile(program, "<cruxeval>", "exec"), namespace)
    finally:
        _signal.setitimer(_signal.ITIMER_REAL, 0)
        _signal.signal(_signal.SIGALRM, previous)
    return True
'''
CHECKER_ENTRY = "run_program"


@dataclass
class CruxTask:
    id: str
    code: str
    """Defines ``f``."""
    input: str
    """Python text of the argument list, e.g. ``"[1, 2], 3"``."""
    output: str
    """Python literal text of ``f(input)``."""


# ---------------------------------------------------------------------------------------------- data


def resolve_path(path: str | Path) -> Path:
    """``path`` as given, or, when it is relative and missing there, relative to the repository root
    (so config defaults such as ``../shared/data/...`` work from any working directory)."""
    p = Path(path).expanduser()
    if not p.is_absolute() and not p.exists():
        beside_repo = Path(__file__).resolve().parents[2] / p
        if beside_repo.exists():
            return beside_repo
    return p


def load_cruxeval(path: str | Path, limit: int | None = None, split: str | None = None) -> list[CruxTask]:
    """Load CRUXEval tasks from a JSONL file (``code``, ``input``, ``output``, ``id`` per line), a JSON
    array, or a ``datasets`` dataset saved with ``save_to_disk`` (a Dataset or a DatasetDict, whose
    ``split`` or only/``test`` split is used). ``limit`` keeps the first N tasks in file order."""
    p = resolve_path(path)
    if p.is_dir():
        import datasets

        ds = datasets.load_from_disk(str(p))
        if isinstance(ds, datasets.DatasetDict):
            name = split or ("test" if "test" in ds else next(iter(ds)))
            ds = ds[name]
        rows: list[dict[str, Any]] = list(ds)
    else:
        text = p.read_text(encoding="utf-8")
        if text.lstrip().startswith("["):
            rows = json.loads(text)
        else:
            rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    tasks = []
    for i, row in enumerate(rows):
        tasks.append(
            CruxTask(id=str(row.get("id", f"sample_{i}")), code=row["code"], input=row["input"], output=row["output"])
        )
    return tasks[:limit] if limit is not None else tasks


# ------------------------------------------------------------------------------------------- metrics


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k for one task with ``n`` samples of which ``c`` pass (the official formula:
    ``1 - prod_{i=n-c+1..n} (1 - k/i)``). Callers must ensure ``n >= k``."""
    if n - c < k:
        return 1.0
    return 1.0 - float(np.prod(1.0 - k / np.arange(n - c + 1, n + 1)))


def aggregate_pass_at_k(counts: Sequence[tuple[int, int]], k: int) -> float | None:
    """Mean pass@k over tasks, in percent; None when a task has fewer than k samples (undefined)."""
    if not counts or any(n < k for n, _ in counts):
        return None
    values = [pass_at_k(n, c, k) for n, c in counts]
    return sum(values) / len(values) * 100


# -------------------------------------------------------------------------------------------- checks


def rejected_before_running(task: CruxTask, generation: Any, mode: str) -> str | None:
    """Why a generation fails without execution (official pre-filters), or None."""
    if not isinstance(generation, str):
        return "not_a_string"
    if mode == "input" and "f(" not in generation:
        return "no_call"
    if mode == "output" and f"f({task.input})" in generation:
        return "contains_call"
    return None


def check_program(task: CruxTask, generation: str, mode: str, check: str = "official") -> str:
    """The module text whose complete run means the generation is right."""
    if mode == "output" and check == "execute":
        return f"{task.code}\nassert f({task.input}) == {generation}"
    return f"{task.code}\nassert {task.output} == {generation}"


@dataclass
class SampleResult:
    id: str
    generations: list[Any]
    passed: list[bool]
    statuses: list[str]
    """Per generation: ``passed``, a pre-filter reason, or the executor status (``exception``, ...)."""
    errors: list[str | None] = field(default_factory=list)


@dataclass
class CruxScore:
    mode: str
    tasks: int
    samples_per_task: list[int]
    pass_at_1: float | None
    pass_at_5: float | None
    missing: int = 0
    """Benchmark tasks for which no generations were given (not scored)."""
    unknown_ids: int = 0
    """Generation keys that match no benchmark task (ignored)."""
    statuses: dict[str, int] = field(default_factory=dict)
    results: list[SampleResult] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        n = sorted(set(self.samples_per_task))
        return {
            "mode": self.mode,
            "pass@1": self.pass_at_1,
            "pass@5": self.pass_at_5,
            "tasks": self.tasks,
            "samples_per_task": n[0] if len(n) == 1 else n,
            "missing": self.missing,
            "unknown_ids": self.unknown_ids,
            "statuses": dict(sorted(self.statuses.items())),
        }


def score_generations(
    tasks: Sequence[CruxTask],
    generations: dict[str, Sequence[Any]],
    mode: str,
    executor: Executor,
    timeout: float = OFFICIAL_TIMEOUT,
    check: str = "official",
) -> CruxScore:
    """Score ``{"<task id>": [generation, ...]}`` against ``tasks`` (tasks without generations are
    counted as ``missing`` and left out; pass@k is over the scored tasks, in benchmark order)."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    if check not in ("official", "execute"):
        raise ValueError(f"check must be 'official' or 'execute', got {check!r}")
    known = {t.id for t in tasks}
    scored = [t for t in tasks if t.id in generations]
    results: list[SampleResult] = []
    jobs: list[Job] = []
    job_slots: list[tuple[int, list[int]]] = []  # (result index, generation indices run in that job)
    for task in scored:
        gens = generations[task.id]
        gens = list(gens) if isinstance(gens, (list, tuple)) else [gens]
        res = SampleResult(task.id, gens, [False] * len(gens), [""] * len(gens), [None] * len(gens))
        calls, slots = [], []
        for j, g in enumerate(gens):
            reason = rejected_before_running(task, g, mode)
            if reason is not None:
                res.statuses[j] = reason
                continue
            program = check_program(task, g, mode, check)
            calls.append(Call(kwargs_json=json.dumps({"program": program, "seconds": timeout})))
            slots.append(j)
        results.append(res)
        if calls:
            jobs.append(Job(code=CHECKER_CODE, entry=CHECKER_ENTRY, calls=calls, timeout=timeout + 1.0))
            job_slots.append((len(results) - 1, slots))
    if jobs:
        for job_result, (ri, slots) in zip(executor.run(jobs), job_slots, strict=True):
            res = results[ri]
            for j, call in zip(slots, job_result.calls, strict=True):
                ok = call.ok and call.value_json == "true"
                res.passed[j] = ok
                res.statuses[j] = "passed" if ok else _failure_status(call)
                res.errors[j] = call.error
    counts = [(len(r.passed), sum(r.passed)) for r in results]
    statuses = Counter(s for r in results for s in r.statuses)
    return CruxScore(
        mode=mode,
        tasks=len(results),
        samples_per_task=[n for n, _ in counts],
        pass_at_1=aggregate_pass_at_k(counts, 1),
        pass_at_5=aggregate_pass_at_k(counts, 5),
        missing=len(tasks) - len(scored),
        unknown_ids=sum(1 for key in generations if key not in known),
        statuses=dict(statuses),
        results=results,
    )


def _failure_status(call: Any) -> str:
    if call.ok:
        return "not_true"
    if call.status == "exception" and (call.error or "").startswith("CheckTimeout"):
        return "timeout"
    return call.status


# ------------------------------------------------------------------------------------------ prompting

# Our own wording; the structure ([PYTHON] block, an assertion with ??, the answer as a full assertion
# between [ANSWER] tags) follows the benchmark's published prompt format so extraction works the same.
_OUTPUT_INTRO = (
    "Below is a Python function f and an assertion that calls it on a concrete input, with the expected "
    "value replaced by ??. Replace ?? with the exact value f returns for that input, written as a Python "
    "literal (no expressions, no function calls), even if the function looks buggy or unfinished."
)
_OUTPUT_DIRECT = " Reply with only the completed assertion between [ANSWER] and [/ANSWER] tags."
_OUTPUT_COT = (
    " First trace the execution step by step between [THOUGHT] and [/THOUGHT], then give the completed "
    "assertion between [ANSWER] and [/ANSWER] tags."
)
_OUTPUT_EXAMPLE_CODE = 'def f(word):\n    word = word * 2\n    return word[::-1] + "!"'
_OUTPUT_EXAMPLE_THOUGHT = (
    'f is called with word = "ab". Doubling gives "abab". Reversed, that is "baba", and "!" is appended, '
    'so f returns "baba!".'
)
_INPUT_INTRO = (
    "Below is a Python function f and an assertion f(??) == <value>. Find one input for which f returns "
    "exactly that value and replace ?? with it (several inputs may work; give one)."
)
_INPUT_DIRECT = " Reply with only the completed assertion between [ANSWER] and [/ANSWER] tags."
_INPUT_COT = (
    " First reason step by step between [THOUGHT] and [/THOUGHT], then give the completed assertion "
    "between [ANSWER] and [/ANSWER] tags."
)
_INPUT_EXAMPLE_CODE = "def f(items):\n    return sum(x * x for x in items)"
_INPUT_EXAMPLE_THOUGHT = "f adds the squares of the items. 1 + 4 = 5, so the list [1, 2] works."


def make_prompt(task: CruxTask, mode: str, style: str = "direct", shots: int = 0) -> str:
    """The user message asking for a CRUXEval prediction (``style``: ``direct`` or ``cot``), zero-shot as
    the paper evaluates, or with one worked example (``shots=1``)."""
    if mode not in MODES or style not in PROMPT_STYLES or shots not in (0, 1):
        raise ValueError(f"unknown mode/style/shots {mode!r}/{style!r}/{shots!r}")
    cot = style == "cot"
    if mode == "output":
        intro = _OUTPUT_INTRO + (_OUTPUT_COT if cot else _OUTPUT_DIRECT)
        ex_q = f'[PYTHON]\n{_OUTPUT_EXAMPLE_CODE}\nassert f("ab") == ??\n[/PYTHON]\n'
        ex_t = f"[THOUGHT]\n{_OUTPUT_EXAMPLE_THOUGHT}\n[/THOUGHT]\n" if cot else ""
        ex_a = '[ANSWER]\nassert f("ab") == "baba!"\n[/ANSWER]'
        question = f"[PYTHON]\n{task.code}\nassert f({task.input}) == ??\n[/PYTHON]"
    else:
        intro = _INPUT_INTRO + (_INPUT_COT if cot else _INPUT_DIRECT)
        ex_q = f"[PYTHON]\n{_INPUT_EXAMPLE_CODE}\nassert f(??) == 5\n[/PYTHON]\n"
        ex_t = f"[THOUGHT]\n{_INPUT_EXAMPLE_THOUGHT}\n[/THOUGHT]\n" if cot else ""
        ex_a = "[ANSWER]\nassert f([1, 2]) == 5\n[/ANSWER]"
        question = f"[PYTHON]\n{task.code}\nassert f(??) == {task.output}\n[/PYTHON]"
    if not shots:
        return f"{intro}\n\n{question}"
    return f"{intro} Here is a worked example.\n\nExample:\n{ex_q}{ex_t}{ex_a}\n\nNow this one:\n{question}"


def extract_answer(text: str | None, mode: str) -> str:
    """Turn a model response into the generation text the scorer expects, like the benchmark's own
    post-processing: keep what follows the first ``[ANSWER]`` (cut at ``[/ANSWER]``); in output mode keep
    the right-hand side of ``==``; in input mode keep the left-hand side without ``assert``."""
    if not text:
        return ""
    answer = text
    if "[ANSWER]" in answer:
        answer = answer.split("[ANSWER]", 1)[1]
    answer = answer.split("[/ANSWER]", 1)[0].strip()
    answer = _strip_fence(answer)
    if mode == "output":
        if "==" in answer:
            answer = answer.split("==")[1].strip()
    else:
        if "==" in answer:
            answer = answer.split("==")[0].strip()
        if "assert" in answer:
            answer = answer.split("assert")[1].strip()
    return answer.strip()


def _strip_fence(text: str) -> str:
    if text.startswith("```"):
        lines = text.splitlines()[1:]
        if lines and lines[-1].strip().startswith("```"):
            lines = lines[:-1]
        return "\n".join(lines).strip()
    return text


# ------------------------------------------------------------------------------------------------ CLI


def read_generations(path: str | Path) -> dict[str, list[Any]]:
    """The official generations format: ``{"sample_i": [text, ...]}`` (a bare string counts as one)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a JSON object {{'sample_i': [generations]}}")
    return {str(k): (v if isinstance(v, list) else [v]) for k, v in data.items()}


def default_data_path() -> Path:
    """``../shared/data/cruxeval/cruxeval.jsonl`` beside the repository (the default of ``--data``)."""
    return Path(__file__).resolve().parents[2].parent / "shared" / "data" / "cruxeval" / "cruxeval.jsonl"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m codeio.eval.cruxeval",
        description="Score CRUXEval generations ({'sample_i': [strings]}) and print pass@1/pass@5 as JSON.",
    )
    parser.add_argument("--mode", choices=MODES, required=True)
    parser.add_argument("--generations", required=True, help="JSON file {'sample_i': [generation, ...]}")
    parser.add_argument("--data", default=None, help="cruxeval.jsonl or a saved datasets dir")
    parser.add_argument("--out", default=None, help="write per-sample results (JSON) here")
    parser.add_argument("--timeout", type=float, default=OFFICIAL_TIMEOUT, help="seconds per program")
    parser.add_argument("--check", choices=("official", "execute"), default="official")
    parser.add_argument("--executor", default="forkserver", help="executor name (codeio.execution)")
    parser.add_argument("--workers", type=int, default=None, help="executor workers (default: its own)")
    args = parser.parse_args(argv)

    from codeio.execution import make_executor

    data = Path(args.data) if args.data else default_data_path()
    try:
        tasks = load_cruxeval(data)
        generations = read_generations(args.generations)
    except (OSError, ValueError, KeyError) as exc:
        parser.error(f"cannot read the inputs: {type(exc).__name__}: {exc}")
    # Every generation must run (the official loop has no "skip after N timeouts" shortcut).
    options: dict[str, Any] = {"timeout": args.timeout, "max_consecutive_timeouts": 0}
    if args.workers:
        options["workers"] = args.workers
    with make_executor(args.executor, **options) as executor:
        score = score_generations(tasks, generations, args.mode, executor, args.timeout, args.check)
    summary = score.summary()
    if args.out:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        payload = {"summary": summary, "results": [asdict(r) for r in score.results]}
        out.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
