"""The train stage counts the samples it could not use, by reason, in the run's table."""

from __future__ import annotations

import json

from tests.helpers import run_in_process


def test_bad_training_rows_are_counted_by_reason(tmp_path):
    data = tmp_path / "chat.jsonl"
    good = [json.dumps({"messages": [{"role": "user", "content": f"Say {i}."},
                                     {"role": "assistant", "content": f"{i}."}]}) for i in range(8)]
    bad = ["not json", json.dumps({"messages": [{"role": "user", "content": "no answer"}]})]
    data.write_text("\n".join(good + bad) + "\n")
    summary = run_in_process(["stages=[train]", f"trainer.train_data={data}", "trainer.max_steps=1",
                              "trainer.micro_batch_size=1", "trainer.global_batch_size=1",
                              f"cache.dir={tmp_path / 'cache'}", "progress=false"], tmp_path / "run")
    train = summary["stages"]["train"]
    assert train["rows_in"] == 10
    assert sum(train["rejected"].values()) == 2, train["rejected"]
    assert all(reason.startswith("stage1:") for reason in train["rejected"])
    assert "train" in (tmp_path / "run" / "report.md").read_text()
