"""The openai backend against the real local server: retries, truncation, failures, endpoints, key."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import threading
import time

import pytest

from codeio.teachers.base import ERROR, LENGTH, STOP, ChatRequest, SamplingParams
from codeio.teachers.config import OpenAITeacherConfig
from codeio.teachers.openai_backend import OpenAITeacher
from codeio.testing.openai_server import FakeOpenAIServer, FaultPlan


def _requests(count: int, prefix: str = "q") -> list[ChatRequest]:
    return [ChatRequest(messages=[{"role": "user", "content": f"{prefix} {i}"}]) for i in range(count)]


def _teacher(urls, **options) -> OpenAITeacher:
    defaults = {"model": "m", "timeout": 1.0, "backoff_initial": 0.005, "backoff_max": 0.05, "max_retries": 4}
    return OpenAITeacher(OpenAITeacherConfig(base_url=urls, **{**defaults, **options}))


def _body_key(teacher: OpenAITeacher, request: ChatRequest, params: SamplingParams, index: int) -> str:
    body = teacher.request_body(request.messages, params, index)
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def test_every_sample_ends_once_as_answer_truncation_or_explicit_failure():
    plan = FaultPlan(rate_429=0.06, rate_500=0.06, rate_503=0.06, rate_slow=0.02, rate_drop=0.06,
                     rate_length=0.03, rate_permanent=0.02, faulty_attempts=3, retry_after=0.01,
                     slow_seconds=3.0, salt="t1")
    params = SamplingParams(max_tokens=64, n=2, seed=5)
    requests = _requests(1000)
    # timeout 1 s: long enough for a loaded machine, short enough for the slow answers (3 s) to time out
    with FakeOpenAIServer(faults=plan) as server, _teacher(server.base_url, max_concurrency=128,
                                                           timeout=1.0) as teacher:
        out = teacher.generate(requests, params)
        counters = server.snapshot()
    assert len(out) == len(requests) and all(len(samples) == 2 for samples in out)
    expected_errors = expected_length = 0
    for request, samples in zip(requests, out, strict=True):
        for index, gen in enumerate(samples):
            key = _body_key(teacher, request, params, index)
            echo = "echo: " + request.messages[0]["content"]
            if plan.is_permanent(key):
                expected_errors += 1
                assert gen.finish_reason == ERROR and gen.text is None
                assert gen.error.startswith("http_500: permanent failure injected (after 5 attempts)")
            elif plan.is_truncated(key):
                expected_length += 1
                assert gen.finish_reason == LENGTH and gen.truncated and not gen.ok
                assert gen.text == echo[: len(echo) // 2]
            else:
                assert gen.finish_reason == STOP and gen.ok and gen.text == echo
    assert expected_errors > 10 and expected_length > 20  # the plan really hit both kinds
    # every fault kind happened and was survived
    for kind in ("429", "500", "503", "slow", "drop"):
        assert counters[kind] > 0, kind
    assert teacher.stats.requests == 2000
    assert teacher.stats.failures == {"http_500": expected_errors, "length": expected_length}
    # each injected fault was followed by a retry; the server saw at most what the client sent (a request
    # abandoned at the client's timeout may not have been read yet)
    faults = sum(counters[kind] for kind in ("429", "500", "503", "slow", "drop"))
    assert teacher.stats.retries >= faults + 4 * expected_errors
    assert counters["requests"] <= 2000 + teacher.stats.retries


def test_seed_per_sample_and_request_body():
    params = SamplingParams(temperature=0.2, top_p=0.9, max_tokens=7, n=3, seed=10, stop=["\n\n"])
    with FakeOpenAIServer(record_requests=True) as server:
        with _teacher(server.base_url, extra_body={"top_k": 20}) as teacher:
            out = teacher.generate(_requests(1), params)
        sent = sorted(server.requests, key=lambda b: b["seed"])
    assert [g.text for g in out[0]] == ["echo: q 0"] * 3
    assert [b["seed"] for b in sent] == [10, 11, 12]
    assert sent[0] == {"model": "m", "messages": [{"role": "user", "content": "q 0"}], "temperature": 0.2,
                       "top_p": 0.9, "max_tokens": 7, "seed": 10, "stop": ["\n\n"], "top_k": 20}


def test_retry_after_is_honoured_and_client_errors_are_not_retried():
    plan = FaultPlan(rate_429=1.0, faulty_attempts=1, retry_after=0.4)
    with FakeOpenAIServer(faults=plan) as server, _teacher(server.base_url, backoff_max=2.0) as teacher:
        start = time.monotonic()
        [[gen]] = teacher.generate(_requests(1), SamplingParams())
        assert gen.ok and time.monotonic() - start >= 0.4
    with FakeOpenAIServer(responder=lambda r: {"status": 400, "content": "context too long"}) as server:
        with _teacher(server.base_url) as teacher:
            [[gen]] = teacher.generate(_requests(1), SamplingParams())
            assert server.snapshot()["requests"] == 1
    assert gen.finish_reason == ERROR and gen.error == "http_400: context too long (after 1 attempts)"


def test_retries_exhausted_become_explicit_failures():
    with FakeOpenAIServer(faults=FaultPlan(rate_503=1.0)) as server, _teacher(server.base_url, max_retries=2) as t:
        [[gen]] = t.generate(_requests(1), SamplingParams())
        assert server.snapshot()["503"] == 3
    assert gen.finish_reason == ERROR and gen.error.startswith("http_503:") and t.stats.failures == {"http_503": 1}
    with FakeOpenAIServer(faults=FaultPlan(rate_slow=1.0, slow_seconds=5)) as server:
        with _teacher(server.base_url, max_retries=1, timeout=0.2) as t:
            [[gen]] = t.generate(_requests(1), SamplingParams())
    assert gen.error.startswith("timeout:")


def test_endpoints_share_load_and_a_dead_one_is_routed_around():
    with FakeOpenAIServer() as a, FakeOpenAIServer() as b:
        with _teacher([a.base_url, b.base_url], max_concurrency=16) as teacher:
            out = teacher.generate(_requests(400), SamplingParams())
        assert all(g[0].ok for g in out)
        assert a.snapshot()["ok"] > 100 and b.snapshot()["ok"] > 100
        dead = FakeOpenAIServer().start()
        dead_url = dead.base_url
        dead.stop()  # nothing listens there any more
        with _teacher([dead_url, b.base_url], max_retries=3) as teacher:
            out = teacher.generate(_requests(50, "r"), SamplingParams())
        assert all(g[0].ok for g in out)
        assert teacher.stats.failures == {}


def test_works_from_threads_and_inside_a_running_event_loop():
    with FakeOpenAIServer() as server, _teacher(server.base_url) as teacher:
        results: list = []
        threads = [threading.Thread(target=lambda i=i: results.append(
            teacher.generate(_requests(20, f"t{i}"), SamplingParams()))) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(results) == 4 and all(g[0].ok for r in results for g in r)

        async def from_async_code():
            return teacher.generate(_requests(3), SamplingParams())

        assert asyncio.run(from_async_code())[2][0].text == "echo: q 2"


def test_api_key_comes_from_env_and_never_leaks(monkeypatch, caplog, tmp_path):
    secret = "sk-test-" + "7f3a9c" * 4
    monkeypatch.setenv("CODEIO_TEST_KEY", secret)
    caplog.set_level(logging.DEBUG)
    from codeio.teachers import build_teacher

    with FakeOpenAIServer(api_key=secret, faults=FaultPlan(rate_500=0.3, rate_permanent=0.1)) as server:
        cfg = {"_target_": "codeio.teachers.openai_backend.OpenAITeacher", "model": "m",
               "base_url": server.base_url, "api_key_env": "CODEIO_TEST_KEY", "backoff_initial": 0.001,
               "max_retries": 2}
        teacher, params = build_teacher(cfg, cache_dir=tmp_path)
        with teacher:
            out = teacher.generate(_requests(100), params)
        assert "401" not in server.snapshot()  # the key was sent
        assert any(g[0].ok for g in out) and any(g[0].finish_reason == ERROR for g in out)
        texts = [caplog.text, repr(teacher.inner), json.dumps([g[0].__dict__ for g in out])]
        texts += [p.read_bytes().decode("latin-1") for p in tmp_path.rglob("*") if p.is_file()]
        assert not any(secret in text for text in texts)
        monkeypatch.setenv("CODEIO_TEST_KEY", "wrong-key")
        with _teacher(server.base_url, api_key_env="CODEIO_TEST_KEY") as teacher:
            [[gen]] = teacher.generate(_requests(1), params)
        assert gen.error.startswith("http_401:") and "wrong-key" not in gen.error


def test_missing_key_is_allowed_only_for_local_servers(monkeypatch):
    monkeypatch.delenv("CODEIO_NO_SUCH_KEY", raising=False)
    OpenAITeacher(OpenAITeacherConfig(model="m", base_url="http://127.0.0.1:9/v1", api_key_env="CODEIO_NO_SUCH_KEY"))
    with pytest.raises(ValueError, match="CODEIO_NO_SUCH_KEY"):
        OpenAITeacher(OpenAITeacherConfig(model="m", base_url="https://api.example.com/v1", api_key_env="CODEIO_NO_SUCH_KEY"))
    OpenAITeacher(OpenAITeacherConfig(model="m", base_url="https://api.example.com/v1", api_key_env="CODEIO_NO_SUCH_KEY",
                  allow_missing_key=True))


def test_httpx_client_gives_the_same_answers():
    plan = FaultPlan(rate_500=0.2, rate_drop=0.1, rate_length=0.1, faulty_attempts=2, salt="h")
    with FakeOpenAIServer(faults=plan) as server:
        with _teacher(server.base_url, client="httpx") as a, _teacher(server.base_url) as b:
            first = a.generate(_requests(60), SamplingParams())
            second = b.generate(_requests(60), SamplingParams())
    assert [(g[0].text, g[0].finish_reason) for g in first] == [(g[0].text, g[0].finish_reason) for g in second]
    assert {g[0].finish_reason for g in first} == {STOP, LENGTH}


def test_rows_record_the_model_that_answered():
    """Issue #17 item 10: a hosted alias (deepseek-chat) moves to newer models; each generation records
    the model id the provider reported, not the name we asked for."""
    with FakeOpenAIServer(served_model="deepseek-v3-0324") as server, _teacher(server.base_url) as teacher:
        samples = teacher.generate(_requests(2), SamplingParams())
    assert [s[0].model for s in samples] == ["deepseek-v3-0324", "deepseek-v3-0324"]
