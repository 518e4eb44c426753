"""Static checks: pre-filters on raw files and checks on a unified function before it is ever run.

Nothing here executes code; it only parses it with ``ast``.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence

from codeio.transform.parser import GENERATOR_NAMES, parse_quietly

DEFAULT_DENY_IMPORTS = (
    "matplotlib", "pylab", "seaborn", "plotly", "bokeh", "turtle", "tkinter", "pygame", "cv2", "PIL",
    "subprocess", "multiprocessing", "socket", "ssl", "requests", "urllib", "urllib3", "http", "httpx",
    "aiohttp", "ftplib", "smtplib", "telnetlib", "webbrowser", "selenium", "shutil", "tempfile", "pickle",
    "sqlite3", "ctypes", "signal", "threading", "asyncio",
)
"""Modules whose import rejects a function: plotting/GUI, processes, network, file and OS side effects."""

DEFAULT_DENY_CALLS = (
    "input", "open", "exec", "eval", "compile", "breakpoint", "exit", "quit", "__import__",
    "os.system", "os.popen", "os.remove", "os.unlink", "os.rmdir", "os.removedirs", "os.mkdir",
    "os.makedirs", "os.rename", "os.replace", "os.chdir", "os.kill", "os.fork", "os.listdir", "os.walk",
    "os.scandir", "os.startfile", "os.spawnl", "os.execv", "os._exit", "sys.exit", "time.sleep",
    "io.open", "codecs.open", "plt.show", "plt.savefig", "sys.stdin.read", "sys.stdin.readline",
)
"""Calls (by name or dotted name as written) that reject a function."""


def parses(code: str) -> bool:
    try:
        parse_quietly(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


_PY_LINE = re.compile(r"^[ \t]*(?:def[ \t]+\w+[ \t]*\(|class[ \t]+\w+[ \t]*[:(]|import[ \t]+\w|from[ \t]+[\w.]+[ \t]+import\b)",
                      re.MULTILINE)
_DEF_LINE = re.compile(r"^[ \t]*(?:async[ \t]+)?def[ \t]+\w+[ \t]*\(", re.MULTILINE)


def prefilter_reason(content: str, min_chars: int, max_chars: int, require_python: bool,
                     require_function: bool) -> str | None:
    """Why a raw file is skipped before the LLM (None = keep). Length, language, defines a function.

    Language detection: the file parses as Python 3, or (Python 2 and slightly broken files, which the
    LLM rewrite can still use) it has Python ``def``/``class``/``import`` lines.
    """
    if min_chars and len(content) < min_chars:
        return "prefilter_too_short"
    if max_chars and len(content) > max_chars:
        return "prefilter_too_long"
    if not (require_python or require_function):
        return None
    try:
        tree = parse_quietly(content)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        tree = None
    if tree is None:
        if require_python and not _PY_LINE.search(content):
            return "prefilter_not_python"
        if require_function and not _DEF_LINE.search(content):
            return "prefilter_no_function"
        return None
    if require_function and not any(isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) for n in ast.walk(tree)):
        return "prefilter_no_function"
    return None


def dotted_name(node: ast.AST) -> str | None:
    """``a.b.c`` for Name/Attribute chains, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def denied_use(tree: ast.AST, deny_imports: Sequence[str], deny_calls: Sequence[str]) -> str | None:
    """The first denied import or call found in ``tree``, as ``import:NAME`` / ``call:NAME``."""
    deny_imports, deny_calls = set(deny_imports), set(deny_calls)

    def import_denied(module: str) -> bool:
        parts = module.split(".")
        return any(".".join(parts[: i + 1]) in deny_imports for i in range(len(parts)))

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if import_denied(alias.name):
                    return f"import:{alias.name}"
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if import_denied(node.module):
                return f"import:{node.module}"
            for alias in node.names:
                if f"{node.module}.{alias.name}" in deny_calls or (
                    import_denied(f"{node.module}.{alias.name}")
                ):
                    return f"import:{node.module}.{alias.name}"
        elif isinstance(node, ast.Call):
            name = dotted_name(node.func)
            if name and name in deny_calls:
                return f"call:{name}"
    return None


def signature_problem(fn: ast.FunctionDef | ast.AsyncFunctionDef, allow_rng: bool) -> str | None:
    """None when ``fn`` can be called with no argument (or with one rng argument when allowed)."""
    a = fn.args
    positional = a.posonlyargs + a.args
    required_pos = len(positional) - len(a.defaults)
    required_kw = sum(1 for d in a.kw_defaults if d is None)
    if required_kw:
        return "keyword-only arguments without defaults"
    if required_pos == 0:
        return None
    if required_pos == 1 and allow_rng and len(positional) == 1:
        return None
    return f"{required_pos} required argument(s)"


def static_check(refcode: str, funcname: str, inputgen: str | None, deny_imports: Sequence[str],
                 deny_calls: Sequence[str], require_generator: bool = True) -> tuple[str | None, str, str | None]:
    """Check a unified function without running it.

    Returns ``(reason, detail, generator_name)``; ``reason`` is None when the function passes.
    """
    try:
        tree = parse_quietly(refcode)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        return "refcode_syntax_error", str(exc)[:200], None
    entries = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == funcname]
    if not entries:
        return "missing_entry", f"{funcname}() is not defined at top level", None
    if isinstance(entries[-1], ast.AsyncFunctionDef):
        return "entry_is_async", funcname, None
    denied = denied_use(tree, deny_imports, deny_calls)
    if denied:
        return "denied_" + denied.split(":")[0], denied, None
    if inputgen is None:
        return ("missing_generator", "", None) if require_generator else (None, "", None)
    try:
        gen_tree = parse_quietly(inputgen)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        return "generator_syntax_error", str(exc)[:200], None
    gens = {n.name: n for n in gen_tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    name = next((g for g in GENERATOR_NAMES if g in gens), None)
    if name is None and len(gens) == 1:
        name = next(iter(gens))  # a generator snippet defining a single function under another name
    if name is None:
        return "missing_generator", f"no {' / '.join(GENERATOR_NAMES)}() defined", None
    problem = signature_problem(gens[name], allow_rng=True)
    if problem:
        return "generator_bad_signature", f"{name}: {problem}", None
    denied = denied_use(gen_tree, deny_imports, deny_calls)
    if denied:
        return "denied_" + denied.split(":")[0], "generator " + denied, None
    return None, "", name
