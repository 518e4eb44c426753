"""The Docker executor's image, built with or without an image registry.

``executor.build`` says what to do when ``executor.image`` is missing:

* ``debootstrap`` (default, no registry needed): make a Debian root file system from Debian's own
  packages (``debootstrap --variant=minbase --include=python3,python3-numpy bookworm``, about 2-3
  minutes and 260 MB), load it with ``docker import`` as ``codeio-base:bookworm``, then build
  ``sandbox/Dockerfile`` on top of it. Both images stay in the daemon's store, so later runs on the
  machine find them. Needs root and ``apt-get install debootstrap``.
* ``registry``: build ``sandbox/Dockerfile`` from ``python:3.11-slim`` pulled from a registry.
* ``none``: never build; a missing image is an error.

    python -m codeio.execution.image                        # build codeio-exec:latest if missing
    python -m codeio.execution.image --build registry --force
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from codeio.execution.config import DockerConfig

DOCKERFILE_DIR = Path(__file__).resolve().parents[2] / "sandbox"
BASE_IMAGE = "codeio-base:bookworm"
REGISTRY_BASE = "python:3.11-slim"
SUITE, MIRROR = "bookworm", "http://deb.debian.org/debian"
PACKAGES = ("python3", "python3-numpy")
BUILDS = ("debootstrap", "registry", "none")


def _missing(client: Any, name: str) -> bool:
    import docker

    try:
        client.images.get(name)
        return False
    except docker.errors.ImageNotFound:
        return True


def build_base(client: Any, tag: str = BASE_IMAGE, suite: str = SUITE, mirror: str = MIRROR) -> None:
    """A Debian root file system from Debian's packages, imported into the daemon as ``tag``."""
    if shutil.which("debootstrap") is None:
        raise RuntimeError("building the base image needs debootstrap: apt-get install debootstrap "
                           "(or set executor.build=registry where an image registry is reachable)")
    with tempfile.TemporaryDirectory(prefix="codeio-rootfs-", dir="/var/tmp") as work:
        rootfs = Path(work) / "rootfs"
        subprocess.run(["debootstrap", "--variant=minbase", f"--include={','.join(PACKAGES)}", suite, str(rootfs),
                        mirror], check=True, stdout=subprocess.DEVNULL)
        tarball = Path(work) / "rootfs.tar"
        subprocess.run(["tar", "-C", str(rootfs), "--numeric-owner", "-cf", str(tarball), "."], check=True)
        repository, _, version = tag.partition(":")
        client.api.import_image(src=str(tarball), repository=repository, tag=version or "latest")


def build_image(client: Any, cfg: DockerConfig, build: str) -> None:
    """Build ``cfg.image`` from the Dockerfile, on the base ``build`` names."""
    if build == "debootstrap":
        if _missing(client, BASE_IMAGE):
            build_base(client)
        base, network = BASE_IMAGE, "none"  # nothing to download: numpy comes from Debian's package
    else:
        base, network = REGISTRY_BASE, None
    client.images.build(path=cfg.dockerfile_dir or str(DOCKERFILE_DIR), tag=cfg.image, rm=True,
                        buildargs={"BASE": base}, network_mode=network)


def ensure_image(client: Any, cfg: DockerConfig) -> None:
    """Make sure ``cfg.image`` exists, building it as ``cfg.build`` says."""
    if not _missing(client, cfg.image):
        return
    if cfg.build == "none":
        raise RuntimeError(f"docker image {cfg.image!r} not found and executor.build is none; build it with "
                           "python -m codeio.execution.image")
    build_image(client, cfg, cfg.build)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m codeio.execution.image", description=__doc__.splitlines()[0])
    parser.add_argument("--build", choices=BUILDS[:2], default="debootstrap")
    parser.add_argument("--image", default=DockerConfig.image)
    parser.add_argument("--docker-host", default="")
    parser.add_argument("--force", action="store_true", help="rebuild the executor image even if it exists")
    args = parser.parse_args(argv)
    from codeio.execution.docker import docker_client

    client = docker_client(args.docker_host)
    cfg = DockerConfig(image=args.image, build=args.build, docker_host=args.docker_host)
    if args.force or _missing(client, cfg.image):
        build_image(client, cfg, args.build)
        print(f"built {cfg.image}")
    else:
        print(f"{cfg.image} exists")
    return 0


if __name__ == "__main__":
    sys.exit(main())
