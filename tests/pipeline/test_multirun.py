"""A Hydra multirun whose points differ only downstream reuses the upstream stages' outputs."""

from __future__ import annotations

import json

from tests.helpers import run_cli


def test_two_point_multirun_runs_shared_upstream_once(tmp_path):
    sweep = tmp_path / "sweep"
    proc = run_cli(["-m", "stages=[collect,transform,sample,tasks]", "source.limit=6",
                    "sampler.pairs_per_function=3", "prompt.mix=both,output", f"cache.dir={tmp_path / 'cache'}",
                    f"hydra.sweep.dir={sweep}", "progress=false"])
    assert proc.returncode == 0, proc.stderr[-3000:]
    first = json.loads((sweep / "0" / "summary.json").read_text())["stages"]
    second = json.loads((sweep / "1" / "summary.json").read_text())["stages"]
    for upstream in ("collect", "transform", "sample"):
        assert first[upstream]["cache"] == "miss"
        assert second[upstream]["cache"] == "hit", upstream
        assert first[upstream]["key"] == second[upstream]["key"]
    assert second["tasks"]["cache"] == "miss" and first["tasks"]["key"] != second["tasks"]["key"]
    assert first["tasks"]["rows_out"] == 2 * second["tasks"]["rows_out"]  # both kinds vs output only
    # the cache holds exactly one entry per upstream stage
    for upstream in ("collect", "transform", "sample"):
        assert len([p for p in (tmp_path / "cache" / upstream).iterdir() if not p.name.startswith(".")]) == 1
