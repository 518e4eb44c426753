"""Checks made before a sweep is submitted to SLURM. Each returns "" when all is well, else one sentence
that says what is wrong and what to do: a queue can hold a job for hours before it starts and fails on
a setting that could have been caught here."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SLURM_TOOLS = ("sbatch", "squeue", "sacct", "sinfo")
# filesystems that live on one machine: a job on another node cannot see what is written there
LOCAL_FILESYSTEMS = {"tmpfs", "ramfs", "ext2", "ext3", "ext4", "xfs", "btrfs", "overlay", "zfs", "f2fs",
                     "vfat", "exfat", "devtmpfs"}
TRY_LOCALLY = ("start a one-node cluster here with tools/slurm_local.sh start (and export the SLURM_CONF "
               "it prints), or run the sweep with hydra/launcher=local")


@dataclass(frozen=True)
class Node:
    partition: str
    name: str
    hostname: str
    cpus: int
    memory_mb: int
    default: bool
    """Whether ``partition`` is the cluster's default partition."""


def missing_tools() -> str:
    missing = [tool for tool in SLURM_TOOLS if shutil.which(tool) is None]
    if not missing:
        return ""
    return (f"hydra/launcher=slurm_* submits jobs with SLURM's commands, and {', '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} not on PATH. Run the sweep where the SLURM client "
            f"commands are installed (a login node), {TRY_LOCALLY}")


def cluster_nodes(timeout_s: float = 30.0) -> tuple[list[Node], str]:
    """Every node of every partition, as ``sinfo`` sees them; or ``[]`` and what went wrong."""
    command = ["sinfo", "--noheader", "--Node", "--format=%P|%N|%n|%c|%m"]
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return [], f"sinfo did not answer in {timeout_s:.0f} s: the SLURM controller is unreachable"
    if proc.returncode != 0:
        error = (proc.stderr.strip() or proc.stdout.strip()).splitlines()[-1:] or ["no output"]
        where = f" (SLURM_CONF={os.environ['SLURM_CONF']})" if os.environ.get("SLURM_CONF") else ""
        return [], (f"sinfo failed{where}: {error[0]}. Check that the SLURM controller runs and that "
                    f"SLURM_CONF names its slurm.conf; on one machine, {TRY_LOCALLY}")
    nodes = []
    for line in proc.stdout.splitlines():
        fields = line.strip().split("|")
        if len(fields) != 5:
            continue
        partition, name, hostname, cpus, memory = fields
        nodes.append(Node(partition.rstrip("*"), name, hostname, _number(cpus), _number(memory),
                          partition.endswith("*")))
    if not nodes:
        return [], "sinfo lists no nodes: the cluster has no partition to submit to"
    return nodes, ""


def _number(text: str) -> int:
    digits = "".join(ch for ch in text if ch.isdigit())
    return int(digits) if digits else 0


def partition_nodes(nodes: list[Node], partition: str | None) -> tuple[list[Node], str]:
    """The nodes a job of ``partition`` (None: the default partition) may run on."""
    names = sorted({n.partition for n in nodes})
    if partition is None:
        chosen = [n for n in nodes if n.default] or nodes
        return chosen, ""
    requested = set(partition.split(","))
    unknown = sorted(requested - set(names))
    if unknown:
        return [], (f"hydra.launcher.partition={partition}: no partition {', '.join(unknown)} on this cluster; "
                    f"it has {', '.join(names)}")
    return [n for n in nodes if n.partition in requested], ""


def resources_fit(nodes: list[Node], params: dict[str, Any]) -> str:
    """One job's CPUs and memory fit on at least one node of its partition (else sbatch refuses it)."""
    tasks = int(params.get("tasks_per_node") or 1)
    cpus = tasks * int(params.get("cpus_per_task") or 1)
    most_cpus = max(n.cpus for n in nodes)
    where = f"partition {nodes[0].partition}" if len({n.partition for n in nodes}) == 1 else "these partitions"
    if cpus > most_cpus:
        return (f"hydra.launcher.cpus_per_task={params.get('cpus_per_task')} x tasks_per_node={tasks} asks for "
                f"{cpus} CPUs per node, and the largest node of {where} has {most_cpus}: lower "
                f"hydra.launcher.cpus_per_task (e.g. hydra.launcher.cpus_per_task={max(1, most_cpus // tasks)})")
    mem_gb = params.get("mem_gb")
    most_mb = max(n.memory_mb for n in nodes)
    if mem_gb and most_mb and mem_gb * 1024 > most_mb:
        return (f"hydra.launcher.mem_gb={mem_gb} is more than the largest node of {where} has "
                f"({most_mb // 1024} GB): lower it (e.g. hydra.launcher.mem_gb={max(1, most_mb // 1024 // 2)})")
    return ""


def shared_dirs(paths: dict[str, str], nodes: list[Node]) -> str:
    """Directories the jobs and this process both use are on a filesystem every node sees. Nothing to
    check when every node is this machine (a one-node cluster)."""
    here = {socket.gethostname(), socket.getfqdn(), socket.gethostname().split(".")[0]}
    others = sorted({n.name for n in nodes if n.name not in here and n.hostname not in here})
    if not others:
        return ""
    for key, path in paths.items():
        mount, fstype = filesystem_of(Path(path))
        if fstype in LOCAL_FILESYSTEMS:
            shown = ", ".join(others[:3]) + (", ..." if len(others) > 3 else "")
            return (f"{key}={path} is on this machine's local disk ({fstype} at {mount}), but the jobs run on "
                    f"other nodes ({shown}), which would not see it: set {key} to a filesystem every node "
                    "mounts (NFS, Lustre, GPFS, ...), or hydra.launcher.check_shared_dirs=false if it is one")
    return ""


def filesystem_of(path: Path) -> tuple[str, str]:
    """``(mount point, filesystem type)`` that holds ``path`` (or its nearest existing parent)."""
    path = Path(os.path.abspath(path))
    while not path.exists() and path != path.parent:
        path = path.parent
    path = path.resolve()
    best = ("/", "")
    try:
        mounts = Path("/proc/self/mounts").read_text().splitlines()
    except OSError:
        return best
    for line in mounts:
        fields = line.split()
        if len(fields) < 3:
            continue
        mount = fields[1].replace("\\040", " ")
        inside = path == Path(mount) or Path(mount) in path.parents
        if inside and len(mount) >= len(best[0]):
            best = (mount, fields[2])
    return best


def codeio_config(cfg: Any) -> str:
    """What ``python -m codeio`` would refuse at start-up in a job (``cfg``: its composed config, with the
    ``hydra`` node), found before the job waits in a queue."""
    import copy

    from omegaconf import open_dict, read_write

    from codeio.__main__ import ConfigurationError, build_pipeline

    cfg = copy.deepcopy(cfg)
    with read_write(cfg), open_dict(cfg):
        del cfg["hydra"]  # as Hydra hands it to the job
    try:
        build_pipeline(cfg, Path("unused-run-dir"))
    except ConfigurationError as err:
        return f"{err} (found before submitting: every job would stop on it)"
    return ""


def submitit_root(folder: str) -> Path:
    """The directory in which submitit makes one folder per job (``.../.submitit/%j`` -> ``.../.submitit``)."""
    parts = Path(folder).parts
    for i, part in enumerate(parts):
        if "%" in part:
            return Path(*parts[:i])
    return Path(folder)
