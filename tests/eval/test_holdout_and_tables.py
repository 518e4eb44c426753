"""Function-level hold-out split, results tables and the sweep aggregator."""

from __future__ import annotations

import json

import pytest

from codeio.eval import aggregate
from codeio.eval.holdout import split_by_function
from codeio.eval.paper_table1 import known_rows, paper_row
from codeio.eval.tables import make_row, make_table, read_table, to_markdown, write_table


def _rows(n_functions=20, per_function=5):
    return [{"function_id": f"fn{f}", "task_id": f"fn{f}-t{t}"} for f in range(n_functions) for t in range(per_function)]


def test_split_never_splits_a_function():
    rows = _rows()
    train, held = split_by_function(rows, 0.25, seed=3)
    train_fns = {r["function_id"] for r in train}
    held_fns = {r["function_id"] for r in held}
    assert not train_fns & held_fns
    assert len(held_fns) == 5 and len(train) + len(held) == len(rows)
    # every pair of a held-out function is held out
    assert all(sum(r["function_id"] == f for r in held) == 5 for f in held_fns)


def test_split_is_deterministic_and_order_free():
    rows = _rows()
    a = split_by_function(rows, 0.3, seed=1)[1]
    b = split_by_function(list(reversed(rows)), 0.3, seed=1)[1]
    assert {r["function_id"] for r in a} == {r["function_id"] for r in b}
    c = split_by_function(rows, 0.3, seed=2)[1]
    assert {r["function_id"] for r in a} != {r["function_id"] for r in c}
    assert split_by_function(rows, 0.0)[1] == []
    assert len(split_by_function(_rows(3), 0.01)[1]) == 5  # at least one function when fraction > 0
    with pytest.raises(ValueError):
        split_by_function(rows, 1.5)


HEADER = ("| checkpoint | WinoGrande | DROP | GSM8K | MATH | GPQA | MMLU-STEM | LC-O | CRUX-I | CRUX-O | BBH-EN "
          "| BBH-ZH | ZebraLogic | KorBench | LiveBench | AVG |")


def _dashes(n):
    return " | ".join(["-"] * n)


def test_table_is_laid_out_as_table_1(tmp_path):
    rows = [make_row("base", {"cruxeval_o": 40.0, "gsm8k": 60.0, "codeio_holdout": 90.0}),
            make_row("codeio", {"cruxeval_o": 50.0, "gsm8k": None})]
    table = make_table(rows, ["codeio_holdout", "gsm8k", "cruxeval_o"],
                       paper_rows=[paper_row("qwen2.5-coder-7b/codeio")])
    assert table["benchmarks"] == ["gsm8k", "cruxeval_o", "codeio_holdout"]  # Table 1 order, extras last
    # the average covers Table 1 benchmarks only: the hold-out (90) stays out of it
    assert rows[0]["average"] == 50.0 and rows[0]["average_over"] == ["gsm8k", "cruxeval_o"]
    assert rows[1]["average"] == 50.0 and rows[1]["average_over"] == ["cruxeval_o"]
    md = to_markdown(table)
    lines = md.splitlines()
    assert lines[0] == HEADER  # all 14 columns, always, in the paper's order
    assert lines[2] == f"| base | - | - | 60.0 | {_dashes(5)} | 40.0 | {_dashes(5)} | 50.0 (of 2) |"
    assert lines[3] == f"| codeio | {_dashes(8)} | 50.0 | {_dashes(5)} | 50.0 (of 1) |"
    # the paper's CodeI/O row for Qwen2.5-Coder-7B, with its own average over all 14 (no "of n")
    assert lines[4] == ("| paper: qwen2.5-coder-7b CodeI/O | 67.9 | 76.4 | 86.4 | 71.9 | 43.3 | 77.3 | 23.7 | 63.6 "
                        "| 64.9 | 69.3 | 72.8 | 10.7 | 44.3 | 28.5 | 57.2 |")
    assert "| checkpoint | CodeI/O-holdout |" in md and "| base | 90.0 |" in md
    j, m = write_table(table, tmp_path)
    assert read_table(j)["rows"][0]["checkpoint"] == "base" and m.read_text() == md


def test_paper_rows_match_the_paper_averages():
    """Every transcribed row's 14 values average to the paper's AVG column (to its rounding), so a typo
    in a value would show; unknown keys give no row."""
    for key in known_rows():
        row = paper_row(key)
        assert len(row["scores"]) == 14
        assert sum(row["scores"].values()) / 14 == pytest.approx(row["average"], abs=0.06), key
    assert paper_row("qwen2.5-coder-7b/ablation_revision_turns") is None and paper_row(None) is None
    assert paper_row("tiny/codeio") is None


def test_aggregate_merges_sweep(tmp_path, capsys):
    paper = paper_row("llama-3.1-8b/codeio_pp")
    for i, (flag, score) in enumerate([("revision.turns=0", 40.0), ("revision.turns=1", 45.5)]):
        run = tmp_path / "multirun" / str(i)
        (run / ".hydra").mkdir(parents=True)
        (run / ".hydra" / "overrides.yaml").write_text(f"- {flag}\n")
        write_table(make_table([make_row("final", {"cruxeval_o": score})], paper_rows=[paper]),
                    run / "stages" / "evaluate")
    (tmp_path / "multirun" / "junk").mkdir()
    (tmp_path / "multirun" / "junk" / "results.json").write_text("[1, 2]")
    out = tmp_path / "experiments" / "sweep"
    assert aggregate.main([str(tmp_path / "multirun"), "--out", str(out)]) == 0
    merged = json.loads((out / "results.json").read_text())
    labels = [r["label"] for r in merged["rows"]]
    assert labels == ["revision.turns=0 / final", "revision.turns=1 / final"]
    assert [r["scores"]["cruxeval_o"] for r in merged["rows"]] == [40.0, 45.5]
    md = (out / "results.md").read_text().splitlines()
    assert md[0] == HEADER.replace("| checkpoint |", "| run / checkpoint |")  # the same Table 1 layout
    assert md[3] == f"| revision.turns=1 / final | {_dashes(8)} | 45.5 | {_dashes(5)} | 45.5 (of 1) |"
    assert [line for line in md if line.startswith("| paper:")] == [md[4]]  # named by both runs, shown once
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["skipped_files"] == 1
