"""The stage pipeline: collect from real and broken sources, start-up errors, kill and resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import datasets
import pytest

from tests.conftest import shared_file
from tests.helpers import REPO_ROOT, dataset_digest, run_cli, run_in_process


def test_collect_rawcode_1k_via_cli(tmp_path):
    raw = shared_file("codeio_reference", "rawcode_1k.jsonl")
    proc = run_cli(["stages=[collect]", "source=jsonl", f"source.path={raw}",
                    f"cache.dir={tmp_path / 'cache'}", f"hydra.run.dir={tmp_path / 'run'}", "progress=false"])
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    rep = summary["stages"]["collect"]
    assert rep["rows_in"] == 1000
    assert rep["rows_out"] + sum(rep["rejected"].values()) == 1000
    assert rep["rows_out"] >= 990
    ds = datasets.load_from_disk(str(tmp_path / "run" / "stages" / "collect"))
    assert len(ds) == rep["rows_out"]
    assert len(set(ds["raw_id"])) == len(ds)
    assert "collect" in proc.stdout and "rows in" in proc.stdout  # the end-of-run table


def _small_corpus(tmp_path: Path, n: int = 30) -> Path:
    path = tmp_path / "small.jsonl"
    path.write_text("".join(json.dumps({"content": f"def f(x):\n    return x * {i}\n", "path": f"f{i}.py"}) + "\n"
                            for i in range(n)))
    return path


def test_second_run_is_a_cache_hit(tmp_path):
    over = ["stages=[collect]", "source=jsonl", f"source.path={_small_corpus(tmp_path)}",
            f"cache.dir={tmp_path / 'cache'}", "progress=false"]
    first = run_in_process(over, tmp_path / "r1")
    second = run_in_process(over, tmp_path / "r2")
    assert first["stages"]["collect"]["cache"] == "miss"
    assert second["stages"]["collect"]["cache"] == "hit"
    assert dataset_digest(tmp_path / "r1/stages/collect") == dataset_digest(tmp_path / "r2/stages/collect")
    third = run_in_process([*over, "cache.refresh=true"], tmp_path / "r3")
    assert third["stages"]["collect"]["cache"] == "miss"


def test_garbage_in_sources_is_counted_not_fatal(tmp_path):
    bad = tmp_path / "bad.jsonl"
    good = [json.dumps({"content": f"def f{i}(x):\n    return x + {i}\n", "path": f"a{i}.py"}) for i in range(5)]
    with bad.open("wb") as f:
        for line in good:
            f.write(line.encode() + b"\n")
        f.write(b'{"content": "def g(): pass", "pa\n')  # truncated line
        f.write(json.dumps({"code": "def h(): pass"}).encode() + b"\n")  # wrong field name
        f.write(json.dumps({"content": 42}).encode() + b"\n")  # wrong type
        f.write(json.dumps({"content": "abc\x00\x01binary"}).encode() + b"\n")  # binary
        f.write(b'{"content": "\xff\xfe not utf-8"}\n')  # bad encoding
        f.write(json.dumps({"content": "   "}).encode() + b"\n")  # empty
        f.write(good[0].encode() + b"\n")  # exact duplicate
        f.write(json.dumps({"content": "# a comment\n" + json.loads(good[1])["content"]}).encode() + b"\n")
    summary = run_in_process(["stages=[collect]", "source=jsonl", f"source.path={bad}",
                              f"cache.dir={tmp_path / 'cache'}", "progress=false"], tmp_path / "run")
    rep = summary["stages"]["collect"]
    assert rep["rows_out"] == 5
    assert rep["rejected"] == {"malformed_json": 1, "missing_field:content": 1, "wrong_type:content": 1,
                               "binary": 1, "bad_encoding": 1, "empty": 1, "duplicate_exact": 1,
                               "duplicate_near": 1}

    folder = tmp_path / "code"
    (folder / "pkg").mkdir(parents=True)
    (folder / "pkg" / "ok.py").write_text("def ok():\n    return 1\n")
    (folder / "blob.py").write_bytes(b"\x00\x01\x02ELF")
    (folder / "latin.py").write_bytes("x = 'caf\xe9'\n".encode("latin-1"))
    summary = run_in_process(["stages=[collect]", "source=directory", f"source.path={folder}",
                              f"cache.dir={tmp_path / 'cache'}", "progress=false"], tmp_path / "run2")
    rep = summary["stages"]["collect"]
    assert rep["rows_out"] == 1 and rep["rejected"] == {"binary": 1, "bad_encoding": 1}
    ds = datasets.load_from_disk(str(tmp_path / "run2" / "stages" / "collect"))
    assert ds[0]["path"] == "pkg/ok.py"


@pytest.mark.parametrize(("override", "needle"), [
    ("cache.chunk_size=abc", "cache.chunk_size"),
    ("source.pth=x", "pth"),
    ("shard.index=3", "shard.index"),
    ("stages=[collect,nope]", "nope"),
    ("seed=1", "seed"),  # a key that did nothing was removed: setting it is an error, not a no-op
])
def test_bad_config_fails_at_start_up_naming_the_key(tmp_path, override, needle):
    proc = run_cli(["stages=[collect]", f"cache.dir={tmp_path}", f"hydra.run.dir={tmp_path / 'r'}", override])
    assert proc.returncode != 0
    assert needle in proc.stderr + proc.stdout
    assert not (tmp_path / "collect").exists(), "no stage may start on a bad config"


def test_missing_source_file_is_one_clear_error(tmp_path):
    proc = run_cli(["stages=[collect]", "source=jsonl", "source.path=/no/such/file.jsonl",
                    f"cache.dir={tmp_path}", f"hydra.run.dir={tmp_path / 'r'}"])
    assert proc.returncode == 2
    assert "configuration error" in proc.stderr and "/no/such/file.jsonl" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_sigkill_mid_stage_then_resume_equals_uninterrupted_run(tmp_path):
    raw = shared_file("codeio_reference", "rawcode_1k.jsonl")
    common = ["stages=[collect]", "source=jsonl", f"source.path={raw}",
              "source._target_=tests.pipeline.slow_source.SlowJsonlSource", "cache.chunk_size=25",
              "progress=false"]
    killed_cache = tmp_path / "killed"
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    chunks_dir = None
    for attempt in range(2):  # kill it twice, at different points
        proc = subprocess.Popen([sys.executable, "-m", "codeio", *common, f"cache.dir={killed_cache}",
                                 f"hydra.run.dir={tmp_path / f'k{attempt}'}"], cwd=REPO_ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 60
        target = 3 + 12 * attempt
        while time.time() < deadline:
            found = list(killed_cache.glob("collect/*/chunks/*.json"))
            if len(found) >= target:
                chunks_dir = found[0].parent
                break
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert chunks_dir is not None and len(list(chunks_dir.glob("*.json"))) < 40, "should die mid-stage"
    resumed = run_cli([*common, f"cache.dir={killed_cache}", f"hydra.run.dir={tmp_path / 'resumed'}"])
    assert resumed.returncode == 0, resumed.stderr
    summary = json.loads((tmp_path / "resumed" / "summary.json").read_text())
    assert summary["stages"]["collect"]["cache"] == "resumed"
    clean = run_cli([*common, f"cache.dir={tmp_path / 'clean'}", f"hydra.run.dir={tmp_path / 'clean_run'}"])
    assert clean.returncode == 0, clean.stderr
    clean_summary = json.loads((tmp_path / "clean_run" / "summary.json").read_text())
    assert dataset_digest(tmp_path / "resumed/stages/collect") == dataset_digest(tmp_path / "clean_run/stages/collect")
    for key in ("rows_in", "rows_out", "rejected"):
        assert summary["stages"]["collect"][key] == clean_summary["stages"]["collect"][key]


def test_nonzero_rank_never_writes_shared_outputs(tmp_path, monkeypatch):
    over = ["stages=[collect]", "source=jsonl", f"source.path={_small_corpus(tmp_path)}",
            f"cache.dir={tmp_path / 'cache'}", "progress=false"]
    run_in_process(over, tmp_path / "rank0")  # rank 0 produced collect's output
    monkeypatch.setenv("RANK", "1")
    run_in_process(over, tmp_path / "rank1")  # rank 1 only waits for it (here: already done)
    assert not (tmp_path / "rank1" / "summary.json").exists()
    assert not (tmp_path / "rank1" / "stages").exists()


def test_missing_upstream_output_is_a_start_up_error(tmp_path):
    proc = run_cli(["stages=[tasks]", f"cache.dir={tmp_path}", f"hydra.run.dir={tmp_path / 'r'}"])
    assert proc.returncode == 2
    assert "needs the output of 'sample'" in proc.stderr and "Traceback" not in proc.stderr
