"""Requests/s of the ``openai`` teacher against the fake OpenAI server (50 ms latency per answer).

The server runs in its own process (``python -m codeio.testing.openai_server``) so it does not share a
GIL with the client; on a machine with 2 or more cores the client and the server get one core each
(``--no-pin`` leaves them to the scheduler). Each cell (client x requests in flight) first probes the rate, then times a batch
sized to last ~``--seconds`` (optionally in ``--steps`` slices, the cells taking turns slice by slice). Besides the teacher (aiohttp and httpx clients) it times raw clients doing
the same requests, to show where the time goes. CPU seconds of the client and of the server process are
recorded per cell: a side near 1.0 CPU-second per wall-second is the bottleneck. The cells run
interleaved, ``--repetitions`` times each (``experiments/benchmethod.py``): medians, spreads, load
before/after; a ratio between clients whose repetitions disagree by more than 10% is refused and then
nothing is written (exit status 3). No ratio is taken where the client or the server is CPU-bound (at
least ``--cpu-bound`` of a core): the table says so, and the rates keep their spreads.

    .venv/bin/python experiments/teachers/bench_openai.py            # full table, writes the files
    .venv/bin/python experiments/teachers/bench_openai.py --quick    # backend only, fewer requests

Writes ``bench_openai.json`` and ``bench_openai.md`` beside this script.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import statistics
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
from experiments.benchmethod import (  # noqa: E402
    MAX_SPREAD,
    MIN_REPETITIONS,
    Comparison,
    Sample,
    Stopwatch,
    machine_state,
    median_cell,
    process_cpu_seconds,
    ratio_cell,
    record,
    state_line,
)

LATENCY = 0.05
# A process at 75% of a core or more is CPU-bound. There a cell's rate is set by the CPU time the machine
# hands out, and on 2 cores that moves 10-30% between repetitions for raw aiohttp as much as for the backend
# (2026-11-30: four quiet reruns at 512 in flight, client CPU per request itself varied by up to 50%), so a
# ratio between two CPU-bound cells measures the machine, not the backend, and is not taken.
CPU_BOUND = 0.75


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


SDK = "openai SDK (AsyncOpenAI)"
CLIENTS = {
    "teacher (aiohttp)": lambda url, c: Teacher(url, c, "aiohttp"),
    "teacher (aiohttp) + cache": lambda url, c: Teacher(url, c, "aiohttp", cached=True),
    "teacher (httpx)": lambda url, c: Teacher(url, c, "httpx"),
    "raw aiohttp": lambda url, c: RawAsync(url, c, "aiohttp"),
    "raw httpx": lambda url, c: RawAsync(url, c, "httpx"),
    SDK: lambda url, c: RawAsync(url, c, "openai"),
}


def measure(clients: dict, concurrency: list[int], url: str, server_pid: int, args: argparse.Namespace,
            progress) -> Comparison:
    """Every (client, in flight) cell, ``args.repetitions`` times, the cells taking turns.

    A cell's turn opens its client, warms it up untimed (the first turn of a repetition also probes the
    rate, sizing the cell's batch to last about ``args.seconds``), times one of the batch's ``args.steps``
    slices (never fewer requests than it keeps in flight) and closes the client, so only one cell's
    connections are open at a time. Client CPU is this process's; the server's is read from /proc around
    every slice."""
    names = {cell_name(client, c): (make, c) for client, make in clients.items() for c in concurrency}
    samples: dict[str, list[Sample]] = {name: [] for name in names}
    order: list[str] = []
    before = machine_state()
    for repetition in range(args.repetitions):
        per_step: dict[str, int] = {}
        totals = {name: Sample(work=0.0, wall_s=0.0, cpu_s=0.0, extra={"server_cpu_s": 0.0, "steps": 0})
                  for name in names}
        for step in range(args.steps):
            for name, (make, c) in names.items():
                runner = make(url, c)
                try:
                    # the first turn probes the rate; later turns only open the connections again
                    warm = max(2 * c, 20) if step == 0 else max(c, 20)
                    start = time.perf_counter()
                    runner.run(warm)
                    if step == 0:
                        rate = warm / (time.perf_counter() - start)
                        per_step[name] = max(c, int(min(args.cap, max(warm, rate * args.seconds)) / args.steps))
                    server0 = process_cpu_seconds(server_pid)
                    with Stopwatch(tree=False) as watch:  # the client alone; the server is measured apart
                        runner.run(per_step[name])
                    server = process_cpu_seconds(server_pid) - server0
                finally:
                    runner.close()
                total = totals[name]
                total.work += per_step[name]
                total.wall_s += watch.wall_s
                total.cpu_s += watch.cpu_s
                total.extra["server_cpu_s"] += server
                total.extra["steps"] += 1
        if args.steps > 1:
            order.append(f"steps of {', '.join(names)} in turn")
        else:
            order.extend(names)
        for name, total in totals.items():
            total.extra["server_cpu_s"] = round(total.extra["server_cpu_s"], 3)
            samples[name].append(total)
            progress(name, repetition, total)
    return Comparison(samples, order, before, machine_state(), args.max_spread)


def cell_name(client: str, in_flight: int) -> str:
    return f"{client} @ {in_flight}"


def cores_busy(comparison: Comparison, name: str) -> float:
    """The larger of the client's and the server's median CPU-seconds per wall-second in one cell."""
    runs = comparison.samples[name]
    client = statistics.median(r.cpu_s / r.wall_s for r in runs)
    server = statistics.median(r.extra["server_cpu_s"] / r.wall_s for r in runs)
    return max(client, server)


def table(result: dict) -> str:
    lines = ["| client | in flight | req/s median (spread) | lowest repetition | ideal (in flight / latency) | "
             "client CPU ms/req | client cores busy | server CPU ms/req | server cores busy |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for row in result["cells"]:
        lines.append(f"| {row['client']} | {row['in_flight']} | {median_cell(row['req_per_s'], 0)} | "
                     f"{row['req_per_s']['min']:,.0f} | "
                     f"{row['ideal_req_per_s']:.0f} | {row['client_cpu_ms_per_request']:.3f} | "
                     f"{row['client_cores_busy']:.2f} | {row['server_cpu_ms_per_request']:.3f} | "
                     f"{row['server_cores_busy']:.2f} |")
    lines += ["", "| ratio of requests/s (repetition by repetition) | in flight | median (spread) |", "|---|---:|---:|"]
    for name, ratio in result["ratios"].items():
        label, in_flight = name.rsplit(" @ ", 1)
        lines.append(f"| {label} | {in_flight} | {ratio_cell(ratio)} |")
    for name, reason in result.get("ratios_not_taken", {}).items():
        label, in_flight = name.rsplit(" @ ", 1)
        lines.append(f"| {label} | {in_flight} | not taken: {reason} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 64, 512])
    parser.add_argument("--seconds", type=float, default=6.0, help="target duration of each cell's timed batch")
    parser.add_argument("--steps", type=int, default=1,
                        help="slices of each cell's batch, the cells taking turns slice by slice (1: whole batches)")
    parser.add_argument("--cap", type=int, default=40000, help="most requests in one timed batch")
    parser.add_argument("--repetitions", type=int, default=MIN_REPETITIONS)
    parser.add_argument("--max-spread", type=float, default=MAX_SPREAD)
    parser.add_argument("--cpu-bound", type=float, default=CPU_BOUND,
                        help="no ratio is taken at a concurrency where the client or the server used at least "
                             "this share of a core (median): its rate is then set by the CPU it was handed")
    parser.add_argument("--no-pin", dest="pin", action="store_false",
                        help="leave the client and the server to the scheduler instead of one core each")
    parser.add_argument("--quick", action="store_true", help="only the teacher (aiohttp, with and without the "
                        "response cache), 2 s batches, nothing written")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--out", type=Path, default=HERE / "bench_openai.json")
    args = parser.parse_args()
    global LATENCY
    LATENCY = args.latency
    if args.repetitions < MIN_REPETITIONS:
        parser.error(f"--repetitions must be at least {MIN_REPETITIONS} (a median and a spread need them)")
    quick = ("teacher (aiohttp)", "teacher (aiohttp) + cache")
    clients = {k: CLIENTS[k] for k in quick} if args.quick else dict(CLIENTS)
    if not args.quick and importlib.util.find_spec("openai") is None:
        # the SDK is only a point of comparison here (codeio does not depend on it): measure the rest
        del clients[SDK]
        print(f"{SDK}: not installed, its row is left out (pip install openai to measure it)", flush=True)
    if args.quick:
        args.seconds = 2.0

    server = subprocess.Popen([sys.executable, "-m", "codeio.testing.openai_server", "--latency",
                               str(args.latency)], stdout=subprocess.PIPE, text=True, cwd=REPO)
    cpus = sorted(os.sched_getaffinity(0))
    if args.pin and len(cpus) >= 2:
        # client and server on cores of their own: at 512 in flight both saturate a core, and left to the
        # scheduler the two processes trade cores with the machine's other work and the rate wanders
        os.sched_setaffinity(server.pid, {cpus[1]})
        os.sched_setaffinity(0, {cpus[0]})
    try:
        url = server.stdout.readline().split()[-1]
        def progress(name, repetition, sample):
            print(f"repetition {repetition + 1}  {name:34s} {sample.rate:8.1f} req/s  client {sample.cpu_s:.2f} "
                  f"CPU s, server {sample.extra['server_cpu_s']:.2f} CPU s, {int(sample.work)} requests", flush=True)

        comparison = measure(clients, args.concurrency, url, server.pid, args, progress)
    finally:
        server.terminate()
        server.wait(10)

    # The recorded ratios are the backend's own costs: the response cache, and the backend over the raw
    # client it is built on. The httpx-based clients (teacher (httpx), raw httpx, the openai SDK) saturate
    # one core at 64 and 512 in flight and their rate varies by 20-30% between repetitions even on a quiet
    # machine, so no ratio against them would hold; their rates are shown with their spreads.
    not_taken: dict[str, str] = {}
    for c in args.concurrency:
        pairs = [("teacher (aiohttp) + cache", "teacher (aiohttp)")]
        if not args.quick:
            pairs += [("teacher (aiohttp)", "raw aiohttp")]
        for a, b in pairs:
            name = cell_name(f"{a} / {b}", c)
            busy = max(cores_busy(comparison, cell_name(x, c)) for x in (a, b))
            if busy >= args.cpu_bound:
                not_taken[name] = (f"CPU-bound: a process used {busy:.2f} of its core (median), so the rate "
                                   f"is set by how the machine hands out CPU, not by the client's cost")
                continue
            comparison.ratio(cell_name(a, c), cell_name(b, c), name=name)
    result = {"latency_s": args.latency, "command": "python experiments/teachers/bench_openai.py "
              + " ".join(sys.argv[1:]), **comparison.to_dict(), "ratios_not_taken": not_taken,
              "cpu_bound_share": args.cpu_bound, "cells": []}
    for name in clients:
        for c in args.concurrency:
            runs = comparison.samples[cell_name(name, c)]
            requests, wall = sum(r.work for r in runs), sum(r.wall_s for r in runs)
            client_cpu, server_cpu = sum(r.cpu_s for r in runs), sum(r.extra["server_cpu_s"] for r in runs)
            result["cells"].append({
                "client": name, "in_flight": c, "req_per_s": result["methods"][cell_name(name, c)]["rate"],
                "ideal_req_per_s": round(c / LATENCY, 1),
                "client_cpu_ms_per_request": round(1000 * client_cpu / requests, 3),
                "server_cpu_ms_per_request": round(1000 * server_cpu / requests, 3),
                "client_cores_busy": round(client_cpu / wall, 2), "server_cores_busy": round(server_cpu / wall, 2)})
    text = table(result)
    print(text)
    if args.quick or args.no_write:
        return
    pinned = "client and server pinned to a core each" if args.pin and len(cpus) >= 2 else "not pinned"
    result["affinity"] = pinned
    header = (f"Measured by `{result['command']}` (latency {args.latency * 1000:.0f} ms; {pinned}; "
              f"{state_line(result['method'])}).\n\n")
    record(result, args.out, header + text)


if __name__ == "__main__":
    main()
