"""A pool of long-lived Docker containers, each running the forkserver worker.

Every container runs ``python _runner.py worker`` (the runner mounted read-only) with no network, a
read-only root file system, a small /tmp tmpfs, all capabilities dropped, ``no-new-privileges``, a
non-root user and memory/CPU/pids limits. Jobs go over the container's attached stdin/stdout with the
same framed protocol as the local workers; inside, the worker forks one child per job exactly as the
forkserver does. A container that dies or stalls is killed, removed and replaced.

Needs the ``docker`` SDK (``pip install -e ".[docker]"``) and a reachable daemon.
"""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path
from typing import Any

from codeio.execution import _runner
from codeio.execution.common import RUNNER_PATH
from codeio.execution.config import DockerConfig
from codeio.execution.forkserver import ForkserverExecutor, WorkerProcess

IN_CONTAINER_RUNNER = "/opt/codeio/_runner.py"
# codeio/sandbox links to the repository's sandbox/ (a wheel carries a copy); not "docker/": that
# name would shadow the docker SDK on sys.path
DOCKERFILE_DIR = Path(__file__).resolve().parents[1] / "sandbox"


def docker_client(base_url: str = ""):
    try:
        import docker
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise RuntimeError('the docker executor needs the docker SDK: pip install -e ".[docker]"') from exc
    client = docker.DockerClient(base_url=base_url) if base_url else docker.from_env()
    client.ping()
    return client


class ContainerWorker(WorkerProcess):
    """A worker living in a container; stdout frames are demultiplexed into a local pipe."""

    def __init__(self, client: Any, config: DockerConfig, env: dict[str, str], init: dict[str, Any]):
        self.container = client.containers.run(
            config.image,
            command=[config.container_python, "-s", "-B", IN_CONTAINER_RUNNER, "worker"],
            detach=True, stdin_open=True, tty=False, network_mode="none", read_only=True,
            user=config.user, environment=env, mem_limit=config.mem_limit, memswap_limit=config.mem_limit,
            nano_cpus=int(config.cpus * 1e9), pids_limit=config.pids_limit, cap_drop=["ALL"],
            security_opt=["no-new-privileges"], tmpfs={"/tmp": f"size={config.tmp_size_mb}m,mode=1777"},
            volumes={str(RUNNER_PATH): {"bind": IN_CONTAINER_RUNNER, "mode": "ro"}}, working_dir="/tmp",
        )
        self.child_pgid = None
        self.proc = None
        self.sock = self.container.attach_socket(params={"stdin": 1, "stdout": 1, "stream": 1})
        self.raw: socket.socket = getattr(self.sock, "_sock", self.sock)
        self.read_fd, self._pipe_w = os.pipe()
        self._pump = threading.Thread(target=self._demux, daemon=True)
        self._pump.start()
        self.handshake(init, config.startup_timeout, config.image)

    def _demux(self) -> None:
        """Docker multiplexes attached streams: 8-byte header (stream id, 3 zero bytes, size), payload."""
        try:
            while True:
                header = self._recv_exact(8)
                if header is None:
                    break
                size = int.from_bytes(header[4:8], "big")
                payload = self._recv_exact(size)
                if payload is None:
                    break
                if header[0] == 1:  # stdout; stderr frames are dropped
                    os.write(self._pipe_w, payload)
        except OSError:
            pass
        finally:
            try:
                os.close(self._pipe_w)
            except OSError:
                pass

    def _recv_exact(self, n: int) -> bytes | None:
        chunks = []
        while n:
            chunk = self.raw.recv(n)
            if not chunk:
                return None
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)

    def send(self, message: dict[str, Any]) -> None:
        data = _runner.dumps_canonical(message, True, 1 << 30).encode("utf-8", "surrogatepass")
        self.raw.sendall(len(data).to_bytes(4, "big") + data)

    def alive(self) -> bool:
        try:
            self.container.reload()
            return self.container.status == "running"
        except Exception:  # noqa: BLE001
            return False

    def kill(self) -> None:
        try:
            self.container.remove(force=True)
        except Exception:  # noqa: BLE001
            pass
        for closer in (self.raw.close, lambda: os.close(self.read_fd)):
            try:
                closer()
            except OSError:
                pass

    def close(self, grace: float = 5.0) -> None:
        try:
            self.send({"op": "exit"})
            self.container.wait(timeout=grace)
        except Exception:  # noqa: BLE001
            pass
        self.kill()


class DockerExecutor(ForkserverExecutor):
    config_class = DockerConfig

    def __init__(self, **options: Any):
        config = DockerConfig(**{k: v for k, v in options.items() if k != "_target_"})
        self.client = docker_client(config.docker_host)
        self._ensure_image(config)
        super().__init__(**options)

    def _ensure_image(self, config: DockerConfig) -> None:
        import docker

        try:
            self.client.images.get(config.image)
        except docker.errors.ImageNotFound:
            if not config.build:
                raise RuntimeError(f"docker image {config.image!r} not found and executor.build is false") from None
            path = config.dockerfile_dir or str(DOCKERFILE_DIR)
            self.client.images.build(path=path, tag=config.image, rm=True)

    def init_options(self) -> dict[str, Any]:
        options = super().init_options()
        options["namespaces"] = False  # the container is the sandbox; capabilities are dropped
        return options

    def make_worker(self, variant: int, init: dict[str, Any]) -> WorkerProcess:
        return ContainerWorker(self.client, self.config, self.worker_env(variant), init)
