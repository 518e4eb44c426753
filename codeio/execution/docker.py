"""A pool of long-lived Docker containers, each running a worker that sandboxes every job inside it.

The container is the outer sandbox: no network, read-only root (the image), its own pid, IPC and mount
namespaces, a memory and pids limit (the cgroup of its one worker), ``no-new-privileges``. The worker
runs in it as pid 1 with only the capabilities it needs to sandbox each job (the same set as in
bubblewrap) and applies exactly the per-job measures of the forkserver: fresh scratch tmpfs, private
uid, own IPC namespace, limits, seccomp, one process per call. The stdlib-only child package is
bind-mounted read-only, so the image needs no rebuilding when it changes.

Jobs go over the container's attached stdin/stdout with the framed protocol. A container that dies or
stalls is removed and replaced; containers carry labels naming this process, and start-up removes the
ones whose creator is gone (``kill -9`` of a parent). Needs the ``docker`` SDK
(``pip install -e ".[docker]"``) and a reachable daemon; images are built without any registry by
``python -m codeio.execution.image`` (see docs/execution.md).
"""

from __future__ import annotations

import json
import os
import socket
import threading
from typing import Any

from codeio.execution.child import wire
from codeio.execution.config import DockerConfig
from codeio.execution.pool import PoolExecutor, Worker, WorkerLost, sandbox_uid
from codeio.execution.rootfs import CHILD_PACKAGE

IN_CONTAINER_CHILD = "/opt/codeio/child"
LABEL = "io.codeio.executor"
"""Label carried by every container: ``<hostname>:<pid of the creating process>``."""
WORKER_CAPABILITIES = ("SYS_ADMIN", "SETUID", "SETGID", "SETPCAP", "CHOWN", "KILL")
OOM_FILES = ("/sys/fs/cgroup/memory.events", "/sys/fs/cgroup/memory/memory.oom_control")


def docker_client(base_url: str = ""):
    try:
        import docker
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise RuntimeError('the docker executor needs the docker SDK: pip install -e ".[docker]"') from exc
    client = docker.DockerClient(base_url=base_url) if base_url else docker.from_env()
    client.ping()
    return client


def sweep_containers(client: Any) -> int:
    """Remove executor containers whose creating process (on this host) no longer exists."""
    removed = 0
    host = socket.gethostname()
    for container in client.containers.list(all=True, filters={"label": LABEL}):
        owner = container.labels.get(LABEL, "")
        name, _, pid = owner.rpartition(":")
        if name == host and pid.isdigit() and not os.path.exists(f"/proc/{pid}"):
            try:
                container.remove(force=True, v=True)
                removed += 1
            except Exception:  # noqa: BLE001 - already gone
                pass
    return removed


class ContainerWorker(Worker):
    """A worker in a container; stdout frames are demultiplexed from the attach socket into a pipe."""

    def __init__(self, client: Any, cfg: DockerConfig, env: dict[str, str]):
        memory = (cfg.memory_mb + 3 * cfg.tmp_size_mb + cfg.cgroup_headroom_mb) * 1024 * 1024
        tmpfs = f"size={cfg.tmp_size_mb}m,mode=1777"
        api = client.api
        host_config = api.create_host_config(
            network_mode="none", read_only=True, mem_limit=memory, memswap_limit=memory,
            nano_cpus=int(cfg.cpus * 1e9), pids_limit=cfg.nproc + 16, cap_drop=["ALL"],
            cap_add=list(WORKER_CAPABILITIES), security_opt=["no-new-privileges"], ipc_mode="private",
            tmpfs={"/tmp": tmpfs, "/var/tmp": tmpfs}, auto_remove=True,
            binds={str(CHILD_PACKAGE): {"bind": IN_CONTAINER_CHILD, "mode": "ro"}})
        # detach=False makes stdin "once": when this process's attachment ends (close, or this process
        # killed), the worker reads end of file and exits, and auto_remove deletes the container
        created = api.create_container(
            cfg.image, command=[cfg.container_python, "-s", "-B", f"{IN_CONTAINER_CHILD}/launch.py", "worker",
                                json.dumps({"oom_files": list(OOM_FILES)})],
            detach=False, stdin_open=True, tty=False, user="0:0", environment=env, working_dir="/",
            labels={LABEL: f"{socket.gethostname()}:{os.getpid()}"}, host_config=host_config)
        self.container = client.containers.get(created["Id"])
        self.sock = api.attach_socket(created["Id"], params={"stdin": 1, "stdout": 1, "stream": 1})
        self.raw: socket.socket = getattr(self.sock, "_sock", self.sock)
        api.start(created["Id"])
        self._read_fd, self._pipe_w = os.pipe()
        self._pump = threading.Thread(target=self._demux, daemon=True)
        self._pump.start()

    def _demux(self) -> None:
        """Docker multiplexes attached streams: 8-byte header (stream id, 3 zero bytes, size), payload."""
        try:
            while True:
                header = self._recv_exact(8)
                if header is None:
                    break
                payload = self._recv_exact(int.from_bytes(header[4:8], "big"))
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
            chunk = self.raw.recv(min(n, 1 << 20))
            if not chunk:
                return None
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)

    def send(self, frame: dict[str, Any]) -> None:
        self.raw.sendall(wire.frame_bytes(frame, canonical=False))

    def read(self, deadline: float, limit: int) -> Any:
        try:
            frame = wire.read_frame(self._read_fd, deadline, limit)
        except TimeoutError:
            raise WorkerLost("container stalled") from None
        except (wire.Garbled, OSError) as exc:
            raise WorkerLost(f"garbled container reply: {exc}") from None
        if frame is None:
            raise WorkerLost("container exited")
        return frame

    def alive(self) -> bool:
        return self._pump.is_alive()  # the pump ends with the attachment, i.e. with the worker

    def host_pid(self) -> int:
        """The host pid of the worker (the container's init): unique among live processes."""
        self.container.reload()
        return int(self.container.attrs["State"]["Pid"])

    def kill(self) -> None:
        """Remove the container this process created (every process in it dies with it)."""
        try:
            self.container.remove(force=True, v=True)
        except Exception:  # noqa: BLE001 - already gone
            pass
        for closer in (self.raw.close, lambda: os.close(self._read_fd)):
            try:
                closer()
            except OSError:
                pass


class DockerExecutor(PoolExecutor):
    name = "docker"

    def __init__(self, cfg: DockerConfig):
        self.client = docker_client(cfg.docker_host)
        sweep_containers(self.client)
        from codeio.execution.image import ensure_image

        ensure_image(self.client, cfg)
        super().__init__(cfg)

    def launch(self, variant: int, init: dict[str, Any]) -> Worker:
        worker = ContainerWorker(self.client, self.config, self.worker_env(variant))
        try:
            # containers share the host's uids (and RLIMIT_NPROC counts per uid): the worker's host pid
            # makes the jobs' uid unique, as for the local executors
            init["sandbox"] = {"uid": sandbox_uid(self.config.sandbox_uid_base, worker.host_pid())}
        except Exception:
            worker.kill()
            raise
        worker.handshake(init, self.config.startup_timeout)
        self._admit(worker, {})
        return worker
