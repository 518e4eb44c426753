"""The forkserver's workers started inside bubblewrap.

bwrap gives each worker a read-only view of the host (``--ro-bind / /``), private /tmp and /dev,
a fresh /proc, no network (``--unshare-net``) and its own pid namespace. ``--die-with-parent`` is not
used: Linux ties it to the *thread* that started bwrap, and workers are (re)started from pool threads;
a worker instead exits when its stdin closes, i.e. when the parent goes away. Inside, the worker applies the forkserver's own measures where bwrap left it
the means to (rlimits, setsid, process-tree reaping; bwrap drops capabilities, so the worker's own
namespace step is skipped and noted).
"""

from __future__ import annotations

import shutil
from typing import Any

from codeio.execution._runner import interpreter_dirs_under
from codeio.execution.common import RUNNER_PATH
from codeio.execution.config import BwrapConfig
from codeio.execution.forkserver import ForkserverExecutor


class BwrapExecutor(ForkserverExecutor):
    config_class = BwrapConfig

    def __init__(self, **options: Any):
        bwrap = options.get("bwrap", "bwrap")
        if shutil.which(bwrap) is None:
            raise RuntimeError(f"bubblewrap not found ({bwrap!r}): install it, e.g. apt-get install bubblewrap")
        super().__init__(**options)

    def init_options(self) -> dict[str, Any]:
        options = super().init_options()
        options["namespaces"] = False  # bwrap already made them, and left no capability to make more
        return options

    def worker_argv(self) -> list[str]:
        cfg = self.config
        size = str(int(cfg.tmp_size_mb) * 1024 * 1024)
        prefix = [cfg.bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
                  "--size", size, "--tmpfs", "/tmp", "--size", size, "--tmpfs", "/var/tmp",
                  "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
                  "--new-session", "--cap-drop", "ALL"]
        # Folders the interpreter or the runner needs that the private /tmp and /var/tmp would hide
        # (a virtualenv made with mktemp, a checkout under /tmp) are bound back read-only.
        for root in ("/tmp", "/var/tmp"):
            for path in interpreter_dirs_under(root, extra=[str(RUNNER_PATH.parent)]):
                prefix += ["--ro-bind", path, path]
        return prefix + [*cfg.extra_args, "--"] + super().worker_argv()
