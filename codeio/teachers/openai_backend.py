"""``openai`` teacher: any OpenAI-compatible chat-completions endpoint (vLLM serve, SGLang, hosted APIs).

Requests go out asynchronously from a private event-loop thread, at most ``max_concurrency`` at a time,
spread over one or several endpoints (the one with the fewest requests in flight gets the next).
Rate limits (429, honouring ``Retry-After``), server errors (5xx, 408, 409), timeouts, dropped
connections and garbled answers are retried with exponential backoff and jitter; anything else, or a
request still failing after ``max_retries`` retries, becomes a ``Generation`` with
``finish_reason="error"`` and ``error="<reason>: <detail>"``. An answer cut by ``max_tokens`` comes back
with ``finish_reason="length"`` (truncated, never an answer).

The HTTP client is aiohttp: at 512 requests in flight it sustains several thousand requests/s on one
core, where httpx (and the ``openai`` SDK built on it) manage about a hundred
(``experiments/teachers/bench_openai.py``). The API key is read from the environment variable named by
``api_key_env`` and kept only in the request headers: never in configs, logs, errors or outputs.
"""

from __future__ import annotations

import asyncio
import atexit
import email.utils
import json
import logging
import os
import random
import threading
import time
import weakref
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from codeio.teachers.base import (
    ERROR,
    LENGTH,
    STOP,
    ChatRequest,
    Generation,
    SampleTeacher,
    SamplingParams,
    TeacherStats,
)
from codeio.teachers.config import OpenAITeacherConfig

log = logging.getLogger(__name__)

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "0.0.0.0"}
DUMMY_KEY = "EMPTY"  # what local servers (vllm serve) accept when they run without --api-key
RETRYABLE_STATUSES = {408, 409, 429}
STOP_REASONS = {"stop", "eos", "end_turn", "stop_sequence"}


@dataclass
class _Failure:
    reason: str  # short, stable: http_429, http_503, timeout, connection, bad_response, ...
    detail: str
    retryable: bool
    wait: float | None = None  # what the server asked for (Retry-After), seconds


class EventLoopThread:
    """A private asyncio loop in a daemon thread, so synchronous callers (any thread, even one that runs
    its own loop) can run coroutines on long-lived connections."""

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name=name, daemon=True)
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, Any]) -> Any:
        if threading.current_thread() is self._thread:
            raise RuntimeError("generate() called from inside the teacher's own callback")
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        try:
            return future.result()
        except BaseException:
            future.cancel()
            raise

    def close(self, cleanup: Coroutine[Any, Any, Any] | None = None) -> None:
        if cleanup is not None:
            try:
                asyncio.run_coroutine_threadsafe(cleanup, self.loop).result(timeout=10)
            except Exception as exc:  # closing must not fail a finished run
                log.debug("teacher cleanup failed: %r", exc)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        if not self._thread.is_alive():
            self.loop.close()


class OpenAITeacher(SampleTeacher):
    """Settings: ``OpenAITeacherConfig`` (checked there, once)."""

    def __init__(self, cfg: OpenAITeacherConfig) -> None:
        urls = [cfg.base_url] if isinstance(cfg.base_url, str) else list(cfg.base_url)
        self.model_name = cfg.model
        self.urls = [u.rstrip("/") + "/chat/completions" for u in urls]
        self.max_concurrency = cfg.max_concurrency
        self.timeout = cfg.timeout
        self.connect_timeout = cfg.connect_timeout
        self.max_retries = cfg.max_retries
        self.backoff_initial = cfg.backoff_initial
        self.backoff_max = cfg.backoff_max
        self.extra_body = dict(cfg.extra_body)
        self.client = cfg.client
        self.stats = TeacherStats()
        self._headers = {"Content-Type": "application/json",
                         "Authorization": f"Bearer {self._api_key(cfg.api_key_env, cfg.allow_missing_key, urls)}"}
        self._rng = random.Random()
        self._inflight = [0] * len(self.urls)
        self._turn = 0
        self._runner: EventLoopThread | None = None
        self._session: Any = None
        self._semaphore: asyncio.Semaphore | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:  # no headers: they hold the key
        return f"OpenAITeacher(model={self.model_name!r}, urls={self.urls!r})"

    @classmethod
    def check_environment(cls, cfg: OpenAITeacherConfig) -> None:
        """Start-up check (before any stage runs): the API key is where the config says."""
        urls = [cfg.base_url] if isinstance(cfg.base_url, str) else list(cfg.base_url)
        cls._api_key(cfg.api_key_env, cfg.allow_missing_key, urls)

    @staticmethod
    def _api_key(env: str | None, allow_missing: bool | None, urls: list[str]) -> str:
        key = os.environ.get(env, "") if env else ""
        if key:
            return key
        local = all(urlparse(u).hostname in LOCAL_HOSTS for u in urls)
        if allow_missing or (allow_missing is None and local):
            return DUMMY_KEY
        raise ValueError(
            f"environment variable {env!r} (teacher.api_key_env) is not set; export it, or set "
            "teacher.allow_missing_key=true for a server that needs no key"
        )

    # ------------------------------------------------------------------ public API
    def generate_samples(
        self,
        items: Sequence[tuple[ChatRequest, int]],
        params: SamplingParams,
        on_result: Callable[[int, Generation], None] | None = None,
    ) -> list[Generation]:
        if not items:
            return []
        with self._lock:
            if self._runner is None:
                self._runner = EventLoopThread(f"openai-teacher-{self.model_name}")
                atexit.register(_close_at_exit, weakref.ref(self))  # a caller that never calls close()
        return self._runner.run(self._run_items(list(items), params, on_result))

    def close(self) -> None:
        with self._lock:
            runner, self._runner = self._runner, None
        if runner is not None:
            runner.close(self._close_session())

    # ------------------------------------------------------------------ request building
    def request_body(self, messages: list[dict[str, str]], params: SamplingParams, sample_index: int) -> dict:
        """The JSON body sent for one sample (a separate request per sample index, ``n`` = 1)."""
        body: dict[str, Any] = {
            "model": self.model_name,
            "messages": messages,
            "temperature": params.temperature,
            "top_p": params.top_p,
            "max_tokens": params.max_tokens,
        }
        if params.seed is not None:
            body["seed"] = params.seed + sample_index
        if params.stop:
            body["stop"] = list(params.stop)
        body.update(self.extra_body)
        return body

    # ------------------------------------------------------------------ async core
    async def _run_items(self, items, params, on_result) -> list[Generation]:
        if self._session is None:
            self._session = self._make_session()
            self._semaphore = asyncio.Semaphore(self.max_concurrency)
        out: list[Generation | None] = [None] * len(items)
        position = iter(range(len(items)))

        async def worker() -> None:
            for i in position:
                request, index = items[i]
                out[i] = await self._one(request.messages, params, index)
                if on_result is not None:
                    on_result(i, out[i])

        workers = [asyncio.ensure_future(worker()) for _ in range(min(self.max_concurrency, len(items)))]
        try:
            await asyncio.gather(*workers)
        finally:
            for w in workers:
                w.cancel()
        return out  # type: ignore[return-value]

    async def _one(self, messages, params: SamplingParams, sample_index: int) -> Generation:
        payload = json.dumps(self.request_body(messages, params, sample_index)).encode()
        attempt, last = 0, -1
        self.stats.requests += 1
        async with self._semaphore:  # type: ignore[union-attr]
            while True:
                endpoint = self._pick_endpoint(avoid=last)
                self._inflight[endpoint] += 1
                try:
                    result = await self._post(self.urls[endpoint], payload)
                finally:
                    self._inflight[endpoint] -= 1
                if isinstance(result, Generation):
                    self.record(result)
                    return result
                if not result.retryable or attempt >= self.max_retries:
                    error = f"{result.reason}: {result.detail} (after {attempt + 1} attempts)"
                    failed = Generation(text=None, finish_reason=ERROR, model=self.model_name, error=error)
                    self.record(failed)
                    return failed
                attempt += 1
                last = endpoint
                self.stats.retries += 1
                wait = self._backoff(attempt, result.wait)
                self._say_retrying(result, attempt, wait)
                await asyncio.sleep(wait)

    def _say_retrying(self, failure: _Failure, attempt: int, wait: float) -> None:
        """Retries are visible (at most one line every 10 s): a dead server is not a silent wait."""
        now = time.monotonic()
        if now - getattr(self, "_last_retry_note", -1e9) >= 10.0:
            self._last_retry_note = now
            log.warning("teacher: %s (%s); retry %d of %d in %.1f s (%d retries so far)", failure.reason,
                        failure.detail[:120], attempt, self.max_retries, wait, self.stats.retries)

    def _pick_endpoint(self, avoid: int) -> int:
        count = len(self.urls)
        if count == 1:
            return 0
        self._turn = (self._turn + 1) % count
        order = [(self._turn + k) % count for k in range(count)]
        candidates = [e for e in order if e != avoid] or order
        return min(candidates, key=lambda e: self._inflight[e])

    def _backoff(self, attempt: int, server_wait: float | None) -> float:
        if server_wait is not None:
            return min(self.backoff_max, server_wait) * self._rng.uniform(1.0, 1.1)
        return min(self.backoff_max, self.backoff_initial * 2 ** (attempt - 1)) * self._rng.uniform(0.5, 1.0)

    def _interpret(self, status: int, headers: Any, raw: bytes) -> Generation | _Failure:
        if status != 200:
            detail = _error_message(raw)
            retryable = status in RETRYABLE_STATUSES or status >= 500
            wait = _retry_after(headers) if status in (429, 503) else None
            return _Failure(f"http_{status}", detail, retryable, wait)
        try:
            reply = json.loads(raw)
            choice = reply["choices"][0]
            content = choice["message"].get("content")
            reason = choice.get("finish_reason") or STOP
        except (ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
            return _Failure("bad_response", f"unreadable answer ({type(exc).__name__})", True)
        usage = reply.get("usage") or {}
        if reason in STOP_REASONS:
            reason = STOP
        elif reason == LENGTH:
            reason = LENGTH
        return Generation(
            text=content if isinstance(content, str) else "",
            finish_reason=str(reason),
            # the model the provider says answered: a hosted alias (deepseek-chat) moves to newer models
            model=str(reply.get("model") or self.model_name),
            prompt_tokens=usage.get("prompt_tokens"),
            completion_tokens=usage.get("completion_tokens"),
        )

    # ------------------------------------------------------------------ HTTP clients
    def _make_session(self) -> Any:
        if self.client == "httpx":
            import httpx

            limits = httpx.Limits(max_connections=self.max_concurrency,
                                  max_keepalive_connections=self.max_concurrency)
            timeout = httpx.Timeout(self.timeout, connect=self.connect_timeout)
            return httpx.AsyncClient(limits=limits, timeout=timeout)
        try:
            import aiohttp
        except ImportError as exc:  # pragma: no cover - aiohttp ships with the package
            raise ImportError("the openai teacher needs aiohttp: pip install aiohttp "
                              "(or set teacher.client=httpx)") from exc
        connector = aiohttp.TCPConnector(limit=self.max_concurrency, limit_per_host=0, ttl_dns_cache=300)
        timeout = aiohttp.ClientTimeout(total=self.timeout, sock_connect=self.connect_timeout)
        return aiohttp.ClientSession(connector=connector, timeout=timeout)

    async def _close_session(self) -> None:
        session, self._session = self._session, None
        if session is None:
            return
        await (session.aclose() if self.client == "httpx" else session.close())

    async def _post(self, url: str, payload: bytes) -> Generation | _Failure:
        if self.client == "httpx":
            return await self._post_httpx(url, payload)
        import aiohttp

        try:
            async with self._session.post(url, data=payload, headers=self._headers) as response:
                raw = await response.read()
                return self._interpret(response.status, response.headers, raw)
        except TimeoutError:
            return _Failure("timeout", f"no answer within {self.timeout:g}s", True)
        except aiohttp.ClientError as exc:
            return _Failure("connection", type(exc).__name__, True)

    async def _post_httpx(self, url: str, payload: bytes) -> Generation | _Failure:
        import httpx

        try:
            response = await self._session.post(url, content=payload, headers=self._headers)
        except httpx.TimeoutException:
            return _Failure("timeout", f"no answer within {self.timeout:g}s", True)
        except httpx.TransportError as exc:
            return _Failure("connection", type(exc).__name__, True)
        return self._interpret(response.status_code, response.headers, response.content)


def _close_at_exit(ref: weakref.ref) -> None:
    teacher = ref()
    if teacher is not None:
        teacher.close()


def _error_message(raw: bytes) -> str:
    try:
        message = json.loads(raw)["error"]["message"]
    except (ValueError, KeyError, TypeError):
        message = raw[:200].decode("utf-8", "replace")
    return " ".join(str(message).split())[:200]


def _retry_after(headers: Any) -> float | None:
    """Seconds the server asked to wait: ``retry-after-ms``, else ``Retry-After`` (seconds or a date)."""
    try:
        ms = headers.get("retry-after-ms")
        if ms is not None:
            return max(0.0, float(ms) / 1000)
        value = headers.get("Retry-After")
        if value is None:
            return None
        try:
            return max(0.0, float(value))
        except ValueError:
            when = email.utils.parsedate_to_datetime(value)
            return max(0.0, when.timestamp() - time.time())
    except (TypeError, ValueError, OverflowError):
        return None
