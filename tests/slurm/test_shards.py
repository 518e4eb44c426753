"""Sharded stages as real Slurm array tasks (tools/slurm_local.sh): shards that start at once write
disjoint files (each chunk by the shard that owns it), the merged sample and verify outputs are byte
for byte the unsharded run's, and a shard cancelled with scancel mid-stage, resubmitted with the same
command, finishes with nothing lost and nothing computed twice."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import datasets
import pytest

from tests.helpers import REPO_ROOT, dataset_digest, run_cli
from tests.slurm.helpers import ONE_MACHINE, sacct_states, slurm_cmd, sweep_jobs

SHARDED = ["source=bundled", "cache.chunk_size=4", "progress=false"]  # 48 functions: 12 chunks per stage


def ok(proc: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    return proc


def array(common: list[str], tmp_path: Path, name: str, *overrides: str) -> list[str]:
    """The arguments of ``python -m codeio`` for a sweep through sbatch into ``tmp_path/name``."""
    return ["-m", *common, *ONE_MACHINE, *overrides, f"cache.dir={tmp_path / 'cache'}",
            f"hydra.sweep.dir={tmp_path / name}"]


def summary(run_dir: Path, stage: str) -> dict:
    return json.loads((run_dir / "summary.json").read_text())["stages"][stage]


def chunk_writers(cache: Path, stage: str) -> dict[int, str]:
    """``{chunk index: writer}`` of the chunks committed so far (each file is whole: committed atomically)."""
    out = {}
    for path in cache.glob(f"{stage}/*/chunks/[0-9]*.json"):
        try:
            out[int(path.stem)] = json.loads(path.read_text())["writer"]
        except (OSError, ValueError):  # merged and removed meanwhile
            continue
    return out


def assert_same_files(one: Path, other: Path) -> None:
    names = sorted(p.name for p in one.iterdir())
    assert names == sorted(p.name for p in other.iterdir())
    for name in names:
        assert (one / name).read_bytes() == (other / name).read_bytes(), f"{one / name} differs"
    assert dataset_digest(one) == dataset_digest(other)


def ran_together(jobs: list[str]) -> bool:
    out = slurm_cmd("sacct", "--noheader", "--allocations", "--parsable2", "--format=JobID,Start,End",
                    *[f"--jobs={j.split('_')[0]}" for j in jobs])
    spans = {}
    for line in out.splitlines():
        job, start, end = line.split("|")
        if job in jobs:
            spans[job] = (datetime.fromisoformat(start), datetime.fromisoformat(end))
    (s0, e0), (s1, e1) = (spans[j] for j in jobs)
    return s0 <= e1 and s1 <= e0


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_shards_starting_at_once_merge_to_the_unsharded_bytes(slurm, tmp_path):
    cache = tmp_path / "cache"
    local = [*SHARDED, f"cache.dir={cache}"]
    ok(run_cli([*local, "stages=[collect,transform]", f"hydra.run.dir={tmp_path / 'upstream'}"]))

    # two of three sample shards, submitted together: both start on the node's two cores at once
    ok(run_cli(array(SHARDED, tmp_path, "sample01", "stages=[sample]", "shard.count=3", "shard.index=0,1"),
               timeout=900))
    jobs = sweep_jobs(tmp_path / "sample01")
    assert set(sacct_states(jobs).values()) == {"COMPLETED"} and ran_together(jobs), jobs
    # each chunk file was written by the shard that owns it (chunk i: shard i % 3), and by nobody else
    writers = chunk_writers(cache, "sample")
    assert writers == {i: f"shard {i % 3}/3, slurm job {jobs[i % 3]}" for i in range(12) if i % 3 < 2}
    chunk_dir = next(cache.glob("sample/*/chunks"))
    expected = ["chunking.json", *(f"{i:06d}.json" for i in writers)]  # and no temporary file left over
    assert sorted(p.name for p in chunk_dir.iterdir()) == sorted(expected)
    assert [summary(tmp_path / "sample01" / str(i), "sample")["status"] for i in (0, 1)] == ["shard_partial"] * 2

    # the last shard commits its chunks and, finding every chunk there, merges
    ok(run_cli(array(SHARDED, tmp_path, "sample2", "stages=[sample]", "shard.count=3", "shard.index=2"),
               timeout=900))
    (last,) = sweep_jobs(tmp_path / "sample2")
    merged = summary(tmp_path / "sample2" / "0", "sample")
    assert merged["status"] == "done" and merged["chunks_by"] == {
        f"shard 0/3, slurm job {jobs[0]}": 4, f"shard 1/3, slurm job {jobs[1]}": 4, f"shard 2/3, slurm job {last}": 4}

    # verify over a two-task array (the later one to finish merges), then a plain run picks both up
    ok(run_cli([*local, "stages=[tasks,respond]", f"hydra.run.dir={tmp_path / 'middle'}"]))
    ok(run_cli(array(SHARDED, tmp_path, "verify", "stages=[verify]", "shard.count=2", "shard.index=0,1"),
               timeout=900))
    ok(run_cli([*local, "stages=[sample,verify]", f"hydra.run.dir={tmp_path / 'merged'}"]))
    assert {summary(tmp_path / "merged", s)["cache"] for s in ("sample", "verify")} == {"hit"}

    whole = [*SHARDED, f"cache.dir={tmp_path / 'whole_cache'}", f"hydra.run.dir={tmp_path / 'whole'}"]
    ok(run_cli([*whole, "stages=[collect,transform,sample,tasks,respond,verify]"]))
    for stage in ("sample", "verify"):
        assert summary(tmp_path / "merged", stage)["rows_out"] == summary(tmp_path / "whole", stage)["rows_out"] > 0
        assert_same_files(tmp_path / "merged" / "stages" / stage, tmp_path / "whole" / "stages" / stage)


# 48 chunks of 0.5 to 1 s each, so that a shard is still at work when scancel's SIGKILL comes (KillWait,
# 5 s on the local cluster, after the SIGTERM that submitit's jobs carry on through)
SLOW = ["source=bundled", "cache.chunk_size=1", "sampler.pairs_per_function=100", "sampler.pairs_per_source={}",
        "progress=false"]


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_scancel_mid_stage_then_resubmit_loses_and_duplicates_nothing(slurm, tmp_path):
    cache = tmp_path / "cache"
    ok(run_cli([*SLOW, f"cache.dir={cache}", "stages=[collect,transform]", f"hydra.run.dir={tmp_path / 'up'}"]))
    command = array(SLOW, tmp_path, "sweep", "stages=[sample]", "shard.count=2", "shard.index=0,1")
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    log = tmp_path / "first.log"
    with log.open("w") as out:
        first = subprocess.Popen([sys.executable, "-m", "codeio", *command], cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    # cancel shard 1 as soon as it has committed a chunk
    deadline = time.monotonic() + 300
    victim = None
    while victim is None and time.monotonic() < deadline and first.poll() is None:
        mine = [w for w in chunk_writers(cache, "sample").values() if w.startswith("shard 1/2")]
        if mine:
            victim = re.search(r"slurm job (\S+)", mine[0]).group(1)
        time.sleep(0.05)
    assert victim, f"shard 1 never committed a chunk:\n{log.read_text()[-3000:]}"
    slurm_cmd("scancel", victim)
    assert first.wait(timeout=600) == 1  # the sweep reports the cancelled job, and how to go on
    said = log.read_text()
    assert "a SLURM job of this sweep did not finish" in said and "CANCELLED" in said, said[-3000:]
    assert "Run the same command again" in said
    jobs = sweep_jobs(tmp_path / "sweep")
    states = sacct_states(jobs)
    assert states[victim].startswith("CANCELLED") and states[jobs[0]] == "COMPLETED", states
    writers = chunk_writers(cache, "sample")
    killed = sum(w == f"shard 1/2, slurm job {victim}" for w in writers.values())
    assert 1 <= killed < 24, f"shard 1 should die mid-stage; it committed {killed} of its 24 chunks"
    assert sum(w.startswith("shard 0/2") for w in writers.values()) == 24

    # the same command again: shard 0 has nothing left to do, shard 1 does only what it had not committed
    again = ok(run_cli(command, timeout=900))
    retried = [j for j in sweep_jobs(tmp_path / "sweep") if j not in jobs]
    report = summary(tmp_path / "sweep" / "1", "sample")
    if report.get("status") != "done":  # shard 0's job finished last and merged
        report = summary(tmp_path / "sweep" / "0", "sample")
    assert report["status"] == "done", again.stdout[-2000:]
    assert report["chunks_by"] == {f"shard 0/2, slurm job {jobs[0]}": 24,
                                   f"shard 1/2, slurm job {victim}": killed,
                                   f"shard 1/2, slurm job {retried[1]}": 24 - killed}

    whole = tmp_path / "whole"
    ok(run_cli([*SLOW, f"cache.dir={tmp_path / 'whole_cache'}", "stages=[collect,transform,sample]",
                f"hydra.run.dir={whole}"], timeout=900))
    ok(run_cli([*SLOW, f"cache.dir={cache}", "stages=[sample]", f"hydra.run.dir={tmp_path / 'merged'}"]))
    resumed = datasets.load_from_disk(str(tmp_path / "merged" / "stages" / "sample"))
    clean = datasets.load_from_disk(str(whole / "stages" / "sample"))
    assert len(resumed) == len(clean) == len(set(resumed["pair_id"])) > 0
    assert summary(tmp_path / "merged", "sample")["rows_in"] == summary(whole, "sample")["rows_in"] == 48
    assert_same_files(tmp_path / "merged" / "stages" / "sample", whole / "stages" / "sample")
