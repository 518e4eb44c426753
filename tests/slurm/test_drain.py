"""A drained node (``scontrol update nodename=... state=drain``) leaves a sweep's jobs pending; the
submitting process says so periodically, naming the node, its state and the reason, and the sweep
finishes once the node is resumed: no hang without a word."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from tests.helpers import REPO_ROOT
from tests.slurm.helpers import ONE_MACHINE, node_name, slurm_cmd, sweep_jobs


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_a_drained_node_leaves_the_sweep_pending_with_a_message(slurm, tmp_path):
    node = node_name()
    sweep = tmp_path / "sweep"
    command = [sys.executable, "-m", "codeio", "-m", *ONE_MACHINE, "hydra.launcher.report_every_s=1",
               "stages=[collect]", "source=bundled", "collect.limit=2,3", "progress=false",
               f"cache.dir={tmp_path / 'cache'}", f"hydra.sweep.dir={sweep}"]
    log = tmp_path / "submit.log"
    slurm_cmd("scontrol", "update", f"nodename={node}", "state=drain", "reason=codeio drain test")
    try:
        with log.open("w") as out:
            proc = subprocess.Popen(command, cwd=REPO_ROOT, env=dict(os.environ, PYTHONPATH=str(REPO_ROOT)),
                                    stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while log.read_text().count("cannot start") < 3 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.5)
        text = log.read_text()
        assert proc.poll() is None, f"the sweep should wait for the node, not stop:\n{text[-3000:]}"
        assert text.count("cannot start") >= 3, text[-3000:]  # periodic, not once
        assert f"{node} drained: codeio drain test" in text and f"nodename={node} state=resume" in text
        jobs = sweep_jobs(sweep)
        queue = slurm_cmd("squeue", "--noheader", "--array", "--format=%i|%T")
        assert {line.split("|")[1] for line in queue.splitlines() if line.split("|")[0] in jobs} == {"PENDING"}
        assert len(jobs) == 2
    finally:
        slurm_cmd("scontrol", "update", f"nodename={node}", "state=resume")
    assert proc.wait(timeout=300) == 0, log.read_text()[-3000:]
    for point in (0, 1):
        summary = json.loads((sweep / str(point) / "summary.json").read_text())
        assert summary["stages"]["collect"]["status"] == "done"
