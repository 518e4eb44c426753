"""A fresh interpreter per job, any Python 3.8+ (``executor.python=/env/bin/python``): the paper's
"separate environment with scientific packages".

The workers are the forkserver's (same launcher, namespaces, minimal root, cgroup) and run under that
interpreter too, but instead of forking the job from a warm interpreter, each job process applies the
same per-job sandbox (IPC namespace, private uid, limits, seccomp) and then execs
``python launch.py job`` from the read-only child package bound at ``/.codeio/child``; that fresh
interpreter imports the prelude, loads the code and forks once per call.
"""

from __future__ import annotations

from typing import Any

from codeio.execution.config import SubprocessConfig
from codeio.execution.forkserver import ForkserverExecutor
from codeio.execution.imports import WarmImports
from codeio.execution.rootfs import root_entries


class SubprocessExecutor(ForkserverExecutor):
    name = "subprocess"

    def __init__(self, cfg: SubprocessConfig):
        super().__init__(cfg)

    def warm_imports(self) -> WarmImports | None:
        return None  # every job starts a fresh interpreter: nothing to inherit

    def sandbox_init(self) -> dict[str, Any]:
        return {"root": root_entries(self.python, child_package=True), "exec_python": self.python}
