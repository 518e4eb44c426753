"""``python -m codeio.verify rows.jsonl`` end to end, in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CODE = "def main_solution(a, b):\n    if a < 0:\n        while True:\n            pass\n    return a + b\n"


def run_cli(tmp_path, lines, *args):
    rows = tmp_path / "rows.jsonl"
    rows.write_text("".join(line if isinstance(line, str) else json.dumps(line) + "\n" for line in lines))
    proc = subprocess.run([sys.executable, "-m", "codeio.verify", str(rows), "--timeout", "1", *args],
                          capture_output=True, text=True, cwd=REPO, timeout=120)
    return proc, [json.loads(line) for line in proc.stdout.splitlines()]


def row(kind, response, **extra):
    return {"refcode": CODE, "funcname": "main_solution", "kind": kind, "input": {"a": 1, "b": 2},
            "output": 3, "response": response, **extra}


def test_cli_one_verdict_per_row_in_order(tmp_path):
    lines = [
        row("output", 'I get {"output": 3}'),
        row("output", '{"output": 4}'),
        row("input", '{"input": {"a": 2, "b": 1}}'),
        row("input", '{"input": {"a": 5, "b": 5}}'),
        "this is not json\n",
        "\n",
        {"kind": "output"},
        row("input", '{"input": {"a": -1, "b": 0}}'),
        row("input", '{"input": {"c": 1}}'),
        row("output", "no answer here"),
        row("output", '{"output": 3}', finish_reason="length"),
        row("output", None),
        row("sideways", "x"),
        [1, 2],
    ]
    proc, verdicts = run_cli(tmp_path, lines)
    assert proc.returncode == 0, proc.stderr
    statuses = [v["status"] for v in verdicts]
    assert statuses == ["success", "mismatch", "success", "mismatch", "invalid", "invalid", "timeout",
                        "exception", "no_answer", "no_answer", "no_answer", "invalid", "invalid"]
    assert all(isinstance(v["feedback"], str) and v["feedback"] for v in verdicts)
    assert "10" in verdicts[3]["feedback"]  # the output the predicted input actually gives
    assert "3" not in verdicts[1]["feedback"]  # wrong output: true output not revealed
    assert "line 5" in verdicts[4]["error"]
    assert "verified 13 rows" in proc.stderr


def test_cli_bad_arguments(tmp_path):
    proc, _ = run_cli(tmp_path, [row("output", '{"output": 3}')], "--executor", "nope")
    assert proc.returncode == 2 and "unknown --executor" in proc.stderr
    missing = subprocess.run([sys.executable, "-m", "codeio.verify", str(tmp_path / "absent.jsonl")],
                             capture_output=True, text=True, cwd=REPO, timeout=60)
    assert missing.returncode == 2 and "cannot read" in missing.stderr


def test_cli_stdin_and_out_file(tmp_path):
    out = tmp_path / "verdicts.jsonl"
    proc = subprocess.run([sys.executable, "-m", "codeio.verify", "-", "-o", str(out), "-q"],
                          input=json.dumps(row("output", '{"output": 3.0001}')) + "\n",
                          capture_output=True, text=True, cwd=REPO, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert [json.loads(x)["status"] for x in out.read_text().splitlines()] == ["success"]
