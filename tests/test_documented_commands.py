"""Every ``python -m codeio ...`` command shown in README.md and experiments/README.md works.

The commands are read from the Markdown itself (```bash blocks and inline code spans), so a newly
documented command is tested without touching this file. Each command is first made local:

- placeholders become small files made here (benchmark copies ``eval.*.data_path`` become paths
  that are only validated): ``source.path=...`` or ``/data/...`` -> a 3-row raw-code
  JSONL, ``dataset.instruction_data`` -> a 4-row chat JSONL, ``trainer.train_data`` -> a 4-row chat JSONL,
  ``$NAME`` -> the ``NAME="..."`` definitions of the docs (``$COMMON``, ``$EVAL``) with those files;
  ``cache.dir`` and ``hydra.sweep.dir`` -> the test's temporary directory; a trailing ``...`` is dropped.

Then every command reaches **start-up validation** in the default run (``test_reaches_start_up_validation``):
the config is composed as the CLI composes it (a sweep at its first point, ``hydra/launcher`` dropped)
and ``build_pipeline`` runs every check of the selected stages, with a dummy ``DEEPSEEK_API_KEY``. The
only error accepted is "needs the output of <earlier stage>": a later step of a walk-through whose
earlier step did not run here (that check runs after all the others).

Commands that run on this machine are also **run** as ``python -m codeio`` with ``SHRINK`` appended
(``test_runs``): those without a GPU, SLURM, an API key or a paper-scale model. Those that talk to a
server get the local OpenAI-compatible test server on 127.0.0.1:8000. Short ones run in the default
suite, the rest are marked slow. A later step of a walk-through, run alone, stops on the output of an
earlier step and is skipped (its earlier steps are commands of their own). Commands written for the
one-node Slurm of ``tools/slurm_local.sh`` (``hydra.launcher.cpus_per_task=1``) go through sbatch there
(``test_runs_on_the_local_slurm``, slow). The others (``+experiment=codeio*``, ``ablation_*``, other
``slurm_*``, ``*_vllm``/``deepseek_chat_api`` teachers) are covered by validation above and, for the
ablations, by ``tests/experiments/test_ablation_sweeps.py`` in miniature.

``python -m codeio.plan`` commands (README.md, experiments/README.md, docs/plan.md) only compute, so each
runs in the default suite (``test_plan_commands_run``) from the recorded ``experiments/plan/costs.json``.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

from tests.helpers import REPO_ROOT, compose_config, run_cli

DOCS = ("README.md", "experiments/README.md")

SHRINK = [  # appended to a command that runs here: small data, 2 training steps, a 2-task evaluation
    "collect.limit=6", "sampler.pairs_per_function=2", "sampler.pairs_per_source={}", "trainer.max_steps=2",
    "trainer.stage2.max_steps=2", "trainer.micro_batch_size=1", "trainer.global_batch_size=2",
    "trainer.stage2.global_batch_size=2", "eval.cruxeval.limit=2", "eval.holdout.limit=2",
    "eval.generation.max_new_tokens=8", "progress=false",
]
NEEDS_MACHINE = re.compile(r"slurm_|_vllm|teacher=vllm|teacher=hf\b|deepseek_chat_api|\+experiment=(codeio|ablation)")
QUICK = re.compile(r"--cfg|stages=\[collect\]")  # runs in seconds: in the default suite


def documented_commands(module: str = "codeio", docs: tuple[str, ...] = DOCS) -> list[tuple[str, str]]:
    """``(doc, command)`` for each ``python -m <module>`` command (not its sub-modules) in the docs."""
    found: list[tuple[str, str]] = []
    for doc in docs:
        text = (REPO_ROOT / doc).read_text(encoding="utf-8")
        blocks = re.findall(r"```bash\n(.*?)```", text, re.S)
        lines = [line for block in blocks for line in block.replace("\\\n", " ").splitlines()]
        lines += re.findall(rf"`([^`\n]*python -m {re.escape(module)} [^`\n]*)`", text)
        for line in lines:
            line = re.sub(r"\s+#\s.*$", "", line)
            for part in line.split("&&"):
                part = re.sub(r"^\s*time\s+", "", part).strip()
                if re.match(rf"python -m {re.escape(module)}(\s|$)", part) and (doc, part) not in found:
                    found.append((doc, part))
    return found


COMMANDS = documented_commands()
PLAN_COMMANDS = documented_commands("codeio.plan", (*DOCS, "docs/plan.md"))
"""``python -m codeio.plan`` commands: they only compute, so every one runs in the default suite."""


def _ids(commands: list[tuple[str, str]] = COMMANDS) -> list[str]:
    return [f"{doc}:{re.sub(r'[^A-Za-z0-9=+_.,-]+', '_', cmd[17:])[:80] or 'quickstart'}" for doc, cmd in commands]


@pytest.fixture
def local_files(tmp_path) -> dict[str, Path]:
    raw = tmp_path / "raw.jsonl"
    raw.write_text("".join(json.dumps({"content": f"def f{i}(x):\n    return x * {i + 2}\n", "path": f"f{i}.py",
                                       "corpus": "codemix"}) + "\n" for i in range(3)))
    chat = tmp_path / "chat.jsonl"
    chat.write_text("".join(json.dumps({"messages": [{"role": "user", "content": f"Say {i}."},
                                                     {"role": "assistant", "content": f"{i}."}]}) + "\n"
                            for i in range(4)))
    return {"raw": raw, "chat": chat, "cache": tmp_path / "cache", "sweep": tmp_path / "sweep"}


def expand(command: str) -> str:
    """The command with the shell variables the docs define (``NAME="..."`` lines) expanded."""
    defined = [d for doc in DOCS for d in re.findall(r'^([A-Z]+)="(.*?)"', (REPO_ROOT / doc).read_text(), re.M)]
    for _ in range(3):  # a variable may hold another ($COMMON holds $EVAL)
        for name, value in defined:
            command = command.replace(f"${name}", value)
    return command


def localize(command: str, files: dict[str, Path]) -> list[str]:
    """The command's arguments after ``python -m codeio``, with placeholders made local (see above)."""
    command = expand(command)
    command = command.replace("$RAW", str(files["raw"])).replace("$IT", str(files["chat"]))
    command = command.replace("$(mktemp -d)", str(files["cache"]))
    args = shlex.split(command)[3:]
    out = []
    for arg in args:
        key, eq, value = arg.partition("=")
        if arg == "...":
            continue
        if key == "source.path" and (value in ("...", "") or value.startswith("/data")):
            arg = f"source.path={files['raw']}"
        elif key in ("dataset.instruction_data", "trainer.train_data"):
            arg = f"{key}={files['chat']}"
        elif key == "cache.dir":
            arg = f"cache.dir={files['cache']}"
        elif key == "hydra.sweep.dir":
            arg = f"hydra.sweep.dir={files['sweep']}"
        elif key.startswith("eval.") and key.endswith("data_path") and value.startswith("/data"):
            arg = f"{key}={files['cache'].parent / 'benchmarks' / key.split('.')[1]}"  # exists only to validate
        elif eq and value.startswith("/data"):
            raise AssertionError(f"no local stand-in for {arg!r}: add one to localize()")
        out.append(arg)
    if not any(a.startswith("cache.dir=") for a in out):
        out.append(f"cache.dir={files['cache']}")
    return out


def first_point(args: list[str]) -> list[str]:
    """One point of a sweep, without Hydra's own settings: what ``compose`` accepts."""
    point = []
    for arg in args:
        if arg in ("-m", "--multirun") or arg.startswith(("hydra/", "hydra.", "--cfg")) or arg == "job":
            continue
        key, _, value = arg.partition("=")
        if value.startswith("range("):
            value = "0"
        elif "," in value and not value.startswith(("[", "{", "'", '"')):
            value = value.split(",")[0]
        point.append(f"{key}={value}" if value or "=" in arg else arg)
    return point


def test_the_docs_show_commands():
    assert len(COMMANDS) >= 15, COMMANDS  # the extraction works (README alone shows more than that)
    assert any(cmd == "python -m codeio" for _, cmd in COMMANDS)
    assert any(doc == "README.md" for doc, _ in PLAN_COMMANDS), "README's plan at the paper's size"


@pytest.mark.parametrize(("doc", "command"), PLAN_COMMANDS,
                         ids=[f"{doc}:{re.sub(r'[^A-Za-z0-9=+_.,-]+', '_', cmd[22:])[:80]}" for doc, cmd in PLAN_COMMANDS])
def test_plan_commands_run(doc, command, tmp_path):
    """Each documented plan runs from the recorded benchmark (experiments/plan/costs.json) and prints its
    table; a ``plan.out`` file goes to the test's directory."""
    from tests.helpers import run_module

    args = shlex.split(expand(command))[3:]
    args = [f"plan.out={tmp_path / 'plan.json'}" if a.startswith("plan.out=") else a for a in args]
    proc = run_module("codeio.plan", args, timeout=300)
    assert proc.returncode == 0, f"{doc}: {command}\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
    assert "| **total** |" in proc.stdout and "| sample |" in proc.stdout


@pytest.mark.parametrize(("doc", "command"), COMMANDS, ids=_ids())
def test_reaches_start_up_validation(doc, command, local_files, tmp_path, monkeypatch):
    from codeio.__main__ import ConfigurationError, build_pipeline

    if "--cfg" in command:
        pytest.skip("prints the composed config only; run by test_runs")
    monkeypatch.setenv("DEEPSEEK_API_KEY", "sk-dummy-for-validation")
    args = first_point(localize(command, local_files))
    try:
        build_pipeline(compose_config(args), tmp_path / "run")
    except ConfigurationError as err:
        assert "needs the output of" in str(err), f"{doc}: {command}\n-> {args}\n{err}"


RUNNABLE = [(doc, cmd) for doc, cmd in COMMANDS if "--cfg" in cmd or not NEEDS_MACHINE.search(expand(cmd))]


@pytest.mark.parametrize(("doc", "command"), [
    pytest.param(doc, cmd, marks=() if QUICK.search(cmd) else pytest.mark.slow) for doc, cmd in RUNNABLE
])
@pytest.mark.timeout(900)
def test_runs(doc, command, local_files, tmp_path):
    args = localize(command, local_files)
    if "--cfg" in args:
        proc = run_cli(args)
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert "stages:" in proc.stdout
        return
    server = None
    if "127.0.0.1:8000" in command:
        from codeio.testing.openai_server import FakeOpenAIServer

        try:
            server = FakeOpenAIServer(responder=lambda request: '```json\n{"output": 0}\n```', port=8000).start()
        except OSError:
            pytest.skip("port 8000 is taken; this command talks to a server there")
    multirun = "-m" in args
    where = f"hydra.sweep.dir={tmp_path / 'sweep'}" if multirun else f"hydra.run.dir={tmp_path / 'run'}"
    try:
        proc = run_cli([*args, *SHRINK, where], timeout=850)
    finally:
        if server is not None:
            server.stop()
    skip_later_step(proc)
    assert proc.returncode == 0, f"{doc}: {command}\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
    summaries = list((tmp_path / ("sweep" if multirun else "run")).glob("**/summary.json"))
    assert summaries, "no run wrote its summary"
    for path in summaries:
        for name, report in json.loads(path.read_text())["stages"].items():
            assert report["status"] == "done", (name, report)


def skip_later_step(proc) -> None:
    """A later step of a walk-through, run alone, stops at start-up on the output of an earlier step
    (the earlier steps are documented commands of their own, run by these tests)."""
    if proc.returncode == 2 and "needs the output of" in proc.stderr:
        pytest.skip(f"a later step of a walk-through: {proc.stderr.strip().splitlines()[-1][:200]}")


ON_LOCAL_SLURM = [(doc, cmd) for doc, cmd in COMMANDS if "hydra.launcher.cpus_per_task=1" in expand(cmd)]


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.parametrize(("doc", "command"), ON_LOCAL_SLURM, ids=_ids(ON_LOCAL_SLURM))
def test_runs_on_the_local_slurm(doc, command, local_files, tmp_path, slurm):
    """The commands written for the one-node Slurm of tools/slurm_local.sh go through sbatch."""
    args = localize(command, local_files)
    if not any(a.startswith("hydra.sweep.dir=") for a in args):
        args.append(f"hydra.sweep.dir={local_files['sweep']}")
    proc = run_cli([*args, *SHRINK], timeout=850)
    skip_later_step(proc)
    assert proc.returncode == 0, f"{doc}: {command}\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
    summaries = list(local_files["sweep"].glob("*/summary.json"))
    assert summaries and (local_files["sweep"] / ".submitit").is_dir(), "no job went through sbatch"
    for path in summaries:
        for name, report in json.loads(path.read_text())["stages"].items():
            assert report["status"] in ("done", "shard_partial"), (name, report)
