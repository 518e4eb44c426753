"""One cgroup per worker: a memory limit (so tmpfs, shared memory and every process of the job count)
and a pids limit, made by the trusted parent before the worker starts, removed when it stops.

cgroup v2 is used when ``/sys/fs/cgroup`` is a unified hierarchy whose ``memory`` and ``pids``
controllers can be enabled below this process's own cgroup (root, or a delegated subtree such as
``systemd-run --user --scope -p Delegate=yes``); otherwise cgroup v1's ``memory`` and ``pids``
hierarchies (as root). The worker's launcher joins the cgroup before it enters its namespaces, so the
worker and every job process inherit it. Names carry the creating process's pid: ``sweep()`` removes
those whose creator is gone (a parent killed with ``kill -9``).
"""

from __future__ import annotations

import itertools
import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")
PREFIX = "codeio-exec-"
_counter = itertools.count()


class CgroupUnavailable(RuntimeError):
    """No writable cgroup with memory and pids controllers here (the message says why)."""


@dataclass
class WorkerCgroup:
    version: int
    dirs: list[Path] = field(default_factory=list)

    @property
    def procs_files(self) -> list[str]:
        return [str(d / "cgroup.procs") for d in self.dirs]

    @property
    def oom_file(self) -> str:
        """The file whose ``oom_kill`` line counts the out-of-memory kills inside this cgroup."""
        memory = self.dirs[0]
        return str(memory / ("memory.events" if self.version == 2 else "memory.oom_control"))

    def kill(self) -> None:
        """v2: SIGKILL every process in the cgroup (membership is the proof they are the worker's)."""
        if self.version == 2:
            try:
                (self.dirs[0] / "cgroup.kill").write_text("1")
            except OSError:
                pass

    def remove(self, wait: float = 5.0) -> bool:
        """Remove the cgroup once its processes are gone; False if it stayed busy for ``wait`` seconds."""
        deadline = time.monotonic() + wait
        for folder in self.dirs:
            while True:
                try:
                    folder.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        return False
                    time.sleep(0.02)
        return True


def _own_paths() -> dict[str, str]:
    """controller (or "" for v2) -> this process's cgroup path."""
    paths = {}
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        for name in controllers.split(",") if controllers else [""]:
            paths[name] = path
    return paths


def _v2_parent() -> Path:
    if not (ROOT / "cgroup.controllers").is_file():
        raise CgroupUnavailable("no cgroup v2 hierarchy at /sys/fs/cgroup")
    parent = ROOT / _own_paths().get("", "/").lstrip("/")
    enabled = set((parent / "cgroup.subtree_control").read_text().split())
    if not {"memory", "pids"} <= enabled:
        try:
            (parent / "cgroup.subtree_control").write_text("+memory +pids")
        except OSError as exc:
            raise CgroupUnavailable(f"cannot enable the memory and pids controllers below {parent} ({exc}); "
                                    "run inside a delegated cgroup, e.g. systemd-run --user --scope -p "
                                    "Delegate=yes") from None
    return parent


def _v1_parents() -> list[Path]:
    own = _own_paths()
    parents = []
    for controller in ("memory", "pids"):
        base = ROOT / controller
        if controller not in own or not (base / "cgroup.procs").is_file():
            raise CgroupUnavailable(f"no cgroup v1 {controller} hierarchy at {base}")
        parents.append(base / own[controller].lstrip("/"))
    return parents


def create(memory_bytes: int, pids_max: int) -> WorkerCgroup:
    """A fresh worker cgroup with both limits set; ``CgroupUnavailable`` says why there is none."""
    name = f"{PREFIX}{os.getpid()}-{next(_counter)}-{secrets.token_hex(3)}"
    errors = []
    for version in (2, 1):
        try:
            parents = [_v2_parent()] if version == 2 else _v1_parents()
        except (CgroupUnavailable, OSError) as exc:
            errors.append(f"v{version}: {exc}")
            continue
        group = WorkerCgroup(version)
        try:
            for parent in parents:
                folder = parent / name
                folder.mkdir()
                group.dirs.append(folder)
            memory = group.dirs[0]
            if version == 2:
                (memory / "memory.max").write_text(str(memory_bytes))
                if (memory / "memory.swap.max").exists():
                    (memory / "memory.swap.max").write_text("0")
                (memory / "pids.max").write_text(str(pids_max))
            else:
                (memory / "memory.limit_in_bytes").write_text(str(memory_bytes))
                if (memory / "memory.memsw.limit_in_bytes").exists():
                    (memory / "memory.memsw.limit_in_bytes").write_text(str(memory_bytes))
                (group.dirs[1] / "pids.max").write_text(str(pids_max))
            return group
        except OSError as exc:
            group.remove(wait=0)
            errors.append(f"v{version}: {exc}")
    raise CgroupUnavailable("; ".join(errors))


def sweep() -> int:
    """Remove worker cgroups left by processes that no longer exist; returns how many went."""
    removed = 0
    try:
        parents = [_v2_parent()]
    except (CgroupUnavailable, OSError):
        try:
            parents = _v1_parents()
        except (CgroupUnavailable, OSError):
            return 0
    for parent in parents:
        try:
            names = [n for n in os.listdir(parent) if n.startswith(PREFIX)]
        except OSError:
            continue
        for name in names:
            creator = name[len(PREFIX):].split("-", 1)[0]
            if creator.isdigit() and not os.path.exists(f"/proc/{creator}"):
                try:
                    (parent / name).rmdir()
                    removed += 1
                except OSError:
                    pass
    return removed
