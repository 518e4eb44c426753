"""Core behaviour of the forkserver executor: statuses, order, seeding, generators, harnesses, config."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from codeio.execution import Call, Job, build_executor, make_executor
from codeio.execution.base import (
    CRASHED,
    EXCEPTION,
    NOT_SERIALIZABLE,
    OK,
    OUTPUT_TOO_LARGE,
    TIMEOUT,
)
from codeio.execution.child import wire
from codeio.execution.common import HARNESS_DIR, call_result
from codeio.execution.config import SCHEMAS, ForkserverConfig, SubprocessConfig

ADD = "def main_solution(a, b):\n    return a + b\n"


def calls(*kwargs: dict) -> list[Call]:
    return [Call(kwargs_json=json.dumps(k)) for k in kwargs]


def test_results_in_order_across_workers(executor):
    jobs = [Job.single(ADD, {"a": i, "b": 1000}) for i in range(40)]
    results = executor.run(jobs)
    assert [r.calls[0].value() for r in results] == [i + 1000 for i in range(40)]
    assert all(r.calls[0].status == OK for r in results)


def test_calls_of_one_job_start_from_the_loaded_state_in_order(executor):
    code = ("import random\nloads = [random.random()]\ncount = []\n"
            "def main_solution(x):\n    count.append(x)\n    return [x, len(count), loads]\n")
    job = Job(code=code, calls=calls({"x": "a"}, {"x": "b"}, {"x": "c"}))
    (result,) = executor.run([job])
    values = [c.value() for c in result.calls]
    assert [v[:2] for v in values] == [["a", 1], ["b", 1], ["c", 1]]
    assert values[0][2] == values[1][2] == values[2][2]  # loaded once, not once per call


def test_exception_status_and_message(executor):
    job = Job(code=ADD, calls=calls({"a": 1, "b": 2}, {"a": 1, "b": "x"}, {"a": 2, "b": 2}))
    (result,) = executor.run([job])
    assert [c.status for c in result.calls] == [OK, EXCEPTION, OK]
    assert result.calls[1].error.startswith("TypeError: unsupported operand")
    assert result.calls[2].value() == 4


def test_load_errors_fail_every_call(executor):
    (syntax,) = executor.run([Job(code="def main_solution(:\n", calls=calls({}, {}))])
    assert [c.status for c in syntax.calls] == [EXCEPTION, EXCEPTION]
    assert syntax.calls[0].error.startswith("SyntaxError")
    (missing,) = executor.run([Job(code="x = 1\n", calls=calls({}))])
    assert missing.calls[0].status == EXCEPTION and "main_solution" in missing.calls[0].error


def test_main_guard_does_not_run(executor):
    code = "import os\nif __name__ == '__main__':\n    os._exit(3)\ndef main_solution():\n    return __name__\n"
    result = executor.run_one(code, {})
    assert result.status == OK and result.value() != "__main__"


def test_prelude_names_are_bound(executor):
    code = "def main_solution(xs):\n    return [math.floor(sum(xs) / 2), int(np.sum(xs)), heapq.nsmallest(1, xs)]\n"
    result = executor.run_one(code, {"xs": [3, 1, 2]})
    assert result.status == OK and result.value() == [3, 6, [1]]


def test_timeout_then_later_calls_continue_in_fresh_child(executor):
    code = "import time\ndef main_solution(s):\n    time.sleep(s)\n    return s\n"
    job = Job(code=code, calls=calls({"s": 0}, {"s": 30}, {"s": 0.01}), timeout=0.5)
    (result,) = executor.run([job])
    assert [c.status for c in result.calls] == [OK, TIMEOUT, OK]
    assert result.calls[2].value() == 0.01
    assert result.seconds < 5


def test_consecutive_timeouts_skip_the_rest(executor):
    code = "def main_solution():\n    while True:\n        pass\n"
    job = Job(code=code, calls=calls(*[{}] * 50), timeout=0.3)
    (result,) = executor.run([job])
    assert all(c.status == TIMEOUT for c in result.calls)
    assert "skipped" in result.calls[-1].error
    assert result.seconds < 3  # 2 real timeouts (max_consecutive_timeouts=2), not 50


def test_crash_then_later_calls_continue(executor):
    code = "import os\ndef main_solution(die):\n    if die:\n        os._exit(0)\n    return 'alive'\n"
    job = Job(code=code, calls=calls({"die": False}, {"die": True}, {"die": False}))
    (result,) = executor.run([job])
    assert [c.status for c in result.calls] == [OK, CRASHED, OK]
    assert result.calls[2].value() == "alive"


def test_generator_calls_are_seeded_and_round_tripped(executor):
    code = (
        "import random\n"
        "def generate_inputs(rng):\n    return {'n': rng.randint(0, 10**9), 't': (1, 2)}\n"
        "def main_solution(n, t):\n    return [n, t, random.random()]\n"
    )
    job = Job(code=code, generator="generate_inputs", calls=[Call(generate=True, seed=s) for s in (1, 2, 1)])
    (result,) = executor.run([job])
    first, second, again = result.calls
    assert first.status == OK and first.input_json is not None
    assert first.input_json == again.input_json and first.value_json == again.value_json
    assert first.input_json != second.input_json
    n = json.loads(first.input_json)["n"]
    import random

    assert n == random.Random(1).randint(0, 10**9)
    random.seed(1)
    assert first.value() == [n, [1, 2], random.random()]  # entry seeded again with Call.seed


def test_zero_argument_generator_uses_global_seed(executor):
    code = ("import random\nimport numpy as np\n"
            "def input_generator():\n    return {'a': random.randint(0, 1000), 'b': int(np.random.randint(0, 1000))}\n"
            "def main_solution(a, b):\n    return a * b\n")
    job = Job(code=code, generator="input_generator", calls=[Call(generate=True, seed=7)] * 2)
    (result,) = executor.run([job])
    assert result.calls[0].input_json == result.calls[1].input_json
    import random

    random.seed(7)
    assert json.loads(result.calls[0].input_json)["a"] == random.randint(0, 1000)


def test_generator_returning_non_json_is_not_serializable(executor):
    code = ("def input_generator():\n    return {'s': {1, 2}}\n"
            "def gen_list():\n    return [1]\n"
            "def main_solution(s):\n    return s\n")
    (bad,) = executor.run([Job(code=code, generator="input_generator", calls=[Call(generate=True)])])
    assert bad.calls[0].status == NOT_SERIALIZABLE
    (not_dict,) = executor.run([Job(code=code, generator="gen_list", calls=[Call(generate=True)])])
    assert not_dict.calls[0].status == NOT_SERIALIZABLE


@pytest.mark.parametrize("expr, status", [
    ("float('nan')", NOT_SERIALIZABLE), ("float('inf')", NOT_SERIALIZABLE), ("{1, 2}", NOT_SERIALIZABLE),
    ("b'x'", NOT_SERIALIZABLE), ("object()", NOT_SERIALIZABLE), ("10 ** 5000", NOT_SERIALIZABLE),
    ("_loop()", NOT_SERIALIZABLE), ("{'a': (1, [2.5, None])}", OK), ("{1: 'x', None: 2}", OK),
    ("np.int64(3)", NOT_SERIALIZABLE), ("np.float64(0.5)", OK), ("'x' * 2_000_000", OUTPUT_TOO_LARGE),
])
def test_value_serialization(executor, expr, status):
    code = f"def _loop():\n    x = []\n    x.append(x)\n    return x\ndef main_solution():\n    return {expr}\n"
    result = executor.run_one(code, {})
    assert result.status == status, result.error
    if status == OK:
        assert result.value_json == json.dumps(result.value(), sort_keys=True, separators=(",", ":"))


def test_tuples_and_key_conversion_follow_json_dumps(executor):
    result = executor.run_one("def main_solution():\n    return {2: (1, 2), 10: True, 'a': 1.0}\n", {})
    assert result.value() == json.loads(json.dumps({2: (1, 2), 10: True, "a": 1.0}))


def test_strict_mode_rejects_tuples():
    with make_executor("forkserver", workers=1, json_compat=False, timeout=1.0) as ex:
        assert ex.run_one("def main_solution():\n    return (1, 2)\n", {}).status == NOT_SERIALIZABLE
        assert ex.run_one("def main_solution():\n    return {1: 2}\n", {}).status == NOT_SERIALIZABLE
        assert ex.run_one("def main_solution():\n    return [1, 2]\n", {}).status == OK


def test_harness_echo_extra_and_unknown_harness(executor):
    code = "def main_solution(x):\n    return x + 1\n"
    job = Job(code=code, calls=[Call(kwargs_json='{"x": 1}', harness="echo", harness_options={"k": 1}),
                                Call(kwargs_json='{"x": 2}', harness="no_such_harness"),
                                Call(kwargs_json='{"x": 3}')])
    (result,) = executor.run([job])
    echo, unknown, plain = result.calls
    assert echo.status == OK and echo.value() == 2
    assert json.loads(echo.extra_json) == {"kwargs": {"x": 1}, "options": {"k": 1}, "value_type": "int"}
    assert unknown.status == EXCEPTION and "unknown harness" in unknown.error
    assert plain.status == OK and plain.extra_json is None


def test_trace_harness_if_present(executor):
    if not (HARNESS_DIR / "trace.py").exists():
        pytest.skip("trace harness not written yet")
    code = "def main_solution(n):\n    total = 0\n    for i in range(n):\n        total += i\n    return total\n"
    (result,) = executor.run([Job(code=code, calls=[Call(kwargs_json='{"n": 3}', harness="trace")])])
    assert result.calls[0].status == OK and result.calls[0].value() == 3
    assert result.calls[0].extra_json and "events" in json.loads(result.calls[0].extra_json)


def test_variant_runs_under_another_hash_seed(executor):
    code = "def main_solution():\n    return [hash('codeio'), list({'a', 'b', 'c', 'd', 'e', 'f'})]\n"
    normal, again, variant = executor.run([Job.single(code, {}), Job.single(code, {}),
                                           Job.single(code, {}, variant=1)])
    assert normal.calls[0].value() == again.calls[0].value()
    assert normal.calls[0].value()[0] != variant.calls[0].value()[0]


def test_empty_job_and_empty_batch(executor):
    assert executor.run([]) == []
    (empty,) = executor.run([Job(code=ADD, calls=[])])
    assert empty.calls == []


def test_parent_revalidates_child_replies():
    assert call_result({"status": "ok", "value": "NaN"}, 100).status == NOT_SERIALIZABLE
    assert call_result({"status": "ok", "value": "[1, 2]"}, 100).value_json == "[1,2]"
    assert call_result({"status": "ok", "value": "1" * 200}, 100).status == OUTPUT_TOO_LARGE
    assert call_result({"status": "passed", "value": "1"}, 100).status == CRASHED
    assert call_result({"status": "ok"}, 100).status == CRASHED
    assert call_result("garbage", 100).status == CRASHED
    forged = call_result({"status": "ok", "value": '{"b":1,"a":2}', "seconds": float("nan")}, 100)
    assert forged.value_json == '{"a":2,"b":1}' and forged.seconds == 0.0


def test_private_encoder_matches_canonical_json():
    from codeio.execution.base import canonical_json

    value = {"b": [1, 2.5, -0.0, 1e300, "é\n\u2028", None, True], "a": {"z": {}, "y": []}}
    assert wire.dumps_canonical(value) == canonical_json(value)
    lone = {"\udfff": ["\ud800", "x\udcffy"]}
    assert wire.dumps_canonical(lone) == canonical_json(lone)
    assert json.loads(canonical_json(lone)) == lone
    canonical_json(lone).encode("utf-8")  # always encodable


def test_config_validation_and_factory():
    with pytest.raises(ValueError):
        ForkserverConfig(timeout=0)
    with pytest.raises(TypeError, match="no_such_option"):
        make_executor("forkserver", no_such_option=1)
    assert set(SCHEMAS["executor"]) >= {"forkserver_schema", "subprocess_schema", "bwrap_schema", "docker_schema"}
    with build_executor(SubprocessConfig(timeout=1.0, workers=1)) as ex:
        assert ex.run_one(ADD, {"a": 1, "b": 2}).value() == 3


def test_yaml_option_composes_and_builds(tmp_path):
    from hydra import compose, initialize_config_dir
    from hydra.core.config_store import ConfigStore

    store = ConfigStore.instance()
    for group, schemas in SCHEMAS.items():
        for name, schema in schemas.items():
            store.store(group=group, name=name, node=schema)
            store.store(name=name, node=schema)  # the option file is composed here as a primary config
    conf_dir = Path(__file__).resolve().parents[2] / "conf" / "executor"
    with initialize_config_dir(config_dir=str(conf_dir), version_base=None):
        cfg = compose(config_name="forkserver", overrides=["workers=1", "timeout=2.5"])
        assert cfg.timeout == 2.5 and cfg._target_.endswith("ForkserverExecutor")
        with pytest.raises(Exception, match="timeut"):
            compose(config_name="forkserver", overrides=["timeut=3"])
        with pytest.raises(Exception, match="timeout"):
            compose(config_name="forkserver", overrides=["timeout=soon"])
        for option in ("subprocess", "bwrap", "docker"):
            assert compose(config_name=option).timeout == 5.0
    with build_executor(cfg) as ex:
        assert ex.config.timeout == 2.5
        assert ex.run_one(ADD, {"a": 2, "b": 3}).value() == 5


def test_determinism_check_flags_hash_order_and_randomness(executor):
    from codeio.execution.determinism import check_determinism

    stable = "def main_solution(xs):\n    return sorted(set(xs))\n"
    hash_order = "def main_solution(xs):\n    return list(set(xs))\n"
    seeded = "import random\ndef main_solution(xs):\n    return random.random()\n"
    kwargs = {"xs": ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"]}
    jobs = [Job.single(code, kwargs) for code in (stable, hash_order, seeded)]
    jobs.append(Job(code="def gen(rng):\n    return {'xs': [rng.random()]}\n" + stable, generator="gen",
                    calls=[Call(generate=True, seed=5), Call(kwargs_json='{"xs": 1}')]))
    results = executor.run(jobs)
    flags = check_determinism(executor, jobs, results)
    assert flags == [[True], [False], [False], [True, None]]


def test_adaptive_warm_imports():
    """Once two jobs' code imports an installed module (read by the parent with ``ast``), the workers
    import it before the next job and later jobs inherit it; modules on the deny list, and modules a job
    plants in ``sys.modules``, never get imported by a worker."""
    probe = ("import sys\n"
             "already = 'wave' in sys.modules\n"
             "import wave\n"
             "sys.modules['fake_job_module'] = type(sys)('fake_job_module')\n"
             "def main_solution():\n    return already\n")
    with make_executor("forkserver", workers=1, timeout=2.0, warm_after=2) as ex:
        seen = [ex.run_one(probe, {}).value() for _ in range(4)]
        assert seen == [False, True, True, True]
        check = "import sys\ndef main_solution():\n    return 'fake_job_module' in sys.modules\n"
        assert ex.run_one(check, {}).value() is False
    with make_executor("forkserver", workers=1, timeout=2.0, warm_after=0) as ex:
        assert [ex.run_one(probe, {}).value() for _ in range(3)] == [False, False, False]
    with make_executor("forkserver", workers=1, timeout=2.0, warm_imports_deny=["wave"]) as ex:
        assert [ex.run_one(probe, {}).value() for _ in range(3)] == [False, False, False]


def test_child_side_names_match_the_parent():
    """The stdlib-only child package spells statuses and isolation measures as the parent does."""
    from codeio.execution import base
    from codeio.execution.child import calls, serve
    from codeio.execution.pool import MEASURES

    assert calls.STATUSES == base.STATUSES
    assert (calls.OK, calls.EXCEPTION, calls.TIMEOUT, calls.MEMORY, calls.CRASHED, calls.OUTPUT_TOO_LARGE,
            calls.NOT_SERIALIZABLE) == (base.OK, base.EXCEPTION, base.TIMEOUT, base.MEMORY, base.CRASHED,
                                        base.OUTPUT_TOO_LARGE, base.NOT_SERIALIZABLE)
    child_measures = {serve.PID_NAMESPACE, serve.NETWORK_NAMESPACE, serve.MINIMAL_ROOT, serve.HIDDEN_PROC,
                      serve.NOT_DUMPABLE, serve.SESSION_KEYRING, serve.SCRATCH, serve.IPC_NAMESPACE,
                      serve.PRIVATE_UID, serve.LIMITS, serve.SECCOMP}
    assert child_measures | {"cgroup-memory-pids"} == set(MEASURES)


def test_child_package_is_standard_library_only():
    """Each child module runs as a script under an interpreter without codeio (or numpy)."""
    import ast

    from codeio.execution.rootfs import CHILD_PACKAGE

    stdlib = set(__import__("sys").stdlib_module_names)
    siblings = {p.stem for p in CHILD_PACKAGE.glob("*.py")}
    for path in CHILD_PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else [])
            for name in names:
                assert name.split(".")[0] in stdlib | siblings, (path.name, name)


def test_frame_decoder_survives_what_arrives():
    """Deep nesting, huge sizes, bad UTF-8 and trailing data are Garbled, never a crash of the reader."""
    import os
    import struct

    for body in (b"[" * 200_000 + b"]" * 200_000, b"\xff\xfe", b'{"a": 1} x', b"{"):
        with pytest.raises(wire.Garbled):
            wire.loads(body)
    read_fd, write_fd = os.pipe()
    try:
        os.write(write_fd, struct.pack(">I", 1 << 31))
        with pytest.raises(wire.Garbled, match="above the limit"):
            wire.read_frame(read_fd, limit=1 << 20)
    finally:
        os.close(read_fd)
        os.close(write_fd)


@pytest.mark.parametrize("python", ["base", "debian"])
def test_interpreters_in_root_only_and_system_folders(python):
    """The base interpreter of the test venv (e.g. pyenv under a root-only /root) and the system one
    both run jobs under the private uid (the virtualenv under /tmp is exercised everywhere else)."""
    import shutil
    import sys

    path = (Path(sys.base_prefix) / "bin" / "python3") if python == "base" else shutil.which("python3", path="/usr/bin")
    if path is None or not Path(path).exists():
        pytest.skip(f"no {python} interpreter here")
    code = "import os, sys\ndef main_solution():\n    return [os.getuid(), sys.executable]\n"
    with make_executor("forkserver", workers=1, timeout=5.0, python=str(path)) as ex:
        result = ex.run_one(code, {})
    assert result.status == OK, result
    uid, executable = result.value()
    assert uid >= 1_600_000_000 and Path(executable).resolve() == Path(path).resolve()


def test_warm_third_party_modules_go_to_the_full_template_only():
    """A third-party module that jobs keep importing is warmed where those jobs run (the full template,
    since they import it); jobs of the lean template never have it loaded."""
    pytest.importorskip("yaml")
    importer = ("import sys\nalready = 'yaml' in sys.modules\nimport yaml\n"
                "def main_solution():\n    return already\n")
    lean_probe = ("import sys\ndef main_solution():\n"
                  "    return sorted(m for m in sys.modules if m.startswith('ya'))\n")
    with make_executor("forkserver", workers=1, timeout=2.0, warm_after=2) as ex:
        assert [ex.run_one(importer, {}).value() for _ in range(4)] == [False, True, True, True]
        assert ex.run_one(lean_probe, {}).value() == []


def test_subprocess_jobs_import_only_the_prelude_they_can_tell():
    """The subprocess executor execs a fresh interpreter per job: a job that cannot tell imports only the
    prelude's standard-library lines there (numpy's import is most of such a job's start-up)."""
    listing = ("import sys\ndef main_solution():\n"
               "    return sorted({m.split('.')[0] for m in sys.modules if m[:1] != '_'} - set(sys.stdlib_module_names))\n")
    with make_executor("subprocess", workers=1, timeout=5.0) as ex:
        lean, full = ex.run([Job.single(listing, {}), Job.single("# np\n" + listing, {})])
    assert lean.calls[0].value() == [] and "numpy" in full.calls[0].value()


def test_a_lost_job_template_ends_its_worker_and_later_jobs_run():
    """If a job template dies (say, chosen by the out-of-memory killer), the worker ends with it rather
    than fork a new template from its own memory (which holds decoded jobs). The job in flight keeps
    what it had already reported, the parent starts a new worker, later jobs run as usual, and nothing
    of the old worker is left."""
    import threading

    from .conftest import descendants, worker_pids

    with make_executor("forkserver", workers=1, timeout=5.0) as ex:
        sleeper = "import time\ndef main_solution():\n    time.sleep(2)\n    return 'slept'\n"
        results = {}
        thread = threading.Thread(target=lambda: results.update(r=ex.run([Job.single(sleeper, {})])))
        thread.start()
        time.sleep(1.0)
        launcher = ex._pools[0][0].proc.pid
        before = {launcher} | set(descendants(launcher)) & worker_pids(ex)  # launcher, worker, templates
        templates = [pid for pid in before if pid_ppid(pid_ppid(pid)) == launcher]
        assert len(templates) == 2, before
        for pid in templates:
            os.kill(pid, 9)
        thread.join(30)
        assert results["r"][0].calls[0].status in (OK, CRASHED), results
        assert ex.run_one("def main_solution(x):\n    return x + 1\n", {"x": 1}).value() == 2
        assert not before & set(descendants(os.getpid())), "processes of the old worker are left"


def pid_ppid(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except OSError:
        return -1
