"""Batching modes (padding, grouped, packing): same per-token losses, deterministic and resumable order."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from codeio.train.attention import SDPA_VARLEN, training_attention
from codeio.train.chat import IGNORE_INDEX, ChatTokenizer
from codeio.train.config import TrainerConfig
from codeio.train.data import ResumableLoader, TokenStore, collate_rows, grouped_order, plan_rows
from codeio.train.module import CausalLMModule

MAX_LENGTH = 256


@pytest.fixture()
def store(tmp_path, tiny_tokenizer, make_jsonl, make_rows) -> TokenStore:
    path = make_jsonl(tmp_path / "rows.jsonl", make_rows(30, seed=7))
    return TokenStore.write(tmp_path / "store", ChatTokenizer(tiny_tokenizer, max_length=MAX_LENGTH), path)


def loader_for(store: TokenStore, batching: str, micro_batch_size: int, seed: int = 3, rank: int = 0,
               world_size: int = 1) -> ResumableLoader:
    """The loader ``ChatDataModule`` builds for ``trainer.batching=batching``."""
    rows = plan_rows(store.lengths(), MAX_LENGTH, batching == "packing", seed)
    return ResumableLoader(store, rows, micro_batch_size, pad_id=0, seed=seed, rank=rank, world_size=world_size,
                           group_by_length=batching == "grouped")


def alone(module: CausalLMModule, store: TokenStore, index: int) -> torch.Tensor:
    """Per-token losses of one sample fed by itself, unpadded, through the plain model: the ground truth."""
    ids, trained = store.sample(index)
    ids_t = torch.from_numpy(ids.astype(np.int64))[None]
    logits = module.model(input_ids=ids_t).logits[0, :-1]
    labels = torch.where(torch.from_numpy(trained[1:].astype(bool)), ids_t[0, 1:], IGNORE_INDEX)
    losses = torch.nn.functional.cross_entropy(logits.float(), labels, ignore_index=IGNORE_INDEX, reduction="none")
    return losses[labels != IGNORE_INDEX]


def module_with(model_dir, attention: str) -> CausalLMModule:
    """``sdpa-block-mask``: the model on transformers' plain SDPA, so packed rows take the 4D-mask path."""
    module = CausalLMModule(str(model_dir), attn_implementation="sdpa" if attention == "sdpa-block-mask" else attention)
    module.configure_model()
    if attention == "sdpa-block-mask":
        module.model.set_attn_implementation("sdpa")
    module.eval()
    return module


@pytest.mark.parametrize("batching, micro_batch_size", [("padding", 3), ("grouped", 3), ("packing", 2)])
@pytest.mark.parametrize("attention", ["sdpa", "eager", "sdpa-block-mask"])
def test_every_mode_gives_each_token_the_loss_it_has_alone(store, tiny_model_dir, batching, micro_batch_size,
                                                           attention):
    module = module_with(tiny_model_dir, attention)
    loader = loader_for(store, batching, micro_batch_size)
    seen = []
    with torch.no_grad():
        for batch_rows in loader.batches_for_epoch(0):
            batch = collate_rows(store, batch_rows, pad_id=0)
            if batching != "packing":
                assert (batch["seq_ids"].max(dim=1).values == 0).all()  # one sample per row
            got = module.per_sample_token_losses(batch)
            indices = [i for row in batch_rows for i in row]
            assert len(got) == len(indices)
            for index, losses in zip(indices, got, strict=True):
                torch.testing.assert_close(losses, alone(module, store, index), rtol=1e-4, atol=1e-5)
                seen.append(index)
    assert len(seen) >= 24 and len(set(seen)) == len(seen)
    if batching == "packing":
        assert any(len(row) > 1 for row in loader.rows)  # the test exercised real packed rows


def test_varlen_path_is_the_one_taken_for_sdpa(store, tiny_model_dir):
    module = module_with(tiny_model_dir, "sdpa")
    assert module.attn_implementation == SDPA_VARLEN
    packed = collate_rows(store, [[0, 1, 2]], pad_id=0)
    inputs = module.model_inputs(packed)
    assert "attention_mask" not in inputs and inputs["cu_seq_lens_q"].tolist()[0] == 0
    assert inputs["input_ids"].shape[1] == int(packed["attention_mask"].sum())  # padding dropped
    padded = collate_rows(store, [[0], [1]], pad_id=0)
    assert set(module.model_inputs(padded)) == {"input_ids"}  # right padding needs no mask


def test_flash_request_without_flash_attn_falls_back_and_says_so(store, tiny_model_dir, recwarn):
    implementation, note = training_attention("flash_attention_2")
    assert implementation == SDPA_VARLEN
    assert "pip install flash-attn" in note and "per-sample SDPA" in note
    implementation, note = training_attention("flash_attention_2", soft_capped=lambda: True)
    assert implementation == "eager" and "soft-caps" in note
    module = CausalLMModule(str(tiny_model_dir), attn_implementation="flash_attention_2")
    module.configure_model()
    module.eval()
    assert module.attention_fallback and module.attn_implementation == SDPA_VARLEN
    assert any("flash-attn" in str(w.message) for w in recwarn)
    with torch.no_grad():
        got = module.per_sample_token_losses(collate_rows(store, [[3, 4]], pad_id=0))
        torch.testing.assert_close(got[1], alone(module, store, 4), rtol=1e-4, atol=1e-5)


def test_gradients_match_between_modes(store, tiny_model_dir):
    """One optimizer-step's worth of samples: padded and packed give the same summed-loss gradient."""
    indices = [0, 1, 2, 3]
    grads = []
    for rows in ([[i] for i in indices], [indices[:2], indices[2:]]):
        module = module_with(tiny_model_dir, "sdpa")
        losses, _ = module.token_losses(collate_rows(store, rows, pad_id=0))
        losses.sum().backward()
        grads.append(torch.cat([p.grad.flatten() for p in module.parameters() if p.grad is not None]))
    torch.testing.assert_close(grads[0], grads[1], rtol=1e-3, atol=1e-5)


def test_grouped_order_keeps_rows_and_groups_similar_lengths():
    rng_lengths = np.random.default_rng(0).integers(10, 4000, size=1003)
    order = np.random.default_rng(1).permutation(1003)
    per_step = 8
    grouped = grouped_order(order, rng_lengths, per_step, np.random.default_rng(2), window_steps=16)
    assert sorted(grouped.tolist()) == list(range(1003))
    assert grouped[-3:].tolist() == order[-3:].tolist()  # the rows left over are the random order's last
    steps = grouped[: 1000].reshape(-1, per_step)
    random_steps = order[:1000].reshape(-1, per_step)

    def padding(batches):
        widths = rng_lengths[batches].max(axis=1, keepdims=True)
        return 1 - rng_lengths[batches].sum() / (widths * per_step).sum()

    assert padding(steps) < padding(random_steps) / 5
    assert rng_lengths[steps[0]].max() == rng_lengths.max()  # the longest batch first
    # the order of lengths over the epoch is random, not a sawtooth from long to short
    firsts = rng_lengths[steps[:, 0]]
    assert not (np.all(np.diff(firsts) <= 0) or np.all(np.diff(firsts) >= 0))


def test_grouped_loader_is_deterministic_sharded_and_changes_per_epoch(store):
    one = loader_for(store, "grouped", 2, world_size=1)
    assert one.batches_for_epoch(0) == loader_for(store, "grouped", 2).batches_for_epoch(0)
    assert one.batches_for_epoch(0) != one.batches_for_epoch(1)
    assert one.pad_fraction() < loader_for(store, "padding", 2).pad_fraction()
    ranks = [loader_for(store, "grouped", 2, rank=r, world_size=2) for r in range(2)]
    shards = [ranks[r].batches_for_epoch(0) for r in range(2)]
    flat = [i for shard in shards for batch in shard for row in batch for i in row]
    assert len(flat) == len(set(flat)) == len(ranks[0]) * 2 * 2


def test_grouped_loader_resumes_mid_epoch_on_the_same_batches(store):
    first = loader_for(store, "grouped", 2)
    iterator = iter(first)
    for _ in range(4):
        next(iterator)
    state = first.state_dict()
    uninterrupted = [b["input_ids"] for b in iterator]
    resumed = loader_for(store, "grouped", 2)
    resumed.load_state_dict(state)
    again = [b["input_ids"] for b in resumed]
    assert len(again) == len(uninterrupted) > 0
    assert all(torch.equal(a, b) for a, b in zip(again, uninterrupted, strict=True))
    with pytest.raises(ValueError, match="length grouping"):
        loader_for(store, "padding", 2).load_state_dict(state)


def test_batching_setting_is_validated_and_the_old_packing_switch_still_works():
    with pytest.raises(ValueError, match=r"trainer.batching='sorted' is not one of \['padding', 'grouped', 'packing'\]"):
        TrainerConfig(batching="sorted")
    assert TrainerConfig().batching == "packing"
    assert TrainerConfig(packing=False).batching == "padding"
    assert TrainerConfig(packing=False, batching="grouped").batching == "grouped"
    assert TrainerConfig(packing=True, batching="grouped").batching == "packing"
    cfg = TrainerConfig(packing=False)
    assert cfg.packing is None  # applied once; a copy of the config keeps its batching
    from dataclasses import replace

    assert replace(cfg, batching="packing").batching == "packing"
