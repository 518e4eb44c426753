"""Packing: rows respect the length limit, positions restart, and packed losses equal unpacked ones."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from codeio.train.chat import IGNORE_INDEX, ChatTokenizer, read_chat_rows
from codeio.train.data import TokenStore, collate_rows, plan_rows
from codeio.train.module import CausalLMModule, block_causal_mask, flash_varlen_inputs


@pytest.fixture()
def store(tmp_path, tiny_tokenizer, make_jsonl, make_rows) -> TokenStore:
    path = make_jsonl(tmp_path / "rows.jsonl", make_rows(24, seed=3))
    return TokenStore.write(tmp_path / "store", ChatTokenizer(tiny_tokenizer, max_length=256), path)


def test_plan_uses_every_sample_once_and_respects_max_length():
    lengths = np.random.default_rng(0).integers(5, 300, size=500)
    rows = plan_rows(lengths, 512, packing=True, seed=1)
    flat = sorted(i for row in rows for i in row)
    assert flat == list(range(500))
    assert all(sum(lengths[i] for i in row) <= 512 for row in rows)
    fill = lengths.sum() / (len(rows) * 512)
    assert fill > 0.9, fill
    assert plan_rows(lengths, 512, packing=True, seed=1) == rows  # deterministic
    assert all(len(row) == 1 for row in plan_rows(lengths, 512, packing=False, seed=1))


def test_collate_restarts_positions_and_shifts_labels_within_samples(store):
    rows = [[0, 1, 2]]
    batch = collate_rows(store, rows, pad_id=0)
    cursor = 0
    for k, index in enumerate(rows[0]):
        ids, trained = store.sample(index)
        n = len(ids)
        assert batch["position_ids"][0, cursor : cursor + n].tolist() == list(range(n))
        assert (batch["seq_ids"][0, cursor : cursor + n] == k).all()
        # last token of a sample never predicts the next sample's first token
        assert batch["labels"][0, cursor + n - 1] == IGNORE_INDEX
        expected = [int(ids[j + 1]) if trained[j + 1] else IGNORE_INDEX for j in range(n - 1)]
        assert batch["labels"][0, cursor : cursor + n - 1].tolist() == expected
        cursor += n
    assert (batch["seq_ids"][0, cursor:] == -1).all()
    assert (batch["labels"][0, cursor:] == IGNORE_INDEX).all()


def test_block_mask_has_no_cross_sample_attention():
    seq_ids = torch.tensor([[0, 0, 1, 1, 1, -1]])
    mask = block_causal_mask(seq_ids)[0, 0]
    assert mask[3].tolist() == [False, False, True, True, False, False]
    assert mask[1].tolist() == [True, True, False, False, False, False]
    assert mask[5].tolist() == [False, False, False, False, False, True]  # padding sees itself only


def test_flash_varlen_boundaries():
    batch = {
        "input_ids": torch.arange(12).view(2, 6),
        "labels": torch.arange(12).view(2, 6),
        "position_ids": torch.tensor([[0, 1, 0, 1, 2, 0], [0, 1, 2, 3, 0, 0]]),
        "seq_ids": torch.tensor([[0, 0, 1, 1, 1, -1], [0, 0, 0, 0, -1, -1]]),
    }
    flat = flash_varlen_inputs(batch)
    assert flat["cu_seq_lens_q"].tolist() == [0, 2, 5, 9]
    assert flat["max_length_q"] == 4
    assert flat["input_ids"].tolist() == [[0, 1, 2, 3, 4, 6, 7, 8, 9]]
    assert flat["position_ids"].tolist() == [[0, 1, 0, 1, 2, 0, 1, 2, 3]]


@pytest.mark.parametrize("attn", ["sdpa", "eager"])
def test_packed_losses_equal_unpacked(store, tiny_model_dir, attn):
    module = CausalLMModule(str(tiny_model_dir), attn_implementation=attn)
    module.configure_model()
    module.eval()
    indices = [0, 1, 2, 3, 4]
    with torch.no_grad():
        packed = module.per_sample_losses(collate_rows(store, [indices[:3], indices[3:]], pad_id=0))
        single = [module.per_sample_losses(collate_rows(store, [[i]], pad_id=0))[0] for i in indices]
        padded = module.per_sample_losses(collate_rows(store, [[i] for i in indices], pad_id=0))
    assert len(packed) == 5
    np.testing.assert_allclose(packed, single, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(padded, single, rtol=1e-5, atol=1e-5)


def test_packing_without_mask_would_differ(store, tiny_model_dir):
    """Guards the test above: attending across samples changes the losses, so equality means isolation."""
    module = CausalLMModule(str(tiny_model_dir))
    module.configure_model()
    batch = collate_rows(store, [[0, 1, 2]], pad_id=0)
    with torch.no_grad():
        isolated = module.per_sample_losses(batch)
        leaky = module.model(input_ids=batch["input_ids"]).logits  # plain causal, positions not restarted
        labels = batch["labels"]
        losses = torch.nn.functional.cross_entropy(leaky[0], labels[0], ignore_index=IGNORE_INDEX, reduction="none")
        second = (batch["seq_ids"][0] == 1) & (labels[0] != IGNORE_INDEX)
        leaky_second = float(losses[second].mean())
    assert abs(leaky_second - isolated[1]) > 1e-4


def test_read_rows_from_datasets_directory(tmp_path, make_rows):
    from datasets import Dataset

    Dataset.from_list(make_rows(5)).save_to_disk(str(tmp_path / "ds"))
    assert len([m for m in read_chat_rows(tmp_path / "ds") if m]) == 5


def test_parallel_tokenization_matches_serial(tmp_path, tiny_tokenizer, make_jsonl, make_rows):
    path = make_jsonl(tmp_path / "rows.jsonl", make_rows(30, seed=5), extra_lines=("broken",))
    chat = ChatTokenizer(tiny_tokenizer, max_length=128)
    serial = TokenStore.write(tmp_path / "serial", chat, path)
    parallel = TokenStore.write(tmp_path / "parallel", chat, path, workers=2)
    assert serial.stats == parallel.stats and serial.stats["rejected"]["bad_row"] == 1
    np.testing.assert_array_equal(serial.offsets, parallel.offsets)
    np.testing.assert_array_equal(np.asarray(serial.ids), np.asarray(parallel.ids))
    np.testing.assert_array_equal(np.asarray(serial.trained), np.asarray(parallel.trained))
