"""Exported files load as they are (datasets, TRL messages, LLaMA-Factory), render through a real chat
template, plots are readable images, stage-2 mixing keeps its ratio, and token statistics use a tokenizer."""

from __future__ import annotations

import json
from collections import Counter

import datasets
import pytest

from codeio.assemble.assembler import Assembler, sample_features
from codeio.assemble.report import REGEX_TOKENIZER
from codeio.pipeline.store import save_rows
from tests.assemble.conftest import SPEC, quiet


@pytest.fixture(scope="module")
def tiny_tokenizer():
    from codeio.train.config import TinyModelConfig
    from codeio.train.tiny import build_tokenizer

    return build_tokenizer(TinyModelConfig(vocab_size=400))


def load_json(path):
    return datasets.load_dataset("json", data_files=str(path), split="train")


@pytest.mark.parametrize("chat_format", ["single", "multiturn"])
def test_exports_load_and_render(tasks, tmp_path, tiny_tokenizer, chat_format):
    samples, _, _ = Assembler(quiet(chat_format=chat_format)).run(tasks, tmp_path, 1, {})
    train = load_json(tmp_path / "train.jsonl")
    assert train.column_names == ["messages"] and len(train) == len(SPEC)
    record = load_json(tmp_path / "codeio.jsonl")
    assert record.column_names == ["prompt", "turn_1", "feedback_1", "turn_2", "feedback_2"]  # as released
    provenance = load_json(tmp_path / "codeio_provenance.jsonl")
    assert {"task_id", "function_id", "final_status", "model"} <= set(provenance.column_names)
    assert provenance["task_id"] == [s["task_id"] for s in samples]
    assert sum(r is None for r in record["turn_2"]) == sum(len(s) == 1 for *_, s in SPEC)
    for row, sample in zip(train, samples, strict=True):
        assert row["messages"] == sample["messages"]
        text = tiny_tokenizer.apply_chat_template(row["messages"], tokenize=False)
        for message in row["messages"]:
            assert f"<|im_start|>{message['role']}\n{message['content']}<|im_end|>" in text
        ids = tiny_tokenizer.apply_chat_template(row["messages"], tokenize=True)
        ids = ids["input_ids"] if isinstance(ids, dict) or hasattr(ids, "keys") else ids
        assert tiny_tokenizer.decode(ids) == text

    # LLaMA-Factory: dataset_info names both files; each loads and matches the messages
    lf = tmp_path / "llamafactory"
    info = json.loads((lf / "dataset_info.json").read_text())
    assert {entry["file_name"] for entry in info.values()} == {"llamafactory_sharegpt.json", "llamafactory_alpaca.json"}
    share = load_json(lf / "llamafactory_sharegpt.json")
    alpaca = load_json(lf / "llamafactory_alpaca.json")
    assert len(share) == len(alpaca) == len(SPEC)
    for sg, al, sample in zip(share, alpaca, samples, strict=True):
        msgs = [m for m in sample["messages"] if m["role"] != "system"]
        assert [c["from"] for c in sg["conversations"]] == ["human" if m["role"] == "user" else "gpt" for m in msgs]
        assert [c["value"] for c in sg["conversations"]] == [m["content"] for m in msgs]
        assert al["instruction"] == msgs[-2]["content"] and al["output"] == msgs[-1]["content"]
        assert len(al["history"]) == (len(msgs) - 2) // 2
        system = sample["messages"][0]["content"] if sample["messages"][0]["role"] == "system" else ""
        assert sg["system"] == al["system"] == system

    card = (tmp_path / "README.md").read_text()
    assert "## Provenance" in card and f"samples: {len(SPEC)}" in card and '"keep": "all"' in card
    stats = json.loads((tmp_path / "stats.json").read_text())
    assert stats["samples"] == len(SPEC) and stats["files"]["train.jsonl"] == len(SPEC)


def test_rows_save_as_a_dataset_with_pinned_features(tasks, tmp_path):
    # turns=2 and nobody reached turn 3: turn_3 is null in every row, still typed by the features
    samples, _, _ = Assembler(quiet()).run(tasks, tmp_path / "out", 2, {})
    assert all(s["turn_3"] is None for s in samples)
    count = save_rows(samples, tmp_path / "ds", sample_features(2))
    ds = datasets.load_from_disk(str(tmp_path / "ds"))
    assert count == len(ds) == len(SPEC)
    assert ds.features["turn_3"] == datasets.Value("string")
    assert ds[0]["messages_single"] == samples[0]["messages_single"]


def test_plots_are_written_and_readable(tasks, tmp_path):
    from PIL import Image

    reports = {"sample": {"rejected": {"too_big": 4}, "rows_in": 10, "rows_out": 6},
               "verify": {"rejected": {}, "rows_in": 6, "rows_out": 6}}
    _, _, stats = Assembler(quiet(plots=True, max_samples=10)).run(tasks, tmp_path, 1, reports)
    assert stats["rejections_by_stage"]["sample"] == {"too_big": 4}
    assert stats["rejections_by_stage"]["assemble"] == {"subsample": len(SPEC) - 10}
    names = {"correct_rate_per_turn.png", "pairs_per_function.png", "token_lengths.png", "rejections.png"}
    assert set(stats["plots"]) == names
    for name in names:
        with Image.open(tmp_path / "plots" / name) as image:
            image.verify()
        with Image.open(tmp_path / "plots" / name) as image:
            width, height = image.size
            assert width >= 300 and height >= 200
            # not a blank canvas
            extrema = image.convert("L").getextrema()
            assert extrema[0] < extrema[1]


def write_instruction_data(path, count, bad=0):
    with path.open("w") as handle:
        for i in range(count):
            handle.write(json.dumps({"messages": [{"role": "user", "content": f"question {i}"},
                                                  {"role": "assistant", "content": f"answer {i}"}]}) + "\n")
        for _ in range(bad):
            handle.write('{"messages": [{"role": "robot", "content": 1}]}\nnot json\n')
    return path


@pytest.mark.parametrize("strategy, expected_codeio", [("ratio", 10), ("subset", 1), ("concat", len(SPEC))])
def test_stage2_mixing(tasks, tmp_path, strategy, expected_codeio):
    it = write_instruction_data(tmp_path / "it.jsonl", 90, bad=1)
    _, rejected, stats = Assembler(quiet(instruction_data=str(it), stage2_mix=strategy, codeio_fraction=0.1)).run(
        tasks, tmp_path / "out", 1, {})
    rows = [json.loads(line) for line in (tmp_path / "out" / "train_stage2.jsonl").read_text().splitlines()]
    origins = [r["origin"] for r in rows]
    assert origins.count("instruction") == 90 and origins.count("codeio") == expected_codeio
    assert stats["stage2"]["codeio"] == expected_codeio
    if strategy == "ratio":
        assert stats["stage2"]["codeio_share"] == 0.1
    assert rejected["stage2:bad_row"] == 2
    # shuffled, not appended
    assert origins != sorted(origins) and origins != sorted(origins, reverse=True)
    assert load_json(tmp_path / "out" / "train_stage2.jsonl").num_rows == len(rows)


def _origins(path):
    return [json.loads(line)["origin"] for line in path.read_text().splitlines()] if path.is_file() else None


@pytest.mark.parametrize("stage1_mix, stage2_mix, stage1_origins, stage2_origins", [
    ("codeio", "instruction_only", {"codeio": len(SPEC)}, {"instruction": 20}),  # the paper: CodeI/O / IT
    ("concat", "none", {"codeio": len(SPEC), "instruction": 20}, None),  # CodeI/O+IT / -
    ("none", "instruction_only", None, {"instruction": 20}),  # - / IT
    ("concat", "instruction_only", {"codeio": len(SPEC), "instruction": 20}, {"instruction": 20}),
])
def test_table4_stage_files(tasks, tmp_path, stage1_mix, stage2_mix, stage1_origins, stage2_origins):
    it = write_instruction_data(tmp_path / "it.jsonl", 20)
    Assembler(quiet(instruction_data=str(it), stage1_mix=stage1_mix, stage2_mix=stage2_mix)).run(
        tasks, tmp_path / "out", 1, {})
    for name, expected in (("train_stage1.jsonl", stage1_origins), ("train_stage2.jsonl", stage2_origins)):
        origins = _origins(tmp_path / "out" / name)
        assert (None if origins is None else dict(Counter(origins))) == expected, name
    # the TRL export of the CodeI/O samples is there whatever the stage mix
    assert len((tmp_path / "out" / "train.jsonl").read_text().splitlines()) == len(SPEC)


def test_stage2_ratio_reports_shortfall(tasks, tmp_path):
    it = write_instruction_data(tmp_path / "it.jsonl", 900)
    _, _, stats = Assembler(quiet(instruction_data=str(it), stage2_mix="ratio", codeio_fraction=0.5)).run(
        tasks, tmp_path / "out", 1, {})
    assert stats["stage2"]["codeio"] == len(SPEC) and "note" in stats["stage2"]


def test_stage2_from_a_datasets_directory(tasks, tmp_path):
    ds = datasets.Dataset.from_list([{"messages": [{"role": "user", "content": "hi"},
                                                   {"role": "assistant", "content": "hello"}]}] * 5)
    ds.save_to_disk(str(tmp_path / "it"))
    _, _, stats = Assembler(quiet(instruction_data=str(tmp_path / "it"), stage2_mix="concat")).run(
        tasks, tmp_path / "out", 1, {})
    assert stats["stage2"]["instruction"] == 5 and stats["stage2"]["total"] == 5 + len(SPEC)


def test_token_lengths_with_a_local_tokenizer(tasks, tmp_path, tiny_tokenizer):
    tiny_tokenizer.save_pretrained(tmp_path / "tok")
    _, _, stats = Assembler(quiet(tokenizer=str(tmp_path / "tok"))).run(tasks, tmp_path / "a", 1, {})
    lengths = stats["token_lengths"]
    assert lengths["tokenizer"] == f"tokenizer {tmp_path / 'tok'}"
    expected = len(tiny_tokenizer(tasks[0]["prompt"], add_special_tokens=False)["input_ids"])
    assert lengths["prompt"]["max"] >= expected and lengths["prompt"]["count"] == len(SPEC)
    _, _, stats = Assembler(quiet(tokenizer=str(tmp_path / "missing"))).run(tasks, tmp_path / "b", 1, {})
    assert stats["token_lengths"]["tokenizer"].startswith(REGEX_TOKENIZER) and "error" in stats["token_lengths"]


def test_accepts_a_datasets_dataset(tasks, tmp_path):
    from codeio.pipeline.stage import features_for
    from codeio.records import Task

    ds = datasets.Dataset.from_list(tasks, features=features_for(Task))
    from_ds, rejected, _ = Assembler(quiet()).run(ds, tmp_path / "ds", 1, {})
    from_list, _, _ = Assembler(quiet()).run(tasks, tmp_path / "list", 1, {})
    assert not rejected and from_ds == from_list


def test_empty_input_still_writes_every_file(tmp_path):
    samples, rejected, stats = Assembler(quiet(plots=True)).run([], tmp_path, 1, {})
    assert samples == [] and not rejected and stats["samples"] == 0
    for name in ("codeio.jsonl", "train.jsonl", "holdout.jsonl", "README.md", "stats.json",
                 "llamafactory/dataset_info.json", "plots/correct_rate_per_turn.png"):
        assert (tmp_path / name).is_file(), name


def test_released_record_matches_the_released_data(tasks, tmp_path):
    """Issue #17 item 12: feedback_1 of a revised row holds the redo request the model was sent; a wrong
    row whose revision failed is dropped (the released data never has turn_2 = null after a wrong turn);
    codeio.jsonl holds only the released fields unless dataset.record_provenance is set."""
    redo = "Please redo it, and your prediction should no longer be any of the wrong ones you have made before!"
    samples, rejected, _ = Assembler(quiet(drop_unrevised=True)).run(tasks, tmp_path / "a", 1, {}, redo)
    assert rejected == {"revision_failed": 1}
    records = [json.loads(line) for line in (tmp_path / "a" / "codeio.jsonl").read_text().splitlines()]
    assert len(records) == len(SPEC) - 1
    for record in records:
        if record["turn_2"] is None:  # only a first answer that was right
            assert record["feedback_2"] is None and "success" in record["feedback_1"]
        else:
            assert record["feedback_1"].endswith("\n\n" + redo)
            assert not record["feedback_2"].endswith(redo)
    inline, _, _ = Assembler(quiet(record_provenance=True)).run(tasks, tmp_path / "b", 1, {}, redo)
    first = json.loads((tmp_path / "b" / "codeio.jsonl").read_text().splitlines()[0])
    assert first["task_id"] == inline[0]["task_id"]


def test_paper_experiment_uses_the_released_feedback_wording():
    from codeio.verify import VerifyItem
    from tests.helpers import build_from, compose_config

    cfg = compose_config(["+experiment=codeio_pp"])
    assert cfg.revision.redo_request.startswith("Please redo it, and your prediction should no longer")
    verifier = build_from(cfg.verifier)
    item = VerifyItem(refcode="def main_solution(n):\n    return n\n", funcname="main_solution", kind="output",
                      input_json='{"n": 3}', output_json="3", response='```json\n{"output": 4}\n```')
    verdict = verifier.verify([item], executor=None)[0]
    assert verdict.feedback == ('[Mismatch] Your output is not correct! Given the input {"n": 3}, your predicted '
                                'output is 4 which is wrong!')
    right = verifier.verify([VerifyItem(**{**item.__dict__, "response": '{"output": 3}'})], executor=None)[0]
    assert right.feedback == "Correct output!"
