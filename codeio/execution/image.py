"""The Docker executor's image: found, or built from ``sandbox/Dockerfile`` (``executor.build=true``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from codeio.execution.config import DockerConfig

DOCKERFILE_DIR = Path(__file__).resolve().parents[2] / "sandbox"


def ensure_image(client: Any, cfg: DockerConfig) -> None:
    import docker

    try:
        client.images.get(cfg.image)
    except docker.errors.ImageNotFound:
        if not cfg.build:
            raise RuntimeError(f"docker image {cfg.image!r} not found and executor.build is false") from None
        client.images.build(path=cfg.dockerfile_dir or str(DOCKERFILE_DIR), tag=cfg.image, rm=True)
