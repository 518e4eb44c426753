"""The default executor: pre-warmed workers, each in its own namespaces and minimal root.

Each worker is started by a launcher (``child/launch.py launch``) that joins the worker's cgroup and
enters new mount, network, pid, IPC and UTS namespaces; the worker is pid 1 there, pivots into a
read-only root holding only the system folders and its interpreter, imports the prelude once and then,
per job, forks a job process that switches to the worker's private uid, takes its limits and the
seccomp filter, loads the code once and forks once per call. See ``pool.py`` for the trusted side.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from codeio.execution.config import ForkserverConfig
from codeio.execution.imports import WarmImports, static_imports
from codeio.execution.pool import CGROUP, LocalWorker, PoolExecutor, Worker, sandbox_uid
from codeio.execution.rootfs import CHILD_PACKAGE, root_entries


class ForkserverExecutor(PoolExecutor):
    name = "forkserver"

    def __init__(self, cfg: ForkserverConfig):
        self.python = cfg.python or sys.executable
        super().__init__(cfg)

    def warm_imports(self) -> WarmImports | None:
        cfg = self.config
        prelude = static_imports("\n".join(cfg.prelude))
        return WarmImports(cfg.warm_after, cfg.warm_imports_deny, already=set(prelude))

    def sandbox_init(self) -> dict[str, Any]:
        """What the worker needs to build its sandbox (its root, and for exec'd jobs, their python)."""
        return {"root": root_entries(self.python)}

    def launch_spec(self) -> dict[str, Any]:
        """More for the launcher (``child/launch.py``): e.g. a sandbox builder to exec."""
        return {}

    def handshake(self, worker: LocalWorker, init: dict[str, Any]) -> None:
        worker.handshake(init, self.config.startup_timeout)

    def launch(self, variant: int, init: dict[str, Any]) -> Worker:
        """Make the worker's cgroup, fork the launcher (it joins the cgroup), give the worker its uid."""
        cgroup, cgroup_error = self.make_cgroup()
        spec = {"cgroups": cgroup.procs_files if cgroup else [], "oom_file": cgroup.oom_file if cgroup else None,
                **self.launch_spec()}
        argv = [self.python, "-s", "-B", str(CHILD_PACKAGE / "launch.py"), "launch", json.dumps(spec)]
        worker = LocalWorker(argv, self.worker_env(variant), self.config.debug, cgroup)
        try:
            init["sandbox"] = dict(self.sandbox_init(), uid=sandbox_uid(self.config.sandbox_uid_base,
                                                                         worker.proc.pid))
        except Exception:
            worker.kill()
            raise
        self.handshake(worker, init)
        self._admit(worker, {CGROUP: cgroup_error} if cgroup_error else {})
        return worker
