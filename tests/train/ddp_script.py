"""Two-process CPU DDP run of both stages (started by test_multiprocess.py; Lightning relaunches it per rank)."""

import json
import sys

import torch

from codeio.train import run_training
from codeio.train.config import ModelConfig, TinyModelConfig, TrainerConfig

if __name__ == "__main__":
    torch.set_num_threads(1)
    data, out = sys.argv[1], sys.argv[2]
    model = ModelConfig(tiny=TinyModelConfig(cache_dir=out + "/tiny"), dtype="float32")
    trainer = TrainerConfig(
        accelerator="cpu", devices=2, strategy="ddp", precision="32-true", max_length=192, micro_batch_size=2,
        global_batch_size=8, lr=1e-3, max_steps=3, checkpoint_every_n_steps=2, progress_bar=False,
        loggers=["csv"], stage2={"max_steps": 2, "global_batch_size": 4, "lr": 1e-3, "min_lr": 1e-5},
    )
    report = run_training(model, trainer, data, data, out + "/run")
    print("RESULT", json.dumps(report["stages"][0]["tokens"]))
