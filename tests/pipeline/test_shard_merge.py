"""SLURM shard + merge safety: shards that finish together merge once (no one reads chunks/ while
another deletes it), non-zero ranks stop waiting for rank 0 after ``cache.wait_timeout``, and the
shard + merge path under hydra-submitit-launcher's local executor loses and duplicates no row."""

from __future__ import annotations

import json
import threading
import time

import datasets
import pytest

from codeio.__main__ import build_pipeline
from codeio.pipeline.runner import Pipeline
from codeio.pipeline.stage import StageFailed
from codeio.stages.collect import CollectStage
from tests.helpers import compose_config, run_cli


def _pipeline(tmp_path, *overrides: str):
    cfg = compose_config(["stages=[collect]", "source=bundled", "cache.chunk_size=4", "progress=false",
                          f"cache.dir={tmp_path / 'cache'}", *overrides])
    return build_pipeline(cfg, tmp_path / "run")


def test_shards_finishing_together_merge_once(tmp_path, monkeypatch):
    # both shards commit their chunks; neither merges yet (as if both reached the end at the same time)
    real_finalize = Pipeline._finalize_chunked
    monkeypatch.setattr(Pipeline, "_finalize_chunked", lambda self, stage, store, n: {"status": "shard_partial"})
    for index in (0, 1):
        _pipeline(tmp_path, "shard.count=2", f"shard.index={index}").run()
    monkeypatch.setattr(Pipeline, "_finalize_chunked", real_finalize)

    # now both merge at once; the first one is slow, so the other would delete chunks/ under it
    real_stage_finalize = CollectStage.finalize
    entered: list[int] = []

    def slow_finalize(self, rows, rejected):
        first = not entered
        entered.append(1)
        for i, row in enumerate(real_stage_finalize(self, rows, rejected)):
            if first and i == 0:
                time.sleep(1.5)
            yield row

    monkeypatch.setattr(CollectStage, "finalize", slow_finalize)
    results: dict[int, object] = {}

    pipelines = [_pipeline(tmp_path, "shard.count=2", f"shard.index={index}") for index in (0, 1)]

    def merge(index: int) -> None:
        pipeline = pipelines[index]
        stage, store = pipeline.stages["collect"], pipeline.store("collect")
        try:
            results[index] = pipeline._finalize_chunked(stage, store, 12)
        except Exception as err:  # the race shows up as any error in a merge
            results[index] = err

    threads = [threading.Thread(target=merge, args=(i,)) for i in (0, 1)]
    for t in threads:
        t.start()
        time.sleep(0.2)
    for t in threads:
        t.join(60)
    assert all(isinstance(r, dict) and r["status"] == "done" for r in results.values()), results
    assert {r["rows_out"] for r in results.values()} == {48}
    ds = datasets.load_from_disk(str(tmp_path / "cache" / "collect" / results[0]["key"] / "data"))
    assert len(ds) == 48 and len(set(ds["raw_id"])) == 48


def test_nonzero_rank_stops_waiting_for_rank_zero(tmp_path, monkeypatch):
    monkeypatch.setenv("RANK", "1")
    pipeline = _pipeline(tmp_path, "cache.wait_timeout=0.3")
    t0 = time.monotonic()
    with pytest.raises(StageFailed, match="cache.wait_timeout"):
        pipeline._wait_for("collect", poll_s=0.05)
    assert time.monotonic() - t0 < 5


@pytest.mark.slow
def test_shard_and_merge_under_submitit_local(tmp_path):
    """The README's SLURM walk-through, with hydra-submitit-launcher's local executor for the array."""
    cache = f"cache.dir={tmp_path / 'cache'}"
    common = ["source=bundled", "source.limit=12", "cache.chunk_size=4", "sampler.pairs_per_function=2", "sampler.pairs_per_source={}",
              "progress=false", cache]
    first = run_cli([*common, "stages=[collect,transform]", f"hydra.run.dir={tmp_path / 'r1'}"])
    assert first.returncode == 0, first.stderr[-3000:]
    array = run_cli(["-m", *common, "hydra/launcher=submitit_local", "stages=[sample]", "shard.count=3",
                     "shard.index=0,1,2", f"hydra.sweep.dir={tmp_path / 'array'}",
                     "hydra.launcher.timeout_min=20"], timeout=1200)
    assert array.returncode == 0, array.stderr[-3000:]
    points = [json.loads((tmp_path / "array" / str(i) / "summary.json").read_text()) for i in range(3)]
    assert all(p["stages"]["sample"]["status"] in ("shard_partial", "done") for p in points), points
    merge = run_cli([*common, "stages=[sample]", f"hydra.run.dir={tmp_path / 'merge'}"])
    assert merge.returncode == 0, merge.stderr[-3000:]
    # every chunk came from the array: the shard that finished last merged, the merge run found it done
    assert json.loads((tmp_path / "merge" / "summary.json").read_text())["stages"]["sample"]["cache"] == "hit"

    single = run_cli([*common[:-1], f"cache.dir={tmp_path / 'cache2'}", "stages=[collect,transform,sample]",
                      f"hydra.run.dir={tmp_path / 'single'}"])
    assert single.returncode == 0, single.stderr[-3000:]
    sharded = datasets.load_from_disk(str(tmp_path / "merge" / "stages" / "sample"))
    unsharded = datasets.load_from_disk(str(tmp_path / "single" / "stages" / "sample"))
    assert len(set(sharded["pair_id"])) == len(sharded) == len(unsharded)
    assert sorted(sharded["pair_id"]) == sorted(unsharded["pair_id"])
    summary = json.loads((tmp_path / "merge" / "summary.json").read_text())
    assert summary["stages"]["sample"]["status"] == "done"
