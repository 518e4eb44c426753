"""The stage lifecycle: checks before any work, components closed in one place, upstream passed in."""

from __future__ import annotations

import dataclasses
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from omegaconf import OmegaConf

from codeio.pipeline.runner import Pipeline, PipelineError
from codeio.pipeline.stage import ChunkOutput, Stage, Upstream, WholeOutput
from codeio.stages import STAGES
from codeio.stages.collect import CollectStage
from tests.helpers import compose_config


class Closeable:
    def __init__(self) -> None:
        self.closed = False

    def __enter__(self) -> Closeable:
        return self

    def __exit__(self, *exc: object) -> None:
        self.closed = True


class Numbers(Stage):
    """A first stage: numbered rows, with a resource that must be closed after the stage."""

    name = "numbers"
    fail = False
    opened: list[Closeable] = []

    def open(self, work_dir: Path, resources: ExitStack) -> None:
        Numbers.opened.append(resources.enter_context(Closeable()))

    def source_items(self):
        return iter({"n": i} for i in range(5))

    def process(self, rows: list[dict]) -> ChunkOutput:
        if self.fail:
            raise RuntimeError("boom")
        return ChunkOutput(rows)


class Total(Stage):
    """A whole stage that keeps what the runner hands it."""

    name = "total"
    chunked = False
    seen: list[Upstream] = []

    def inputs(self) -> list[str]:
        return ["numbers"]

    def run_whole(self, upstream: Upstream, out_dir: Path) -> WholeOutput:
        Total.seen.append(upstream)
        return WholeOutput(rows=[{"total": sum(upstream.data["numbers"]["n"])}])


def typed(tmp_path: Path, *overrides: str) -> Any:
    return OmegaConf.to_object(compose_config([f"cache.dir={tmp_path / 'cache'}", "progress=false", *overrides]))


def test_resources_are_closed_when_a_stage_fails(tmp_path):
    cfg = dataclasses.replace(typed(tmp_path), stages=["numbers"])
    Numbers.opened.clear()
    Numbers.fail = True
    try:
        with pytest.raises(RuntimeError, match="boom"):
            Pipeline(cfg, tmp_path / "run", (Numbers, Total)).run()
    finally:
        Numbers.fail = False
    assert Numbers.opened and Numbers.opened[-1].closed


def test_whole_stages_receive_upstream_data_dirs_and_reports(tmp_path):
    cfg = dataclasses.replace(typed(tmp_path), stages=["numbers", "total"])
    Total.seen.clear()
    summary = Pipeline(cfg, tmp_path / "run", (Numbers, Total)).run()
    (upstream,) = Total.seen
    assert upstream.reports["numbers"]["rows_out"] == 5
    assert upstream.dirs["numbers"].is_dir() and (upstream.dirs["numbers"] / "dataset_info.json").is_file()
    assert summary["stages"]["total"]["rows_out"] == 1
    assert Numbers.opened[-1].closed


def test_unknown_stage_names_the_registry(tmp_path):
    cfg = dataclasses.replace(typed(tmp_path), stages=["numbers", "nope"])
    with pytest.raises(PipelineError, match=r"nope.*numbers"):
        Pipeline(cfg, tmp_path / "run", (Numbers, Total))


def test_a_missing_group_is_named_before_any_stage_runs(tmp_path):
    cfg = dataclasses.replace(typed(tmp_path, "stages=[verify]"), verifier=None)
    with pytest.raises(PipelineError, match="stage 'verify' needs the config group 'verifier'"):
        Pipeline(cfg, tmp_path / "run", STAGES).validate()


def test_respond_without_a_teacher_names_the_group(tmp_path):
    cfg = dataclasses.replace(typed(tmp_path, "stages=[respond]"), teacher=None)
    with pytest.raises(PipelineError, match="stage 'respond' needs the config group 'teacher'"):
        Pipeline(cfg, tmp_path / "run", STAGES).validate()


def test_revision_needs_a_teacher_only_when_it_revises(tmp_path):
    cfg = dataclasses.replace(typed(tmp_path, "stages=[revise]"), teacher=None)
    stage = Pipeline(cfg, tmp_path / "run", STAGES).stages["revise"]
    assert "teacher" not in stage.required_groups()
    cfg = dataclasses.replace(typed(tmp_path, "stages=[revise]", "revision.turns=1"), teacher=None)
    with pytest.raises(PipelineError, match="'teacher'"):
        Pipeline(cfg, tmp_path / "run", STAGES).validate()


def test_validate_checks_without_keeping_components(tmp_path):
    stage = CollectStage(typed(tmp_path))
    stage.validate()
    assert not hasattr(stage, "source")
    bad = typed(tmp_path, "source=jsonl", "source.path=/no/such/file.jsonl")
    with pytest.raises(ValueError, match="/no/such/file.jsonl"):
        CollectStage(bad).validate()


def test_a_raw_code_source_needs_a_teacher_that_writes_code(tmp_path):
    cfg = typed(tmp_path, "source=bundled", "source.form=raw", "teacher=trace")
    stage = Pipeline(cfg, tmp_path / "run", STAGES).stages["transform"]
    assert stage.rewrites() and "teacher" in stage.required_groups()
    with pytest.raises(ValueError, match="cannot write code"):
        stage.validate()
    assert not Pipeline(typed(tmp_path), tmp_path / "run", STAGES).stages["transform"].rewrites()
