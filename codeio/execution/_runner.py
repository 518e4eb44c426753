# ruff: noqa: UP031 - percent formatting on purpose: this file stays stdlib-only, Python 3.8+
"""Child side of the executors: stdlib only, runnable under any Python 3.8+.

This file is executed as a script (``python _runner.py worker`` or ``python _runner.py once``), never
imported by generated code. It has three roles:

* ``worker`` (forkserver zygote): imports the prelude once, then for each job request read from stdin
  forks a sandboxed child, enforces per-call wall-clock deadlines, kills and reaps the child's whole
  process tree, and streams one reply per call to stdout.
* ``once`` (subprocess executor): the interpreter itself is the sandboxed child; it runs one job and
  writes framed replies to a private copy of its stdout. The trusted parent enforces the deadlines with
  the same driver loop (``drive_job``) the worker uses.
* the job runner (``run_calls``), shared by both: load the code once in a fresh module, then perform
  each call, seeding ``random`` / ``numpy.random`` and serializing the value with a private canonical
  JSON encoder captured at import time (so code that patches ``json``, ``builtins`` or ``math`` cannot
  change how its value is reported).

Wire format everywhere: 4-byte big-endian length, then UTF-8 JSON. Every reply from a sandboxed child
carries the per-child nonce; a reply without it is treated as a crash.
"""

from __future__ import annotations

import builtins
import json
import math
import os
import select
import signal
import struct
import sys
import time

# ---------------------------------------------------------------------------------------------------
# Private references captured before any untrusted code runs.
_dict_items = dict.items
_list_iter = list.__iter__
_tuple_iter = tuple.__iter__
_float_repr = float.__repr__
_int_repr = int.__repr__
_str_new = str.__str__
_isfinite = math.isfinite
_isinstance = builtins.isinstance
_len = builtins.len
_sorted = builtins.sorted
_id = builtins.id
_perf = time.perf_counter
_monotonic = time.monotonic
_json_scan = json.JSONDecoder().scan_once  # the C scanner: immune to later patches of the json module


def _json_loads(text):
    """Decode one JSON document (used on texts we produced or received framed)."""
    if _isinstance(text, bytes):
        text = text.decode("utf-8")
    try:
        value, end = _json_scan(text, 0)
    except StopIteration as exc:
        raise ValueError("invalid JSON at %s" % exc.value) from None
    if text[end:].strip():
        raise ValueError("extra data after JSON value")
    return value


_encode_str = json.encoder.encode_basestring  # ensure_ascii=False, like canonical_json
_pack = struct.pack
_unpack = struct.unpack
_write = os.write
_read = os.read

OK, EXCEPTION, TIMEOUT, MEMORY, CRASHED = "ok", "exception", "timeout", "memory", "crashed"
OUTPUT_TOO_LARGE, NOT_SERIALIZABLE = "output_too_large", "not_serializable"

THREAD_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS",
              "VECLIB_MAXIMUM_THREADS", "BLIS_NUM_THREADS")


class NotJSON(Exception):
    pass


class TooLarge(Exception):
    pass


def _key_text(key, compat):
    if _isinstance(key, str):
        return _str_new(key)
    if compat:  # what json.dumps does with non-string keys
        if key is True:
            return "true"
        if key is False:
            return "false"
        if key is None:
            return "null"
        if _isinstance(key, int):
            return _int_repr(key)
        if _isinstance(key, float):
            if not _isfinite(key):
                raise NotJSON("non-finite float key")
            return _float_repr(key)
    raise NotJSON("dict key of type " + type(key).__name__)


def _dump(value, out, compat, path, budget):
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif _isinstance(value, str):
        out.append(_encode_str(_str_new(value)))
    elif _isinstance(value, int):
        try:
            out.append(_int_repr(value))
        except ValueError:  # int too large to convert (Python >= 3.11 digit limit)
            raise NotJSON("integer too large") from None
    elif _isinstance(value, float):
        if not _isfinite(value):
            raise NotJSON("non-finite float")
        out.append(_float_repr(value))
    elif _isinstance(value, list) or (compat and _isinstance(value, tuple)):
        ident = _id(value)
        if ident in path:
            raise NotJSON("self-referencing container")
        path.add(ident)
        items = _list_iter(value) if _isinstance(value, list) else _tuple_iter(value)
        out.append("[")
        first = True
        for item in items:
            if not first:
                out.append(",")
            first = False
            _dump(item, out, compat, path, budget)
        out.append("]")
        path.discard(ident)
    elif _isinstance(value, dict):
        ident = _id(value)
        if ident in path:
            raise NotJSON("self-referencing container")
        path.add(ident)
        pairs = [(_key_text(k, compat), v) for k, v in _dict_items(value)]
        pairs = _sorted(pairs, key=lambda kv: kv[0])
        out.append("{")
        previous = None
        for index, (key, item) in enumerate(pairs):
            if key == previous:
                raise NotJSON("duplicate key after conversion: " + key)
            previous = key
            if index:
                out.append(",")
            out.append(_encode_str(key))
            out.append(":")
            _dump(item, out, compat, path, budget)
        out.append("}")
        path.discard(ident)
    else:
        raise NotJSON("value of type " + type(value).__name__)
    budget[0] += 1
    if budget[0] & 1023 == 0 and sum(_len(p) for p in out) > budget[1]:
        raise TooLarge("serialized value above the output cap")


def dumps_canonical(value, compat=True, limit=1 << 20):
    """Canonical JSON text (sorted keys, no spaces, UTF-8); raises NotJSON or TooLarge."""
    out = []
    try:
        _dump(value, out, compat, set(), [0, limit])
    except RecursionError:
        raise NotJSON("value nested too deeply") from None
    text = "".join(out)
    if _len(text) > limit:
        raise TooLarge("serialized value has %d characters, cap %d" % (_len(text), limit))
    return text


# ---------------------------------------------------------------------------------------------------
# Framing
def write_msg(fd, obj):
    data = dumps_canonical(obj, True, 1 << 30).encode("utf-8", "surrogatepass")
    data = _pack(">I", _len(data)) + data
    view = memoryview(data)
    while view:
        n = _write(fd, view)
        view = view[n:]


def read_exact(fd, n, deadline=None):
    """Read n bytes; returns None on EOF, raises TimeoutError past the deadline (monotonic)."""
    chunks = []
    while n > 0:
        if deadline is not None:
            remaining = deadline - _monotonic()
            if remaining <= 0:
                raise TimeoutError
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                raise TimeoutError
        chunk = _read(fd, min(n, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        n -= _len(chunk)
    return b"".join(chunks)


class FrameTooLarge(Exception):
    pass


def read_msg(fd, deadline=None, limit=None):
    head = read_exact(fd, 4, deadline)
    if head is None:
        return None
    (size,) = _unpack(">I", head)
    if limit is not None and size > limit:
        raise FrameTooLarge(size)
    body = read_exact(fd, size, deadline)
    if body is None:
        return None
    return _json_loads(body.decode("utf-8", "surrogatepass"))


# ---------------------------------------------------------------------------------------------------
# Running a job's calls (inside the sandboxed child)
def _error_text(exc):
    """"TypeName: message", robust to exceptions whose ``__str__`` misbehaves."""
    try:
        name = type.__getattribute__(type(exc), "__name__")
    except Exception:  # noqa: BLE001
        name = "Exception"
    try:
        message = str(exc)
        message = _str_new(message) if _isinstance(message, str) else "<unprintable>"
    except BaseException:  # noqa: BLE001
        message = "<unprintable>"
    return ("%s: %s" % (name, message[:2000]))[:2000]


def _seed_all(seed):
    import random

    random.seed(seed)
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        try:
            numpy.random.seed(seed % (2 ** 32))
        except Exception:
            pass


def _takes_argument(fn):
    """True for ``generate_inputs(rng)``-style generators (at least one positional parameter)."""
    code = getattr(fn, "__code__", None)
    if code is not None:
        bound = 1 if getattr(fn, "__self__", None) is not None else 0
        return code.co_argcount - bound >= 1
    try:
        import inspect

        params = [p for p in inspect.signature(fn).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        return _len(params) >= 1
    except (TypeError, ValueError):
        return False


def load_module(code, prelude_ns, name="__codeio_job__"):
    """Execute ``code`` in a fresh module (``__name__`` is not ``"__main__"``, so main guards stay off)."""
    import types

    module = types.ModuleType(name)
    module.__dict__.update(prelude_ns)
    module.__dict__["__name__"] = name
    module.__dict__["__builtins__"] = builtins
    sys.modules[name] = module
    exec(compile(code, "<job>", "exec"), module.__dict__)
    return module


def load_harness(name, source):
    import types

    module = types.ModuleType("codeio_harness_" + name)
    module.__dict__["__builtins__"] = builtins
    exec(compile(source, "<harness %s>" % name, "exec"), module.__dict__)
    return module


def _classify(exc):
    if _isinstance(exc, MemoryError):
        return MEMORY
    if _isinstance(exc, RecursionError):
        return EXCEPTION
    return EXCEPTION


def run_one_call(module, job, call, harnesses, compat, limit):
    """Perform one call; returns the reply dict (without index/nonce)."""
    reply = {}
    entry = job.get("entry") or "main_solution"
    seed = int(call.get("seed") or 0)
    try:
        if call.get("generate"):
            gen_name = job.get("generator") or "input_generator"
            generator = module.__dict__.get(gen_name)
            if not callable(generator):
                return {"status": EXCEPTION, "error": "NameError: generator %r is not defined" % gen_name}
            _seed_all(seed)
            if _takes_argument(generator):
                import random

                produced = generator(random.Random(seed))
            else:
                produced = generator()
            if not _isinstance(produced, dict):
                return {"status": NOT_SERIALIZABLE,
                        "error": "generator returned %s, not a dict" % type(produced).__name__}
            try:
                input_text = dumps_canonical(produced, compat, limit)
            except NotJSON as exc:
                return {"status": NOT_SERIALIZABLE, "error": "generated input: %s" % exc}
            reply["input"] = input_text
            kwargs = _json_loads(input_text)
        else:
            kwargs = _json_loads(call.get("kwargs_json") or "{}")
            if not _isinstance(kwargs, dict):
                return {"status": EXCEPTION, "error": "TypeError: kwargs must be a JSON object"}
        fn = module.__dict__.get(entry)
        if not callable(fn):
            reply.update(status=EXCEPTION, error="NameError: entry %r is not defined" % entry)
            return reply
        harness = call.get("harness")
        if harness and harness not in harnesses:
            reply.update(status=EXCEPTION, error="LookupError: unknown harness %r" % harness)
            return reply
        _seed_all(seed)
        start = _perf()
        if harness:
            value, extra = harnesses[harness].run(fn, kwargs, call.get("harness_options") or {})
        else:
            value, extra = fn(**kwargs), None
        reply["seconds"] = _perf() - start
    except BaseException as exc:  # noqa: BLE001 - everything the code raises is its result
        if _isinstance(exc, SystemExit):
            reply.update(status=CRASHED, error="SystemExit: %s" % (exc.code,))
        else:
            reply.update(status=_classify(exc), error=_error_text(exc))
        return reply
    try:
        reply["value"] = dumps_canonical(value, compat, limit)
    except NotJSON as exc:
        reply.update(status=NOT_SERIALIZABLE, error=str(exc))
        return reply
    except TooLarge as exc:
        reply.update(status=OUTPUT_TOO_LARGE, error=str(exc))
        return reply
    except MemoryError:
        reply.update(status=MEMORY, error="MemoryError while serializing")
        return reply
    if extra is not None:
        try:
            reply["extra"] = dumps_canonical(extra, compat, limit)
        except (NotJSON, TooLarge) as exc:
            reply["extra_error"] = str(exc)
    reply["status"] = OK
    return reply


def run_calls(request, out_fd, prelude_ns):
    """Load the job once, then perform calls ``start..`` and write one framed reply per call."""
    nonce = request["nonce"]
    job = request["job"]
    compat = bool(request.get("json_compat", True))
    limit = int(request.get("output_limit", 1 << 20))
    calls = job.get("calls") or []
    start = int(request.get("start", 0))
    harnesses = {}
    modules_before = set(sys.modules)
    try:
        for name, source in (request.get("harness_sources") or {}).items():
            harnesses[name] = load_harness(name, source)
        module = load_module(job["code"], prelude_ns)
    except BaseException as exc:  # noqa: BLE001
        status = MEMORY if _isinstance(exc, MemoryError) else EXCEPTION
        if _isinstance(exc, SystemExit):
            status = CRASHED
        write_msg(out_fd, {"nonce": nonce, "load_error": _error_text(exc), "status": status})
        return
    # packages and their direct public submodules (scipy, scipy.stats) the code had to import itself
    new_modules = sorted({".".join(name.split(".")[:2]) for name in set(sys.modules) - modules_before
                          if _isinstance(name, str) and not any(p.startswith("_") for p in name.split(".")[:2])})
    write_msg(out_fd, {"nonce": nonce, "loaded": True, "new_modules": new_modules[:128]})
    for index in range(start, _len(calls)):
        reply = run_one_call(module, job, calls[index], harnesses, compat, limit)
        reply["i"] = index
        reply["nonce"] = nonce
        try:
            write_msg(out_fd, reply)
        except (NotJSON, TooLarge, TypeError, ValueError):
            write_msg(out_fd, {"nonce": nonce, "i": index, "status": CRASHED, "error": "unencodable reply"})


# ---------------------------------------------------------------------------------------------------
# Sandbox measures applied in the child before the code runs
def _libc():
    import ctypes
    import ctypes.util

    try:
        return ctypes.CDLL(None, use_errno=True)  # the running program's symbols include libc's
    except OSError:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x00020000, 0x10000000, 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT, MS_BIND, MS_MOVE = 1, 2, 4, 8, 32, 4096, 8192
MS_REC, MS_PRIVATE = 16384, 1 << 18
SYS_MOUNT_SETATTR = 442  # same number on x86_64 and aarch64 (new unified syscall table)
PR_CAPBSET_DROP = 24
PR_SET_NO_NEW_PRIVS, PR_SET_CHILD_SUBREAPER, PR_SET_DUMPABLE, PR_SET_PDEATHSIG = 38, 36, 4, 1


def _mount_setattr_readonly(libc, path):
    """Make ``path`` and every mount below it read-only (mount_setattr with AT_RECURSIVE, Linux 5.12+)."""
    import ctypes

    if not (sys.platform.startswith("linux") and os.uname().machine in ("x86_64", "aarch64")):
        return False
    attr = (ctypes.c_uint64 * 4)(1, 0, 0, 0)  # attr_set=MOUNT_ATTR_RDONLY, attr_clr, propagation, userns_fd
    return libc.syscall(SYS_MOUNT_SETATTR, -100, ctypes.c_char_p(path), 0x8000, ctypes.byref(attr), 32) == 0


def drop_capabilities(libc):
    """Empty the bounding, effective, permitted and inheritable capability sets (uid 0 without powers)."""
    import ctypes

    for cap in range(64):
        libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)
    data = (ctypes.c_uint32 * 6)(0, 0, 0, 0, 0, 0)
    return libc.capset(ctypes.byref(header), ctypes.byref(data)) == 0


def set_limits(opts, calls_left):
    import resource

    def setlim(which, value):
        try:
            soft, hard = resource.getrlimit(which)
            if hard != resource.RLIM_INFINITY:
                value = min(value, hard)
            resource.setrlimit(which, (value, value))
        except (ValueError, OSError):
            pass

    setlim(resource.RLIMIT_CORE, 0)
    memory_mb = opts.get("memory_mb") or 0
    if memory_mb > 0:
        base = _current_vm_bytes()
        setlim(resource.RLIMIT_AS, base + int(memory_mb) * 1024 * 1024)
    cpu = opts.get("cpu_seconds") or 0
    if cpu <= 0:  # backstop only: the wall clock is the real limit
        cpu = int(math.ceil(float(opts.get("timeout", 5.0)) * max(1, calls_left))) + 2
    setlim(resource.RLIMIT_CPU, int(cpu))
    if opts.get("file_size_mb"):
        setlim(resource.RLIMIT_FSIZE, int(opts["file_size_mb"]) * 1024 * 1024)
    if opts.get("nofile"):
        setlim(resource.RLIMIT_NOFILE, int(opts["nofile"]))
    if opts.get("nproc") and opts.get("_own_uid"):  # per-uid count: only meaningful for a private uid
        setlim(resource.RLIMIT_NPROC, int(opts["nproc"]))


def _current_vm_bytes():
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0


def redirect_stdio():
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    if devnull > 2:
        os.close(devnull)


def close_fds_except(keep):
    keep = sorted(set(keep) | {0, 1, 2})
    low = 3
    for fd in keep:
        if fd >= low:
            os.closerange(low, fd)
            low = fd + 1
    os.closerange(low, 1 << 16)


def interpreter_dirs_under(root, extra=()):
    """The top-most folders below ``root`` that the interpreter needs (its prefixes, its module path)."""
    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(os.path.abspath(sys.executable))}
    paths.update(p for p in sys.path if p and os.path.isdir(p))
    paths.update(extra)
    inside = sorted(os.path.realpath(p) for p in paths if os.path.realpath(p).startswith(root + "/"))
    tops = []
    for path in inside:
        if not any(path == top or path.startswith(top + "/") for top in tops):
            tops.append(path)
    return tops


def _private_dirs():
    """Directories on the interpreter's paths that other users cannot traverse."""
    import stat

    blocked = []
    paths = {sys.prefix, sys.base_prefix, os.path.dirname(os.__file__)}
    paths.update(p for p in sys.path if p and os.path.isdir(p))
    for path in sorted(paths):
        path = os.path.abspath(path)
        while path and path != "/":
            try:
                mode = os.stat(path).st_mode
            except OSError:
                break
            if stat.S_ISDIR(mode) and not mode & stat.S_IXOTH:
                if path not in blocked:
                    blocked.append(path)
                break
            path = os.path.dirname(path)
    return blocked


def drop_privileges(uid):
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)


# ---------------------------------------------------------------------------------------------------
# Driving one job: deadlines, kills, continuation in a fresh child (used by the worker and the parent)
def drive_job(job, spawn, kill, emit, timeout, frame_limit, max_consecutive_timeouts=3, start=0,
              on_loaded=None):
    """Run ``job``'s calls through children started by ``spawn(start) -> (handle, fd, nonce)``.

    ``kill(handle) -> exit description`` must kill and reap the child's whole tree. ``emit(index,
    reply)`` receives one reply per call, in order. A timeout or crash on call k is recorded and the job
    continues with call k+1 in a fresh child; after ``max_consecutive_timeouts`` timeouts in a row the
    remaining calls are marked timeout without running (bounding a job of always-hanging calls).
    """
    calls = job.get("calls") or []
    n = _len(calls)
    index = start
    consecutive = 0
    while index < n:
        handle, fd, nonce = spawn(index)
        loaded = False
        call_started = _monotonic()
        deadline = call_started + timeout
        fate = None
        try:
            while index < n:
                try:
                    msg = read_msg(fd, deadline, frame_limit)
                except TimeoutError:
                    fate = (TIMEOUT, "no result within %.3g s" % timeout)
                    break
                except FrameTooLarge as exc:
                    fate = (OUTPUT_TOO_LARGE, "reply of %s bytes above the cap" % exc)
                    break
                except (ValueError, UnicodeDecodeError):
                    fate = (CRASHED, "garbled reply")
                    break
                if msg is None:
                    fate = None
                    break
                if not _isinstance(msg, dict) or msg.get("nonce") != nonce:
                    fate = (CRASHED, "reply without the job nonce")
                    break
                if not loaded:
                    if "load_error" in msg:
                        for k in range(index, n):
                            emit(k, {"status": msg.get("status") or EXCEPTION, "error": msg["load_error"],
                                     "seconds": 0.0})
                        index = n
                        break
                    loaded = True
                    if on_loaded is not None:
                        on_loaded(msg)
                    call_started = _monotonic()
                    deadline = call_started + timeout
                    continue
                if msg.get("i") != index:
                    fate = (CRASHED, "reply out of order")
                    break
                msg.pop("nonce", None)
                msg.setdefault("seconds", _monotonic() - call_started)
                emit(index, msg)
                consecutive = consecutive + 1 if msg.get("status") == TIMEOUT else 0
                index += 1
                call_started = _monotonic()
                deadline = call_started + timeout
        finally:
            exit_text = kill(handle)
        if index >= n:
            break
        elapsed = _monotonic() - call_started
        if fate is None:  # the child ended without answering the call in progress
            status, error = CRASHED, "child exited without a result (%s)" % exit_text
            if "SIGXCPU" in exit_text:
                status, error = TIMEOUT, "CPU time limit (%s)" % exit_text
        else:
            status, error = fate
        emit(index, {"status": status, "error": error, "seconds": elapsed})
        consecutive = consecutive + 1 if status == TIMEOUT else 0
        index += 1
        if consecutive >= max_consecutive_timeouts > 0:
            for k in range(index, n):
                emit(k, {"status": TIMEOUT, "seconds": 0.0,
                         "error": "skipped after %d consecutive timeouts" % consecutive})
            index = n


def describe_wait_status(status):
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = str(sig)
        return "killed by " + name
    if os.WIFEXITED(status):
        return "exit code %d" % os.WEXITSTATUS(status)
    return "status %d" % status


# ---------------------------------------------------------------------------------------------------
# The forkserver worker (zygote)
class Worker:
    def __init__(self, init):
        self.opts = init.get("options") or {}
        self.isolation = []
        self.notes = []
        self.libc = None
        self.own_uid = None
        self.pid_ns = False
        self.prelude_ns = {"__builtins__": builtins}
        self.tmp_root = None
        self._pending_cgroup = None
        self.import_counts = {}
        self.warmed = set()

    # -- start-up ----------------------------------------------------------------------------------
    def setup(self):
        opts = self.opts
        try:
            self.libc = _libc()
        except OSError:
            self.notes.append("no libc via ctypes: no namespaces")
        want_ns = opts.get("namespaces", True) and self.libc is not None and sys.platform.startswith("linux")
        if self.libc is not None:
            if self.libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0:
                self.isolation.append("subreaper")
        if want_ns:
            self._enter_namespaces()
        elif os.getuid() == 0:
            self._join_own_pids_cgroup()
        self._make_tmp_root()
        self._preload()
        self._import_prelude()
        _seed_all(0)  # the first numpy.random.seed() builds the global RandomState (~30 ms): do it once here
        self._confirm_cgroup()
        import gc

        # Keep the forked children from touching (and so copying) every inherited object when their
        # garbage collector runs: this alone cuts a fork-to-reply round trip several times over.
        gc.collect()
        if hasattr(gc, "freeze"):
            gc.freeze()

    def _unshare(self, flags):
        return self.libc.unshare(flags) == 0

    def _enter_namespaces(self):
        """Move this worker into new mount, network and pid namespaces and become their pid 1.

        After ``unshare`` the calling process stays outside the new pid namespace, so it forks: the
        child (pid 1 inside) goes on as the worker, the original process only waits for it and exits
        with its status. As pid 1 the worker is immune to signals from its own children, inherits every
        orphan, and after each job kills everything else in the namespace with ``kill(-1, SIGKILL)``.
        """
        uid, gid = os.getuid(), os.getgid()
        in_userns = False
        # The pids cgroup is made, and its files opened, before unshare: once the inner worker makes the
        # mount namespace read-only, only these descriptors (on the host's mounts) still write there.
        cgroup = self._make_pids_cgroup()
        flags = CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID
        if self._unshare(flags):
            pass
        elif self._unshare(CLONE_NEWUSER | flags):
            in_userns = True
            try:
                with open("/proc/self/setgroups", "w") as f:
                    f.write("deny")
            except OSError:
                pass
            try:
                with open("/proc/self/uid_map", "w") as f:
                    f.write("0 %d 1" % uid)
                with open("/proc/self/gid_map", "w") as f:
                    f.write("0 %d 1" % gid)
            except OSError as exc:
                self.notes.append("user namespace without uid map (%s): namespaces incomplete" % exc)
                self._drop_cgroup(cgroup)
                return
        else:
            self.notes.append("unshare(mount, net, pid) refused: no namespaces (setsid, rlimits and "
                              "process-tree reaping only)")
            self._drop_cgroup(cgroup)
            return
        inner = os.fork()
        if inner != 0:  # the outer process: wait for the worker, never touch the protocol
            if cgroup:
                try:
                    os.write(cgroup[2], str(inner).encode())
                except OSError:
                    pass
            redirect_stdio()
            close_fds_except([cgroup[1]] if cgroup else [])
            while True:
                try:
                    _, status = os.waitpid(inner, 0)
                    break
                except ChildProcessError:
                    os._exit(1)
                except InterruptedError:
                    continue
            if cgroup:
                for _ in range(100):  # the cgroup empties once the namespace's last process is gone
                    try:
                        os.rmdir(cgroup[0], dir_fd=cgroup[1])
                        break
                    except FileNotFoundError:
                        break
                    except OSError:
                        time.sleep(0.01)
            os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 1)
        self.libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if cgroup:
            os.close(cgroup[1])
            os.close(cgroup[2])
            self._pending_cgroup = cgroup[0]  # the outer process is moving us; confirmed before serving
        if os.getpid() == 1:
            self.pid_ns = True
            self.isolation.append("pidns")
        self.isolation.append("netns")
        if in_userns:
            self.isolation.append("userns")
        mount = self.libc.mount
        if mount(None, b"/", None, MS_REC | MS_PRIVATE, None) != 0:
            self.notes.append("could not make mounts private: filesystem left as is")
            return
        if mount(b"proc", b"/proc", b"proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None) == 0:
            self.isolation.append("own-proc")
        if self.opts.get("read_only_root", True):
            if _mount_setattr_readonly(self.libc, b"/"):
                self.isolation.append("ro-root")
            elif mount(None, b"/", None, MS_REMOUNT | MS_BIND | MS_RDONLY, None) == 0:
                self.isolation.append("ro-root-top")
                self.notes.append("only the top mount is read-only (no mount_setattr)")
            else:
                self.notes.append("read-only remount of / refused")
        size = int(self.opts.get("tmp_size_mb") or 64)
        data = ("size=%dm,mode=1777" % size).encode()
        ok = True
        for target in (b"/tmp", b"/var/tmp", b"/dev/shm"):
            if not os.path.isdir(target):
                continue
            # The interpreter (a virtualenv made with mktemp, a checkout under /tmp) may live in a folder
            # the fresh tmpfs would hide: keep a handle on each such folder and bind it back read-only.
            kept = [(path, os.open(path, getattr(os, "O_PATH", os.O_RDONLY) | os.O_DIRECTORY))
                    for path in interpreter_dirs_under(target.decode())]
            try:
                if mount(b"tmpfs", target, b"tmpfs", MS_NOSUID | MS_NODEV, data) != 0:
                    ok = False
                    continue
                for path, fd in kept:
                    os.makedirs(path, exist_ok=True)
                    source = ("/proc/self/fd/%d" % fd).encode()
                    if (mount(source, path.encode(), None, MS_BIND | MS_REC, None) != 0
                            or mount(None, path.encode(), None, MS_REMOUNT | MS_BIND | MS_RDONLY, None) != 0):
                        ok = False
                        self.notes.append("could not keep %s visible inside the private %s" % (path, target))
                    else:
                        self.notes.append("%s is bound read-only into the private %s (the interpreter "
                                          "needs it)" % (path, target.decode()))
            finally:
                for _, fd in kept:
                    os.close(fd)
        if ok:
            self.isolation.append("private-tmp")
        if self._minimal_dev():
            self.isolation.append("minimal-dev")
        if uid == 0 and not in_userns and self.opts.get("sandbox_uid", 65534) >= 0:
            blocked = _private_dirs()
            if blocked:
                self.notes.append("children keep uid 0 without capabilities: the interpreter lives under "
                                  "%s, which other users cannot enter" % blocked[0])
            else:
                self.own_uid = int(self.opts.get("sandbox_uid", 65534))
                self.opts["_own_uid"] = True
                self.isolation.append("uid-%d" % self.own_uid)
        if self.own_uid is None:
            self.isolation.append("no-caps")

    def _count_imports(self, msg):
        names = msg.get("new_modules")
        if not _isinstance(names, list) or int(self.opts.get("warm_after") or 0) <= 0:
            return
        for name in names[:128]:
            if (_isinstance(name, str) and name not in sys.modules and name.count(".") <= 1
                    and all(part.isidentifier() for part in name.split("."))):
                self.import_counts[name] = self.import_counts.get(name, 0) + 1

    def _warm_imports(self):
        """Import, in this worker, installed modules that several jobs had to import themselves.

        Only names found by the import system on this worker's own path (installed packages and the
        standard library: the job cannot add files there) are imported, never job code; a deny list keeps
        out modules with import-time effects or a large memory footprint (which would make every fork
        slower). The module's state after import is what a fresh import would give, as for the prelude.
        """
        threshold = int(self.opts.get("warm_after") or 0)
        budget = int(self.opts.get("warm_imports_max") or 0) - _len(self.warmed)
        if threshold <= 0 or budget <= 0:
            return
        deny = set(self.opts.get("warm_imports_deny") or ())
        ready = sorted(n for n, c in self.import_counts.items() if c >= threshold and n not in self.warmed)
        if not ready:
            return
        import importlib
        import importlib.util

        for name in ready[:budget]:
            self.warmed.add(name)
            if name.split(".")[0] in deny or name in sys.modules:
                continue
            try:
                if importlib.util.find_spec(name.split(".")[0]) is None:
                    continue
                importlib.import_module(name)
            except BaseException:  # noqa: BLE001 - a module that fails to import stays cold
                continue
        import gc

        gc.collect()
        if hasattr(gc, "freeze"):
            gc.freeze()

    def _wipe_private_tmp(self):
        """Empty the worker's private /tmp, /var/tmp and /dev/shm so no file passes from job to job."""
        import shutil

        if "private-tmp" not in self.isolation:
            return
        keep = os.path.basename(self.tmp_root or "")
        for folder in ("/tmp", "/var/tmp", "/dev/shm"):
            try:
                names = os.listdir(folder)
            except OSError:
                continue
            for name in names:
                if folder == "/tmp" and name == keep:
                    continue
                path = os.path.join(folder, name)
                if os.path.isdir(path) and not os.path.islink(path):
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    try:
                        os.unlink(path)
                    except OSError:
                        pass

    def _make_pids_cgroup(self):
        """A pids cgroup (v1 ``pids`` hierarchy) capping the processes and threads of this worker's
        children: RLIMIT_NPROC does not bind uid 0, this does. Returns (name, fd of the hierarchy's
        root, fd of the cgroup's ``cgroup.procs``), or None when cgroups are not writable here."""
        nproc = int(self.opts.get("nproc") or 0)
        root = "/sys/fs/cgroup/pids"
        if nproc <= 0 or not os.path.isfile(os.path.join(root, "cgroup.procs")):
            self.notes.append("no pids cgroup hierarchy: process count not capped for uid 0")
            return None
        name = "codeio-exec-%d" % os.getpid()
        try:
            root_fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
        except OSError as exc:
            self.notes.append("pids cgroup unavailable (%s)" % exc)
            return None
        try:
            os.mkdir(name, dir_fd=root_fd)
            with open(os.path.join(root, name, "pids.max"), "w") as f:
                f.write(str(nproc + 2))
            procs_fd = os.open(os.path.join(root, name, "cgroup.procs"), os.O_WRONLY)
        except OSError as exc:
            self.notes.append("pids cgroup refused (%s)" % exc)
            self._drop_cgroup((name, root_fd, None))
            return None
        return name, root_fd, procs_fd

    def _confirm_cgroup(self):
        """Wait until the outer process's move into the pids cgroup shows (it overlaps the prelude
        import, which is why it is checked only now, before the first job is forked)."""
        if not self._pending_cgroup:
            return
        for _ in range(400):
            try:
                with open("/proc/self/cgroup") as f:
                    if self._pending_cgroup in f.read():
                        self.isolation.append("pids-cgroup")
                        return
            except OSError:
                break
            time.sleep(0.005)
        self.notes.append("not moved into the pids cgroup: process count not capped")

    def _join_own_pids_cgroup(self):
        """Without namespaces: move this worker (and so its future children) into its pids cgroup."""
        cgroup = self._make_pids_cgroup()
        if not cgroup:
            return
        try:
            os.write(cgroup[2], b"0")
            self.isolation.append("pids-cgroup")
        except OSError as exc:
            self.notes.append("could not join the pids cgroup (%s)" % exc)
        os.close(cgroup[1])
        os.close(cgroup[2])

    @staticmethod
    def _drop_cgroup(cgroup):
        if not cgroup:
            return
        name, root_fd, procs_fd = cgroup
        if procs_fd is not None:
            os.close(procs_fd)
        try:
            os.rmdir(name, dir_fd=root_fd)
        except OSError:
            pass
        os.close(root_fd)

    def _minimal_dev(self):
        """Replace /dev by a tmpfs holding only null, zero, full, random and urandom (no disks)."""
        mount = self.libc.mount
        stage = b"/tmp/.codeio-dev"
        try:
            os.mkdir(stage)
        except OSError:
            return False
        if mount(b"tmpfs", stage, b"tmpfs", MS_NOSUID, b"size=64k,mode=755") != 0:
            return False
        for name in ("null", "zero", "full", "random", "urandom"):
            target = stage + b"/" + name.encode()
            try:
                open(target, "w").close()
            except OSError:
                return False
            if mount(b"/dev/" + name.encode(), target, None, MS_BIND, None) != 0:
                return False
        os.mkdir(stage + b"/shm", 0o1777)
        if mount(stage, b"/dev", None, MS_MOVE, None) != 0:
            return False
        os.chmod(b"/dev/shm", 0o1777)
        size = int(self.opts.get("tmp_size_mb") or 64)
        mount(b"tmpfs", b"/dev/shm", b"tmpfs", MS_NOSUID | MS_NODEV, ("size=%dm,mode=1777" % size).encode())
        try:
            os.rmdir(stage)
        except OSError:
            pass
        return True

    def _preload(self):
        """Import what the child side needs before forking (the child may not be able to read them)."""
        import inspect  # noqa: F401
        import random  # noqa: F401
        import resource  # noqa: F401
        import traceback  # noqa: F401
        import types  # noqa: F401

    def _make_tmp_root(self):
        import tempfile

        self.tmp_root = tempfile.mkdtemp(prefix="codeio-exec-")
        if self.own_uid is not None:
            os.chmod(self.tmp_root, 0o711)

    def _import_prelude(self):
        failed = []
        for line in self.opts.get("prelude") or []:
            try:
                exec(compile(line, "<prelude>", "exec"), self.prelude_ns)
            except BaseException as exc:  # noqa: BLE001 - a missing module must not stop the worker
                failed.append("%s (%s)" % (line, type(exc).__name__))
        if failed:
            self.notes.append("prelude lines skipped: " + "; ".join(failed))
        self.prelude_ns.pop("__builtins__", None)

    # -- per job -----------------------------------------------------------------------------------
    def _spawn(self, request, start, workdir):
        read_fd, write_fd = os.pipe()
        nonce = os.urandom(16).hex()
        pid = os.fork()
        if pid == 0:
            try:
                os.close(read_fd)
                os.setsid()  # own session and process group: the worker kills the whole group
                self._run_child(request, start, workdir, write_fd, nonce)
            finally:
                os._exit(111)
        os.close(write_fd)
        return pid, read_fd, nonce

    def _run_child(self, request, start, workdir, write_fd, nonce):
        """The sandboxed runner: limits, scrubbed env, empty cwd, then the job's calls."""
        try:
            close_fds_except([write_fd])
            redirect_stdio()
            os.chdir(workdir)
            os.environ.clear()
            os.environ.update(self.opts.get("child_env") or {})
            os.environ["HOME"] = workdir
            os.environ["TMPDIR"] = workdir
            if self.libc is not None:
                self.libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
            if self.own_uid is not None:
                drop_privileges(self.own_uid)
            elif self.libc is not None and os.getuid() == 0:
                if not drop_capabilities(self.libc):
                    raise OSError("could not drop capabilities")
            calls_left = _len(request["job"].get("calls") or []) - start
            set_limits(self.opts, calls_left)
            request = dict(request, nonce=nonce, start=start)
            run_calls(request, write_fd, self.prelude_ns)
        except BaseException:  # noqa: BLE001 - the parent reports the missing reply as a crash
            if self.opts.get("debug"):
                import traceback

                traceback.print_exc(file=sys.__stderr__)
        finally:
            os._exit(0)

    def _kill(self, handle):
        pid, read_fd = handle
        try:
            os.close(read_fd)
        except OSError:
            pass
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass
        try:
            _, status = os.waitpid(pid, 0)
            text = describe_wait_status(status)
        except ChildProcessError:
            text = "reaped elsewhere"
        self._reap_orphans(pid)
        return text

    def _reap_orphans(self, pgid=None):
        """Kill and reap whatever the job left behind (orphans reparent to us: we are a subreaper)."""
        if self.pid_ns and os.getpid() == 1:
            # pid 1 of our own namespace: everything else in it belongs to the finished job
            try:
                os.kill(-1, signal.SIGKILL)
            except OSError:
                pass
            while True:
                try:
                    pid, _ = os.waitpid(-1, 0)
                except ChildProcessError:
                    return
                except InterruptedError:
                    continue
        # no pid namespace: kill the job's process group and every orphan re-parented to us (we are a
        # subreaper) until both are gone; a fork bomb keeps creating both for a while
        deadline = time.monotonic() + 5.0
        while True:
            group_alive = False
            if pgid:
                try:
                    os.killpg(pgid, signal.SIGKILL)
                    group_alive = True
                except OSError:
                    pass
            children = self._children()
            for pid in children:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            while True:
                try:
                    pid, _ = os.waitpid(-1, os.WNOHANG)
                except ChildProcessError:
                    break
                if pid == 0:
                    break
            if (not children and not group_alive) or time.monotonic() > deadline:
                break
            time.sleep(0.002)

    @staticmethod
    def _children():
        pids = []
        try:
            for tid in os.listdir("/proc/self/task"):
                with open("/proc/self/task/%s/children" % tid) as f:
                    pids.extend(int(p) for p in f.read().split())
        except OSError:
            pass
        return pids

    def run_job(self, request, out_fd):
        import shutil
        import tempfile

        job = request["job"]
        timeout = float(job.get("timeout") or self.opts.get("timeout", 5.0))
        frame_limit = int(self.opts.get("output_limit", 1 << 20)) * 2 + 65536
        workdir = tempfile.mkdtemp(dir=self.tmp_root)
        if self.own_uid is not None:
            os.chown(workdir, self.own_uid, self.own_uid)
        request = dict(request, json_compat=self.opts.get("json_compat", True),
                       output_limit=self.opts.get("output_limit", 1 << 20))

        def spawn(start):
            pid, fd, nonce = self._spawn(request, start, workdir)
            write_msg(out_fd, {"t": "pid", "pid": pid})
            return (pid, fd), fd, nonce

        def emit(index, reply):
            reply["t"] = "call"
            reply["i"] = index
            write_msg(out_fd, reply)

        try:
            drive_job(job, spawn, self._kill, emit, timeout, frame_limit,
                      int(self.opts.get("max_consecutive_timeouts", 3)), int(request.get("start", 0)),
                      self._count_imports)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
            self._wipe_private_tmp()
        write_msg(out_fd, {"t": "done"})
        self._warm_imports()
        return

    def serve(self, in_fd, out_fd):
        write_msg(out_fd, {"t": "ready", "isolation": self.isolation, "notes": self.notes,
                           "python": sys.version.split()[0], "pid": os.getpid()})
        while True:
            request = read_msg(in_fd)
            if request is None or request.get("op") == "exit":
                break
            if request.get("op") == "job":
                self.run_job(request, out_fd)
            elif request.get("op") == "ping":
                write_msg(out_fd, {"t": "pong"})


def worker_main():
    in_fd, out_fd = os.dup(0), os.dup(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)  # stray prints from the prelude must not corrupt the protocol
    init = read_msg(in_fd)
    if init is None:
        return
    if not (init.get("options") or {}).get("debug"):
        os.dup2(devnull, 2)
    os.close(devnull)
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    worker = Worker(init)
    worker.setup()
    try:
        worker.serve(in_fd, out_fd)
    finally:
        worker._reap_orphans()
        import shutil

        if worker.tmp_root:
            shutil.rmtree(worker.tmp_root, ignore_errors=True)


def once_main():
    """Subprocess mode: this interpreter is the sandboxed child of one job (start given in the request)."""
    out_fd = os.dup(1)
    in_fd = os.dup(0)
    redirect_stdio()
    request = read_msg(in_fd)
    os.close(in_fd)
    close_fds_except([out_fd])
    opts = request.get("options") or {}
    prelude_ns = {"__builtins__": builtins}
    for line in opts.get("prelude") or []:
        try:
            exec(compile(line, "<prelude>", "exec"), prelude_ns)
        except BaseException:  # noqa: BLE001
            pass
    prelude_ns.pop("__builtins__", None)
    calls_left = _len(request["job"].get("calls") or []) - int(request.get("start", 0))
    set_limits(opts, calls_left)
    request = dict(request, json_compat=opts.get("json_compat", True),
                   output_limit=opts.get("output_limit", 1 << 20))
    run_calls(request, out_fd, prelude_ns)
    os._exit(0)


if __name__ == "__main__":
    # Run as a script, this file's folder is sys.path[0]: drop it so that neither we nor the job's code
    # import the sibling codeio modules (e.g. subproc.py) by accident.
    if sys.path and os.path.abspath(sys.path[0] or ".") == os.path.dirname(os.path.abspath(__file__)):
        del sys.path[0]
    mode = sys.argv[1] if _len(sys.argv) > 1 else "worker"
    if mode == "once":
        once_main()
    else:
        worker_main()
