"""Function-level hold-out split, results tables and the sweep aggregator."""

from __future__ import annotations

import json

import pytest

from codeio.eval import aggregate
from codeio.eval.holdout import split_by_function
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


def test_table_markdown_and_average(tmp_path):
    rows = [make_row("base", {"cruxeval_o": 40.0, "gsm8k": 60.0}), make_row("codeio", {"cruxeval_o": 50.0, "gsm8k": None})]
    table = make_table(rows, ["gsm8k", "cruxeval_o"])
    assert table["benchmarks"] == ["gsm8k", "cruxeval_o"]  # Table 1 order
    assert rows[0]["average"] == 50.0 and rows[1]["average"] == 50.0 and rows[1]["average_over"] == ["cruxeval_o"]
    md = to_markdown(table)
    assert "| checkpoint | GSM8K | CRUXEval-O | Avg |" in md
    assert "| codeio | - | 50.0 | 50.0 |" in md
    j, m = write_table(table, tmp_path)
    assert read_table(j)["rows"][0]["checkpoint"] == "base" and m.read_text() == md


def test_aggregate_merges_sweep(tmp_path, capsys):
    for i, (flag, score) in enumerate([("revision.turns=0", 40.0), ("revision.turns=1", 45.5)]):
        run = tmp_path / "multirun" / str(i)
        (run / ".hydra").mkdir(parents=True)
        (run / ".hydra" / "overrides.yaml").write_text(f"- {flag}\n")
        write_table(make_table([make_row("final", {"cruxeval_o": score})]), run / "stages" / "evaluate")
    (tmp_path / "multirun" / "junk").mkdir()
    (tmp_path / "multirun" / "junk" / "results.json").write_text("[1, 2]")
    out = tmp_path / "experiments" / "sweep"
    assert aggregate.main([str(tmp_path / "multirun"), "--out", str(out)]) == 0
    merged = json.loads((out / "results.json").read_text())
    labels = [r["label"] for r in merged["rows"]]
    assert labels == ["revision.turns=0 / final", "revision.turns=1 / final"]
    assert [r["scores"]["cruxeval_o"] for r in merged["rows"]] == [40.0, 45.5]
    assert "| revision.turns=1 / final | 45.5 | 45.5 |" in (out / "results.md").read_text()
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["skipped_files"] == 1
