"""An unreachable teacher stops the run with a clear message after its bounded retries, and the rows
whose requests failed are not cached as lost: a rerun against a healthy server answers them."""

from __future__ import annotations

import json
import socket

from codeio.testing.openai_server import FakeOpenAIServer
from tests.helpers import run_cli


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_teacher_fails_fast_and_a_rerun_answers_every_row(tmp_path):
    port = _free_port()
    args = ["stages=[collect,transform,sample,tasks,respond]", "source=bundled", "source.limit=2",
            "sampler.pairs_per_function=2", "sampler.pairs_per_source={}", "teacher=openai",
            f"teacher.base_url=http://127.0.0.1:{port}/v1", "teacher.max_retries=2", "teacher.backoff_initial=0.05",
            "teacher.connect_timeout=2", f"cache.dir={tmp_path / 'cache'}", "progress=false"]
    down = run_cli([*args, f"hydra.run.dir={tmp_path / 'down'}"], timeout=300)
    assert down.returncode == 3, down.stderr[-3000:]
    assert "Traceback" not in down.stderr
    assert "codeio: stopped: stage 'respond'" in down.stderr and "teacher_failed:connection" in down.stderr
    assert "retry 1 of 2" in down.stdout + down.stderr  # the retries are visible while they happen
    assert not list((tmp_path / "cache" / "respond").glob("*/done.json")), "the loss must not be cached"

    server = FakeOpenAIServer(responder=lambda request: '```json\n{"output": 1}\n```', port=port,
                              record_requests=True).start()
    try:
        up = run_cli([*args, f"hydra.run.dir={tmp_path / 'up'}"], timeout=300)
    finally:
        server.stop()
    assert up.returncode == 0, up.stderr[-3000:]
    report = json.loads((tmp_path / "up" / "summary.json").read_text())["stages"]["respond"]
    assert report["rows_out"] == report["rows_in"] > 0 and report["rejected"] == {}
    assert len(server.requests) == report["rows_in"]  # every row was asked again
