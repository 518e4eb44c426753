"""Requests/s of the ``openai`` teacher against the fake OpenAI server (50 ms latency per answer).

The server runs in its own process (``python -m codeio.testing.openai_server``) so it does not share a
GIL with the client. Each cell first probes the rate, then times a batch sized to last ~``--seconds``.
Besides the teacher (aiohttp and httpx clients) it times raw clients doing the same requests, to show
where the time goes. CPU seconds of the client and of the server process are recorded per cell: a
side near 1.0 CPU-second per wall-second is the bottleneck.

    .venv/bin/python experiments/teachers/bench_openai.py            # full table, writes the files
    .venv/bin/python experiments/teachers/bench_openai.py --quick    # backend only, fewer requests

Writes ``bench_openai.json`` and ``bench_openai.md`` beside this script.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO))

from codeio.teachers.base import ChatRequest, SamplingParams  # noqa: E402
from codeio.teachers.cache import CachedTeacher  # noqa: E402
from codeio.teachers.config import OpenAITeacherConfig  # noqa: E402
from codeio.teachers.openai_backend import OpenAITeacher  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")
LATENCY = 0.05


def process_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def cpu_share(seconds: float = 1.0) -> float:
    """Fraction of one core a busy Python loop gets right now (1.0 on an idle machine): how contended the
    machine is while the benchmark runs."""
    cpu0, start = own_cpu(), time.perf_counter()
    while time.perf_counter() - start < seconds:
        sum(range(10000))
    return (own_cpu() - cpu0) / (time.perf_counter() - start)


def body(i: int) -> dict:
    return {"model": "bench", "messages": [{"role": "user", "content": f"benchmark question number {i}"}],
            "temperature": 0.7, "top_p": 1.0, "max_tokens": 256}


class Teacher:
    def __init__(self, url: str, concurrency: int, client: str, cached: bool = False) -> None:
        self.teacher = OpenAITeacher(OpenAITeacherConfig(model="bench", base_url=url, max_concurrency=concurrency, client=client,
                                     timeout=60))
        self.tmp = None
        if cached:  # every request is a miss (new questions), so this times one sqlite commit per answer
            self.tmp = tempfile.TemporaryDirectory()
            self.teacher = CachedTeacher(self.teacher, Path(self.tmp.name) / "responses.sqlite")
        self.offset = 0

    def run(self, count: int) -> None:
        requests = [ChatRequest(messages=body(self.offset + i)["messages"]) for i in range(count)]
        self.offset += count
        out = self.teacher.generate(requests, SamplingParams(max_tokens=256))
        bad = sum(not g[0].ok for g in out)
        if bad:
            raise RuntimeError(f"{bad} requests failed: {out[0][0].error}")

    def close(self) -> None:
        self.teacher.close()
        if self.tmp is not None:
            self.tmp.cleanup()


class RawAsync:
    """A raw async client doing the same requests with a bounded number in flight."""

    def __init__(self, url: str, concurrency: int, client: str) -> None:
        self.url, self.concurrency, self.client = url, concurrency, client
        self.loop = asyncio.new_event_loop()
        self.session = self.loop.run_until_complete(self._open())
        self.offset = 0

    async def _open(self):
        c = self.concurrency
        if self.client == "aiohttp":
            import aiohttp

            return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=c))
        import httpx

        http = httpx.AsyncClient(limits=httpx.Limits(max_connections=c, max_keepalive_connections=c), timeout=60)
        if self.client == "httpx":
            return http
        from openai import AsyncOpenAI

        return AsyncOpenAI(base_url=self.url, api_key="EMPTY", max_retries=0, http_client=http)

    async def _one(self, i: int) -> None:
        if self.client == "aiohttp":
            async with self.session.post(self.url + "/chat/completions", json=body(i)) as r:
                await r.json()
        elif self.client == "httpx":
            (await self.session.post(self.url + "/chat/completions", json=body(i))).json()
        else:
            await self.session.chat.completions.create(**body(i))

    async def _batch(self, count: int) -> None:
        it = iter(range(self.offset, self.offset + count))

        async def worker():
            for i in it:
                await self._one(i)

        await asyncio.gather(*(worker() for _ in range(min(self.concurrency, count))))

    def run(self, count: int) -> None:
        self.loop.run_until_complete(self._batch(count))
        self.offset += count

    def close(self) -> None:
        closer = self.session.close() if self.client != "httpx" else self.session.aclose()
        self.loop.run_until_complete(closer)
        self.loop.close()


CLIENTS = {
    "teacher (aiohttp)": lambda url, c: Teacher(url, c, "aiohttp"),
    "teacher (aiohttp) + cache": lambda url, c: Teacher(url, c, "aiohttp", cached=True),
    "teacher (httpx)": lambda url, c: Teacher(url, c, "httpx"),
    "raw aiohttp": lambda url, c: RawAsync(url, c, "aiohttp"),
    "raw httpx": lambda url, c: RawAsync(url, c, "httpx"),
    "openai SDK (AsyncOpenAI)": lambda url, c: RawAsync(url, c, "openai"),
}


def measure(make, url: str, concurrency: int, server_pid: int, seconds: float, cap: int) -> dict:
    runner = make(url, concurrency)
    try:
        probe = max(2 * concurrency, 20)
        start = time.perf_counter()
        runner.run(probe)
        rate = probe / (time.perf_counter() - start)
        count = int(min(cap, max(probe, rate * seconds)))
        cpu0, srv0, start = own_cpu(), process_cpu(server_pid), time.perf_counter()
        runner.run(count)
        wall = time.perf_counter() - start
        cpu1, srv1 = own_cpu(), process_cpu(server_pid)
    finally:
        runner.close()
    return {"requests": count, "seconds": round(wall, 3), "req_per_s": round(count / wall, 1),
            "client_cpu_per_s": round((cpu1 - cpu0) / wall, 2), "server_cpu_per_s": round((srv1 - srv0) / wall, 2),
            "client_cpu_ms_per_request": round(1000 * (cpu1 - cpu0) / count, 3),
            "client_ceiling_req_per_s": round(count / max(cpu1 - cpu0, 1e-9)),
            "server_cpu_ms_per_request": round(1000 * (srv1 - srv0) / count, 3),
            "ideal_req_per_s": round(concurrency / LATENCY, 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 64, 512])
    parser.add_argument("--seconds", type=float, default=6.0, help="target duration of each timed batch")
    parser.add_argument("--cap", type=int, default=40000, help="most requests in one timed batch")
    parser.add_argument("--quick", action="store_true", help="only the teacher (aiohttp, with and without the "
                        "response cache), 2 s batches")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    global LATENCY
    LATENCY = args.latency
    load_before = os.getloadavg()
    share_before = cpu_share()
    print(f"CPU share of one core available to a busy loop: {share_before:.2f}", flush=True)
    quick = ("teacher (aiohttp)", "teacher (aiohttp) + cache")
    clients = {k: CLIENTS[k] for k in quick} if args.quick else CLIENTS
    seconds = 2.0 if args.quick else args.seconds

    server = subprocess.Popen([sys.executable, "-m", "codeio.testing.openai_server", "--latency",
                               str(args.latency)], stdout=subprocess.PIPE, text=True, cwd=REPO)
    try:
        url = server.stdout.readline().split()[-1]
        results = []
        for name, make in clients.items():
            for c in args.concurrency:
                row = {"client": name, "in_flight": c, **measure(make, url, c, server.pid, seconds, args.cap)}
                results.append(row)
                print(f"{name:26s} in_flight={c:4d}  {row['req_per_s']:8.1f} req/s  (ideal {row['ideal_req_per_s']:.0f}; "
                      f"client {row['client_cpu_ms_per_request']:.3f} CPU-ms/req = {row['client_cpu_per_s']:.2f} "
                      f"cores, server {row['server_cpu_ms_per_request']:.3f} CPU-ms/req = "
                      f"{row['server_cpu_per_s']:.2f} cores; {row['requests']} requests)", flush=True)
    finally:
        server.terminate()
        server.wait(10)

    if args.no_write:
        return
    machine = {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
               "load_average_before": [round(x, 2) for x in load_before],
               "load_average_after": [round(x, 2) for x in os.getloadavg()], "nice": os.nice(0),
               "cpu_share_before": round(share_before, 2), "cpu_share_after": round(cpu_share(), 2)}
    (HERE / "bench_openai.json").write_text(json.dumps({"latency_s": args.latency, "machine": machine,
                                                        "results": results}, indent=2) + "\n")
    lines = ["| client | in flight | req/s | ideal (in flight / latency) | client CPU ms/req | "
             "client ceiling req/s per free core | client cores busy | server CPU ms/req | server cores busy |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    lines += [f"| {r['client']} | {r['in_flight']} | {r['req_per_s']:.0f} | {r['ideal_req_per_s']:.0f} | "
              f"{r['client_cpu_ms_per_request']:.3f} | {r['client_ceiling_req_per_s']} | {r['client_cpu_per_s']:.2f} | "
              f"{r['server_cpu_ms_per_request']:.3f} | {r['server_cpu_per_s']:.2f} |" for r in results]
    (HERE / "bench_openai.md").write_text(
        f"Measured by `.venv/bin/python experiments/teachers/bench_openai.py` "
        f"({machine['cpus']} CPUs, Python {machine['python']}, latency {args.latency * 1000:.0f} ms, "
        f"load average before/after {machine['load_average_before'][0]}/{machine['load_average_after'][0]}, "
        f"CPU share of one core available before/after {machine['cpu_share_before']}/{machine['cpu_share_after']}, "
        f"nice {machine['nice']}).\n\n" + "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
