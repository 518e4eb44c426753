"""Execution-trace harness: run the entry function under ``sys.settrace`` and keep a bounded log.

Loaded as text inside the sandbox child (stdlib only, any Python 3.8+, no codeio imports). The child
calls ``run(fn, kwargs, options)``; it returns ``(value, log)`` where ``value`` is what ``fn(**kwargs)``
returned and ``log`` is a JSON-able dict. Exceptions raised by ``fn`` propagate unchanged, so the
executor reports them with its usual status.

Only user code is traced: frames whose code comes from the same file as ``fn`` (the job's code), never
the standard library or third-party packages. Comprehensions, generator expressions and lambdas are
not entered (their result shows up as a change of the variable they are assigned to).

Log format (version 1). ``events`` is a list of short lists, ``d`` is the call depth (entry = 0):
    ["call",  d, name, [[arg, summary], ...]]  a user function was entered (arguments in order)
    ["ret",   d, name, summary, line]          it returned on ``line``
    ["yield", d, name, summary, line]          a generator yielded (it may resume later)
    ["resume", d, name]                        a generator resumed after a yield
    ["raise", d, name, "TypeName", line]       it left with an exception raised on ``line``
    ["set",   d, line, [[name, summary], ...]] locals that changed after the statement on ``line``
    ["branch", d, line, taken]                 an ``if``/``elif`` test on ``line`` was true/false
    ["iter",  d, line, k]                      iteration k (1-based) of the loop headed on ``line``
    ["done",  d, line, count]                  that loop was left after ``count`` iterations
Other keys: ``src`` maps line numbers (as strings) to the stripped source text of every line an event
names, ``truncated`` (bool) with ``truncated_reason`` ("events", "bytes", "time", "depth", or
"tracer_error" if the tracer itself failed: it then stops and the call goes on untraced),
``lines_executed`` (line events seen while recording), ``entry``, ``python``.

Summaries are ``repr``-like strings capped at ``max_value_chars`` characters and ``max_items``
items per container (the full length is then written as ``<N items>``).
"""

import ast
import dis
import itertools
import sys
import time
import types

VERSION = 1

DEFAULTS = {
    "max_events": 3000,  # events kept before recording stops (truncated_reason "events")
    "max_bytes": 200000,  # rough size of the log in characters (truncated_reason "bytes")
    "max_seconds": 2.0,  # wall time spent recording (truncated_reason "time")
    "max_depth": 60,  # deepest user call recorded (truncated_reason "depth")
    "max_value_chars": 80,  # characters per value summary
    "max_items": 8,  # container items shown per summary
    "source": None,  # the job's code text; enables loop/branch detection and quoted lines
}

_SKIPPED_CODE_NAMES = ("<listcomp>", "<dictcomp>", "<setcomp>", "<genexpr>", "<lambda>")
_CO_GENERATOR = 0x20 | 0x80 | 0x200  # generator, coroutine, async generator
_YIELD_VALUE = dis.opmap.get("YIELD_VALUE")
_RESUME = dis.opmap.get("RESUME")
_SCALARS = (int, float, bool, str, type(None), complex)


class _Summarizer:
    def __init__(self, max_chars, max_items):
        self.max_chars = max_chars
        self.max_items = max_items

    def __call__(self, value):
        try:
            text = self._summ(value, 2)
        except Exception as exc:  # a user __repr__ may raise anything
            text = f"<{type(value).__name__} (unprintable: {type(exc).__name__})>"
        if len(text) > self.max_chars:
            text = text[: self.max_chars - 3] + "..."
        return text

    def _summ(self, v, depth):
        if isinstance(v, int) and not isinstance(v, bool) and v.bit_length() > 4 * self.max_chars:
            return f"<int of {v.bit_length()} bits>"  # printing it would cost more than the call itself
        if isinstance(v, (bool, int, type(None), complex)):
            text = repr(v)
            if len(text) > self.max_chars:
                text = text[:20] + f"...<{len(text)} digits>"
            return text
        if isinstance(v, float):
            return repr(v)
        if isinstance(v, str):
            if len(v) > self.max_chars:
                return repr(v[: self.max_chars]) + f"...<{len(v)} chars>"
            return repr(v)
        if isinstance(v, (list, tuple, set, frozenset, dict)):
            return self._container(v, depth)
        module = type(v).__module__ or ""
        cls = type(v)
        if isinstance(v, type):
            return f"<class {v.__name__}>"
        if isinstance(v, (types.FunctionType, types.BuiltinFunctionType, types.MethodType)):
            return f"<function {getattr(v, '__name__', '?')}>"  # no memory address: logs stay reproducible
        if isinstance(v, types.ModuleType):
            return f"<module {v.__name__}>"
        if module == "numpy" and cls.__name__ == "ndarray" and depth > 0:
            # numpy's own repr walks the whole array; a few leading items and the shape are enough
            head = self._container(v.flat[: self.max_items].tolist(), 1)
            return f"array({head}, shape={tuple(v.shape)})" if v.size > self.max_items else f"array({head})"
        if cls.__repr__ is not object.__repr__ or module.split(".")[0] in ("numpy", "pandas"):
            return " ".join(repr(v)[: self.max_chars * 3].split())  # numpy reprs span lines
        attrs = getattr(v, "__dict__", None)
        if isinstance(attrs, dict) and depth > 0:
            parts = []
            for k in list(attrs)[: self.max_items]:
                parts.append(f"{k}={self._summ(attrs[k], depth - 1)}")
            return "{}({})".format(cls.__name__, ", ".join(parts))
        return f"<{cls.__name__}>"

    def _container(self, v, depth):
        n = len(v)
        if isinstance(v, dict):
            open_, close = "{", "}"
            items = list(itertools.islice(v.items(), self.max_items))
        else:
            if isinstance(v, list):
                open_, close = "[", "]"
            elif isinstance(v, tuple):
                open_, close = "(", ",)" if n == 1 else ")"
            else:
                open_, close = "{", "}"
                if n == 0:
                    return "set()" if isinstance(v, set) else "frozenset()"
            items = []
            for i, x in enumerate(v):
                if i >= self.max_items:
                    break
                items.append(x)
        if depth <= 0 and n:
            return f"{open_}...{close}<{n} items>"
        parts = []
        used = 0
        for item in items:
            if isinstance(v, dict):
                text = f"{self._summ(item[0], depth - 1)}: {self._summ(item[1], depth - 1)}"
            else:
                text = self._summ(item, depth - 1)
            parts.append(text)
            used += len(text) + 2
            if used > self.max_chars:
                break
        body = ", ".join(parts)
        if len(parts) < n:
            return f"{open_}{body}, ...{close}<{n} items>"
        if close == ",)":
            return f"({body},)"
        return open_ + body + close


class _Statements:
    """Static line facts from the source: loop headers and if-tests with their line ranges."""

    def __init__(self, source):
        self.lines = source.splitlines() if source else []
        self.heads = {}  # first line -> (kind, test_last_line, body_first, body_last)
        if not source:
            return
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError):
            self.lines = []
            return
        for node in ast.walk(tree):
            kind = None
            if isinstance(node, ast.If):
                kind, header = "if", node.test
            elif isinstance(node, ast.While):
                kind, header = "while", node.test
            elif isinstance(node, (ast.For, getattr(ast, "AsyncFor", ast.For))):
                kind, header = "for", node.iter
            if kind is None or not node.body:
                continue
            header_last = getattr(header, "end_lineno", None) or node.lineno
            body_first = node.body[0].lineno
            body_last = max(getattr(s, "end_lineno", s.lineno) or s.lineno for s in node.body)
            self.heads[node.lineno] = (kind, header_last, body_first, body_last)

    def text(self, line):
        if 0 < line <= len(self.lines):
            return self.lines[line - 1].strip()
        return None


class _FrameState:
    __slots__ = ("depth", "name", "prev", "pending", "loops", "snap", "objs", "exc")

    def __init__(self, depth, name):
        self.depth = depth
        self.name = name
        self.prev = None  # line of the statement that just ran
        self.pending = None  # if-head whose outcome the next line event decides
        self.loops = []  # active loops: [header_line, body_last, count]
        self.snap = {}  # name -> summary of each local at the last line event
        self.objs = {}  # name -> the scalar object summarised (skip re-summarising it)
        self.exc = None


class _Tracer:
    def __init__(self, fn, options):
        opts = dict(DEFAULTS)
        opts.update(options or {})
        self.opts = opts
        self.summ = _Summarizer(int(opts["max_value_chars"]), int(opts["max_items"]))
        code = getattr(fn, "__code__", None)
        self.filename = code.co_filename if code is not None else None
        stmts = _Statements(opts.get("source"))
        if code is not None and stmts.lines:
            first = stmts.text(code.co_firstlineno) or ""
            if not (first.startswith("def ") or first.startswith("async def ") or first.startswith("@")):
                stmts = _Statements(None)  # the source does not match the compiled code: stay quiet
        self.stmts = stmts
        self.events = []
        self.src = {}
        self.size = 0
        self.depth = -1
        self.states = {}  # id(frame) -> _FrameState
        self.stopped = False
        self.truncated_reason = None
        self.lines_executed = 0
        self.deadline = None

    # -- recording ------------------------------------------------------------------------------------
    def _emit(self, event, weight):
        if self.stopped:
            return
        self.events.append(event)
        self.size += weight + 16
        if len(self.events) >= self.opts["max_events"]:
            self._stop("events")
        elif self.size >= self.opts["max_bytes"]:
            self._stop("bytes")

    def _stop(self, reason):
        if not self.stopped:
            self.stopped = True
            self.truncated_reason = reason
            sys.settrace(None)

    def _quote(self, line):
        if line is not None and str(line) not in self.src:
            text = self.stmts.text(line)
            if text is not None:
                text = text[:160]
                self.src[str(line)] = text
                self.size += len(text)

    def _changes(self, frame, st):
        changed = []
        snap, objs = st.snap, st.objs
        for name, value in frame.f_locals.items():
            if isinstance(value, _SCALARS) and objs.get(name, _FrameState) is value:
                continue
            text = self.summ(value)
            if snap.get(name) != text:
                snap[name] = text
                changed.append([name, text])
            if isinstance(value, _SCALARS):
                objs[name] = value
            else:
                objs.pop(name, None)
        return changed

    # -- sys.settrace callbacks -----------------------------------------------------------------------
    def global_trace(self, frame, event, arg):
        if self.stopped or event != "call":
            return None
        try:
            return self._enter(frame)
        except Exception:  # a tracer bug must never change what the user's code does
            self._stop("tracer_error")
            return None

    def local_trace(self, frame, event, arg):
        if self.stopped:
            return None
        try:
            return self._event(frame, event, arg)
        except Exception:
            self._stop("tracer_error")
            return None

    def _enter(self, frame):
        code = frame.f_code
        if code.co_filename != self.filename or code.co_name in _SKIPPED_CODE_NAMES:
            return None
        if self.depth + 1 > self.opts["max_depth"]:
            self._stop("depth")
            return None
        self.depth += 1
        st = self.states.get(id(frame))
        if st is not None:  # a generator resumed: its state carries on
            st.depth = self.depth
            self._emit(["resume", st.depth, st.name], 8)
            return self.local_trace
        st = _FrameState(self.depth, code.co_name)
        self.states[id(frame)] = st
        nargs = code.co_argcount + getattr(code, "co_kwonlyargcount", 0)
        nargs += bool(code.co_flags & 0x04) + bool(code.co_flags & 0x08)  # *args, **kwargs
        names = code.co_varnames[:nargs]
        local = frame.f_locals
        args = []
        for name in names:
            if name in local:
                args.append([name, self.summ(local[name])])
        st.snap = dict(args)
        self._emit(["call", st.depth, code.co_name, args], sum(len(v) for _, v in args))
        return self.local_trace

    def _event(self, frame, event, arg):
        st = self.states.get(id(frame))
        if st is None:
            return None
        if time.perf_counter() > self.deadline:
            self._stop("time")
            return None
        if event == "line":
            self._line(frame, st, frame.f_lineno)
        elif event == "return":
            self._return(frame, st, arg)
        elif event == "exception":
            st.exc = arg[0].__name__ if arg and isinstance(arg[0], type) else "Exception"
        return self.local_trace

    def _line(self, frame, st, line):
        self.lines_executed += 1
        heads = self.stmts.heads
        if line == st.prev and line not in heads:
            return  # a one-line loop (an inlined comprehension on 3.12+) repeating: wait for the next line
        d = st.depth
        # Loops left since the last line (normal exit, break, or jump past the body).
        while st.loops and not (st.loops[-1][0] <= line <= st.loops[-1][1]):
            header, _, count = st.loops.pop()
            self._emit(["done", d, header, count], 8)
        # The outcome of the test that ran on the previous line(s).
        pending = st.pending
        if pending is not None:
            kind, header_last, body_first, body_last = heads[pending]
            if pending < line <= header_last:
                pass  # still evaluating a test that spans several lines
            else:
                st.pending = None
                entered = body_first <= line <= body_last
                if kind == "if":
                    self._quote(pending)
                    self._emit(["branch", d, pending, entered], 8)
                elif entered:
                    if not st.loops or st.loops[-1][0] != pending:
                        st.loops.append([pending, body_last, 0])
                    st.loops[-1][2] += 1
                    self._quote(pending)
                    self._emit(["iter", d, pending, st.loops[-1][2]], 8)
        changed = self._changes(frame, st)
        if changed and st.prev is not None:
            self._quote(st.prev)
            self._emit(["set", d, st.prev, changed], sum(len(k) + len(v) for k, v in changed))
        elif changed:
            self._emit(["set", d, None, changed], sum(len(k) + len(v) for k, v in changed))
        if line in heads:
            st.pending = line
        st.prev = line

    def _return(self, frame, st, arg):
        changed = self._changes(frame, st)
        d = st.depth
        if changed:
            self._quote(st.prev)
            self._emit(["set", d, st.prev, changed], sum(len(k) + len(v) for k, v in changed))
        while st.loops:
            header, _, count = st.loops.pop()
            self._emit(["done", d, header, count], 8)
        self._quote(st.prev)
        suspended = bool(frame.f_code.co_flags & _CO_GENERATOR) and _at_yield(frame)
        if st.exc is not None and arg is None:
            self._emit(["raise", d, st.name, st.exc, st.prev], 16)
        else:
            text = self.summ(arg)
            self._emit(["yield" if suspended else "ret", d, st.name, text, st.prev], len(text))
        if suspended:
            st.exc = None  # the generator will resume: keep its state
        else:
            self.states.pop(id(frame), None)
        self.depth -= 1

    # -- entry ----------------------------------------------------------------------------------------
    def call(self, fn, kwargs):
        previous = sys.gettrace()
        self.deadline = time.perf_counter() + float(self.opts["max_seconds"])
        sys.settrace(self.global_trace)
        try:
            return fn(**kwargs)
        finally:
            sys.settrace(previous)
            self.stopped = True

    def log(self):
        return {
            "version": VERSION,
            "entry": None,
            "events": self.events,
            "src": self.src,
            "truncated": self.truncated_reason is not None,
            "truncated_reason": self.truncated_reason,
            "lines_executed": self.lines_executed,
            "python": ".".join(str(x) for x in sys.version_info[:3]),
        }


def _at_yield(frame):
    """True when a generator's 'return' event is a yield (it will resume), not its end."""
    try:
        code, last = frame.f_code.co_code, frame.f_lasti
        op = code[last]
        return op == _YIELD_VALUE or (op == _RESUME and last >= 2 and code[last - 2] == _YIELD_VALUE)
    except Exception:
        return False


def run(fn, kwargs, options):
    """Call ``fn(**kwargs)`` under the tracer; return ``(value, log)`` (see the module docstring)."""
    tracer = _Tracer(fn, options)
    value = tracer.call(fn, kwargs)
    log = tracer.log()
    log["entry"] = getattr(fn, "__name__", None)
    return value, log
