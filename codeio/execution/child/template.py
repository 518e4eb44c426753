# ruff: noqa: UP031 - percent formatting on purpose: the child side runs under any Python 3.8+
"""The job template: a clean process inside the worker's sandbox that every job process is forked from.

Why it exists: a job process used to be forked from the worker and then apply every per-job measure
itself (environment, capabilities, limits, an IPC namespace, the seccomp filter...), in Python, in a
fresh copy-on-write address space where each page it touches costs a page copy. That tripled the cost
of a call. The template applies, once, everything that does not depend on the job, and puts itself in
a new IPC namespace after every job, so a job process is born with the filter, the IPC namespace and
most limits, and only has to take what must be its own (process group, uid, CPU and process limits)
with a handful of system calls before it loads the code.

What keeps it clean: it never runs job code and never holds job data. The worker sends it only
``spawn`` messages carrying the job's descriptors (the request in a memory file, the reply pipe) and
the index of the first call; the job process reads its request itself, after the fork. So every job
process starts from the same state, which no earlier job could touch or read: not even the previous
job's input lingers in freed memory (the worker, which decodes requests, is never forked again).

Messages on the template's ``SOCK_SEQPACKET`` socket (one JSON object each, descriptors attached):
worker -> template ``{"op": "spawn", "start"}`` + [request memfd, reply pipe], ``{"op": "warm",
"names"}``, ``{"op": "exit"}``; template -> worker ``{"t": "ready", "applied", "missing"}`` once,
``{"t": "started", "pid"}`` and, after the job process ended and everything it left was killed and
reaped, ``{"t": "exited", "exit"}``; ``{"t": "spawn_failed", "error"}``; ``{"t": "warmed", "notes"}``.

The template is root (it still holds the worker's capabilities, which the job process drops when it
switches uid), not dumpable and invisible to jobs (``hidepid=2``), under the jobs' seccomp filter; it
is a subreaper, so whatever a job leaves behind is re-parented to it and killed, by uid
(``_kill_leftovers``).
"""

import array
import os
import signal
import socket
import time

try:
    from . import calls, sandbox, seccomp, wire
except ImportError:  # imported by launch.py run as a script: the siblings are top-level modules
    import calls
    import seccomp
    import wire

    import sandbox

CRASHED = calls.CRASHED
IPC_NAMESPACE, PRIVATE_UID, SECCOMP, LIMITS = "ipc-namespace-per-job", "private-uid", "seccomp", "rlimits"
JOB_MEASURES = (IPC_NAMESPACE, PRIVATE_UID, LIMITS, SECCOMP)
"""Per-job measures, as the probe job reports them (the template applies some, the job process the rest)."""
CHILD_DIR = "/.codeio/child"  # where exec'd jobs find this package inside the sandbox (``rootfs.CHILD_DIR``)
MAX_MESSAGE = 1 << 16
PR_SET_CHILD_SUBREAPER = 36


# ---------------------------------------------------------------------------------------------------
# Messages (both ends)
def send(sock, message, fds=()):
    data = wire.frame_bytes(message, canonical=False)[4:]
    if fds:
        sock.sendmsg([data], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))])
    else:
        sock.sendmsg([data])


def receive(sock, max_fds=0):
    """(message, descriptors); (None, []) when the other end is gone."""
    space = socket.CMSG_SPACE(max_fds * 4) if max_fds else 0
    while True:
        try:
            data, ancillary, _, _ = sock.recvmsg(MAX_MESSAGE, space)
            break
        except InterruptedError:
            continue
        except OSError:  # ECONNRESET: the other end died with our message unread
            return None, []
    fds = array.array("i")
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(payload[:len(payload) - len(payload) % fds.itemsize])
    if not data:
        for fd in fds:
            os.close(fd)
        return None, []
    return wire.loads(data), list(fds)


# ---------------------------------------------------------------------------------------------------
# The worker's side
def start(worker):
    """Fork the template from ``worker`` (after its set-up, before any job); returns (pid, socket, ready)."""
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    pid = os.fork()
    if pid == 0:
        try:
            ours.close()
            Template(worker, theirs).serve()
        except BaseException:  # noqa: BLE001 - shown with executor.debug (stderr is /dev/null otherwise)
            import traceback

            traceback.print_exc()
        finally:
            os._exit(0)
    theirs.close()
    ready, _ = receive(ours)
    if not isinstance(ready, dict) or ready.get("t") != "ready":
        raise OSError("the job template did not start (%r)" % (ready,))
    return pid, ours, ready


# ---------------------------------------------------------------------------------------------------
# The template itself
class Template:
    def __init__(self, worker, sock):
        self.worker = worker
        self.opts = worker.opts
        self.sock = sock
        self.uid = worker.uid
        self.strict = worker.strict
        self.spare_uid = None
        """A uid, neither root nor the job's, that the template stands on while it kills the job's
        processes (``_kill_leftovers``)."""
        self.exec_python = worker.exec_python
        self.applied, self.missing = [], {}
        self.hard_limits = {}
        self.fresh_ipc = False
        """The IPC namespace we are in was made after the last job ended: the next job may have it."""
        self.single_threaded = False
        """No other thread here: job processes are forked without CPython's at-fork handlers."""

    def prepare(self):
        """Everything that does not depend on the job, once: descriptors, session, environment, the
        bounding set and groups, the limits, a fresh IPC namespace and the seccomp filter, which every
        job process inherits."""
        os.setsid()
        sandbox.set_process_name("codeio-jobs")  # its job processes keep the name (renaming costs them)
        sandbox.close_fds_except([self.sock.fileno()])
        sandbox.set_parent_death_signal()  # (with a pid namespace, the worker's death ends it anyway)
        sandbox.prctl(PR_SET_CHILD_SUBREAPER, 1)
        os.environ.clear()
        os.environ.update(self.opts.get("child_env") or {})
        os.environ["HOME"] = os.environ["TMPDIR"] = sandbox.WORKDIR
        os.environ["PYTHONHASHSEED"] = str(int(self.opts.get("hash_seed") or 0))
        if self.uid is not None:
            self._step(PRIVATE_UID, self._prepare_identity)
        self._step(LIMITS, self._set_limits)
        self._renew_ipc()
        self._step(SECCOMP, lambda: seccomp.install(seccomp.TEMPLATE_DENIED))  # last: it refuses mounts
        self._settle()

    def _settle(self):
        """After start-up and after warm imports: the thread check and a frozen heap."""
        self.single_threaded = calls.thread_count() == 1
        import gc

        gc.collect()
        if hasattr(gc, "freeze"):  # forked job processes then leave these objects' pages shared
            gc.freeze()

    def _step(self, name, action):
        try:
            action()
            if name not in self.applied:
                self.applied.append(name)
            self.missing.pop(name, None)
            return True
        except (OSError, ValueError) as exc:
            self.missing[name] = str(exc)[:300]
            if name in self.applied:
                self.applied.remove(name)
            return False

    def _prepare_identity(self):
        sandbox.drop_bounding_capabilities()
        os.setgroups([])
        for spare in (int(self.uid) + 1, int(self.uid) - 1):  # one that this user namespace maps
            try:
                os.setresuid(spare, int(self.uid), 0)
            except OSError:
                continue
            os.setresuid(0, 0, 0)
            self.spare_uid = spare
            return
        raise OSError("no uid next to %s to kill the job's processes from" % self.uid)

    def _set_limits(self):
        """The limits that do not depend on the job, on ourselves: every job process inherits them (the
        address space on top of what we hold now, so again after warm imports)."""
        base_vm = sandbox.current_vm_bytes()
        if self.exec_python:
            base_vm += 4096 * 1024 * 1024  # room for a fresh interpreter; it tightens after its prelude
        sandbox.apply_limits(sandbox.template_limits(self.opts, base_vm))
        self.hard_limits = sandbox.hard_limits()

    def _renew_ipc(self):
        """Step into a new IPC namespace: the next job's, which no process has used. The last job's
        namespace, its SysV objects and message queues, go with its last process."""
        self.fresh_ipc = self._step(IPC_NAMESPACE, lambda: sandbox.unshare(sandbox.CLONE_NEWIPC))

    def serve(self):
        try:
            self.prepare()
        except BaseException as exc:  # noqa: BLE001 - reported, the worker fails its start-up
            send(self.sock, {"t": "failed", "error": calls.error_text(exc)})
            return
        send(self.sock, {"t": "ready", "applied": self.applied, "missing": self.missing})
        while True:
            message, fds = receive(self.sock, max_fds=2)
            if not isinstance(message, dict) or message.get("op") == "exit":
                return
            op = message.get("op")
            if op == "spawn" and len(fds) == 2:
                self._spawn(fds[0], fds[1], int(message.get("start") or 0))
            elif op == "warm":
                notes = self.worker.warm(message.get("names") or [])
                self._step(LIMITS, self._set_limits)  # the imports grew the address space jobs start from
                self._settle()
                send(self.sock, {"t": "warmed", "notes": notes})
            for fd in fds:
                try:
                    os.close(fd)
                except OSError:
                    pass

    def _spawn(self, request_fd, out_fd, start):
        if self.strict and not self.fresh_ipc:
            send(self.sock, {"t": "spawn_failed", "error": "no fresh IPC namespace: %s"
                             % self.missing.get(IPC_NAMESPACE)})
            return
        bare = self.single_threaded
        try:
            pid = sandbox.fork_without_handlers() if bare else os.fork()
        except OSError as exc:
            send(self.sock, {"t": "spawn_failed", "error": "fork: %s" % exc})
            return
        if pid == 0:
            try:
                if bare:  # what os.fork's handler would have done: a fresh process has a fresh seed
                    import random

                    random.seed()
                self._job_process(request_fd, out_fd, start)
            except BaseException as exc:  # noqa: BLE001 - reported on the job's pipe, never raised
                try:
                    wire.write_frame(out_fd, {"t": "setup_failed", "status": CRASHED,
                                              "error": "sandbox set-up failed: %s" % calls.error_text(exc)})
                except BaseException:  # noqa: BLE001
                    pass
            finally:
                os._exit(111)
        self.fresh_ipc = False
        send(self.sock, {"t": "started", "pid": pid})
        exit_text = _wait_keeping_zombie(pid)  # the pid stays the job's until the worker has our report
        self._kill_leftovers(pid)
        send(self.sock, {"t": "exited", "exit": exit_text})
        self._renew_ipc()  # while the worker reports the job

    def _kill_leftovers(self, pid):
        """Kill and reap every process of the job, whatever it did (new sessions, double forks): they
        are all re-parented to us (a subreaper), and all run as the job's uid. ``kill(-1)`` sent with the
        job's uid as effective uid reaches exactly those: the worker (pid 1 and root), the other
        template and we (root) are out of its reach. The real uid meanwhile is a spare one that no
        process here has, so no job process can signal us while we stand there; the saved uid 0 takes
        us back."""
        while True:
            if self.spare_uid is not None:
                os.setresuid(self.spare_uid, int(self.uid), 0)
                try:
                    os.kill(-1, signal.SIGKILL)
                except OSError:
                    pass
                finally:
                    os.setresuid(0, 0, 0)
            else:  # no private uid (allow_unsandboxed only): the job's group and our children
                try:
                    os.killpg(pid, signal.SIGKILL)
                except OSError:
                    pass
                for child in _children():
                    try:
                        os.kill(child, signal.SIGKILL)
                    except OSError:
                        pass
            if not _reap():
                return
            time.sleep(0.0005)  # some are still exiting, or one was forked while we were killing

    # -- the job process ---------------------------------------------------------------------------
    def _job_process(self, request_fd, out_fd, start):
        """In the forked job process: the measures that are the job's own, then run (or exec) the job.
        The IPC namespace, the seccomp filter and most limits it has from the template already."""
        os.setpgid(0, 0)  # its own process group (a session and its scheduler group would cost more)
        sandbox.close_fds_except([request_fd, out_fd])
        request = wire.loads(_read_all(request_fd))
        probe = bool(request.get("probe"))
        applied, missing = [], {}

        def step(name, action):
            if name in missing:
                return
            try:
                action()
                applied.append(name)
                return
            except (OSError, ValueError) as exc:
                missing[name] = str(exc)[:300]
            if self.strict and not probe:
                wire.write_frame(out_fd, {"t": "setup_failed", "status": CRASHED,
                                          "error": "sandbox set-up failed (%s): %s" % (name, missing[name])})
                os._exit(0)

        for name in JOB_MEASURES:  # what the template could not apply
            if name in self.missing:
                step(name, _refuse(self.missing[name]))
        sandbox.write_own_file("oom_score_adj", b"1000")  # under memory pressure the job dies, not the worker
        workdir = request.get("workdir") or "/"
        if workdir != sandbox.WORKDIR:  # no scratch mount (allow_unsandboxed): a host folder
            os.environ["HOME"] = os.environ["TMPDIR"] = workdir
        if self.uid is None:
            step(PRIVATE_UID, _refuse("no sandbox uid given"))
        else:
            step(PRIVATE_UID, lambda: sandbox.switch_user(int(self.uid), prepared=True))
        os.chdir(workdir)  # as the job's uid: the folder is its own, mode 0700
        calls_left = len(request["job"].get("calls") or []) - start
        step(LIMITS, lambda: sandbox.apply_limits(sandbox.job_limits(self.opts, calls_left, self.hard_limits)))
        if probe:  # confirm, from inside, what the template says every job process inherits
            step(SECCOMP, lambda: _check_seccomp_filter())
            step(IPC_NAMESPACE, lambda: None)
            wire.write_frame(out_fd, {"t": "measures", "applied": applied, "missing": missing})
        kill_leftovers = PRIVATE_UID in applied
        if self.exec_python:
            for fd in (out_fd, request_fd):
                os.set_inheritable(fd, True)
            os.execve(self.exec_python, [self.exec_python, "-s", "-B", CHILD_DIR + "/launch.py", "job", str(out_fd),
                                         str(request_fd), "1" if kill_leftovers else "0", str(start)],
                      dict(os.environ))
        os.close(request_fd)
        request["start"] = start
        calls.run_job(request, out_fd, self.worker.prelude_ns, kill_leftovers, sandbox.fork_without_handlers)
        os._exit(0)


def _check_seccomp_filter():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("Seccomp:"):
                if line.split()[1] != "2":
                    raise OSError("no seccomp filter (Seccomp: %s)" % line.split()[1])
                return
    raise OSError("/proc/self/status has no Seccomp line")


def _refuse(why):
    def action():
        raise OSError(why)
    return action


def _read_all(fd):
    chunks = []
    offset = 0
    while True:
        chunk = os.pread(fd, 1 << 20, offset)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        offset += len(chunk)


def _wait_keeping_zombie(pid):
    """How the job process ended ("exit code 0", "killed by SIGKILL"), without reaping it."""
    while True:
        try:
            result = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
            break
        except InterruptedError:
            continue
        except ChildProcessError:
            return "gone"
    if result is None:
        return "gone"
    if result.si_code == os.CLD_EXITED:
        return "exit code %d" % result.si_status
    try:
        return "killed by " + signal.Signals(result.si_status).name
    except ValueError:
        return "killed by signal %d" % result.si_status


def _reap():
    """Reap every child that has ended; True while some child is still alive."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return False
        except InterruptedError:
            continue
        if pid == 0:
            return True


def _children():
    """Our children, from /proc (``/proc/<pid>/task/<tid>/children`` is not in every kernel)."""
    me, found = str(os.getpid()), []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry, "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[1].decode() == me:
            found.append(int(entry))
    return found
