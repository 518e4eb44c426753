"""A built wheel carries what a run needs (conf/, sandbox/Dockerfile, the bundled corpus, templates) and
works from another directory, without the repository on the path.

The wheel is installed with ``--no-deps`` into a fresh virtual environment outside the repository; the
dependencies come from this test's environment through a ``.pth`` line (a plain path entry: the ``.pth``
files there, among them the editable install's finder, are not processed, so ``import codeio`` can only
find the wheel's copy).
"""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.helpers import REPO_ROOT


def _sh(args: list, cwd: Path, timeout: float = 300, env: dict | None = None) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env=env)
    assert proc.returncode == 0, f"{args}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    _sh([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", work / "dist",
         REPO_ROOT], cwd=work)
    (wheel,) = (work / "dist").glob("codeio-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for needed in ("codeio/conf/config.yaml", "codeio/conf/experiment/codeio.yaml",
                   "codeio/conf/hydra/launcher/slurm_cpu.yaml", "codeio/sandbox/Dockerfile",
                   "codeio/data/bundled/unified.jsonl", "hydra_plugins/codeio_launcher/slurm_launcher.py"):
        assert needed in names, f"the wheel lacks {needed}"

    venv = work / "venv"
    _sh([sys.executable, "-m", "venv", "--without-pip", venv], cwd=work)
    python = venv / "bin" / "python"
    purelib = Path(subprocess.check_output([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                           text=True).strip())
    deps = [sysconfig.get_paths()["purelib"], *site.getsitepackages()]
    (purelib / "test_dependencies.pth").write_text("\n".join(dict.fromkeys(deps)) + "\n")
    _sh([sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", wheel], cwd=work)
    return python


def _env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "CODEIO_CACHE_DIR")}
    return dict(env, HYDRA_FULL_ERROR="1")


def test_installed_wheel_composes_and_collects(installed, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = _sh([installed, "-c", "import codeio; print(codeio.__file__)"], cwd=elsewhere, env=_env())
    assert not where.stdout.strip().startswith(str(REPO_ROOT)), where.stdout

    job = _sh([installed, "-m", "codeio", "--cfg", "job", "+experiment=codeio"], cwd=elsewhere, env=_env())
    assert "name: codeio" in job.stdout and "deepseek-ai/DeepSeek-V2.5" in job.stdout

    _sh([installed, "-m", "codeio", "stages=[collect]", "source=bundled", "progress=false",
         f"hydra.run.dir={tmp_path / 'run'}"], cwd=elsewhere, env=_env())
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["stages"]["collect"]["rows_out"] == 48
    assert (elsewhere / "outputs" / "cache" / "collect").is_dir()  # the cache is made where the user is


def test_installed_wheel_brings_its_slurm_launcher(installed, tmp_path):
    """Hydra finds the launcher in the wheel's ``hydra_plugins`` (it checks before submitting; here it
    stops at the missing sbatch, with exit status 2)."""
    empty = tmp_path / "bin"
    empty.mkdir()
    proc = subprocess.run([installed, "-m", "codeio", "-m", "hydra/launcher=slurm_cpu", "stages=[collect]",
                           "source=bundled", f"hydra.sweep.dir={tmp_path / 'sweep'}"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300, env=dict(_env(), PATH=str(empty)))
    assert proc.returncode == 2 and "sbatch" in proc.stderr, proc.stderr[-3000:]
