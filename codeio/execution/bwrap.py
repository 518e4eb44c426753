"""The forkserver's workers in a sandbox that bubblewrap builds (``apt-get install bubblewrap``).

bubblewrap makes the namespaces (pid, network, IPC, UTS, mount) and the minimal read-only root from the
same list the forkserver's worker uses (``rootfs.root_entries``), and starts the worker as pid 1 with
only the capabilities it needs to sandbox each job: mounting the job's scratch tmpfs and remounting
/proc with ``hidepid=2`` (CAP_SYS_ADMIN), switching job processes to the private uid (CAP_SETUID,
CAP_SETGID, CAP_SETPCAP), preparing their working directory (CAP_CHOWN) and killing them afterwards
(CAP_KILL). Every job process drops all of them. The launcher joins the worker's cgroup first, then
execs bubblewrap. ``--die-with-parent`` is not used (Linux ties it to the thread that started bwrap,
and pool threads come and go); the worker instead dies with bubblewrap (parent-death signal) and
exits when its stdin closes.
"""

from __future__ import annotations

import shutil
from typing import Any

from codeio.execution.config import BwrapConfig
from codeio.execution.forkserver import ForkserverExecutor
from codeio.execution.pool import LocalWorker, SandboxUnavailable
from codeio.execution.rootfs import CHILD_DIR, bwrap_arguments, root_entries

WORKER_CAPABILITIES = ("CAP_SYS_ADMIN", "CAP_SETUID", "CAP_SETGID", "CAP_SETPCAP", "CAP_CHOWN", "CAP_KILL")


class BwrapExecutor(ForkserverExecutor):
    name = "bwrap"

    def __init__(self, cfg: BwrapConfig):
        if shutil.which(cfg.bwrap) is None:
            raise RuntimeError(f"bubblewrap not found ({cfg.bwrap!r}): install it, e.g. apt-get install bubblewrap")
        super().__init__(cfg)

    def bwrap_argv(self) -> list[str]:
        entries = root_entries(self.python, child_package=True)
        argv = [self.config.bwrap, "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
                "--unshare-cgroup-try", "--as-pid-1", "--new-session", "--cap-drop", "ALL"]
        for capability in WORKER_CAPABILITIES:
            argv += ["--cap-add", capability]
        argv += bwrap_arguments(entries)
        argv += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--tmpfs", "/var/tmp"]
        for entry in entries:  # the worker's own view of stashed folders (jobs get theirs per job)
            if entry[0] == "stash":
                argv += ["--ro-bind", entry[1], entry[3]]
        argv += ["--remount-ro", "/", *self.config.extra_args, "--", self.python, "-s", "-B",
                 f"{CHILD_DIR}/launch.py", "worker", "{}"]
        return argv

    def sandbox_init(self) -> dict[str, Any]:
        return {"root": root_entries(self.python, child_package=True)}

    def launch_spec(self) -> dict[str, Any]:
        return {"exec": self.bwrap_argv()}  # the launcher joins the cgroup, then becomes bubblewrap

    def handshake(self, worker: LocalWorker, init: dict[str, Any]) -> None:
        try:
            worker.handshake(init, self.config.startup_timeout)
        except RuntimeError as exc:
            raise SandboxUnavailable(
                f"bubblewrap could not build the sandbox: {exc}. The bwrap executor has no unsandboxed mode; "
                "for trusted code only, use executor=forkserver with executor.allow_unsandboxed=true") from exc
