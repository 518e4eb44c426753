"""Processes that work on one cache at once (sweep points on a cluster, the shards of an array, a
resubmitted job beside the one it replaces) never write the same file: one process computes a stage
entry at a time unless they are shards of it, a committed chunk is never written again, and a stage's
saved files depend on its rows only (so a merged and a whole run give the same bytes)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time

from codeio.pipeline.store import StageStore, save_rows
from tests.helpers import REPO_ROOT


def test_a_committed_chunk_keeps_its_first_writer(tmp_path):
    store = StageStore(tmp_path, "sample", "k")
    assert store.commit_chunk(0, [{"x": 1}], {}, 1, 0.1, writer="shard 0/2")
    assert not store.commit_chunk(0, [{"x": 2}], {}, 1, 0.1, writer="shard 1/2")
    chunk = store.read_chunk(0)
    assert chunk["rows"] == [{"x": 1}] and chunk["writer"] == "shard 0/2"
    assert [p.name for p in store.chunks_dir.iterdir()] == ["000000.json"]  # no temporary file left


def _holds(lock, events: dict[str, float], name: str, hold_s: float) -> threading.Thread:
    def run() -> None:
        with lock:
            events[f"{name} in"] = time.monotonic()
            time.sleep(hold_s)
            events[f"{name} out"] = time.monotonic()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_shards_run_side_by_side_and_a_whole_run_waits_for_them(tmp_path):
    store = StageStore(tmp_path, "sample", "k")
    events: dict[str, float] = {}
    shards = [_holds(store.compute_lock((i, 2)), events, f"shard{i}", 1.0) for i in (0, 1)]
    time.sleep(0.2)
    again = _holds(store.compute_lock((1, 2)), events, "shard1 again", 0.1)  # a resubmitted shard 1
    whole = _holds(store.compute_lock(), events, "whole", 0.1)  # the merge run
    for thread in [*shards, again, whole]:
        thread.join(30)
    assert abs(events["shard0 in"] - events["shard1 in"]) < 0.5  # together
    assert events["shard1 again in"] >= events["shard1 out"]
    assert events["whole in"] >= max(events["shard0 out"], events["shard1 out"])
    # and a whole run keeps shards (and a second whole run) out while it computes
    events.clear()
    first = _holds(store.compute_lock(), events, "whole", 1.0)
    time.sleep(0.2)
    later = [_holds(store.compute_lock((0, 2)), events, "shard0", 0.1),
             _holds(store.compute_lock(), events, "whole again", 0.1)]
    for thread in [first, *later]:
        thread.join(30)
    assert min(events["shard0 in"], events["whole again in"]) >= events["whole out"]


def test_saved_stage_files_depend_on_the_rows_only(tmp_path):
    rows = [{"a": i, "b": f"row {i}"} for i in range(50)]
    save_rows(iter(rows), tmp_path / "one")
    save_rows(iter(rows), tmp_path / "two")
    save_rows(iter(rows[:-1]), tmp_path / "fewer")
    files = sorted(p.name for p in (tmp_path / "one").iterdir())
    assert files == sorted(p.name for p in (tmp_path / "two").iterdir())
    for name in files:
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), name
    state = [json.loads((tmp_path / d / "state.json").read_text())["_fingerprint"] for d in ("one", "fewer")]
    assert state[0] != state[1]


def test_a_run_started_while_another_computes_the_same_stage_waits_for_it(tmp_path):
    """Two sweep points with the same upstream settings (started together on a cluster): the second one
    to reach a stage that the first is computing waits and takes the result from the cache, instead of
    computing the same chunks beside it."""
    args = [sys.executable, "-m", "codeio", "stages=[collect,transform,sample]", "source=bundled",
            "progress=false", "cache.chunk_size=1", f"cache.dir={tmp_path / 'cache'}"]

    def start(i: int) -> subprocess.Popen:
        return subprocess.Popen([*args, f"hydra.run.dir={tmp_path / f'run{i}'}"], cwd=REPO_ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    first = start(0)
    deadline = time.monotonic() + 120
    while not list((tmp_path / "cache").glob("sample/*/chunks/0*.json")) and time.monotonic() < deadline:
        time.sleep(0.05)
    second = start(1)  # the first is in the middle of sample (about 48 chunks of 0.2 s)
    outputs = [p.communicate(timeout=300)[0] for p in (first, second)]
    assert [first.returncode, second.returncode] == [0, 0], outputs
    summaries = [json.loads((tmp_path / f"run{i}" / "summary.json").read_text())["stages"] for i in (0, 1)]
    assert [s["sample"]["cache"] for s in summaries] == ["miss", "hit"]
    assert summaries[0]["sample"]["chunks_by"] == {"whole run": 48}  # every chunk from the first
    assert "stage sample" in outputs[1] and "another process computes it; waiting" in outputs[1]
    assert "committed by another process" not in outputs[0] + outputs[1]
