"""Plots read well for the quickstart's own data: one turn, one value of pairs per function."""

from __future__ import annotations

from codeio.assemble import report


def test_plots_with_one_turn_and_a_single_pairs_value(tmp_path, monkeypatch):
    axes = {}
    real_save = report._save

    def keep_axes(fig, path, plt):
        ax = fig.axes[0]
        axes[path.name] = {"xlim": ax.get_xlim(), "xticks": list(ax.get_xticks()),
                           "labels": [(t.get_position(), t.xyann) for t in ax.texts if hasattr(t, "xyann")]}
        return real_save(fig, path, plt)

    monkeypatch.setattr(report, "_save", keep_axes)
    rates = {"cumulative": {"all": {"turn_1": 1.0}, "input": {"turn_1": 1.0}, "output": {"turn_1": 1.0}}}
    written = report.write_plots(tmp_path, rates, [10] * 48, [100, 200], [50, 60], "test", {})
    assert "correct_rate_per_turn.png" in written and (tmp_path / "pairs_per_function.png").is_file()

    turns = axes["correct_rate_per_turn.png"]
    assert turns["xticks"] == [1.0]
    assert turns["xlim"][1] - turns["xlim"][0] >= 1.0  # not 0.96 .. 1.04
    offsets = [offset for _, offset in turns["labels"]]
    assert len(set(offsets)) == 3  # three equal values, three label positions: no overlap

    pairs = axes["pairs_per_function.png"]
    assert pairs["xticks"] == [10.0]
    assert pairs["xlim"][1] - pairs["xlim"][0] >= 2.0  # not 9.6 .. 10.4
