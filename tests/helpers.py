"""Helpers for tests that run the pipeline in-process or as ``python -m codeio``."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

from hydra import compose, initialize_config_dir

from codeio.config import register_configs

REPO_ROOT = Path(__file__).resolve().parents[1]
CONF_DIR = str(REPO_ROOT / "conf")

register_configs()


def compose_config(overrides: list[str]):
    with initialize_config_dir(config_dir=CONF_DIR, version_base="1.3"):
        return compose(config_name="config", overrides=overrides)


def build_from(node):
    """The component a composed config node describes, built the pipeline's way: typed config in."""
    from omegaconf import OmegaConf

    from codeio.schema import build

    return build(OmegaConf.to_object(node))


def run_in_process(overrides: list[str], run_dir: Path) -> dict:
    """Compose like the CLI does and run the pipeline in this process."""
    from codeio.__main__ import build_pipeline

    cfg = compose_config(overrides)
    return build_pipeline(cfg, run_dir).run()


def run_cli(args: list[str], cwd: Path = REPO_ROOT, timeout: float = 600, **popen) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), HYDRA_FULL_ERROR="0")
    return subprocess.run([sys.executable, "-m", "codeio", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout, **popen)


def dataset_digest(path: Path) -> str:
    """Content hash of a saved dataset: every row, in order."""
    import datasets

    ds = datasets.load_from_disk(str(path))
    h = hashlib.sha256()
    for row in ds:
        h.update(json.dumps(row, sort_keys=True, default=str).encode())
    return h.hexdigest()


def run_module(module: str, args: list[str], timeout: float = 600) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    return subprocess.run([sys.executable, "-m", module, *args], cwd=REPO_ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)
