"""Config schemas of the executors (group ``executor``). Light module: no heavy imports.

Every executor class takes exactly its schema's fields (minus ``_target_``) as keyword arguments and
validates them by building the schema, so a misspelt option fails at start-up naming the key.
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


@dataclass
class ExecutorConfig:
    """Options shared by every executor."""

    timeout: float = 5.0
    """Wall-clock limit per call in seconds (the paper uses 5 s); a job may override it."""
    memory_mb: int = 2048
    """Address space a child may add on top of its interpreter's own (RLIMIT_AS), in MiB; 0 = no limit."""
    cpu_seconds: float = 0.0
    """RLIMIT_CPU of a child; 0 = derived from ``timeout`` x calls left (a backstop: the wall clock rules)."""
    file_size_mb: int = 16
    """Largest file a child may write (RLIMIT_FSIZE), in MiB."""
    nofile: int = 256
    """Open-file limit of a child (RLIMIT_NOFILE)."""
    nproc: int = 128
    """Process/thread limit (RLIMIT_NPROC), applied only when children run under their own uid."""
    output_limit: int = 1_000_000
    """Largest canonical JSON text of one value (and of one harness output), in characters."""
    workers: int = 0
    """Parallel children; 0 = ``os.cpu_count()``."""
    prelude: list[str] = field(default_factory=lambda: list(DEFAULT_PRELUDE))
    """Import lines every worker runs once, so generated code finds those modules already loaded."""
    json_compat: bool = True
    """True: report values as ``json.dumps`` would (tuples become lists, int/float/bool/None dict keys
    become strings), like the paper's pipeline. False: only strict JSON types are serializable."""
    max_consecutive_timeouts: int = 3
    """After this many timeouts in a row inside one job, its remaining calls are marked timeout without
    running (0 = never skip). Keeps a job of 1,000 hanging calls from taking 1,000 x timeout."""
    hash_seed: int = 0
    """PYTHONHASHSEED of the normal children; ``Job.variant=1`` children get ``hash_seed + 1``."""
    child_env: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_CHILD_ENV))
    """Environment of the worker processes (plus ``PYTHONHASHSEED`` from ``hash_seed``); nothing else is
    inherited from the parent."""
    debug: bool = False
    """Let workers' stderr through and print child-side tracebacks of runner failures."""

    def __post_init__(self) -> None:
        if not self.timeout > 0:
            raise ValueError(f"executor.timeout must be > 0, got {self.timeout}")
        for name in ("memory_mb", "file_size_mb", "nofile", "nproc", "workers", "max_consecutive_timeouts"):
            if getattr(self, name) < 0:
                raise ValueError(f"executor.{name} must be >= 0, got {getattr(self, name)}")
        if self.cpu_seconds < 0:
            raise ValueError("executor.cpu_seconds must be >= 0")
        if self.output_limit < 16:
            raise ValueError("executor.output_limit must be at least 16 characters")

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
    """Pre-warmed workers that fork one sandboxed child per job (the default, fastest executor)."""

    _target_: str = "codeio.execution.forkserver.ForkserverExecutor"
    python: str = ""
    """Interpreter of the workers; "" = the current one. Any Python 3.8+ works (stdlib-only runner)."""
    namespaces: bool = True
    """Use Linux namespaces when the kernel allows: no network (netns), private /tmp, read-only root,
    one pid namespace per job (every process of a job dies with it), fresh /proc."""
    read_only_root: bool = True
    """With namespaces: remount / read-only for the workers and their children."""
    tmp_size_mb: int = 64
    """With namespaces: size of the private tmpfs that holds each job's working directory."""
    sandbox_uid: int = 65534
    """When running as root: uid/gid the children switch to (65534 = nobody); -1 = keep root."""
    startup_timeout: float = 120.0
    """Seconds a worker may take to import the prelude and report ready."""
    warm_after: int = 2
    """Adaptive prelude: once this many jobs of a worker had to import the same installed module or
    direct submodule (scipy, scipy.stats, sklearn, unittest...), the worker imports it itself so later
    children inherit it; 0 = off. Only modules found on the worker's own path are imported, never job
    code."""
    warm_imports_max: int = 64
    """At most this many modules warmed per worker."""
    warm_imports_deny: list[str] = field(default_factory=lambda: list(DEFAULT_WARM_DENY))
    """Modules the adaptive prelude never imports itself."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.tmp_size_mb <= 0:
            raise ValueError("executor.tmp_size_mb must be > 0")


@dataclass
class BwrapConfig(ForkserverConfig):
    """The forkserver's workers started inside bubblewrap (read-only root, private /tmp, no network)."""

    _target_: str = "codeio.execution.bwrap.BwrapExecutor"
    bwrap: str = "bwrap"
    """Path of the bubblewrap binary."""
    extra_args: list[str] = field(default_factory=list)
    """More bwrap arguments, e.g. ``["--ro-bind", "/data", "/data"]``."""


@dataclass
class SubprocessConfig(ExecutorConfig):
    """A fresh interpreter per job (slow, but any Python executable: ``executor.python=/env/bin/python``)."""

    _target_: str = "codeio.execution.subproc.SubprocessExecutor"
    python: str = ""
    """Interpreter to run; "" = the current one."""


@dataclass
class DockerConfig(ExecutorConfig):
    """A pool of long-lived containers (network none, read-only root, non-root user, resource limits)."""

    _target_: str = "codeio.execution.docker.DockerExecutor"
    image: str = "codeio-exec:latest"
    """Image to run; built from ``sandbox/Dockerfile`` when missing and ``build`` is true."""
    build: bool = True
    """Build the image from ``dockerfile_dir`` when it is missing."""
    dockerfile_dir: str = ""
    """Folder holding the Dockerfile; "" = the one the package carries (``sandbox/``)."""
    container_python: str = "python3"
    """Interpreter inside the image (the stdlib-only runner is mounted read-only into each container)."""
    mem_limit: str = "2g"
    """Memory limit of each container (docker syntax)."""
    cpus: float = 1.0
    """CPUs per container."""
    pids_limit: int = 256
    """Processes and threads per container."""
    user: str = "65534:65534"
    """Non-root user the containers run as."""
    tmp_size_mb: int = 64
    """Size of each container's /tmp tmpfs (the root file system is read-only)."""
    startup_timeout: float = 120.0
    docker_host: str = ""
    """Daemon address; "" = the environment's (DOCKER_HOST or the local socket)."""


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
