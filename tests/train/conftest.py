"""Fixtures of the training tests: a tiny model built once per session and small chat data sets."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from codeio.train.config import ModelConfig, TinyModelConfig, TrainerConfig


def chat_rows(count: int, seed: int = 0) -> list[dict]:
    """Small arithmetic conversations, some multi-turn with a system message, of varied length."""
    rng = random.Random(seed)
    rows = []
    for i in range(count):
        a, b = rng.randint(0, 99), rng.randint(0, 99)
        padding = " ".join(rng.choice(["list", "sum", "loop", "value", "index"]) for _ in range(rng.randint(0, 60)))
        messages = [
            {"role": "user", "content": f"main_solution(a={a}, b={b}) adds a and b. Predict the output. {padding}"},
            {"role": "assistant", "content": f"Adding {a} and {b} gives {a + b}. {{\"output\": {a + b}}}"},
        ]
        if i % 3 == 0:
            messages = [{"role": "system", "content": "Answer with JSON."}, *messages,
                        {"role": "user", "content": "Are you sure?"},
                        {"role": "assistant", "content": "Yes, that's correct."}]
        rows.append({"messages": messages})
    return rows


def write_jsonl(path: Path, rows: list, extra_lines: tuple[str, ...] = ()) -> Path:
    with path.open("w") as handle:
        for row in rows:
            handle.write(json.dumps(row) + "\n")
        for line in extra_lines:
            handle.write(line + "\n")
    return path


@pytest.fixture(scope="package", autouse=True)
def one_torch_thread():
    """Tiny models gain nothing from intra-op threads, and on a busy 2-core machine they thrash (15x slower)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def tiny_model_cfg(tmp_path_factory) -> ModelConfig:
    cache = tmp_path_factory.mktemp("tiny_models")
    return ModelConfig(name="tiny", source="tiny", dtype="float32", tiny=TinyModelConfig(cache_dir=str(cache)))


@pytest.fixture(scope="session")
def tiny_model_dir(tiny_model_cfg) -> Path:
    from codeio.train.tiny import ensure_tiny_model

    return ensure_tiny_model(tiny_model_cfg.tiny)


@pytest.fixture(scope="session")
def tiny_tokenizer(tiny_model_dir):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_model_dir)


@pytest.fixture()
def chat_jsonl(tmp_path) -> Path:
    return write_jsonl(tmp_path / "chat.jsonl", chat_rows(48),
                       extra_lines=("not json", json.dumps({"messages": [{"role": "user", "content": "hi"}]})))


@pytest.fixture()
def make_jsonl():
    """``make_jsonl(path, rows, extra_lines=())`` writes a JSONL file (extra lines verbatim, e.g. bad JSON)."""
    return write_jsonl


@pytest.fixture()
def make_rows():
    """``make_rows(count, seed=0)``: arithmetic chat rows."""
    return chat_rows


@pytest.fixture()
def cpu_trainer():
    """``cpu_trainer(**overrides)``: a fast CPU TrainerConfig for the tiny model."""
    return cpu_trainer_cfg


def cpu_trainer_cfg(**overrides) -> TrainerConfig:
    base = dict(batch_unit="rows", accelerator="cpu", devices=1, precision="32-true", strategy="auto", max_length=256,
                micro_batch_size=2, global_batch_size=4, lr=1e-3, max_steps=4, checkpoint_every_n_steps=2,
                progress_bar=False, loggers=["csv"],
                stage2={"max_steps": 3, "global_batch_size": 2, "lr": 1e-3, "min_lr": 1e-5})
    base.update(overrides)
    return TrainerConfig(**base)
