"""A real OpenAI-compatible HTTP server on 127.0.0.1 for tests and benchmarks, with scripted answers and
deterministic fault injection.

In-process (the server's event loop runs in a background thread)::

    from openai import OpenAI
    from codeio.testing.openai_server import FakeOpenAIServer, FaultPlan

    def responder(request: dict) -> str | dict:
        # request is the JSON body of POST /v1/chat/completions
        turns = sum(m["role"] == "assistant" for m in request["messages"])
        if turns == 0:
            return 'I think the answer is {"output": 1}'           # wrong at turn 1
        return {"content": 'Fixed: {"output": 2}'}                 # right after feedback

    with FakeOpenAIServer(responder=responder, latency=0.05,
                          faults=FaultPlan(rate_429=0.1, rate_500=0.05)) as server:
        client = OpenAI(base_url=server.base_url, api_key="unused")
        ...
        print(server.counters)   # {"requests": ..., "ok": ..., "429": ..., ...}

A responder returns the answer text, or a dict with any of: ``content`` (str), ``finish_reason``
(``"stop"``/``"length"``), ``status`` (an HTTP error status to send instead of an answer), ``delay``
(extra seconds before answering), ``prompt_tokens``/``completion_tokens``. The default
``echo_responder`` answers ``"echo: " + <last user message>``. An answer longer than ``max_tokens``
whitespace-separated words is cut to that many words with ``finish_reason: "length"``, like a real server.

Faults are decided per request by a hash of (``FaultPlan.salt``, the request body, the attempt number),
where the attempt number counts how often the server has already seen that exact body, so the same
plan against the same client gives the same faults on every run. Per-attempt faults (each a
probability): ``rate_429`` (with ``Retry-After``/``retry-after-ms``), ``rate_500``, ``rate_503``,
``rate_slow`` (answers after ``slow_seconds``, past the client's timeout), ``rate_drop`` (closes the
connection without an answer). Per-body faults, the same on every attempt: ``rate_length`` (half of the
answer with ``finish_reason: "length"``) and ``rate_permanent`` (always HTTP ``permanent_status``).
``faulty_attempts`` limits per-attempt faults to the first attempts of each body.

From a shell (prints ``listening on http://127.0.0.1:PORT/v1`` once ready; Ctrl-C stops)::

    python -m codeio.testing.openai_server --latency 0.05 --rate-429 0.05 --responder mypkg.mod:func
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import importlib
import json
import math
import signal
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from typing import Any

from aiohttp import web

Responder = Callable[[dict[str, Any]], "str | dict[str, Any]"]

FAULT_KINDS = ("429", "500", "503", "slow", "drop", "length", "permanent")


def echo_responder(request: dict[str, Any]) -> str:
    """Deterministic default answer: ``"echo: "`` followed by the last user message."""
    last_user = ""
    for message in request.get("messages") or []:
        if isinstance(message, dict) and message.get("role") == "user":
            content = message.get("content")
            last_user = content if isinstance(content, str) else json.dumps(content)
    return "echo: " + last_user


@dataclass
class FaultPlan:
    """Which requests fail and how; all rates are probabilities in [0, 1]."""

    rate_429: float = 0.0
    rate_500: float = 0.0
    rate_503: float = 0.0
    rate_slow: float = 0.0
    rate_drop: float = 0.0
    rate_length: float = 0.0
    """Per body: answer cut in half with ``finish_reason: "length"`` on every attempt."""
    rate_permanent: float = 0.0
    """Per body: always answered with HTTP ``permanent_status``."""
    permanent_status: int = 500
    retry_after: float = 0.05
    """Seconds the 429 answers ask the client to wait."""
    slow_seconds: float = 30.0
    faulty_attempts: int | None = None
    """Per-attempt faults only hit attempts ``0 .. faulty_attempts-1`` of a body; None = every attempt."""
    salt: str = ""

    def __post_init__(self) -> None:
        per_attempt = self.rate_429 + self.rate_500 + self.rate_503 + self.rate_slow + self.rate_drop
        for f in fields(self):
            if f.name.startswith("rate_"):
                value = getattr(self, f.name)
                if not 0.0 <= value <= 1.0:
                    raise ValueError(f"FaultPlan.{f.name} must be in [0, 1], got {value}")
        if per_attempt > 1.0:
            raise ValueError(f"FaultPlan per-attempt rates sum to {per_attempt} > 1")

    def attempt_fault(self, body_key: str, attempt: int) -> str | None:
        """The per-attempt fault for this body and attempt number, or None."""
        if self.faulty_attempts is not None and attempt >= self.faulty_attempts:
            return None
        u = _unit(self.salt, "attempt", body_key, attempt)
        for kind, rate in (
            ("429", self.rate_429),
            ("500", self.rate_500),
            ("503", self.rate_503),
            ("slow", self.rate_slow),
            ("drop", self.rate_drop),
        ):
            if u < rate:
                return kind
            u -= rate
        return None

    def is_permanent(self, body_key: str) -> bool:
        return _unit(self.salt, "permanent", body_key) < self.rate_permanent

    def is_truncated(self, body_key: str) -> bool:
        return _unit(self.salt, "length", body_key) < self.rate_length


def _unit(*parts: Any) -> float:
    """A deterministic number in [0, 1) from the parts."""
    digest = hashlib.sha256(json.dumps(parts, default=str).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _count_tokens(text: str) -> int:
    return len(text.split())


def _prompt_tokens(messages: Any) -> int:
    total = 0
    for message in messages if isinstance(messages, list) else []:
        if isinstance(message, dict) and isinstance(message.get("content"), str):
            total += _count_tokens(message["content"])
    return total


class FakeOpenAIServer:
    """OpenAI-compatible chat-completions server on 127.0.0.1, run in a background thread.

    Use as a context manager (or ``start()``/``stop()``). ``base_url`` ends in ``/v1``.
    """

    def __init__(
        self,
        responder: Responder | None = None,
        faults: FaultPlan | None = None,
        latency: float = 0.0,
        port: int = 0,
        api_key: str | None = None,
        models: tuple[str, ...] = ("fake-model",),
        record_requests: bool = False,
        served_model: str | None = None,
    ) -> None:
        """``latency``: seconds added to every answer; ``api_key``: when set, requests must carry
        ``Authorization: Bearer <api_key>`` (401 otherwise); ``record_requests``: keep every request
        body in ``self.requests`` (for tests that inspect what a client sent); ``served_model``: the model
        id answers report (default: the one asked for), like a provider serving a newer model under an
        old name."""
        self.responder: Responder = responder or echo_responder
        self.faults = faults or FaultPlan()
        self.latency = latency
        self.port = port
        self.api_key = api_key
        self.models = models
        self.record_requests = record_requests
        self.served_model = served_model
        self.requests: list[dict[str, Any]] = []
        self.counters: Counter[str] = Counter()
        self._attempts: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None

    # ------------------------------------------------------------------ lifecycle
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def __enter__(self) -> FakeOpenAIServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> FakeOpenAIServer:
        """Start serving in a daemon thread; returns once the port is bound."""
        if self._thread is not None:
            return self
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self._start_site())
            except BaseException as exc:  # surfaced to the caller of start()
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            try:
                loop.run_forever()
            finally:
                loop.run_until_complete(self._runner.cleanup())
                loop.close()

        self._thread = threading.Thread(target=run, name="fake-openai-server", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            self._thread = None
            raise RuntimeError(f"fake OpenAI server failed to start: {failure[0]!r}") from failure[0]
        return self

    def stop(self) -> None:
        if self._thread is None or self._loop is None:
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=30)
        self._thread = None
        self._loop = None

    def reset(self) -> None:
        """Forget counters, attempt numbers and recorded requests."""
        with self._lock:
            self.counters.clear()
            self._attempts.clear()
            self.requests.clear()

    async def _start_site(self) -> None:
        app = self.make_app()
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True, shutdown_timeout=0.5)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        sock.listen(4096)
        self.port = sock.getsockname()[1]
        site = web.SockSite(self._runner, sock)
        await site.start()

    def make_app(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_get("/v1/models", self._models)
        return app

    # ------------------------------------------------------------------ handlers
    def _authorized(self, request: web.Request) -> bool:
        return self.api_key is None or request.headers.get("Authorization") == f"Bearer {self.api_key}"

    async def _models(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return _error(401, "invalid api key", "invalid_request_error")
        data = [{"id": m, "object": "model", "created": 0, "owned_by": "codeio"} for m in self.models]
        return web.json_response({"object": "list", "data": data})

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        with self._lock:
            self.counters["requests"] += 1
        if not self._authorized(request):
            self._count("401")
            return _error(401, "invalid api key", "invalid_request_error")
        try:
            body = json.loads(raw)
            if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
                raise ValueError("body must be an object with a 'messages' list")
            n = body.get("n", 1)
            if n is not None and (not isinstance(n, int) or isinstance(n, bool) or n < 1):
                raise ValueError("n must be a positive integer")
        except ValueError as exc:
            self._count("400")
            return _error(400, f"bad request: {exc}", "invalid_request_error")
        if body.get("stream"):
            self._count("400")
            return _error(400, "streaming is not supported by the fake server", "invalid_request_error")

        body_key = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
        with self._lock:
            attempt = self._attempts[body_key]
            self._attempts[body_key] += 1
            if self.record_requests:
                self.requests.append(body)

        if self.latency > 0:
            await asyncio.sleep(self.latency)

        plan = self.faults
        if plan.is_permanent(body_key):
            self._count("permanent")
            return _error(plan.permanent_status, "permanent failure injected", "server_error")
        fault = plan.attempt_fault(body_key, attempt)
        if fault == "429":
            self._count("429")
            headers = {
                "Retry-After": str(max(0, math.ceil(plan.retry_after))),
                "retry-after-ms": str(int(plan.retry_after * 1000)),
            }
            return _error(429, "rate limit injected", "rate_limit_error", headers)
        if fault in ("500", "503"):
            self._count(fault)
            return _error(int(fault), f"server error {fault} injected", "server_error")
        if fault == "drop":
            self._count("drop")
            if request.transport is not None:
                request.transport.abort()
            raise asyncio.CancelledError  # nothing more to send on a dropped connection
        if fault == "slow":
            self._count("slow")
            await asyncio.sleep(plan.slow_seconds)

        return self._answer(body, body_key)

    def _answer(self, body: dict[str, Any], body_key: str) -> web.Response:
        try:
            reply = self.responder(body)
        except Exception as exc:  # a broken responder is a server error, visible in the counters
            self._count("responder_error")
            return _error(500, f"responder raised {type(exc).__name__}: {exc}", "server_error")
        if isinstance(reply, str):
            reply = {"content": reply}
        if reply.get("status"):
            status = int(reply["status"])
            self._count(str(status))
            return _error(status, str(reply.get("content") or f"scripted status {status}"), "server_error")
        content = str(reply.get("content", ""))
        finish_reason = reply.get("finish_reason", "stop")
        max_tokens = body.get("max_tokens") or body.get("max_completion_tokens")
        words = content.split(" ")
        if isinstance(max_tokens, int) and max_tokens > 0 and _count_tokens(content) > max_tokens:
            content, finish_reason = " ".join(words[:max_tokens]), "length"
        if self.faults.is_truncated(body_key):
            self._count("length")
            content, finish_reason = content[: len(content) // 2], "length"
        n = body.get("n") or 1
        prompt_tokens = reply.get("prompt_tokens", _prompt_tokens(body["messages"]))
        completion_tokens = reply.get("completion_tokens", _count_tokens(content))
        self._count("ok")
        payload = {
            "id": "chatcmpl-" + body_key[:24],
            "object": "chat.completion",
            "created": int(time.time()),
            "model": self.served_model or str(body.get("model", self.models[0])),
            "choices": [
                {
                    "index": i,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": finish_reason,
                    "logprobs": None,
                }
                for i in range(int(n))
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens * int(n),
                "total_tokens": prompt_tokens + completion_tokens * int(n),
            },
        }
        if reply.get("delay"):
            return _Delayed(payload, float(reply["delay"]))  # type: ignore[return-value]
        return web.json_response(payload)

    def _count(self, kind: str) -> None:
        with self._lock:
            self.counters[kind] += 1

    def snapshot(self) -> dict[str, int]:
        """A copy of the counters: ``requests`` (all chat requests), ``ok`` (answers sent) and one entry
        per fault kind that happened (``429``, ``500``, ``503``, ``slow``, ``drop``, ``length``,
        ``permanent``, ``401``, ``400``, ``responder_error``)."""
        with self._lock:
            return dict(self.counters)


class _Delayed(web.Response):
    """An answer the responder asked to delay (sent after ``delay`` seconds)."""

    def __init__(self, payload: dict[str, Any], delay: float) -> None:
        super().__init__(text=json.dumps(payload), content_type="application/json")
        self._delay = delay

    async def prepare(self, request: web.BaseRequest):  # type: ignore[override]
        await asyncio.sleep(self._delay)
        return await super().prepare(request)


def _error(status: int, message: str, kind: str, headers: dict[str, str] | None = None) -> web.Response:
    body = {"error": {"message": message, "type": kind, "code": status}}
    return web.json_response(body, status=status, headers=headers)


# ---------------------------------------------------------------------- command line
def _load_responder(spec: str) -> Responder:
    module_name, _, attr = spec.partition(":")
    if not attr:
        raise SystemExit(f"--responder must be 'module:function', got {spec!r}")
    return getattr(importlib.import_module(module_name), attr)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0, help="0 = a free port")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every answer")
    parser.add_argument("--api-key", default=None, help="require this bearer key (default: none)")
    parser.add_argument("--responder", default=None, help="module:function deciding the answers")
    parser.add_argument("--port-file", default=None, help="also write the port number to this file")
    for f in fields(FaultPlan):
        flag = "--" + f.name.replace("_", "-")
        if f.name == "salt":
            parser.add_argument(flag, default="")
        elif f.name == "faulty_attempts":
            parser.add_argument(flag, type=int, default=None)
        elif f.name == "permanent_status":
            parser.add_argument(flag, type=int, default=500)
        else:
            parser.add_argument(flag, type=float, default=getattr(FaultPlan(), f.name))
    args = parser.parse_args(argv)
    plan = FaultPlan(**{f.name: getattr(args, f.name) for f in fields(FaultPlan)})
    responder = _load_responder(args.responder) if args.responder else None
    server = FakeOpenAIServer(responder=responder, faults=plan, latency=args.latency, port=args.port,
                              api_key=args.api_key)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    server.start()
    if args.port_file:
        with open(args.port_file, "w") as fh:
            fh.write(str(server.port))
    print(f"listening on {server.base_url}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        print(json.dumps({"counters": server.snapshot(), "faults": asdict(plan)}), flush=True)
        server.stop()


if __name__ == "__main__":
    main()
