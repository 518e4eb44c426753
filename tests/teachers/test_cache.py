"""The persistent response cache: only misses are sent, results survive crashes and reruns."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Sequence
from pathlib import Path

from codeio.teachers.base import ERROR, STOP, ChatRequest, Generation, SamplingParams, Teacher, TeacherStats
from codeio.teachers.cache import CachedTeacher, ResponseCache, response_key
from codeio.teachers.config import OpenAITeacherConfig
from codeio.teachers.openai_backend import OpenAITeacher
from codeio.testing.openai_server import FakeOpenAIServer, FaultPlan


def _requests(count: int, prefix: str = "q") -> list[ChatRequest]:
    return [ChatRequest(messages=[{"role": "user", "content": f"{prefix} {i}"}]) for i in range(count)]


def _openai(url: str, **options) -> OpenAITeacher:
    defaults = {"model": "m", "timeout": 1.0, "backoff_initial": 0.005, "backoff_max": 0.05, "max_retries": 4,
                "max_concurrency": 128}
    return OpenAITeacher(OpenAITeacherConfig(base_url=url, **{**defaults, **options}))


def test_fault_run_stores_one_result_each_and_reruns_send_only_what_failed(tmp_path):
    path = tmp_path / "responses.sqlite"
    plan = FaultPlan(rate_429=0.05, rate_500=0.05, rate_503=0.05, rate_slow=0.01, rate_drop=0.05,
                     rate_length=0.03, rate_permanent=0.03, faulty_attempts=3, retry_after=0.01,
                     slow_seconds=3.0, salt="cache")
    params = SamplingParams(max_tokens=64, n=3)
    requests = _requests(1000)
    with FakeOpenAIServer(faults=plan) as server:
        with CachedTeacher(_openai(server.base_url), path) as teacher:
            first = teacher.generate(requests, params)
    reasons = [g.finish_reason for samples in first for g in samples]
    failed = reasons.count(ERROR)
    assert len(reasons) == 3000 and failed > 30 and reasons.count("length") > 30
    assert len(ResponseCache(path)) == 3000 - failed  # failures are not final: not stored

    # Rerun against a healthy server: only the failed samples are asked again.
    with FakeOpenAIServer() as server:
        with CachedTeacher(_openai(server.base_url), path) as teacher:
            second = teacher.generate(requests, params)
            assert server.snapshot()["requests"] == failed
            assert teacher.stats.cache_hits == 3000 - failed and teacher.stats.requests == failed
    for a, b in zip([g for s in first for g in s], [g for s in second for g in s], strict=True):
        if a.finish_reason == ERROR:
            assert b.finish_reason == STOP and not b.cached
        else:
            assert b.cached and (b.text, b.finish_reason) == (a.text, a.finish_reason)

    # Third run: everything is cached, nothing is sent.
    with FakeOpenAIServer() as server:
        with CachedTeacher(_openai(server.base_url), path) as teacher:
            third = teacher.generate(requests, params)
        assert server.snapshot().get("requests", 0) == 0
    assert all(g.cached for s in third for g in s) and len(ResponseCache(path)) == 3000


def test_failures_can_be_stored_as_final(tmp_path):
    with FakeOpenAIServer(faults=FaultPlan(rate_permanent=1.0)) as server:
        for expected_requests in (5, 0):
            with CachedTeacher(_openai(server.base_url, max_retries=0), tmp_path / "c.sqlite",
                               cache_failures=True) as teacher:
                server.reset()
                out = teacher.generate(_requests(5), SamplingParams())
            assert server.snapshot().get("requests", 0) == expected_requests
            assert all(g[0].finish_reason == ERROR and g[0].error.startswith("http_500") for g in out)


def test_key_covers_model_messages_sampling_and_index_but_not_n(tmp_path):
    msgs = [{"role": "user", "content": "x"}]
    base = response_key("m", msgs, SamplingParams(n=1), 0)
    assert base == response_key("m", msgs, SamplingParams(n=8), 0)
    assert len({base, response_key("m2", msgs, SamplingParams(), 0),
                response_key("m", [{"role": "user", "content": "y"}], SamplingParams(), 0),
                response_key("m", msgs, SamplingParams(temperature=0.0), 0),
                response_key("m", msgs, SamplingParams(max_tokens=5), 0),
                response_key("m", msgs, SamplingParams(), 1),
                response_key("m", msgs, SamplingParams(), 0, namespace="other")}) == 7
    # n=2 after n=1: sample 0 is reused, only sample 1 is asked
    with FakeOpenAIServer() as server:
        with CachedTeacher(_openai(server.base_url), tmp_path / "c.sqlite") as teacher:
            teacher.generate(_requests(4), SamplingParams(n=1))
            teacher.generate(_requests(4), SamplingParams(n=2))
        assert server.snapshot()["requests"] == 8


def test_duplicate_conversations_in_a_batch_are_asked_once(tmp_path):
    with FakeOpenAIServer() as server:
        with CachedTeacher(_openai(server.base_url), tmp_path / "c.sqlite") as teacher:
            out = teacher.generate(_requests(3) + _requests(3), SamplingParams())
        assert server.snapshot()["requests"] == 3
    assert [g[0].text for g in out] == ["echo: q 0", "echo: q 1", "echo: q 2"] * 2


class CountingTeacher(Teacher):
    """A backend relying on the interface's default ``generate_samples``: answers from the messages."""

    model_name = "counting"

    def __init__(self) -> None:
        self.calls = 0
        self.asked = 0

    def generate(self, requests: Sequence[ChatRequest], params: SamplingParams) -> list[list[Generation]]:
        self.calls += 1
        self.asked += len(requests) * params.n
        return [[Generation(text=f"{r.messages[-1]['content']}#{i}", finish_reason=STOP, model="counting")
                 for i in range(params.n)] for r in requests]


def test_a_backend_without_its_own_generate_samples_is_cached(tmp_path):
    inner = CountingTeacher()
    teacher = CachedTeacher(inner, tmp_path / "c.sqlite")
    first = teacher.generate(_requests(3), SamplingParams(n=2))
    assert [g.text for g in first[1]] == ["q 1#0", "q 1#1"]
    again = teacher.generate(_requests(3), SamplingParams(n=3))
    assert [g.text for g in again[2]] == ["q 2#0", "q 2#1", "q 2#2"] and [g.cached for g in again[2]] == [
        True, True, False]
    assert teacher.stats == TeacherStats(requests=9, cache_hits=6, retries=0, failures={})


def _writer(path: str, start: int) -> None:
    cache = ResponseCache(path)
    for i in range(start, start + 400):
        cache.put(f"k{i}", Generation(text=str(i), finish_reason=STOP, model="m"))
        if i % 50 == 0:
            cache.flush()  # several commits per process, interleaved with the other processes
    cache.close()


def test_several_processes_write_one_cache(tmp_path):
    path = str(tmp_path / "shared.sqlite")
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(path, start)) for start in (0, 200, 400)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    cache = ResponseCache(path)
    assert len(cache) == 800 and cache.get_many(["k0", "k799"])["k799"].text == "799"


CRASHING_CLIENT = textwrap.dedent("""
    import sys
    from codeio.teachers.base import ChatRequest, SamplingParams
    from codeio.teachers.cache import CachedTeacher
    from codeio.teachers.config import OpenAITeacherConfig
    from codeio.teachers.openai_backend import OpenAITeacher
    teacher = CachedTeacher(OpenAITeacher(OpenAITeacherConfig(model="m", base_url=sys.argv[1], max_concurrency=16)), sys.argv[2])
    requests = [ChatRequest(messages=[{"role": "user", "content": f"q {i}"}]) for i in range(3000)]
    print("started", flush=True)
    teacher.generate(requests, SamplingParams())
""")


def test_sigkill_mid_run_loses_only_requests_in_flight(tmp_path):
    path = tmp_path / "c.sqlite"
    with FakeOpenAIServer(latency=0.05, record_requests=True) as server:
        env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
        proc = subprocess.Popen([sys.executable, "-c", CRASHING_CLIENT, server.base_url, str(path)],
                                stdout=subprocess.PIPE, text=True, env=env)
        assert proc.stdout.readline().strip() == "started"
        deadline = time.monotonic() + 30
        while server.snapshot().get("ok", 0) < 300 and time.monotonic() < deadline:
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        answered_before_kill = server.snapshot()["ok"]
        stored = len(ResponseCache(path))
        assert 0 < stored < 3000
        assert answered_before_kill - stored <= 16 + 16  # at most what was in flight (and being answered)
        server.reset()
        with CachedTeacher(_openai(server.base_url), path) as teacher:
            out = teacher.generate(_requests(3000), SamplingParams())
        # every conversation not stored is asked for exactly once more (a connection the loaded machine
        # drops may be retried, so count distinct conversations, not HTTP requests)
        asked = {json.dumps(body["messages"], sort_keys=True) for body in server.requests}
        assert len(asked) == 3000 - stored
    assert all(g[0].ok for g in out) and len(ResponseCache(path)) == 3000


def test_results_put_just_before_a_normal_exit_are_committed(tmp_path):
    path = tmp_path / "c.sqlite"
    code = ("import sys\nfrom codeio.teachers.cache import ResponseCache\nfrom codeio.teachers.base import Generation\n"
            "cache = ResponseCache(sys.argv[1])\n"
            "for i in range(300):\n    cache.put(f'k{i}', Generation(text='t', finish_reason='stop', model='m'))\n")
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    subprocess.run([sys.executable, "-c", code, str(path)], check=True, env=env, timeout=120)
    assert len(ResponseCache(path)) == 300
