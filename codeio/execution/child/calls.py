# ruff: noqa: UP031 - percent formatting on purpose: the child side runs under any Python 3.8+
"""Running a job inside its sandboxed process: load the code once, then one fresh process per call.

The job process loads the code in a fresh module (named ``__codeio_job__``, so main guards stay off,
with the prelude's names bound as if the prelude were prepended) and reports ``loaded`` or
``load_error``. Then, for each call, it forks a process that starts from exactly the loaded state,
seeds ``random`` (and ``numpy.random``), runs the call, writes one ``reply`` frame and exits; the job
process waits for it, kills whatever it left behind and writes an ``end`` frame with how it ended.
So no call sees another's module state, files aside, and batching or order never changes a value.
The last call runs in the job process itself (nothing runs after it), which spares one fork.

Frames (``wire``) on the job's own pipe: ``{"t": "loaded"}``, ``{"t": "load_error", "status", "error"}``,
``{"t": "reply", "i", "status", "value", "input", "error", "seconds", "extra"}``,
``{"t": "end", "i", "exit"}``. The worker trusts none of them beyond the job they belong to.
"""

import builtins
import os
import signal
import sys
import time

try:
    from . import wire
except ImportError:  # run as a script: the sibling modules are on sys.path
    import wire

OK, EXCEPTION, TIMEOUT, MEMORY, CRASHED = "ok", "exception", "timeout", "memory", "crashed"
OUTPUT_TOO_LARGE, NOT_SERIALIZABLE = "output_too_large", "not_serializable"
STATUSES = (OK, EXCEPTION, TIMEOUT, MEMORY, CRASHED, OUTPUT_TOO_LARGE, NOT_SERIALIZABLE)

_isinstance, _len, _str_new, _type_name = wire._isinstance, wire._len, wire._str_new, wire._type_name
_perf = time.perf_counter
_fork = os.fork
_exit = os._exit
_waitpid = os.waitpid
_kill = os.kill
_write_frame = wire.write_frame
_write_frames = wire.write_frames
_dumps = wire.dumps_canonical
_loads = wire.loads
_NotJSON, _TooLarge = wire.NotJSON, wire.TooLarge


def error_text(exc):
    """"TypeName: message", robust to exceptions whose ``__str__`` misbehaves."""
    try:
        name = _type_name(type(exc))
    except Exception:  # noqa: BLE001
        name = "Exception"
    try:
        message = str(exc)
        message = _str_new(message) if _isinstance(message, str) else "<unprintable>"
    except BaseException:  # noqa: BLE001
        message = "<unprintable>"
    return ("%s: %s" % (name, message[:2000]))[:2000]


def describe_exit(status):
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            return "killed by " + signal.Signals(number).name
        except ValueError:
            return "killed by signal %d" % number
    if os.WIFEXITED(status):
        return "exit code %d" % os.WEXITSTATUS(status)
    return "status %d" % status


def seed_all(seed):
    import random

    random.seed(seed)
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        try:
            numpy.random.seed(seed % (2 ** 32))
        except Exception:  # noqa: BLE001 - a broken numpy must not fail the call
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


def run_one_call(module, job, call, harnesses, compat, limit):
    """Perform one call; returns the reply dict (status, value/input/extra texts, error, seconds)."""
    reply = {}
    entry = job.get("entry") or "main_solution"
    seed = int(call.get("seed") or 0)
    try:
        if call.get("generate"):
            gen_name = job.get("generator") or "input_generator"
            generator = module.__dict__.get(gen_name)
            if not callable(generator):
                return {"status": EXCEPTION, "error": "NameError: generator %r is not defined" % gen_name}
            seed_all(seed)
            if _takes_argument(generator):
                import random

                produced = generator(random.Random(seed))
            else:
                produced = generator()
            if not _isinstance(produced, dict):
                return {"status": NOT_SERIALIZABLE,
                        "error": "generator returned %s, not a dict" % _type_name(type(produced))}
            try:
                input_text = _dumps(produced, compat, limit)
            except (_NotJSON, _TooLarge) as exc:
                return {"status": NOT_SERIALIZABLE, "error": "generated input: %s" % exc}
            reply["input"] = input_text
            kwargs = _loads(input_text)
        else:
            kwargs = _loads(call.get("kwargs_json") or "{}")
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
        seed_all(seed)
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
            reply.update(status=MEMORY if _isinstance(exc, MemoryError) else EXCEPTION, error=error_text(exc))
        return reply
    try:
        reply["value"] = _dumps(value, compat, limit)
    except _NotJSON as exc:
        reply.update(status=NOT_SERIALIZABLE, error=str(exc))
        return reply
    except _TooLarge as exc:
        reply.update(status=OUTPUT_TOO_LARGE, error=str(exc))
        return reply
    except MemoryError:
        reply.update(status=MEMORY, error="MemoryError while serializing")
        return reply
    if extra is not None:
        try:
            reply["extra"] = _dumps(extra, compat, limit)
        except (_NotJSON, _TooLarge) as exc:
            reply["extra_error"] = str(exc)
    reply["status"] = OK
    return reply


def _load(request, prelude_ns):
    """(module, harnesses) or a load_error frame."""
    harnesses = {}
    try:
        for name, source in (request.get("harness_sources") or {}).items():
            harnesses[name] = load_harness(name, source)
        return load_module(request["job"]["code"], prelude_ns), harnesses
    except BaseException as exc:  # noqa: BLE001
        status = MEMORY if _isinstance(exc, MemoryError) else EXCEPTION
        if _isinstance(exc, SystemExit):
            status = CRASHED
        return {"t": "load_error", "status": status, "error": error_text(exc)}, None


def thread_count():
    """Threads of this process (/proc/self/stat), 0 when unknown."""
    try:
        with open("/proc/self/stat", "rb") as f:
            return int(f.read().rsplit(b")", 1)[1].split()[17])
    except (OSError, IndexError, ValueError):
        return 0


def run_job(request, out_fd, prelude_ns, kill_leftovers, bare_fork=None):
    """The job process's whole life after its sandbox is in place. ``kill_leftovers``: after each call,
    ``kill(-1)`` reaches only this job's processes (its uid is its own), so a call's daemons die with it.
    ``bare_fork``: a fork without CPython's at-fork handlers, used for the calls when loading the code
    started no thread (the handlers only matter to threads; every call seeds ``random`` itself)."""
    job = request["job"]
    calls = job.get("calls") or []
    compat = bool(request.get("json_compat", True))
    limit = int(request.get("output_limit", 1 << 20))
    module, harnesses = _load(request, prelude_ns)
    if harnesses is None:
        _write_frame(out_fd, module)
        return
    _write_frame(out_fd, {"t": "loaded"})
    last = _len(calls) - 1
    fork = _fork
    if int(request.get("start", 0)) < last:  # calls will be forked from here
        import gc

        gc.collect()
        if hasattr(gc, "freeze"):  # the calls' collectors then leave the loaded objects' pages shared
            gc.freeze()
        if bare_fork is not None and thread_count() == 1:
            fork = bare_fork
    for index in range(int(request.get("start", 0)), last + 1):
        # The last call runs in this process itself: no later call needs its loaded state any more.
        pid = fork() if index < last else 0
        if pid == 0:
            try:
                reply = run_one_call(module, job, calls[index], harnesses, compat, limit)
                reply["t"] = "reply"
                reply["i"] = index
                # the last call: processes it left behind may hold the pipe open, so say we are done
                frames = [reply, {"t": "end", "i": index, "exit": "returned"}] if index == last else [reply]
                try:
                    _write_frames(out_fd, frames)
                except (_NotJSON, _TooLarge, TypeError, ValueError):
                    frames[0] = {"t": "reply", "i": index, "status": CRASHED, "error": "unencodable reply"}
                    _write_frames(out_fd, frames)
            finally:
                _exit(0)
        while True:
            try:
                status = _waitpid(pid, 0)[1]
                break
            except InterruptedError:
                continue
        if kill_leftovers:
            try:
                _kill(-1, signal.SIGKILL)
            except OSError:
                pass
        _write_frame(out_fd, {"t": "end", "i": index, "exit": describe_exit(status)})
