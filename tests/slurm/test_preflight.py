"""What the SLURM launcher refuses before it submits anything, with the sentence a user sees. These
need no Slurm: the checks are functions of what sinfo reports, and the first one runs the CLI with
SLURM's commands off PATH."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest
from hydra import compose, initialize_config_dir

from codeio.launcher import preflight
from codeio.launcher.preflight import Node
from codeio.launcher.watch import submitted_jobs
from tests.helpers import CONF_DIR, REPO_ROOT

HERE = socket.gethostname()


def nodes(*names: str, cpus: int = 2, memory_mb: int = 23000, partition: str = "debug") -> list[Node]:
    return [Node(partition, name, name, cpus, memory_mb, True) for name in names]


def test_no_sbatch_on_path_stops_the_sweep_before_it_starts(tmp_path):
    empty = tmp_path / "bin"
    empty.mkdir()
    proc = subprocess.run([sys.executable, "-m", "codeio", "-m", "hydra/launcher=slurm_cpu", "stages=[collect]",
                           "source=bundled", f"cache.dir={tmp_path / 'cache'}", f"hydra.sweep.dir={tmp_path / 's'}"],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, PATH=str(empty), PYTHONPATH=str(REPO_ROOT)))
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "codeio: configuration error:" in proc.stderr and "sbatch" in proc.stderr
    assert "tools/slurm_local.sh start" in proc.stderr and "hydra/launcher=local" in proc.stderr
    assert not (tmp_path / "s" / ".submitit").exists()  # nothing was submitted


def test_a_job_bigger_than_every_node_is_refused_with_the_number_that_fits():
    message = preflight.resources_fit(nodes("n1", "n2"), {"cpus_per_task": 32, "tasks_per_node": 1})
    assert "cpus_per_task=32" in message and "has 2" in message and "hydra.launcher.cpus_per_task=2" in message
    message = preflight.resources_fit(nodes("n1"), {"cpus_per_task": 1, "mem_gb": 64})
    assert "mem_gb=64" in message and "22 GB" in message
    assert preflight.resources_fit(nodes("n1"), {"cpus_per_task": 1, "mem_gb": 4}) == ""


def test_an_unknown_partition_names_the_ones_there_are():
    chosen, message = preflight.partition_nodes(nodes("n1", partition="cpu"), "gpu")
    assert chosen == [] and "partition=gpu" in message and "it has cpu" in message
    chosen, message = preflight.partition_nodes(nodes("n1", partition="cpu"), None)
    assert [n.name for n in chosen] == ["n1"] and message == ""


def test_a_cache_on_local_disk_is_refused_when_jobs_run_on_other_nodes(tmp_path):
    mount, fstype = preflight.filesystem_of(tmp_path)
    if fstype not in preflight.LOCAL_FILESYSTEMS:
        pytest.skip(f"{tmp_path} is on {fstype} at {mount}, not a local filesystem type")
    paths = {"cache.dir": str(tmp_path / "cache"), "hydra.sweep.dir": str(tmp_path / "sweep")}
    message = preflight.shared_dirs(paths, nodes("node-a", "node-b"))
    assert message.startswith(f"cache.dir={tmp_path / 'cache'} is on this machine's local disk ({fstype}")
    assert "node-a, node-b" in message and "check_shared_dirs=false" in message
    assert preflight.shared_dirs(paths, nodes(HERE)) == ""  # a one-node cluster on this machine


def test_the_first_jobs_codeio_settings_are_checked_before_submitting(tmp_path):
    with initialize_config_dir(config_dir=CONF_DIR, version_base="1.3"):
        cfg = compose(config_name="config", return_hydra_config=True,
                      overrides=["hydra/launcher=slurm_cpu", "stages=[collect]", "source=jsonl",
                                 f"cache.dir={tmp_path}"])
    assert "source.path" in preflight.codeio_config(cfg)
    with initialize_config_dir(config_dir=CONF_DIR, version_base="1.3"):
        cfg = compose(config_name="config", return_hydra_config=True,
                      overrides=["hydra/launcher=slurm_cpu", "stages=[collect]", f"cache.dir={tmp_path}"])
    assert preflight.codeio_config(cfg) == ""


def test_the_jobs_of_a_launch_are_read_from_submitits_folders(tmp_path):
    for name in ("7_0", "12", "12_0", "12_1", "13", ".submission_file_x.sh"):
        (tmp_path / name).mkdir()
    old = time.time() - 3600
    os.utime(tmp_path / "7_0", (old, old))  # an earlier launch into the same sweep directory
    assert submitted_jobs(tmp_path, since=time.time() - 60) == ["12_0", "12_1", "13"]
    assert preflight.submitit_root("/s/sweep/.submitit/%j") == preflight.submitit_root("/s/sweep/.submitit")
