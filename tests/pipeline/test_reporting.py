"""What the end-of-run report counts: rows left out by choice (``collect.limit``, the hold-out split)
are ``set_aside``, not rejections."""

from __future__ import annotations

from tests.helpers import run_in_process


def test_limit_and_holdout_are_set_aside_not_rejected(tmp_path):
    summary = run_in_process(
        ["stages=[collect,transform,sample,tasks,respond,verify,revise,assemble]", "source=bundled",
         "collect.limit=4", "sampler.pairs_per_function=2", "sampler.pairs_per_source={}",
         "dataset.holdout_fraction=0.25", f"cache.dir={tmp_path / 'cache'}", "progress=false"], tmp_path / "run")
    collect = summary["stages"]["collect"]
    assert collect["rows_out"] == 4
    assert collect["set_aside"] == {"over_limit": 44} and "over_limit" not in collect["rejected"]
    assemble = summary["stages"]["assemble"]
    assert assemble["set_aside"]["holdout"] > 0 and "holdout" not in assemble["rejected"]

    report = (tmp_path / "run" / "report.md").read_text()
    header, _, collect_line = report.splitlines()[3:6]
    assert "set aside" in header
    assert collect_line.split()[4] == "0" and "over_limit=44" in collect_line  # rejected 0, then set aside


def test_a_stage_continuing_an_interrupted_attempt_reports_resumed(tmp_path):
    """A whole stage (train) resumes from what its killed attempt left in its work dir (checkpoints):
    the table says ``resumed``, not ``miss``."""
    from codeio.__main__ import build_pipeline
    from tests.helpers import compose_config

    over = ["stages=[collect]", "source=bundled", f"cache.dir={tmp_path / 'cache'}", "progress=false"]
    pipeline = build_pipeline(compose_config(over), tmp_path / "r0")
    left_behind = pipeline.store("collect").dir / "work" / "checkpoints" / "last.ckpt"
    left_behind.parent.mkdir(parents=True)
    left_behind.write_text("from the killed attempt")
    assert run_in_process(over, tmp_path / "r1")["stages"]["collect"]["cache"] == "resumed"
    assert run_in_process(over, tmp_path / "r2")["stages"]["collect"]["cache"] == "hit"
