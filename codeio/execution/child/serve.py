# ruff: noqa: UP031 - percent formatting on purpose: the child side runs under any Python 3.8+
"""The worker: its start-up inside the sandbox, the serve loop, and driving each job (``launch.py``
starts it).

The worker reads frames from stdin: ``init`` once (answered by ``ready``, listing the isolation
measures that applied and why any did not), then ``job`` requests, each carrying the parent's sequence
number. Every frame it writes back carries that number, so the parent can drop anything else. After
its set-up the worker forks its job templates (``template.py``; a lean one before the prelude's
third-party lines, a full one after) and never forks a job process itself. For each job it makes sure
a scratch tmpfs is mounted, hands the request (in a memory file) and a reply pipe to a template, which
forks the job process; it reads the job's frames, enforces each call's wall clock (killing the job
process the template named), waits for the template's word that every process of the job is gone,
and checks the scratch for traces. Nothing a job writes reaches the worker except frames on the job's
own pipe. Standard library only; any Python 3.8+.
"""

import builtins
import os
import signal
import socket
import sys
import time

try:
    from . import calls, sandbox, template, wire
except ImportError:  # imported by launch.py run as a script: the siblings are top-level modules
    import calls
    import template
    import wire

    import sandbox

OK, EXCEPTION, TIMEOUT, MEMORY, CRASHED = calls.OK, calls.EXCEPTION, calls.TIMEOUT, calls.MEMORY, calls.CRASHED
OUTPUT_TOO_LARGE = calls.OUTPUT_TOO_LARGE
NEW_ROOT = "/tmp"  # the worker's own mount namespace hides the host's /tmp under its new root
STASH = "/.codeio/stash"

# Isolation measures, by the names the parent checks and the docs use.
PID_NAMESPACE, NETWORK_NAMESPACE, MINIMAL_ROOT = "pid-namespace", "network-namespace", "minimal-root"
HIDDEN_PROC, NOT_DUMPABLE, SESSION_KEYRING = "proc-hidepid", "not-dumpable", "session-keyring"
SCRATCH = "scratch-per-job"
IPC_NAMESPACE, PRIVATE_UID, SECCOMP, LIMITS = template.IPC_NAMESPACE, template.PRIVATE_UID, template.SECCOMP, template.LIMITS


class TemplateLost(Exception):
    """The job template ended: the worker ends too (the parent starts a new one), since a template
    forked again from the worker would inherit the job data the worker has decoded."""


class Worker:
    """``mode``: ``root`` (its own namespaces: it builds the minimal root), ``enclosed`` (inside a
    sandbox bubblewrap or Docker built) or ``host`` (namespaces refused: nothing is mounted, and only
    ``executor.allow_unsandboxed=true`` lets the parent use it)."""

    def __init__(self, init, mode, oom_fd, launch_missing):
        self.opts = init.get("options") or {}
        self.sandbox_cfg = init.get("sandbox") or {}
        self.strict = not self.opts.get("allow_unsandboxed", False)
        self.mode = mode
        self.oom_fd = oom_fd
        self.applied = []
        self.missing = dict(launch_missing)
        self.notes = []
        self.uid = self.sandbox_cfg.get("uid")
        self.stash = []
        self.scratch_ok = False
        self.scratch_clean = None
        """What a job could observe of the mounted scratch while no job has used it (``scratch_state``);
        None when no scratch is mounted."""
        self.exec_python = self.sandbox_cfg.get("exec_python") or ""
        self.prelude_ns = {"__builtins__": builtins}
        self.warmed = set()
        self.pid1 = False
        self.templates = {}
        self.template_pids = []
        """``full`` (the whole prelude) and, when the prelude has third-party lines, ``lean`` (only its
        standard-library lines): the job templates' sockets (``template.py``)."""
        prelude = init.get("prelude") or {}
        self.prelude_light = list(prelude.get("light") or [])
        self.prelude_heavy = list(prelude.get("heavy") or [])
        if not prelude:  # nothing said: every line goes to the one template
            self.prelude_heavy = list(self.opts.get("prelude") or [])
        self.lean = bool(prelude.get("lean")) and bool(self.prelude_heavy)

    # -- start-up ------------------------------------------------------------------------------------
    def _measure(self, name, action):
        try:
            action()
            self.applied.append(name)
            return True
        except (OSError, ValueError) as exc:
            self.missing[name] = str(exc)[:300]
            return False

    def setup(self):
        self.pid1 = os.getpid() == 1
        if self.uid is not None:
            uid = _mapped_uid(int(self.uid), int(self.opts.get("sandbox_uid_base") or 0))
            if uid is None:
                self.missing[PRIVATE_UID] = (
                    "uid %s has no mapping in this user namespace: started by a non-root user, the worker has "
                    "only its own uid to give (run as root, or in a user namespace mapping a subordinate uid "
                    "range)" % self.uid)
            self.uid = uid
        if self.pid1:
            self.applied.append(PID_NAMESPACE)
        else:
            self.missing.setdefault(PID_NAMESPACE, "the worker is not pid 1 of its own pid namespace")
        self._measure(NETWORK_NAMESPACE, _check_no_network)
        entries = self.sandbox_cfg.get("root") or []
        self.stash = [("%s/%d" % (STASH, e[2]), e[3]) for e in entries if e[0] == "stash"]
        if self.mode == "root":
            self._measure(MINIMAL_ROOT, lambda: _build_root(entries, "hidepid=2"))
            self._measure(HIDDEN_PROC, _check_hidden_proc)
        elif self.mode == "enclosed":  # the root is the one bubblewrap or the image provides
            self._measure(MINIMAL_ROOT, _hide_sysfs)
            self._measure(HIDDEN_PROC, lambda: (sandbox.remount_proc("hidepid=2"), _check_hidden_proc()))
        else:  # never mount anything in the host's own mount namespace
            for name in (MINIMAL_ROOT, HIDDEN_PROC, SCRATCH):
                self.missing.setdefault(name, "no mount namespace of its own")
        self._measure(NOT_DUMPABLE, sandbox.set_not_dumpable)
        self._measure(SESSION_KEYRING, _own_session_keyring)
        if self.mode != "host":
            self.scratch_ok = self._measure(SCRATCH, self._try_scratch)
        if self.exec_python:  # every job execs a fresh interpreter: one template serves both preludes
            self._start_template("full")
        else:
            import inspect  # noqa: F401 - modules the job process needs, imported while paths are known
            import random  # noqa: F401
            import types  # noqa: F401

            self._import_prelude(self.prelude_light)
            if self.lean:  # forked before the third-party lines are imported
                calls.seed_all(0)
                self._start_template("lean")
            self._import_prelude(self.prelude_heavy)
            calls.seed_all(0)  # the first numpy.random.seed() builds the global RandomState: pay it once
            self._start_template("full")
        for kind in self.templates:
            self._probe_job_measures(kind)

    def _start_template(self, kind):
        """Fork a job template now, while this process has decoded no job (see ``template.py``)."""
        pid, self.templates[kind], ready = template.start(self)
        self.template_pids.append(pid)
        for name, why in (ready.get("missing") or {}).items():
            self.missing.setdefault(name, why)

    def _try_scratch(self):
        sandbox.mount_scratch(1, self.stash, None)
        sandbox.drop_scratch()

    def _import_prelude(self, lines):
        failed = []
        for line in lines:
            try:
                exec(compile(line, "<prelude>", "exec"), self.prelude_ns)
            except BaseException as exc:  # noqa: BLE001 - a missing module must not stop the worker
                failed.append("%s (%s)" % (line, type(exc).__name__))
        if failed:
            self.notes.append("prelude lines skipped: " + "; ".join(failed))
        self.prelude_ns.pop("__builtins__", None)

    def _probe_job_measures(self, kind):
        """Run a trivial job through the real job path of one template, reporting each per-job measure."""
        probe = {"job": {"code": "def main_solution():\n    return 1\n", "calls": [{}]}, "probe": True,
                 "lean": kind == "lean"}
        results = {}
        self.run_job(probe, None, results)
        measures = results.get("measures")
        if not isinstance(measures, dict):
            for name in (IPC_NAMESPACE, PRIVATE_UID, LIMITS, SECCOMP):
                self.missing.setdefault(name, "the probe job reported nothing (%s)" % results.get("error"))
            return
        self.applied.extend(m for m in measures.get("applied", []) if m not in self.applied)
        for name, why in (measures.get("missing") or {}).items():
            self.missing.setdefault(name, why)
        if results.get("value") != "1":
            self.notes.append("probe job did not return 1: %r" % (results.get("error"),))

    # -- warm imports (names chosen by the trusted parent) --------------------------------------------
    def _forward_warm(self, names, lean_names):
        """Warm imports happen in the templates, so that every later job process inherits them; the lean
        one takes only the standard-library modules among them (``lean_names``)."""
        for kind, sock in self.templates.items():
            chosen = [n for n in names if kind == "full" or n in lean_names]
            if not chosen:
                continue
            template.send(sock, {"op": "warm", "names": chosen})
            reply, _ = template.receive(sock)
            if not isinstance(reply, dict):
                raise TemplateLost("a job template ended during a warm import")
            self.notes.extend(reply.get("notes") or [])

    def warm(self, names):
        """Import installed modules the parent chose, unless importing one pulls in a denied module
        (checked in a throw-away child first: an allowed package may import torch). Runs in the job
        template; returns notes on the modules left cold."""
        import importlib
        import importlib.util

        notes = []

        deny = set(self.opts.get("warm_imports_deny") or ())
        budget = int(self.opts.get("warm_imports_max") or 0) - len(self.warmed)
        for name in names:
            if budget <= 0:
                break
            if not isinstance(name, str) or name in self.warmed or name.split(".")[0] in deny:
                continue
            if not all(part.isidentifier() for part in name.split(".")) or name in sys.modules:
                continue
            self.warmed.add(name)
            budget -= 1
            try:
                if importlib.util.find_spec(name.split(".")[0]) is None:
                    continue
            except (ImportError, ValueError):
                continue
            pulled = _trial_import(name)
            if pulled is None or pulled & deny:
                notes.append("not warmed: %s (%s)" % (name, "pulls in " + ", ".join(sorted(pulled & deny))
                                                      if pulled else "import failed"))
                continue
            try:
                importlib.import_module(name)
            except BaseException:  # noqa: BLE001 - a module that fails to import stays cold
                continue
        import gc

        gc.collect()
        if hasattr(gc, "freeze"):
            gc.freeze()
        return notes

    # -- per job -------------------------------------------------------------------------------------
    def run_job(self, request, out_fd, probe_results=None):
        """Run one job request; one ``call`` frame per call to ``out_fd``, then ``done``."""
        seq = request.get("seq")
        job = request["job"]
        n = len(job.get("calls") or [])
        timeout = float(job.get("timeout") or self.opts.get("timeout", 5.0))
        limit = int(self.opts.get("output_limit", 1 << 20)) * 8 + 65536

        def emit(index, reply):
            if probe_results is not None:
                probe_results.update(reply)
                return
            reply = dict(reply, t="call", i=index, seq=seq)
            reply.pop("nonce", None)
            wire.write_frame(out_fd, reply, canonical=False)


        if request.get("warm"):
            self._forward_warm(request["warm"], set(request.get("warm_lean") or ()))
        scratch, workdir = False, None
        try:
            if self.scratch_ok:
                if self.scratch_clean is None:
                    sandbox.mount_scratch(int(self.opts.get("tmp_size_mb") or 64), self.stash, self.uid)
                    self.scratch_clean = sandbox.scratch_state()
                scratch, workdir = True, sandbox.WORKDIR
            elif self.strict:
                raise OSError("scratch space unavailable")
            else:  # allow_unsandboxed without a mount namespace: a temporary folder on the host
                import tempfile

                workdir = tempfile.mkdtemp(prefix="codeio-job-")
                if self.uid is not None:
                    os.chown(workdir, int(self.uid), int(self.uid))
        except OSError as exc:
            for index in range(int(request.get("start", 0)), n):
                emit(index, {"status": CRASHED, "error": "sandbox set-up failed: %s" % exc})
            n = 0
        lost = False
        try:
            if n:
                lean = bool(request.get("lean")) and self.lean
                sock = self.templates["lean" if lean and "lean" in self.templates else "full"]
                request_fd = self._request_file(request, workdir, lean)
                try:
                    self._drive(request, sock, request_fd, timeout, limit, emit, probe_results)
                finally:
                    os.close(request_fd)
        except TemplateLost:
            lost = True  # no "done": the parent sees this worker end and starts another for the next job
            raise
        finally:
            # every process of the job is gone (the template said so) before the parent hears "done":
            # when ``run`` returns, nothing of its jobs is left running
            if probe_results is None and not lost:
                wire.write_frame(out_fd, {"t": "done", "seq": seq}, canonical=False)
            if scratch:
                self._release_scratch()
            elif workdir:
                _remove_tree(workdir)

    def _release_scratch(self):
        """Keep the scratch for the next job only if this one left no trace a job could observe: no file
        or block, no changed time, mode or size, no extended attribute. Otherwise detach it."""
        try:
            unchanged = sandbox.scratch_state() == self.scratch_clean
        except OSError:
            unchanged = False
        if not unchanged:
            sandbox.drop_scratch()
            self.scratch_clean = None

    def _request_file(self, request, workdir, lean):
        """The job's request in a memory file the job process reads itself (the template never does)."""
        data = {"job": request["job"], "harness_sources": request.get("harness_sources") or {},
                "workdir": workdir, "probe": bool(request.get("probe")),
                "json_compat": self.opts.get("json_compat", True),
                "output_limit": self.opts.get("output_limit", 1 << 20)}
        if self.exec_python:
            prelude = self.prelude_light + ([] if lean else self.prelude_heavy)
            data.update(prelude=prelude, memory_mb=self.opts.get("memory_mb") or 0)
        fd = os.memfd_create("codeio-job", getattr(os, "MFD_CLOEXEC", 1))
        view = memoryview(wire.frame_bytes(data, canonical=False)[4:])
        while view:
            view = view[os.write(fd, view):]
        os.lseek(fd, 0, os.SEEK_SET)
        return fd

    def _drive(self, request, sock, request_fd, timeout, limit, emit, probe_results):
        """Deadlines per call; a timeout or a dead job process costs only the call in progress, and the
        job goes on from the next call in a fresh job process. After ``max_consecutive_timeouts``
        timeouts in a row the remaining calls are marked timeout without running."""
        job = request["job"]
        n = len(job.get("calls") or [])
        index = int(request.get("start", 0))
        consecutive = 0
        max_timeouts = int(self.opts.get("max_consecutive_timeouts", 3))
        while index < n:
            fd = self._spawn(sock, request_fd, index)
            started = time.monotonic()
            deadline = started + timeout
            loaded, reply, fate = False, None, None
            oom_before = sandbox.oom_kills(self.oom_fd)
            frames = wire.FrameReader(fd)
            try:
                while index < n:
                    try:
                        frame = frames.read(deadline, limit)
                    except TimeoutError:
                        fate = (TIMEOUT, "no result within %.3g s" % timeout)
                        break
                    except wire.Garbled as exc:
                        fate = (OUTPUT_TOO_LARGE if "above the limit" in str(exc) else CRASHED,
                                "garbled reply: %s" % exc)
                        break
                    if frame is None:
                        break
                    kind = frame.get("t") if isinstance(frame, dict) else None
                    if kind == "measures" and probe_results is not None:
                        probe_results["measures"] = frame
                        continue
                    if not loaded:
                        if kind == "loaded":
                            loaded = True
                            started = time.monotonic()
                            deadline = started + timeout
                            continue
                        if kind in ("load_error", "setup_failed"):
                            for k in range(index, n):
                                emit(k, {"status": frame.get("status") or CRASHED,
                                         "error": str(frame.get("error"))[:2000], "seconds": 0.0})
                            index = n
                            break
                        fate = (CRASHED, "unexpected frame before loading")
                        break
                    if kind == "reply" and frame.get("i") == index and reply is None:
                        reply = frame
                        continue
                    if kind == "end" and frame.get("i") == index:
                        if reply is None:
                            reply = self._ended_without_reply(str(frame.get("exit")), oom_before)
                        reply.setdefault("seconds", time.monotonic() - started)
                        emit(index, reply)
                        consecutive = consecutive + 1 if reply.get("status") == TIMEOUT else 0
                        index += 1
                        reply = None
                        oom_before = sandbox.oom_kills(self.oom_fd)
                        started = time.monotonic()
                        deadline = started + timeout
                        continue
                    fate = (CRASHED, "reply out of order")
                    break
            finally:
                os.close(fd)
                exit_text = self._finish(sock)
            if index >= n:
                break
            elapsed = time.monotonic() - started
            if reply is not None and fate is None:
                reply.setdefault("seconds", elapsed)
                outcome = reply
            elif fate is None:  # the job process ended mid-call without an ``end`` frame
                outcome = self._ended_without_reply(exit_text, oom_before)
                outcome["seconds"] = elapsed
            else:
                outcome = {"status": fate[0], "error": fate[1], "seconds": elapsed}
            emit(index, outcome)
            consecutive = consecutive + 1 if outcome.get("status") == TIMEOUT else 0
            index += 1
            if consecutive >= max_timeouts > 0:
                for k in range(index, n):
                    emit(k, {"status": TIMEOUT, "seconds": 0.0,
                             "error": "skipped after %d consecutive timeouts" % consecutive})
                index = n

    def _ended_without_reply(self, exit_text, oom_before):
        if "SIGKILL" in exit_text and sandbox.oom_kills(self.oom_fd) > oom_before:
            return {"status": MEMORY, "error": "killed by the out-of-memory killer (memory limit)"}
        if "SIGXCPU" in exit_text:
            return {"status": TIMEOUT, "error": "CPU time limit (%s)" % exit_text}
        return {"status": CRASHED, "error": "exited without a result (%s)" % exit_text}

    def _spawn(self, sock, request_fd, start):
        """Have a template fork a job process; returns the read end of its reply pipe at once (the
        template's report comes later, ``_finish``)."""
        read_fd, write_fd = os.pipe()
        try:
            template.send(sock, {"op": "spawn", "start": start}, [request_fd, write_fd])
        finally:
            os.close(write_fd)
        return read_fd

    def _finish(self, sock):
        """Kill the job process (even after its last frame: job code ran in it and may keep it alive) and
        wait until the template has reaped it and killed and reaped everything it left; returns how the
        job process ended. The pid is the template's report, and the template keeps the process unreaped
        until it sends its next report: it can only be the job process."""
        reply, _ = template.receive(sock)
        if isinstance(reply, dict) and reply.get("t") == "spawn_failed":
            return "not started: %s" % reply.get("error")
        if not isinstance(reply, dict) or reply.get("t") != "started":
            raise TemplateLost("the job template ended")
        try:
            os.kill(int(reply["pid"]), signal.SIGKILL)
        except (OSError, ValueError, TypeError):
            pass
        reply, _ = template.receive(sock)
        if not isinstance(reply, dict) or reply.get("t") != "exited":
            raise TemplateLost("the job template ended")
        return str(reply.get("exit"))

    def serve(self, in_fd, out_fd):
        wire.write_frame(out_fd, {"t": "ready", "applied": self.applied, "missing": self.missing,
                                  "notes": self.notes, "python": sys.version.split()[0]})
        while True:
            request = wire.read_frame(in_fd)
            if not isinstance(request, dict) or request.get("op") == "exit":
                break
            if request.get("op") == "job":
                self.run_job(request, out_fd)
        for sock in self.templates.values():
            try:
                template.send(sock, {"op": "exit"})
            except OSError:
                pass
        self._reap_templates()

    def _reap_templates(self, grace=5.0):
        """Wait for the templates to exit (they do on request; after ``grace`` seconds they are killed),
        so that their CPU time and their jobs' reaches whoever waits for the worker."""
        deadline = time.monotonic() + grace
        for pid in self.template_pids:
            while True:
                try:
                    if os.waitpid(pid, os.WNOHANG)[0]:
                        break
                except ChildProcessError:
                    break
                except InterruptedError:
                    continue
                if time.monotonic() > deadline:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except OSError:
                        pass
                time.sleep(0.002)


def _mapped_uid(uid, base):
    """``uid`` when this user namespace maps it (the initial namespace maps every uid). Inside a user
    namespace that maps a range of subordinate uids (``podman unshare``, ``unshare --map-users``), the
    same slot (``uid - base``, the launcher's pid) folded into the largest range not holding uid 0;
    None when there is no such range."""
    try:
        with open("/proc/self/uid_map") as f:
            ranges = [tuple(int(x) for x in line.split()) for line in f if line.strip()]
    except OSError:
        return uid
    if any(inside <= uid < inside + count for inside, _, count in ranges):
        return uid
    usable = [(count - (inside == 0), inside + (inside == 0)) for inside, _, count in ranges]
    usable = [(count, first) for count, first in usable if count >= 2]
    if not usable:
        return None
    count, first = max(usable)
    return first + (uid - base) % count


def _own_session_keyring():
    """A fresh session keyring, or keyrings out of reach altogether (a container's seccomp profile)."""
    try:
        sandbox.join_new_session_keyring()
    except OSError as exc:
        if exc.errno not in (1, 38):  # EPERM, ENOSYS: the key calls are refused to everyone here
            raise


def _hide_sysfs():
    """A container shows the host's /sys (hardware, cgroup files): an empty read-only tmpfs covers it.
    (The memory cgroup's counter was opened before.)"""
    if os.path.ismount("/sys"):
        sandbox.mount("tmpfs", "/sys", "tmpfs", sandbox.MS_RDONLY | sandbox.MS_NOSUID | sandbox.MS_NODEV,
                      "size=4k,mode=555")


def _check_no_network():
    names = [name for _, name in socket.if_nameindex()]
    if names != ["lo"]:
        raise OSError("network interfaces visible: %s" % ", ".join(names))


def _check_hidden_proc():
    if not sandbox.proc_hides_other_users():
        raise OSError("/proc is not mounted with hidepid=2")


def _build_root(entries, proc_options):
    sandbox.mount(None, "/", None, sandbox.MS_REC | sandbox.MS_PRIVATE)
    sandbox.build_root(NEW_ROOT, entries, STASH, proc_options)
    try:
        socket.sethostname("sandbox")
    except OSError:
        pass


def _remove_tree(path):
    """Best-effort removal of a host temporary folder (``allow_unsandboxed`` only): never raises."""
    import shutil

    try:
        shutil.rmtree(path, ignore_errors=True)
    except BaseException:  # noqa: BLE001 - RecursionError on a tree deeper than the stack
        pass


def _trial_import(name):
    """Top-level modules that importing ``name`` loads, found in a throw-away child; None on failure."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(read_fd)
            sandbox.redirect_stdio()
            before = set(sys.modules)
            import importlib

            importlib.import_module(name)
            pulled = sorted({m.split(".")[0] for m in set(sys.modules) - before})
            wire.write_frame(write_fd, pulled)
        finally:
            os._exit(0)
    os.close(write_fd)
    try:
        pulled = wire.read_frame(read_fd, time.monotonic() + 60.0, 1 << 20)
    except (TimeoutError, wire.Garbled):
        pulled = None
    finally:
        os.close(read_fd)
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
        os.waitpid(pid, 0)
    return set(pulled) if isinstance(pulled, list) else None


# ---------------------------------------------------------------------------------------------------
# Entry points
def _open_protocol():
    """The protocol descriptors (stdin, stdout), with 0, 1 and 2 pointed at /dev/null so that nothing
    printed during start-up can corrupt a frame."""
    in_fd, out_fd = os.dup(0), os.dup(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    return in_fd, out_fd, devnull


def worker_main(spec, mode, launch_missing):
    in_fd, out_fd, devnull = _open_protocol()
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    init = wire.read_frame(in_fd)
    if not isinstance(init, dict):
        return
    if not (init.get("options") or {}).get("debug"):
        os.dup2(devnull, 2)
    os.close(devnull)
    oom_fd = spec.get("oom_fd")
    for path in [] if oom_fd is not None else spec.get("oom_files") or []:
        try:
            oom_fd = os.open(path, os.O_RDONLY)
            break
        except OSError:
            continue
    if mode == "enclosed":
        sandbox.set_parent_death_signal()
    sandbox.set_process_name("codeio-worker")
    worker = Worker(init, mode, oom_fd, launch_missing)
    worker.setup()
    worker.serve(in_fd, out_fd)
