"""Two ranks (CPU DDP, gloo): data sharded over ranks, accumulation from devices, rank-0-only reports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.slow
def test_two_rank_ddp_run(tmp_path, chat_jsonl):
    script = Path(__file__).with_name("ddp_script.py")
    done = subprocess.run([sys.executable, str(script), str(chat_jsonl), str(tmp_path)], capture_output=True,
                          text=True, timeout=600, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    totals = {int(line.split()[1]) for line in done.stdout.splitlines() if line.startswith("RESULT")}
    assert len(totals) == 1  # both ranks report the same all-reduced token count
    report = json.loads((tmp_path / "run" / "report.json").read_text())
    s1, s2 = report["stages"]
    assert (s1["steps"], s1["accumulate_grad_batches"]) == (3, 2)  # 8 / (2 devices x 2 micro)
    assert (s2["steps"], s2["accumulate_grad_batches"]) == (2, 1)
    assert s1["tokens"] == totals.pop()
    from transformers import AutoModelForCausalLM

    AutoModelForCausalLM.from_pretrained(s2["export_dir"])
