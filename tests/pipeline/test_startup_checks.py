"""Start-up validation: only the selected stages' settings are required, and all of them are checked
(API keys included) before any stage starts, each with one line that says what to fix."""

from __future__ import annotations

import pytest

from codeio.__main__ import ConfigurationError, build_pipeline
from tests.helpers import compose_config, run_cli


def _build(tmp_path, overrides: list[str]):
    return build_pipeline(compose_config([f"cache.dir={tmp_path / 'cache'}", *overrides]), tmp_path / "run")


def test_slurm_first_step_needs_no_training_data(tmp_path, monkeypatch):
    """The SLURM walk-through's first step: collect and transform use neither dataset.instruction_data
    nor any other setting of later stages."""
    monkeypatch.setenv("DEEPSEEK_API_KEY", "sk-test")
    raw = tmp_path / "raw.jsonl"
    raw.write_text('{"content": "def f(x):\\n    return x\\n"}\n')
    pipeline = _build(tmp_path, ["+experiment=codeio", "stages=[collect,transform]", f"source.path={raw}"])
    assert pipeline.selected == ["collect", "transform"]


def test_unset_setting_of_a_selected_stage_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv("DEEPSEEK_API_KEY", "sk-test")
    raw = tmp_path / "raw.jsonl"
    raw.write_text('{"content": "def f(x):\\n    return x\\n"}\n')
    with pytest.raises(ConfigurationError, match=r"dataset.instruction_data.*stage 'assemble'"):
        _build(tmp_path, ["+experiment=codeio", f"source.path={raw}"])


def test_missing_api_key_fails_before_any_stage(tmp_path, monkeypatch):
    monkeypatch.delenv("DEEPSEEK_API_KEY", raising=False)
    raw = tmp_path / "raw.jsonl"
    raw.write_text('{"content": "def f(x):\\n    return x\\n"}\n')
    with pytest.raises(ConfigurationError, match="DEEPSEEK_API_KEY"):
        _build(tmp_path, ["+experiment=codeio", "teacher=deepseek_chat_api", "stages=[collect,transform]",
                          f"source.path={raw}"])
    # the key is only needed where the teacher is: collect alone runs without it
    _build(tmp_path, ["+experiment=codeio", "stages=[collect]", f"source.path={raw}"])


def test_missing_source_path_is_one_line(tmp_path):
    proc = run_cli(["stages=[collect]", "source=jsonl", f"cache.dir={tmp_path}", f"hydra.run.dir={tmp_path / 'r'}"])
    assert proc.returncode == 2
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert lines == ["codeio: configuration error: source.path is not set: add source.path=... to the command "
                     "line (stage 'collect' needs the 'source' settings)"], proc.stderr
    assert not (tmp_path / "collect").exists()


@pytest.mark.parametrize("source", ["unified", "reasoning_gym"])
def test_unified_sources_pass_start_up_with_the_default_teacher(tmp_path, source):
    """The README's ``source=reasoning_gym`` command and ``source=unified``: already unified, so the
    default (trace) teacher is enough."""
    path = tmp_path / "rows.jsonl"
    path.write_text("")
    pipeline = _build(tmp_path, ["stages=[collect,transform,sample]", f"source={source}", f"source.path={path}"])
    assert pipeline.selected == ["collect", "transform", "sample"]


def test_sweep_experiment_without_multirun_is_refused(tmp_path):
    proc = run_cli(["+experiment=ablation_revision_turns", f"cache.dir={tmp_path}", f"hydra.run.dir={tmp_path / 'r'}"])
    assert proc.returncode == 2
    assert "sweep (revision.turns=0,1,2); without -m only one point would run" in proc.stderr
    assert not (tmp_path / "collect").exists()
    # pinning the swept key runs that one point (here: collect of the bundled corpus)
    pinned = run_cli(["+experiment=ablation_revision_turns", "revision.turns=1", "stages=[collect]", "source=bundled",
                      f"cache.dir={tmp_path}", f"hydra.run.dir={tmp_path / 'p'}", "progress=false"])
    assert pinned.returncode == 0, pinned.stderr[-2000:]
