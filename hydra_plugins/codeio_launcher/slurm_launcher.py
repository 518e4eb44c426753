"""``hydra/launcher=slurm_cpu|slurm_gpu``: hydra-submitit-launcher's SLURM launcher, plus

- checks before anything is submitted (SLURM's commands on PATH, a reachable controller, a partition
  that exists and has a node big enough for one job, directories every node sees, the first job's
  codeio configuration), each stopping the sweep with exit status 2 and one line saying what to fix;
- a report of the jobs' states every ``hydra.launcher.report_every_s`` while the sweep waits
  (``codeio.launcher.watch``), naming drained or down nodes and their reason.

Submission, requeue on timeout or preemption and the collection of results stay submitit's. Hydra loads
launchers only from the ``hydra_plugins`` namespace, hence this module; the logic lives in
``codeio.launcher``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

from hydra.core.utils import JobReturn
from hydra_plugins.hydra_submitit_launcher.submitit_launcher import SlurmLauncher as SubmititSlurmLauncher

from codeio.launcher import preflight
from codeio.launcher.watch import JobWatch


class SlurmLauncher(SubmititSlurmLauncher):
    def __init__(self, report_every_s: float = 60.0, check_shared_dirs: bool = True, **params: Any) -> None:
        super().__init__(**params)  # submitit refuses keys it does not know: ours stay out of params
        self.report_every_s = float(report_every_s)
        self.check_shared_dirs = bool(check_shared_dirs)

    def launch(self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int) -> Sequence[JobReturn]:
        problem = self.preflight(job_overrides[0])
        if problem:
            # the exit status and message of a configuration error, as in a plain run
            print(f"codeio: configuration error: {problem}", file=sys.stderr)
            sys.exit(2)
        from submitit.core.utils import FailedJobError, UncompletedJobError

        try:
            with JobWatch(preflight.submitit_root(str(self.params["submitit_folder"])), self.report_every_s):
                return super().launch(job_overrides, initial_job_idx)
        except (UncompletedJobError, FailedJobError) as err:  # cancelled, killed, failed: say so plainly
            print(f"codeio: a SLURM job of this sweep did not finish. {err}\nRun the same command again: "
                  "finished points are cache hits, and an interrupted stage resumes from the chunks it "
                  "committed.", file=sys.stderr)
            sys.exit(1)

    def preflight(self, first_job: Sequence[str]) -> str:
        """The first problem that would stop or strand the sweep's jobs, or ""."""
        if self.report_every_s <= 0:
            return f"hydra.launcher.report_every_s={self.report_every_s}: must be > 0 (seconds)"
        problem = preflight.missing_tools()
        if problem:
            return problem
        nodes, problem = preflight.cluster_nodes()
        if problem:
            return problem
        nodes, problem = preflight.partition_nodes(nodes, self.params.get("partition"))
        if problem:
            return problem
        problem = preflight.resources_fit(nodes, self.params)
        if problem:
            return problem
        cfg = self.hydra_context.config_loader.load_sweep_config(self.config, list(first_job))
        if self.check_shared_dirs:
            paths = {"cache.dir": str(cfg.cache.dir), "hydra.sweep.dir": str(self.config.hydra.sweep.dir)}
            problem = preflight.shared_dirs(paths, nodes)
            if problem:
                return problem
        return preflight.codeio_config(cfg)
