"""Training behaviour on CPU with the tiny model: learning, exact resume, export, two-stage runs."""

from __future__ import annotations

import hashlib
import json

import lightning as L
import pytest
import torch

from codeio.train import run_training
from codeio.train.chat import ChatTokenizer
from codeio.train.data import TokenStore, collate_rows
from codeio.train.module import CausalLMModule, lr_factor
from codeio.train.run import train_stage


def test_lr_schedules():
    assert [lr_factor(s, 10, "constant", 0, 1e-5, 0) for s in (0, 5, 9)] == [1.0, 1.0, 1.0]
    cosine = [lr_factor(s, 700, "cosine", 0, 3e-5, 1e-6) for s in range(700)]
    assert cosine[0] == pytest.approx(1.0)
    assert cosine[-1] * 3e-5 == pytest.approx(1e-6)
    assert all(a >= b for a, b in zip(cosine[:-1], cosine[1:], strict=True))
    warm = [lr_factor(s, 10, "constant", 4, 1.0, 0) for s in range(6)]
    assert warm == [0.25, 0.5, 0.75, 1.0, 1.0, 1.0]


def test_loss_falls_on_a_fixed_batch(tmp_path, tiny_model_dir, tiny_tokenizer, make_jsonl, make_rows):
    path = make_jsonl(tmp_path / "rows.jsonl", make_rows(4))
    store = TokenStore.write(tmp_path / "store", ChatTokenizer(tiny_tokenizer, max_length=256), path)
    batch = collate_rows(store, [[0, 1], [2, 3]], pad_id=tiny_tokenizer.pad_token_id)
    torch.manual_seed(0)
    module = CausalLMModule(str(tiny_model_dir))
    module.configure_model()
    optimizer = torch.optim.AdamW(module.parameters(), lr=3e-3)
    losses = []
    for _ in range(50):
        token_losses, labels = module.token_losses(batch)
        loss = token_losses.sum() / (labels != -100).sum()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(float(loss.detach()))
    assert losses[-1] < 0.5 * losses[0], (losses[0], losses[-1])
    assert min(losses[-5:]) < min(losses[:5])


class BatchRecorder(L.Callback):
    """Fingerprints of the batches trained on, by optimizer step; optionally crashes at a step."""

    def __init__(self, crash_at_step: int | None = None) -> None:
        self.seen: list[tuple[int, str]] = []
        self.crash_at_step = crash_at_step

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx):
        if self.crash_at_step is not None and trainer.global_step == self.crash_at_step:
            raise RuntimeError("simulated crash")
        digest = hashlib.sha1(batch["input_ids"].numpy().tobytes()).hexdigest()[:12]
        self.seen.append((trainer.global_step, digest))


def _stage(tmp_path, name, model_cfg, trainer_cfg, data, callbacks):
    return train_stage(1, model_cfg, trainer_cfg, trainer_cfg.stage(1), str(model_cfg.tiny_dir), data,
                       tmp_path / name, extra_callbacks=callbacks)


def test_resume_continues_at_same_step_and_data_position(tmp_path, tiny_model_cfg, tiny_model_dir, chat_jsonl,
                                                         cpu_trainer):
    tiny_model_cfg.tiny_dir = tiny_model_dir
    cfg = cpu_trainer(max_steps=6, checkpoint_every_n_steps=3, lr_schedule="constant", export=False,
                      max_length=128)
    reference = BatchRecorder()
    full = _stage(tmp_path, "full", tiny_model_cfg, cfg, chat_jsonl, [reference])
    assert full["steps"] == 6

    crashed = BatchRecorder(crash_at_step=3)
    with pytest.raises(RuntimeError, match="simulated crash"):
        _stage(tmp_path, "resumed", tiny_model_cfg, cfg, chat_jsonl, [crashed])
    checkpoint = torch.load(tmp_path / "resumed" / "checkpoints" / "last.ckpt", weights_only=False)
    assert checkpoint["global_step"] == 3
    assert checkpoint["loops"]["fit_loop"]["state_dict"]["combined_loader"][0]["batches_done"] == 3 * cfg.accumulation(cfg.stage(1))

    after = BatchRecorder()
    resumed = _stage(tmp_path, "resumed", tiny_model_cfg, cfg, chat_jsonl, [after])
    assert resumed["steps"] == 6 and resumed["resumed_from"].endswith("last.ckpt")
    assert after.seen[0][0] == 3  # continues at step 3
    assert crashed.seen + after.seen == reference.seen  # same batches, same order

    def logged_steps(name):
        import csv

        with (tmp_path / name / "logs" / "metrics.csv").open(newline="") as f:
            return sorted({int(float(r["step"])) for r in csv.DictReader(f) if r.get("train/loss")})

    assert len(logged_steps("full")) == 6
    assert logged_steps("resumed") == logged_steps("full")  # metrics.csv keeps the steps before the resume
    full_weights = torch.load(tmp_path / "full" / "checkpoints" / "last.ckpt", weights_only=False)["state_dict"]
    resumed_weights = torch.load(tmp_path / "resumed" / "checkpoints" / "last.ckpt", weights_only=False)["state_dict"]
    for key, value in full_weights.items():
        torch.testing.assert_close(resumed_weights[key], value, rtol=1e-5, atol=1e-6)


def test_two_stage_run_and_export(tmp_path, tiny_model_cfg, chat_jsonl, cpu_trainer, make_jsonl, make_rows):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    stage2_data = make_jsonl(tmp_path / "instruct.jsonl", make_rows(20, seed=9))
    cfg = cpu_trainer(max_length=160)
    report = run_training(tiny_model_cfg, cfg, chat_jsonl, stage2_data, tmp_path / "out")
    s1, s2 = report["stages"]
    assert (s1["steps"], s2["steps"]) == (4, 3)
    assert s2["model_in"] == s1["export_dir"]
    assert s1["settings"]["lr_schedule"] == "constant" and s2["settings"]["lr_schedule"] == "cosine"
    for stage in (s1, s2):
        assert stage["tokens"] > 0 and stage["seconds"] > 0
        assert isinstance(stage["loss_start"], float) and isinstance(stage["loss_end"], float)
    assert s1["truncated_samples"] > 0 and s1["truncated_samples"] == s1["data_stats"]["truncated"]
    rejected = s1["data_stats"]["rejected"]
    assert rejected["bad_row"] == 1 and rejected["no_assistant_turn"] == 1
    assert json.loads((tmp_path / "out" / "report.json").read_text())["final_model"] == s2["export_dir"]
    assert (tmp_path / "out" / "stage1" / "logs" / "metrics.csv").is_file()

    # exported weights == trained weights: reload and compare logits with the last checkpoint's weights
    exported = AutoModelForCausalLM.from_pretrained(s2["export_dir"]).eval()
    tokenizer = AutoTokenizer.from_pretrained(s2["export_dir"])
    state = torch.load(tmp_path / "out" / "stage2" / "checkpoints" / "last.ckpt", weights_only=False)["state_dict"]
    trained = AutoModelForCausalLM.from_pretrained(s1["export_dir"]).eval()
    trained.load_state_dict({k.removeprefix("model."): v for k, v in state.items()})
    ids = tokenizer.apply_chat_template([{"role": "user", "content": "main_solution(a=1, b=2)?"}],
                                        add_generation_prompt=True, return_tensors="pt", return_dict=True)["input_ids"]
    with torch.no_grad():
        torch.testing.assert_close(exported(ids).logits, trained(ids).logits, rtol=0, atol=0)
        before = AutoModelForCausalLM.from_pretrained(s1["export_dir"]).eval()(ids).logits
    assert not torch.equal(before, exported(ids).logits)  # stage 2 changed the stage-1 weights

    again = run_training(tiny_model_cfg, cfg, chat_jsonl, stage2_data, tmp_path / "out")
    assert all(stage.get("reused") for stage in again["stages"])


def test_train_data_override_and_missing_data(tmp_path, tiny_model_cfg, chat_jsonl, cpu_trainer):
    cfg = cpu_trainer(train_data=str(chat_jsonl), max_steps=1, export=False)
    report = run_training(tiny_model_cfg, cfg, tmp_path / "does-not-matter.jsonl", None, tmp_path / "out")
    assert [s["stage"] for s in report["stages"]] == [1] and report["stages"][0]["data"] == str(chat_jsonl)
    with pytest.raises(FileNotFoundError):
        run_training(tiny_model_cfg, cpu_trainer(), tmp_path / "missing.jsonl", None, tmp_path / "out2")


def test_only_rank_zero_builds_the_tiny_model(tmp_path, monkeypatch):
    from codeio.train.config import ModelConfig, TinyModelConfig
    from codeio.train.run import resolve_model_path

    cfg = ModelConfig(tiny=TinyModelConfig(cache_dir=str(tmp_path / "cache")))
    monkeypatch.setenv("RANK", "1")
    with pytest.raises(TimeoutError):
        resolve_model_path(cfg, wait_s=0.2)
    assert not (tmp_path / "cache").exists()  # a non-zero rank wrote nothing
    monkeypatch.setenv("RANK", "0")
    built = resolve_model_path(cfg)
    monkeypatch.setenv("RANK", "1")
    assert resolve_model_path(cfg, wait_s=0.2) == built


def test_gradient_checkpointing_gives_the_same_gradients(tmp_path, tiny_model_dir, tiny_tokenizer, make_jsonl,
                                                         make_rows):
    path = make_jsonl(tmp_path / "rows.jsonl", make_rows(3))
    store = TokenStore.write(tmp_path / "store", ChatTokenizer(tiny_tokenizer, max_length=256), path)
    batch = collate_rows(store, [[0, 1, 2]], pad_id=tiny_tokenizer.pad_token_id)
    grads = []
    for checkpointing in (False, True):
        module = CausalLMModule(str(tiny_model_dir), gradient_checkpointing=checkpointing)
        module.configure_model()
        assert module.model.is_gradient_checkpointing == checkpointing
        losses, labels = module.token_losses(batch)
        (losses.sum() / (labels != -100).sum()).backward()
        grads.append(module.model.model.embed_tokens.weight.grad.clone())
    torch.testing.assert_close(grads[0], grads[1], rtol=1e-5, atol=1e-6)


def test_batch_counts_samples_with_packing(tmp_path, tiny_model_cfg, tiny_model_dir, chat_jsonl, cpu_trainer):
    """Issue #17 item 5 end to end: with packing and batch_unit=samples, the rows per step come from the
    packing plan, so a step sees about global_batch_size samples (the report logs the figures)."""
    tiny_model_cfg.tiny_dir = tiny_model_dir
    cfg = cpu_trainer(batch_unit="samples", batching="packing", max_length=256, micro_batch_size=1,
                      global_batch_size=8, max_steps=1, export=False)
    report = _stage(tmp_path, "samples", tiny_model_cfg, cfg, chat_jsonl, [])
    assert report["batch_unit"] == "samples" and report["samples_per_row"] > 1.2
    assert report["rows_per_step"] == round(8 / report["samples_per_row"])
    assert report["accumulate_grad_batches"] == report["rows_per_step"] < 8
    assert abs(report["samples_per_step"] - 8) <= report["samples_per_row"]
    rows = _stage(tmp_path, "rows", tiny_model_cfg, cpu_trainer(batching="packing", max_length=256, micro_batch_size=1,
                                                               global_batch_size=8, max_steps=1, export=False),
                  chat_jsonl, [])
    assert rows["rows_per_step"] == rows["accumulate_grad_batches"] == 8
    assert rows["samples_per_step"] > 8 * 1.2
