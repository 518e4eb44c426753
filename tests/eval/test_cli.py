"""``python -m codeio.eval``: the documented way to evaluate a Hugging Face checkpoint (docs/evaluation.md),
run here in-process on the tiny model with the four new benchmarks' fixtures (the GPU command differs
only in the checkpoint, the data paths and the hardware)."""

from __future__ import annotations

import json
from pathlib import Path

from codeio.eval.__main__ import main

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _args(tiny_model_dir, out, cache):
    return [str(tiny_model_dir), "--name", "tiny", "--out", str(out), "--cache-dir", str(cache),
            "eval.benchmarks=[bbh_zh,zebralogic,korbench,livebench]",
            f"eval.bbh_zh.data_path={FIXTURES / 'bbh_zh'}", "eval.bbh_zh.tasks=[boolean_expressions,navigate]",
            f"eval.zebralogic.data_path={FIXTURES / 'zebralogic' / 'grid_mode.jsonl'}",
            f"eval.korbench.data_path={FIXTURES / 'korbench'}", f"eval.livebench.data_path={FIXTURES / 'livebench'}",
            "eval.generation.max_new_tokens=8", "eval.paper_row=qwen2.5-coder-7b/codeio"]


def test_cli_evaluates_a_checkpoint_and_resumes_from_its_cache(tmp_path, tiny_model_dir, capsys):
    assert main(_args(tiny_model_dir, tmp_path / "out", tmp_path / "cache")) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("| checkpoint | WinoGrande |") and "| paper: qwen2.5-coder-7b CodeI/O |" in printed
    table = json.loads((tmp_path / "out" / "results.json").read_text())
    row = table["rows"][0]
    assert row["errors"] == {} and set(row["average_over"]) == {"bbh_zh", "zebralogic", "korbench", "livebench"}
    details = json.loads((tmp_path / "out" / row["details"]).read_text())
    assert details["generation"]["requests_sent"] == 7 + 3 + 15 + 16  # every usable fixture item once
    assert details["livebench"]["rejected"] == {"missing_ground_truth": 1}
    assert details["generation"]["throughput"]["korbench"]["completion_tokens"] > 0

    assert main(_args(tiny_model_dir, tmp_path / "again", tmp_path / "cache")) == 0  # same command again
    again = json.loads((tmp_path / "again" / "results.json").read_text())["rows"][0]
    details = json.loads((tmp_path / "again" / again["details"]).read_text())
    assert details["generation"]["requests_sent"] == 0 and again["scores"] == row["scores"]


def test_cli_names_missing_data_before_loading_anything(tmp_path, capsys):
    checkpoint = tmp_path / "ckpt"
    checkpoint.mkdir()
    assert main([str(checkpoint), "--out", str(tmp_path / "out")]) == 2  # the paper preset, no data given
    err = capsys.readouterr().err
    assert "eval.bbh_zh.data_path" in err and "eval.livebench.data_path" in err
    assert not (tmp_path / "out").exists()
