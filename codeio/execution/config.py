"""Config schemas of the executors (group ``executor``). Light module: no heavy imports.

Every executor class takes its schema (``ForkserverExecutor(cfg: ForkserverConfig)``); the schema's
``__post_init__`` checks values, so a bad option fails at start-up naming the key. Fields that change
only how fast or where jobs run carry ``metadata={"affects_output": False}`` and stay out of cache keys.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

DEFAULT_PRELUDE = [
    # Modelled on the paper's verification prelude: common stdlib modules plus numpy, imported once per
    # worker so that generated code finds them already loaded (and bound, like a prepended prelude).
    "import math",
    "import random",
    "from random import Random",
    "import json",
    "import re",
    "import string",
    "import collections",
    "from collections import defaultdict, Counter, deque, OrderedDict, namedtuple",
    "import itertools",
    "import functools",
    "from functools import reduce, lru_cache",
    "import heapq",
    "import bisect",
    "import copy",
    "import datetime",
    "import time",
    "import decimal",
    "import fractions",
    "from fractions import Fraction",
    "import statistics",
    "import operator",
    "import typing",
    "from typing import List, Dict, Tuple, Set, Optional, Any, Union",
    "import dataclasses",
    "import enum",
    "import hashlib",
    "import cmath",
    "import numpy as np",
    "import numpy",
]
"""Statements executed once per worker; a statement that fails (missing module) is skipped and noted."""

DEFAULT_CHILD_ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "LANG": "C.UTF-8",
    "LC_ALL": "C.UTF-8",
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
    "VECLIB_MAXIMUM_THREADS": "1",
    "BLIS_NUM_THREADS": "1",
    "PYTHONDONTWRITEBYTECODE": "1",
}
"""The whole environment generated code sees (nothing of the parent's: no API keys or tokens)."""


FAST = {"affects_output": False}
"""Field metadata of settings that change how fast or where jobs run, never what they return."""


@dataclass
class ExecutorConfig:
    """Options shared by every executor."""

    timeout: float = 5.0
    """Wall-clock limit per call in seconds (the paper uses 5 s); a job may override it."""
    memory_mb: int = 2048
    """Address space a job process may add on top of its interpreter's own (RLIMIT_AS), in MiB; 0 = no
    limit. The worker's memory cgroup caps everything the job holds on top (tmpfs, shared memory, its
    other processes): ``memory_mb`` + 3 x ``tmp_size_mb`` + ``cgroup_headroom_mb``."""
    cpu_seconds: float = 0.0
    """RLIMIT_CPU of a job process; 0 = derived from ``timeout`` x calls left (a backstop: the wall
    clock rules)."""
    file_size_mb: int = 16
    """Largest file a job may write (RLIMIT_FSIZE), in MiB."""
    nofile: int = 256
    """Open-file limit of a job process (RLIMIT_NOFILE)."""
    nproc: int = 128
    """Processes and threads of one job (RLIMIT_NPROC of its private uid; the worker's pids cgroup
    allows this plus a few for the worker)."""
    tmp_size_mb: int = 64
    """Size of each of the job's private tmpfs mounts (/tmp, /var/tmp, /dev/shm), fresh for every job."""
    output_limit: int = 1_000_000
    """Largest canonical JSON text of one value (and of one harness output), in characters."""
    workers: int = field(default=0, metadata=FAST)
    """Parallel workers (each runs one job at a time); 0 = ``os.cpu_count()``."""
    prelude: list[str] = field(default_factory=lambda: list(DEFAULT_PRELUDE))
    json_compat: bool = True
    """True: report values as ``json.dumps`` would (tuples become lists, int/float/bool/None dict keys
    become strings), like the paper's pipeline. False: only strict JSON types are serializable."""
    max_consecutive_timeouts: int = 3
    """After this many timeouts in a row inside one job, its remaining calls are marked timeout without
    running (0 = never skip). Keeps a job of 1,000 hanging calls from taking 1,000 x timeout."""
    hash_seed: int = 0
    """PYTHONHASHSEED of the normal workers; ``Job.variant=1`` runs on workers with ``hash_seed + 1``."""
    child_env: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_CHILD_ENV))
    allow_unsandboxed: bool = field(default=False, metadata=FAST)
    """Run even when an isolation measure cannot be applied here (no namespaces, no cgroup, ...). Only
    for code you trust: without it the executor refuses to start and says which measure is missing."""
    sandbox_uid_base: int = field(default=1_600_000_000, metadata=FAST)
    """Job processes run as uid (and gid) ``sandbox_uid_base`` + the worker's launcher pid: a uid no
    host user has (checked at start-up) and no other worker shares."""
    cgroup_headroom_mb: int = field(default=768, metadata=FAST)
    """Memory of the worker itself (interpreter, prelude, warmed modules) in its cgroup's limit."""
    startup_timeout: float = field(default=120.0, metadata=FAST)
    """Seconds a worker may take to start, import the prelude and report ready."""
    debug: bool = field(default=False, metadata=FAST)
    """Let workers' stderr through (tracebacks of child-side failures)."""

    def __post_init__(self) -> None:
        if not self.timeout > 0:
            raise ValueError(f"executor.timeout must be > 0, got {self.timeout}")
        for name in ("memory_mb", "file_size_mb", "nofile", "nproc", "workers", "max_consecutive_timeouts",
                     "cgroup_headroom_mb"):
            if getattr(self, name) < 0:
                raise ValueError(f"executor.{name} must be >= 0, got {getattr(self, name)}")
        if self.cpu_seconds < 0:
            raise ValueError("executor.cpu_seconds must be >= 0")
        if self.tmp_size_mb <= 0:
            raise ValueError("executor.tmp_size_mb must be > 0")
        if self.output_limit < 16:
            raise ValueError("executor.output_limit must be at least 16 characters")
        if not 1000 <= self.sandbox_uid_base < 2**32 - 2**23:
            raise ValueError("executor.sandbox_uid_base must leave room for 2**22 uids below 2**32")

    def worker_count(self) -> int:
        return self.workers or os.cpu_count() or 1


DEFAULT_WARM_DENY = [
    # import-time effects, GUI/browser, packaging machinery, or a footprint that slows every fork
    "antigravity", "this", "turtle", "turtledemo", "tkinter", "idlelib", "webbrowser", "pip", "setuptools",
    "distutils", "ensurepip", "venv", "pydoc", "torch", "tensorflow", "jax", "jaxlib", "transformers",
    "vllm", "lightning", "pytorch_lightning", "deepspeed", "datasets", "codeio",
]


@dataclass
class ForkserverConfig(ExecutorConfig):
    """Pre-warmed workers, each in its own namespaces and minimal root, forking one sandboxed process per
    job and one per call (the default, fastest executor)."""

    _target_: str = "codeio.execution.forkserver.ForkserverExecutor"
    python: str = ""
    """Interpreter of the workers; "" = the current one. Any Python 3.8+ works (stdlib-only child side)."""
    warm_after: int = field(default=2, metadata=FAST)
    """Warm imports: once this many jobs import the same installed module (read from their code by the
    parent, never from what a job reports), the workers import it so later jobs inherit it; 0 = off."""
    warm_imports_max: int = field(default=64, metadata=FAST)
    """At most this many modules warmed per worker."""
    warm_imports_deny: list[str] = field(default_factory=lambda: list(DEFAULT_WARM_DENY), metadata=FAST)
    """Never warmed, nor any module whose import would load one of these (checked in a trial child)."""


@dataclass
class BwrapConfig(ForkserverConfig):
    """The forkserver's workers in a sandbox built by bubblewrap (namespaces, minimal read-only root)."""

    _target_: str = "codeio.execution.bwrap.BwrapExecutor"
    bwrap: str = field(default="bwrap", metadata=FAST)
    """Path of the bubblewrap binary."""
    extra_args: list[str] = field(default_factory=list)
    """More bwrap arguments, e.g. ``["--ro-bind", "/data", "/data"]``."""


@dataclass
class SubprocessConfig(ExecutorConfig):
    """A fresh interpreter per job (slower, but any Python executable: ``executor.python=/env/bin/python``),
    exec'd inside the same sandbox as the forkserver's job processes."""

    _target_: str = "codeio.execution.subproc.SubprocessExecutor"
    python: str = ""
    """Interpreter of the jobs; "" = the current one."""


@dataclass
class DockerConfig(ExecutorConfig):
    """A pool of long-lived containers, each running a worker that sandboxes every job inside it."""

    _target_: str = "codeio.execution.docker.DockerExecutor"
    image: str = "codeio-exec:latest"
    """Image to run; built as ``build`` says when missing (``python -m codeio.execution.image`` does it
    ahead of time)."""
    build: str = field(default="debootstrap", metadata=FAST)
    """How to build a missing image: ``debootstrap`` (from Debian's packages, no image registry needed),
    ``registry`` (``FROM python:3.11-slim``) or ``none`` (fail)."""
    dockerfile_dir: str = field(default="", metadata=FAST)
    """Folder holding the Dockerfile; "" = the repository's ``sandbox/``."""
    container_python: str = "python3"
    """Interpreter inside the image (the stdlib-only child side is mounted read-only into each container)."""
    cpus: float = field(default=1.0, metadata=FAST)
    """CPUs per container."""
    docker_host: str = field(default="", metadata=FAST)
    """Daemon address; "" = the environment's (DOCKER_HOST or the local socket)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.build not in ("debootstrap", "registry", "none"):
            raise ValueError(f"executor.build must be debootstrap, registry or none, got {self.build!r}")


SCHEMAS = {
    "executor": {
        "forkserver_schema": ForkserverConfig,
        "subprocess_schema": SubprocessConfig,
        "bwrap_schema": BwrapConfig,
        "docker_schema": DockerConfig,
    }
}

EXECUTOR_CONFIGS = {
    "forkserver": ForkserverConfig,
    "subprocess": SubprocessConfig,
    "bwrap": BwrapConfig,
    "docker": DockerConfig,
}
"""Executor name (as on the CLI) -> its schema."""
