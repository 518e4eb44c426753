"""``cache.chunk_size`` is a unit of commit, not a setting of the data: changing it keeps every cached
stage, and a resume keeps the chunk size its committed chunks were cut with."""

from __future__ import annotations

from tests.helpers import dataset_digest, run_in_process

STAGES = ["stages=[collect,transform,sample]", "source=bundled", "collect.limit=4",
          "sampler.pairs_per_function=2", "sampler.pairs_per_source={}", "progress=false"]


def test_chunk_size_changes_no_key_and_no_data(tmp_path):
    first = run_in_process([*STAGES, "cache.chunk_size=3", f"cache.dir={tmp_path / 'c1'}"], tmp_path / "r1")
    again = run_in_process([*STAGES, "cache.chunk_size=256", f"cache.dir={tmp_path / 'c1'}"], tmp_path / "r2")
    assert {r["cache"] for r in again["stages"].values()} == {"hit"}
    other = run_in_process([*STAGES, "cache.chunk_size=256", f"cache.dir={tmp_path / 'c2'}"], tmp_path / "r3")
    assert {r["cache"] for r in other["stages"].values()} == {"miss"}
    for stage in first["stages"]:
        assert first["stages"][stage]["key"] == other["stages"][stage]["key"]
        assert dataset_digest(tmp_path / "r1" / "stages" / stage) == dataset_digest(tmp_path / "r3" / "stages" / stage)


def test_resume_keeps_the_committed_chunk_size(tmp_path):
    cache = f"cache.dir={tmp_path / 'cache'}"
    collect = ["stages=[collect]", "source=bundled", "progress=false"]
    partial = run_in_process([*collect, "cache.chunk_size=5", "shard.count=2", "shard.index=0", cache], tmp_path / "p")
    assert partial["stages"]["collect"]["status"] == "shard_partial"
    resumed = run_in_process([*collect, "cache.chunk_size=7", cache], tmp_path / "r")
    assert resumed["stages"]["collect"]["cache"] == "resumed"
    whole = run_in_process([*collect, f"cache.dir={tmp_path / 'whole'}"], tmp_path / "w")
    for stage in whole["stages"]:
        assert dataset_digest(tmp_path / "r" / "stages" / stage) == dataset_digest(tmp_path / "w" / "stages" / stage)
