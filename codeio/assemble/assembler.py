"""The ``assemble`` stage's work: Task rows with all their turns -> training samples, exports and reports.

Order of the steps (each drop is counted by reason):
1. malformed rows (``bad_row:*``);
2. task-type filter (``task_type_filter``);
3. exact duplicates of tasks (prompt and reference answer by default, ``duplicate:exact``) and near
   duplicates of prompts across functions (``duplicate:near``); done before the
   holdout split so no near copy of a held-out function stays in training;
4. benchmark overlap, reported always, dropped with ``decontam_drop`` (``contaminated:<benchmark>``);
5. holdout split by function (``holdout``: those Task rows go to ``holdout.jsonl``);
6. keep policy (``keep_policy:never_correct`` under ``drop_wrong``), then tasks whose kept turns hold a
   response cut at ``max_tokens`` (``truncated_response``);
7. subsampling to ``max_samples`` / ``fraction`` (``subsample``).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from codeio.assemble import formats, overlap, report, stage2
from codeio.assemble.config import DatasetConfig
from codeio.assemble.split import split_by_function
from codeio.assemble.student import TEACHER, StudentView
from codeio.records import HOLDOUT_FILE, STAGE1_DATA_FILE, STAGE2_DATA_FILE, stable_id
from codeio.verify.rates import correct_rates

PROVENANCE = ("task_id", "pair_id", "function_id", "raw_id", "source", "kind")
PROVENANCE_FILE = "codeio_provenance.jsonl"
"""Provenance of each ``codeio.jsonl`` record, same line order (``dataset.record_provenance``)."""


def record_width(revision_turns: int) -> int:
    """How many ``turn_k`` / ``feedback_k`` columns a sample row has (at least 2, as released)."""
    return max(2, int(revision_turns) + 1)


def sample_features(revision_turns: int):
    """Arrow features of the sample rows (pins types of columns that may be null in every row)."""
    import datasets

    text = datasets.Value("string")
    message = [{"role": text, "content": text}]
    feats: dict[str, Any] = {"prompt": text}
    for k in range(1, record_width(revision_turns) + 1):
        feats[f"turn_{k}"] = text
        feats[f"feedback_{k}"] = text
    feats.update({"messages": message, "messages_single": message, "messages_multiturn": message})
    feats.update({name: text for name in PROVENANCE})
    feats.update({"final_status": text, "n_turns": datasets.Value("int64"), "replaced": datasets.Value("bool"),
                  "model": text, "contaminated_with": text})
    return datasets.Features(feats)


class Assembler:
    """Builds the final data set; the settings are ``DatasetConfig``'s."""

    def __init__(self, cfg: DatasetConfig):
        self.cfg = cfg

    def config_dict(self) -> dict[str, Any]:
        out = asdict(self.cfg)
        out.pop("_target_", None)
        return out

    # -- the whole run -------------------------------------------------------------------------------------
    def run(self, tasks: Iterable[dict[str, Any]], out_dir: Path, revision_turns: int,
            upstream_reports: dict[str, dict] | None = None,
            redo_request: str = "", given_format: str = "json") -> tuple[list[dict], Counter, dict]:
        """``redo_request``: the text revision appended to each feedback it sent (``revision.redo_request``);
        the released record's ``feedback_k`` holds what the model was sent. ``given_format``: the run's
        ``prompt.given_format``, for prompts re-rendered under ``dataset.student_format``."""
        cfg = self.cfg
        self.redo_request = redo_request
        student = (None if cfg.student_format == TEACHER
                   else StudentView(cfg.student_format, given_format, cfg.true_answer_template))
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        max_turns = int(revision_turns) + 1
        width = record_width(revision_turns)
        rejected: Counter = Counter()
        stats: dict[str, Any] = {}

        # 1. usable rows and their turns
        items: list[tuple[dict[str, Any], list[formats.Turn]]] = []
        rows_in = 0
        for row in tasks:
            rows_in += 1
            try:
                if not isinstance(row, dict):
                    raise formats.BadRow("bad_row:not_a_mapping")
                items.append((row, formats.read_turns(row, max_turns, cfg.linking)))
            except formats.BadRow as err:
                rejected[str(err)] += 1
        stats["rows_in"] = rows_in
        stats["usable_tasks"] = len(items)
        stats["correct_rate"] = correct_rates([r["kind"] for r, _ in items],
                                                     [[t.status for t in turns] for _, turns in items])

        # 2. task type
        if cfg.task_types != "both":
            before = len(items)
            items = [(r, t) for r, t in items if r["kind"] == cfg.task_types]
            if before - len(items):
                rejected["task_type_filter"] += before - len(items)

        # 3. duplicates
        items, stats["dedup"] = self._dedup(items, rejected)

        # 4. benchmark overlap
        contaminated, stats["decontamination"] = self._decontaminate(items)
        if cfg.decontam_drop:
            kept = []
            for index, item in enumerate(items):
                if index in contaminated:
                    rejected[f"contaminated:{contaminated[index][0]}"] += 1
                else:
                    kept.append(item)
            flags = [[]] * len(kept)
            items = kept
        else:
            flags = [contaminated.get(i, []) for i in range(len(items))]

        # 5. holdout by function (split on the rows; the flags follow their row)
        flagged = [(r, t, f) for (r, t), f in zip(items, flags, strict=True)]
        train, held = _split(flagged, cfg.holdout_fraction, cfg.seed)
        if held:
            rejected["holdout"] += len(held)
        formats.write_jsonl(out_dir / HOLDOUT_FILE, (_jsonable(r) for r, _, _ in held))
        stats["holdout"] = {"tasks": len(held), "functions": len({r.get("function_id") for r, _, _ in held})}

        # 6. keep policy and sample rows
        samples = []
        for row, turns, flag in train:
            try:
                kept_turns, replaced = formats.apply_keep_policy(row, turns, cfg.keep, cfg.true_answer_template,
                                                                 cfg.linking)
            except formats.BadRow as err:
                rejected[str(err)] += 1
                continue
            if cfg.drop_truncated and not replaced and any(t.truncated for t in kept_turns):
                rejected["truncated_response"] += 1
                continue
            if (cfg.drop_unrevised and revision_turns > 0 and not replaced and not kept_turns[-1].correct
                    and len(turns) < max_turns):
                rejected["revision_failed"] += 1
                continue
            if student is not None:
                try:
                    row = dict(row, prompt=student.prompt(row))
                except (KeyError, ValueError):
                    rejected["student_format:bad_row"] += 1
                    continue
                kept_turns = student.turns(row, kept_turns)
            samples.append(self._sample(row, turns, kept_turns, replaced, flag, width, revision_turns))

        # 7. subsampling
        samples = self._subsample(samples, rejected)

        stats.update(self._write(samples, out_dir, rejected, stats, upstream_reports, width))
        return samples, rejected, stats

    # -- steps -------------------------------------------------------------------------------------------
    def _dedup(self, items, rejected: Counter):
        cfg = self.cfg
        report_: dict[str, Any] = {"exact": 0, "near": 0}
        if not (cfg.dedup_exact or cfg.dedup_near):
            return items, report_
        seen: set[str] = set()
        index = overlap.NearDuplicateIndex(cfg.near_dup_threshold, cfg.near_dup_ngram, cfg.near_dup_perm,
                                           within_group=cfg.near_dup_within_function) if cfg.dedup_near else None
        kept = []
        for row, turns in items:
            if cfg.dedup_exact:
                key = overlap.exact_key(_dedup_text(row, cfg.dedup_key))
                if key in seen:
                    rejected["duplicate:exact"] += 1
                    report_["exact"] += 1
                    continue
                seen.add(key)
            if index is not None and index.check(row["prompt"], str(row.get("function_id", ""))) is not None:
                rejected["duplicate:near"] += 1
                report_["near"] += 1
                continue
            kept.append((row, turns))
        if index is not None:
            report_["near_rule"] = (f"MinHash over word {cfg.near_dup_ngram}-grams, {cfg.near_dup_perm} "
                                    f"permutations, LSH {index.bands}x{index.rows}, estimated Jaccard >= "
                                    f"{cfg.near_dup_threshold}"
                                    + ("" if cfg.near_dup_within_function else ", across functions only"))
        return kept, report_

    def _decontaminate(self, items) -> tuple[dict[int, list[str]], dict[str, Any]]:
        cfg = self.cfg
        flagged: dict[int, list[str]] = {}
        out: dict[str, Any] = {}
        for name, path in sorted(cfg.decontam_benchmarks.items()):
            try:
                bench = overlap.BenchmarkIndex(name, overlap.read_benchmark(path), cfg.decontam_ngram)
            except FileNotFoundError:
                out[name] = {"status": "missing", "path": str(path)}
                continue
            except (OSError, ValueError) as err:
                out[name] = {"status": f"unreadable: {type(err).__name__}", "path": str(path)}
                continue
            touched: set[int] = set()
            samples = 0
            for i, (row, turns) in enumerate(items):
                text = row["prompt"]
                if cfg.decontam_scope == "all":
                    text = "\n".join([text, *(t.response for t in turns)])
                hits = bench.hits(text)
                if hits:
                    samples += 1
                    touched |= hits
                    flagged.setdefault(i, []).append(name)
            out[name] = {"status": "checked", "path": str(path), "items": bench.size,
                         "items_touched": len(touched),
                         "item_overlap_rate": round(len(touched) / bench.size, 4) if bench.size else 0.0,
                         "samples_flagged": samples,
                         "sample_overlap_rate": round(samples / len(items), 4) if items else 0.0,
                         "dropped": cfg.decontam_drop}
        return flagged, out

    def _sample(self, row, turns, kept_turns, replaced, flag, width, revision_turns) -> dict[str, Any]:
        cfg = self.cfg
        with_feedback = revision_turns > 0
        single, multi = formats.chat_forms(row, kept_turns, with_feedback, cfg.linking, cfg.multiturn_followup)
        sample = formats.released_record(row["prompt"], kept_turns, width, getattr(self, "redo_request", ""))
        sample["messages"] = single if cfg.chat_format == "single" else multi
        sample["messages_single"] = single
        sample["messages_multiturn"] = multi
        for name in PROVENANCE:
            value = row.get(name)
            sample[name] = None if value is None else str(value)
        sample["final_status"] = turns[-1].status
        sample["n_turns"] = len(kept_turns)
        sample["replaced"] = replaced
        sample["model"] = row.get("model")
        sample["contaminated_with"] = ",".join(flag)
        return sample

    def _subsample(self, samples: list[dict], rejected: Counter) -> list[dict]:
        cfg = self.cfg
        target = len(samples)
        if cfg.fraction is not None:
            target = min(target, round(cfg.fraction * len(samples)))
        if cfg.max_samples is not None:
            target = min(target, cfg.max_samples)
        if target >= len(samples):
            return samples
        ranked = sorted(range(len(samples)),
                        key=lambda i: (stable_id("subsample", cfg.seed, samples[i]["task_id"]), i))
        keep = set(ranked[:target])
        rejected["subsample"] += len(samples) - target
        return [s for i, s in enumerate(samples) if i in keep]

    # -- outputs -----------------------------------------------------------------------------------------
    def _write(self, samples, out_dir: Path, rejected: Counter, stats: dict, upstream_reports, width) -> dict:
        cfg = self.cfg
        record_fields = ["prompt", *(f"{p}_{k}" for k in range(1, width + 1) for p in ("turn", "feedback"))]
        extra = [*PROVENANCE, "final_status", "n_turns", "replaced", "model", "contaminated_with"]
        inline = record_fields + extra if cfg.record_provenance else record_fields
        files = {"codeio.jsonl": formats.write_jsonl(out_dir / "codeio.jsonl",
                                                     ({k: s[k] for k in inline} for s in samples)),
                 PROVENANCE_FILE: formats.write_jsonl(out_dir / PROVENANCE_FILE,
                                                      ({k: s[k] for k in extra} for s in samples)),
                 "train.jsonl": formats.write_jsonl(out_dir / "train.jsonl",
                                                    ({"messages": s["messages"]} for s in samples)),
                 HOLDOUT_FILE: stats["holdout"]["tasks"]}
        lf_dir = out_dir / "llamafactory"
        lf_dir.mkdir(exist_ok=True)
        files["llamafactory/" + formats.LLAMAFACTORY_SHAREGPT] = formats.write_json_array(
            lf_dir / formats.LLAMAFACTORY_SHAREGPT, (formats.to_sharegpt(s["messages"]) for s in samples))
        files["llamafactory/" + formats.LLAMAFACTORY_ALPACA] = formats.write_json_array(
            lf_dir / formats.LLAMAFACTORY_ALPACA, (formats.to_alpaca(s["messages"]) for s in samples))
        (lf_dir / "dataset_info.json").write_text(json.dumps(formats.llamafactory_dataset_info(), indent=2))

        out: dict[str, Any] = {"samples": len(samples)}
        # What each training stage reads (PAPER.md Table 4): STAGE1_DATA_FILE / STAGE2_DATA_FILE;
        # a missing file means the stage is skipped.
        codeio_messages = [s["messages"] for s in samples]
        it = (stage2.load_instruction_data(cfg.instruction_data, rejected)
              if cfg.instruction_data and (cfg.stage2_mix != "none" or cfg.stage1_mix == "concat") else [])
        if cfg.stage1_mix == "codeio":
            files[STAGE1_DATA_FILE] = formats.write_jsonl(
                out_dir / STAGE1_DATA_FILE, ({"messages": m, "origin": "codeio"} for m in codeio_messages))
        elif cfg.stage1_mix == "concat":
            rows, out["stage1"] = stage2.mix(codeio_messages, it, "concat", 1.0, cfg.seed)
            files[STAGE1_DATA_FILE] = formats.write_jsonl(out_dir / STAGE1_DATA_FILE, rows)
        if cfg.stage2_mix != "none":
            rows, out["stage2"] = stage2.mix(codeio_messages, it, cfg.stage2_mix, cfg.codeio_fraction, cfg.seed)
            files[STAGE2_DATA_FILE] = formats.write_jsonl(out_dir / STAGE2_DATA_FILE, rows)

        out["kinds"] = dict(Counter(s["kind"] for s in samples))
        out["turns"] = {str(k): v for k, v in sorted(Counter(s["n_turns"] for s in samples).items())}
        out["final_status"] = dict(Counter(s["final_status"] for s in samples))
        out["replaced"] = sum(s["replaced"] for s in samples)
        out["sources"] = dict(Counter(s["source"] for s in samples))
        out["models"] = dict(Counter(str(s["model"]) for s in samples))
        pairs_by_function: dict[str, set] = {}
        for s in samples:
            pairs_by_function.setdefault(str(s["function_id"]), set()).add(s["pair_id"])
        out["functions"] = len(pairs_by_function)
        out["pairs"] = sum(len(p) for p in pairs_by_function.values())

        counter = report.LengthCounter(cfg.tokenizer)
        prompts = counter.count([s["prompt"] for s in samples])
        responses = counter.count(["\n".join(m["content"] for m in s["messages"] if m["role"] == "assistant")
                                   for s in samples])
        out["token_lengths"] = {"tokenizer": counter.name, "prompt": report.summarize(prompts),
                                "response": report.summarize(responses)}
        if counter.error:
            out["token_lengths"]["error"] = counter.error
        rejections = report.rejection_table(upstream_reports, rejected)
        out["rejections_by_stage"] = rejections
        if cfg.plots:
            out["plots"] = report.write_plots(out_dir / "plots", stats["correct_rate"],
                                              [len(p) for p in pairs_by_function.values()], prompts, responses,
                                              counter.name, rejections)
        out["files"] = files
        full = {**stats, **out}
        (out_dir / "stats.json").write_text(json.dumps(full, indent=2, sort_keys=True, default=str))
        (out_dir / "README.md").write_text(report.dataset_card(self.config_dict(), full, rejections, width))
        return out


def _split(flagged, fraction: float, seed: int):
    if fraction <= 0:
        return flagged, []
    wrapped = [{"function_id": r.get("function_id"), "_i": i} for i, (r, _, _) in enumerate(flagged)]
    train, held = split_by_function(wrapped, fraction, seed)
    return [flagged[w["_i"]] for w in train], [flagged[w["_i"]] for w in held]


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(row, default=str))


def _dedup_text(row: dict[str, Any], key: str) -> str:
    """The text exact dedup compares: the prompt, plus the answer the task is graded against unless
    ``key == "prompt"`` (input-prediction prompts of one function repeat whenever outputs repeat)."""
    if key == "prompt":
        return row["prompt"]
    answer = row.get("input_json") if row.get("kind") == "input" else row.get("output_json")
    return f"{row['prompt']}\n\x00{answer}"
