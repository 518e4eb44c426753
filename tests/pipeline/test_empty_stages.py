"""A stage that ends with zero rows keeps its rejection reasons and stops the run with a message.

Before the fix, ``datasets`` 5.x saved an empty dataset without a data file and the next load raised
``IndexError`` from inside ``datasets``, losing the reasons every input row was rejected.
"""

from __future__ import annotations

import json
import time

import datasets
import pytest

from tests.helpers import run_cli, run_in_process


def _run(tmp_path, source: list[str], stages: str = "[collect,transform]") -> dict:
    return run_in_process([f"stages={stages}", *source, f"cache.dir={tmp_path / 'cache'}", "progress=false"],
                          tmp_path / "run")


def _assert_empty_collect(tmp_path, summary: dict, rejected: dict) -> None:
    rep = summary["stages"]["collect"]
    assert rep["status"] == "done" and rep["rows_out"] == 0
    assert rep["rejected"] == rejected
    assert "transform" not in summary["stages"]  # nothing to do for it
    assert "'collect' produced no rows" in summary["stopped"]
    assert len(datasets.load_from_disk(str(tmp_path / "run" / "stages" / "collect"))) == 0


def test_empty_jsonl_file(tmp_path):
    (tmp_path / "empty.jsonl").write_text("")
    summary = _run(tmp_path, ["source=unified", f"source.path={tmp_path / 'empty.jsonl'}"])
    _assert_empty_collect(tmp_path, summary, {})


def test_every_line_bad(tmp_path):
    (tmp_path / "bad.jsonl").write_text('not json\n{"truncated": \n')
    summary = _run(tmp_path, ["source=unified", f"source.path={tmp_path / 'bad.jsonl'}"])
    _assert_empty_collect(tmp_path, summary, {"malformed_json": 2})


def test_empty_directory(tmp_path):
    (tmp_path / "code").mkdir()
    summary = _run(tmp_path, ["source=directory", f"source.path={tmp_path / 'code'}"], stages="[collect]")
    rep = summary["stages"]["collect"]
    assert rep["rows_out"] == 0 and "stopped" not in summary  # the last selected stage: nothing skipped
    assert len(datasets.load_from_disk(str(tmp_path / "run" / "stages" / "collect"))) == 0


def test_corpus_the_transform_rejects_entirely(tmp_path):
    broken = {"problem_description": "p", "io_requirements": "r", "refcode": "def f(:\n    pass\n",
              "funcname": "f", "inputgen": "def gen():\n    return {}\n", "ios": []}
    path = tmp_path / "broken.jsonl"
    path.write_text("".join(json.dumps(dict(broken, refcode=broken["refcode"] + f"# {i}\n")) + "\n"
                            for i in range(3)))
    summary = _run(tmp_path, ["source=unified", f"source.path={path}"], stages="[collect,transform,sample]")
    rep = summary["stages"]["transform"]
    assert rep["rows_in"] == 3 and rep["rows_out"] == 0
    assert sum(rep["rejected"].values()) == 3, rep["rejected"]
    assert "sample" not in summary["stages"]
    assert "'transform' produced no rows" in summary["stopped"]


def test_cli_exits_nonzero_and_says_why(tmp_path):
    (tmp_path / "bad.jsonl").write_text("not json\n")
    proc = run_cli(["stages=[collect,transform]", "source=unified", f"source.path={tmp_path / 'bad.jsonl'}",
                    f"cache.dir={tmp_path / 'cache'}", f"hydra.run.dir={tmp_path / 'run'}", "progress=false"])
    assert proc.returncode == 1, proc.stderr
    assert "IndexError" not in proc.stderr
    assert "STOPPED: stage 'collect' produced no rows" in proc.stdout
    assert "malformed_json=1" in proc.stdout


def test_cache_hit_reports_this_runs_seconds(tmp_path, monkeypatch):
    """A cache hit shows the time this run spent, not the original computation's."""
    (tmp_path / "one.jsonl").write_text(json.dumps({"content": "def f(x):\n    return x\n"}) + "\n")
    over = ["stages=[collect]", "source=jsonl", f"source.path={tmp_path / 'one.jsonl'}",
            f"cache.dir={tmp_path / 'cache'}", "progress=false"]
    first = run_in_process(over, tmp_path / "r1")["stages"]["collect"]
    done = tmp_path / "cache" / "collect" / first["key"] / "done.json"
    done.write_text(json.dumps(dict(json.loads(done.read_text()), seconds=1234.5)))
    t0 = time.perf_counter()
    second = run_in_process(over, tmp_path / "r2")["stages"]["collect"]
    assert second["cache"] == "hit"
    assert second["seconds"] == pytest.approx(0, abs=time.perf_counter() - t0)
    assert second["seconds_computed"] == 1234.5
