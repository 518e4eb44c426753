"""Statistics, plots (matplotlib, Agg) and the dataset card of an assembled data set."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

_REGEX_TOKEN = re.compile(r"\w+|[^\w\s]")
REGEX_TOKENIZER = "regex word/punctuation split (no tokenizer configured)"


class LengthCounter:
    """Token counts with a local tokenizer, or a regex splitter when none is configured / loadable."""

    def __init__(self, tokenizer_path: str | None):
        self.tokenizer = None
        self.name = REGEX_TOKENIZER
        self.error = None
        if tokenizer_path:
            try:
                from transformers import AutoTokenizer

                self.tokenizer = AutoTokenizer.from_pretrained(tokenizer_path, local_files_only=True)
                self.name = f"tokenizer {tokenizer_path}"
            except Exception as err:  # a missing or broken tokenizer must not stop the stage
                self.error = f"{type(err).__name__}: {err}"[:300]
                self.name = f"{REGEX_TOKENIZER}; tokenizer {tokenizer_path!r} failed to load"

    def count(self, texts: Sequence[str]) -> list[int]:
        if self.tokenizer is None:
            return [len(_REGEX_TOKEN.findall(t)) for t in texts]
        out: list[int] = []
        for start in range(0, len(texts), 1024):
            batch = list(texts[start:start + 1024])
            out += [len(ids) for ids in self.tokenizer(batch, add_special_tokens=False)["input_ids"]]
        return out


def summarize(values: Sequence[int]) -> dict[str, float]:
    if not values:
        return {"count": 0}
    ordered = sorted(values)

    def pct(p: float) -> int:
        return ordered[min(len(ordered) - 1, int(p * (len(ordered) - 1) + 0.5))]

    return {"count": len(ordered), "mean": round(sum(ordered) / len(ordered), 2), "min": ordered[0],
            "p50": pct(0.5), "p90": pct(0.9), "p99": pct(0.99), "max": ordered[-1]}


def rejection_table(upstream_reports: dict[str, dict] | None, own: Counter) -> dict[str, dict[str, int]]:
    table = {stage: dict(report.get("rejected") or {}) for stage, report in (upstream_reports or {}).items()
             if isinstance(report, dict)}
    table["assemble"] = dict(own)
    return table


# -- plots ---------------------------------------------------------------------------------------------

def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def write_plots(plot_dir: Path, rates: dict[str, Any], pairs_per_function: Sequence[int],
                prompt_lengths: Sequence[int], response_lengths: Sequence[int], length_label: str,
                rejections: dict[str, dict[str, int]]) -> list[str]:
    plt = _pyplot()
    plot_dir.mkdir(parents=True, exist_ok=True)
    written = []

    fig, ax = plt.subplots(figsize=(6, 4))
    for group, by_turn in rates.get("cumulative", {}).items():
        turns = sorted(by_turn, key=lambda k: int(k.split("_")[1]))
        xs, ys = [int(t.split("_")[1]) for t in turns], [100 * by_turn[t] for t in turns]
        ax.plot(xs, ys, marker="o", label=f"{group} prediction" if group != "all" else "all tasks")
        for x, y in zip(xs, ys, strict=True):
            ax.annotate(f"{y:.1f}", (x, y), textcoords="offset points", xytext=(4, 4), fontsize=7)
    ax.set(xlabel="turn", ylabel="correct by this turn (%)", title="Correct rate per turn by task type",
           ylim=(0, 100))
    ax.xaxis.get_major_locator().set_params(integer=True)
    if rates.get("cumulative"):
        ax.legend()
    else:
        ax.text(0.5, 0.5, "no verified tasks", ha="center", va="center", transform=ax.transAxes)
    written.append(_save(fig, plot_dir / "correct_rate_per_turn.png", plt))

    fig, ax = plt.subplots(figsize=(6, 4))
    counts = Counter(pairs_per_function)
    xs = sorted(counts)
    ax.bar(xs, [counts[x] for x in xs])
    ax.set(xlabel="distinct I/O pairs per function (training samples)", ylabel="functions",
           title=f"Pairs per function ({len(pairs_per_function)} functions)")
    written.append(_save(fig, plot_dir / "pairs_per_function.png", plt))

    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, values, what in ((axes[0], prompt_lengths, "prompt"), (axes[1], response_lengths, "response")):
        ax.hist(values or [0], bins=40)
        ax.set(xlabel=f"{what} length (tokens)", ylabel="samples", title=f"{what.capitalize()} lengths")
    fig.suptitle(f"Token counts: {length_label}", fontsize=9)
    written.append(_save(fig, plot_dir / "token_lengths.png", plt))

    bars = [(f"{stage}: {reason}", n) for stage, reasons in rejections.items() for reason, n in reasons.items()]
    fig, ax = plt.subplots(figsize=(8, max(2.5, 0.35 * len(bars) + 1)))
    if bars:
        ax.barh([b[0] for b in bars][::-1], [b[1] for b in bars][::-1])
    else:
        ax.text(0.5, 0.5, "no rejections", ha="center", va="center", transform=ax.transAxes)
    ax.set(xlabel="rows", title="Rejections by stage and reason")
    written.append(_save(fig, plot_dir / "rejections.png", plt))
    return written


def _save(fig, path: Path, plt) -> str:
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path.name


# -- dataset card ------------------------------------------------------------------------------------------

def dataset_card(config: dict[str, Any], stats: dict[str, Any], rejections: dict[str, dict[str, int]],
                 width: int) -> str:
    fields = ", ".join(f"`turn_{k}`, `feedback_{k}`" for k in range(1, width + 1))
    lines = [
        "# CodeI/O training data (assembled by codeio)", "",
        "Input/output prediction tasks built from code (CodeI/O, Li et al. 2025): a prompt gives a function's",
        "query, its reference code and one side (input or output); the response reasons in plain language",
        "and ends with the other side as JSON. Every answer was checked by running the code; wrong answers",
        "may have received feedback and further turns (CodeI/O++).", "",
        "## Files", "",
        f"- `codeio.jsonl`: one task a line: `prompt`, {fields} (null where a turn did not happen),",
        "  plus provenance (`task_id`, `pair_id`, `function_id`, `raw_id`, `source`, `kind`, `final_status`,",
        "  `n_turns`, `replaced`, `model`).",
        f"- `train.jsonl`: `{{\"messages\": [...]}}` per line in the `{config.get('chat_format')}` chat form"
        " (TRL, `trainer.train_data`).",
        "- `llamafactory/`: `llamafactory_sharegpt.json`, `llamafactory_alpaca.json` and `dataset_info.json`"
        " (set LLaMA-Factory's `dataset_dir` to this folder, `dataset: codeio_sharegpt`).",
        "- `holdout.jsonl`: Task rows of held-out functions (evaluation only).",
        "- `train_stage2.jsonl`: stage-2 mix (when instruction data is configured).",
        "- `stats.json`, `plots/*.png`; the `datasets` files (`load_from_disk`) hold the same rows with chat"
        " columns.", "",
        "## Provenance", "",
        f"- tasks in: {stats.get('rows_in')}; usable: {stats.get('usable_tasks')}; samples: {stats.get('samples')}",
        f"- sources: {json.dumps(stats.get('sources', {}))}",
        f"- teacher models: {json.dumps(stats.get('models', {}))}",
        f"- functions: {stats.get('functions')}; pairs: {stats.get('pairs')}; held-out functions: "
        f"{stats.get('holdout', {}).get('functions', 0)}", "",
        "## Statistics", "",
        f"- samples by kind: {json.dumps(stats.get('kinds', {}))}",
        f"- turns per sample: {json.dumps(stats.get('turns', {}))}",
        f"- final verdicts: {json.dumps(stats.get('final_status', {}))}", "",
        "Correct rate by turn (cumulative, all usable tasks before filtering):", "",
    ]
    cumulative = stats.get("correct_rate", {}).get("cumulative", {})
    turn_names = sorted({t for v in cumulative.values() for t in v}, key=lambda k: int(k.split("_")[1]))
    if turn_names:
        lines += ["| tasks | " + " | ".join(turn_names) + " |", "|---" * (len(turn_names) + 1) + "|"]
        for group, values in cumulative.items():
            lines.append(f"| {group} | " + " | ".join(f"{100 * values.get(t, 0):.1f}%" for t in turn_names) + " |")
        lines.append("")
    lengths = stats.get("token_lengths", {})
    lines += [f"Token lengths ({lengths.get('tokenizer')}): prompt {json.dumps(lengths.get('prompt'))}; "
              f"response {json.dumps(lengths.get('response'))}", "",
              "Duplicates removed: " + json.dumps(stats.get("dedup", {})), ""]
    decon = stats.get("decontamination", {})
    if decon:
        lines += ["Decontamination (word 13-gram overlap):", "",
                  "| benchmark | samples flagged | benchmark items touched | status |", "|---|---|---|---|"]
        for name, rep in decon.items():
            lines.append(f"| {name} | {rep.get('samples_flagged', '-')} | {rep.get('items_touched', '-')}"
                         f" / {rep.get('items', '-')} | {rep.get('status')} |")
        lines.append("")
    lines += ["Rejections by stage:", "", "```json", json.dumps(rejections, indent=2, sort_keys=True), "```", "",
              "## Configuration (`dataset` group)", "", "```json", json.dumps(config, indent=2, sort_keys=True),
              "```", ""]
    return "\n".join(lines)
