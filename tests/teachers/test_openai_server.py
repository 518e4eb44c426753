"""The fake OpenAI server: answers, scripted responders and each injected fault, over real HTTP."""

from __future__ import annotations

import time

import httpx
import pytest

from codeio.testing.openai_server import FakeOpenAIServer, FaultPlan


def _body(text: str = "hello world", **extra):
    return {"model": "m", "messages": [{"role": "user", "content": text}], **extra}


_CLIENT = httpx.Client()  # one client: building a new one per request costs ~20 ms


def _post(server: FakeOpenAIServer, body: dict, timeout: float = 5.0, key: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return _CLIENT.post(server.base_url + "/chat/completions", json=body, timeout=timeout, headers=headers)


def test_echo_answer_usage_and_models():
    with FakeOpenAIServer() as server:
        reply = _post(server, _body("two words")).json()
        assert reply["choices"][0]["message"]["content"] == "echo: two words"
        assert reply["choices"][0]["finish_reason"] == "stop"
        assert reply["usage"]["prompt_tokens"] == 2
        models = httpx.get(server.base_url + "/models").json()
        assert [m["id"] for m in models["data"]] == ["fake-model"]
        assert server.snapshot() == {"requests": 1, "ok": 1}


def test_scripted_responder_by_turn_and_status():
    def responder(request):
        turns = sum(m["role"] == "assistant" for m in request["messages"])
        if request["messages"][-1]["content"] == "fail":
            return {"status": 503}
        return "wrong" if turns == 0 else {"content": "right", "finish_reason": "stop"}

    with FakeOpenAIServer(responder=responder) as server:
        first = _post(server, _body("q")).json()["choices"][0]["message"]["content"]
        messages = [{"role": "user", "content": "q"}, {"role": "assistant", "content": "wrong"},
                    {"role": "user", "content": "try again"}]
        second = _post(server, {"model": "m", "messages": messages}).json()["choices"][0]["message"]["content"]
        assert (first, second) == ("wrong", "right")
        assert _post(server, _body("fail")).status_code == 503


def test_max_tokens_cuts_with_length():
    with FakeOpenAIServer(responder=lambda r: "a b c d e f") as server:
        choice = _post(server, _body(max_tokens=3)).json()["choices"][0]
        assert choice == {"index": 0, "message": {"role": "assistant", "content": "a b c"},
                          "finish_reason": "length", "logprobs": None}


@pytest.mark.parametrize("kind,status", [("rate_429", 429), ("rate_500", 500), ("rate_503", 503)])
def test_http_faults_hit_only_faulty_attempts(kind, status):
    with FakeOpenAIServer(faults=FaultPlan(**{kind: 1.0}, faulty_attempts=1, retry_after=0.25)) as server:
        first = _post(server, _body())
        assert first.status_code == status
        if status == 429:
            assert first.headers["retry-after-ms"] == "250" and first.headers["Retry-After"] == "1"
        assert _post(server, _body()).status_code == 200  # the second attempt of the same body succeeds
        assert server.snapshot()[str(status)] == 1


def test_drop_slow_length_permanent():
    plan = FaultPlan(rate_drop=1.0, faulty_attempts=1)
    with FakeOpenAIServer(faults=plan) as server:
        with pytest.raises(httpx.RemoteProtocolError):
            _post(server, _body())
        assert _post(server, _body()).status_code == 200
    with FakeOpenAIServer(faults=FaultPlan(rate_slow=1.0, slow_seconds=5, faulty_attempts=1)) as server:
        start = time.monotonic()
        with pytest.raises(httpx.ReadTimeout):
            _post(server, _body(), timeout=0.3)
        assert time.monotonic() - start < 2
    with FakeOpenAIServer(faults=FaultPlan(rate_length=1.0)) as server:
        for _ in range(2):  # per body: every attempt is truncated
            choice = _post(server, _body("abcdefgh")).json()["choices"][0]
            assert choice["finish_reason"] == "length" and choice["message"]["content"] == "echo: a"
    with FakeOpenAIServer(faults=FaultPlan(rate_permanent=1.0, permanent_status=502)) as server:
        assert [_post(server, _body()).status_code for _ in range(3)] == [502, 502, 502]


def test_faults_are_deterministic_and_near_their_rates():
    plan = FaultPlan(rate_429=0.1, rate_500=0.1, salt="s")
    outcomes = []
    for _ in range(2):
        with FakeOpenAIServer(faults=plan) as server:
            outcomes.append([_post(server, _body(f"q{i}")).status_code for i in range(200)])
    assert outcomes[0] == outcomes[1]
    assert 20 <= sum(code != 200 for code in outcomes[0]) <= 60


def test_api_key_required_when_set_and_bad_body_is_400():
    with FakeOpenAIServer(api_key="k-123") as server:
        assert _post(server, _body()).status_code == 401
        assert _post(server, _body(), key="k-123").status_code == 200
        bad = httpx.post(server.base_url + "/chat/completions", content=b"{not json",
                         headers={"Authorization": "Bearer k-123"})
        assert bad.status_code == 400
        assert server.snapshot()["401"] == 1 and server.snapshot()["400"] == 1


def test_responder_delay_and_latency():
    with FakeOpenAIServer(responder=lambda r: {"content": "x", "delay": 0.3}, latency=0.1) as server:
        start = time.monotonic()
        assert _post(server, _body()).status_code == 200
        assert time.monotonic() - start >= 0.4
