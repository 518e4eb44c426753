"""The measurement commands of docs/fidelity.md run (in miniature) and write their figures."""

from __future__ import annotations

import json

import pytest

from tests.conftest import shared_file
from tests.helpers import REPO_ROOT


@pytest.mark.slow
def test_task_mix_script(tmp_path):
    import subprocess
    import sys

    shared_file("codeio_reference/rawcode_1k_parsed.jsonl")
    out = tmp_path / "mix.json"
    proc = subprocess.run([sys.executable, "experiments/assemble/task_mix.py", "--pairs", "3", "--out", str(out)],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-2000:]
    points = {p["dedup_key"]: p for p in json.loads(out.read_text())["points"]}
    assert abs(points["prompt_answer"]["input_share"] - 0.5) <= 0.02
    assert points["prompt"]["input_share"] < points["prompt_answer"]["input_share"]


@pytest.mark.slow
def test_size_check_agreement_script(tmp_path):
    import subprocess
    import sys

    shared_file("reasoning_gym/codeio.json.gz")
    out = tmp_path / "size.json"
    proc = subprocess.run([sys.executable, "experiments/sampling/size_check_agreement.py", "--functions", "6",
                           "--calls", "4", "--out", str(out)], cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=900)
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(out.read_text())
    assert result["calls"] > 0 and len(result["rules"]) == 3
