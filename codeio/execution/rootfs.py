"""What a sandbox's minimal root holds: the system folders and what one interpreter needs, read-only.

The trusted parent computes the list once per interpreter and hands it to the worker (which builds
the root itself) or to bubblewrap (``--ro-bind`` arguments). Nothing else of the host is visible: not
the repository checkout, not ``outputs/``, not ``/root``, ``/home``, ``/run`` or ``/work``. A folder the
interpreter needs that lives under ``/tmp``, ``/var/tmp`` or ``/dev/shm`` (a virtual environment made
there, as CI does) is *stashed*: bound at ``/.codeio/stash/<i>`` and bound again at its own path inside
every job's fresh scratch tmpfs.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
from pathlib import Path

SYSTEM_PATHS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc")
SCRATCH_ROOTS = ("/tmp", "/var/tmp", "/dev/shm")
CHILD_PACKAGE = Path(__file__).resolve().with_name("child")
CHILD_DIR = "/.codeio/child"
"""Where the stdlib-only child package is bound when an interpreter is exec'd inside the sandbox."""
REPOSITORY = CHILD_PACKAGE.parents[2]

_QUERY = ("import json, os, sys\n"
          "paths = [sys.prefix, sys.exec_prefix, sys.base_prefix, getattr(sys, 'base_exec_prefix', sys.prefix),\n"
          "         os.path.dirname(sys.executable), os.path.dirname(os.path.realpath(sys.executable))]\n"
          "paths += [p for p in sys.path if p and os.path.isabs(p)]\n"
          "print(json.dumps({'executable': sys.executable, 'paths': paths, 'version': sys.version_info[:2]}))\n")


@functools.lru_cache(maxsize=16)
def interpreter_paths(python: str) -> tuple[str, ...]:
    """Folders ``python`` uses when started as the workers are (``-s -B``, a scrubbed environment):
    its prefixes, its executable's folder (symlinks resolved) and its module path."""
    try:
        out = subprocess.run([python, "-s", "-B", "-c", _QUERY], capture_output=True, text=True, timeout=120,
                             env={"PATH": "/usr/local/bin:/usr/bin:/bin", "LC_ALL": "C.UTF-8"}, cwd="/",
                             check=True).stdout
        info = json.loads(out.strip().splitlines()[-1])
    except (OSError, subprocess.SubprocessError, ValueError, IndexError) as exc:
        raise RuntimeError(f"cannot start the interpreter {python!r}: {exc}") from exc
    if tuple(info["version"]) < (3, 8):
        raise RuntimeError(f"{python} is Python {info['version']}: the sandbox needs Python 3.8 or newer")
    return tuple(p for p in info["paths"] if os.path.isdir(p))


def _under(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _exposes_repository(path: str) -> bool:
    """The checkout itself or a folder above it (an editable install's path entry); a virtual
    environment inside it (``.venv``) is fine."""
    return path != "/" and _under(str(REPOSITORY), path)


def root_entries(*pythons: str, child_package: bool = False) -> list[list]:
    """The worker's root: ``["symlink", target, path]``, ``["bind", src, dst]`` and
    ``["stash", src, index, dst]`` entries (see the module docstring), for the given interpreters."""
    entries: list[list] = []
    binds: list[str] = []
    links: list[tuple[str, str]] = []
    for path in SYSTEM_PATHS:
        if os.path.islink(path):
            entries.append(["symlink", os.readlink(path), path])
        elif os.path.isdir(path):
            binds.append(path)
    needed = [p for python in pythons for p in interpreter_paths(python)]
    for path in needed:
        real = os.path.realpath(path)
        if _exposes_repository(real):  # the checkout stays out of sight
            continue
        binds.append(real)
        if real != path and not any(_under(path, b) for b in binds):
            links.append((real, path))
    kept: list[str] = []
    for path in sorted(set(binds), key=len):
        if not any(_under(path, top) for top in kept):
            kept.append(path)
    stash = 0
    for path in sorted(kept):
        if any(_under(path, root) for root in SCRATCH_ROOTS):
            entries.append(["stash", path, stash, path])
            stash += 1
        else:
            entries.append(["bind", path, path])
    for target, path in links:
        if not any(_under(path, top) for top in kept):
            entries.append(["symlink", target, path])
    if child_package:
        entries.append(["bind", str(CHILD_PACKAGE), CHILD_DIR])
    return entries


def bwrap_arguments(entries: list[list]) -> list[str]:
    """The same root as bubblewrap arguments (stashed folders at ``/.codeio/stash/<i>``). Folders made on
    the way are mode 0755, as the worker makes them (bubblewrap would copy a root-only /root's 0700)."""
    args: list[str] = []
    targets = {e[2] for e in entries if e[0] != "stash"}
    made: set[str] = set()
    for entry in entries:
        dst = entry[2] if entry[0] != "stash" else f"/.codeio/stash/{entry[2]}"
        parent = os.path.dirname(dst)
        chain = []
        while parent not in ("/", "") and parent not in made and parent not in targets:
            chain.append(parent)
            parent = os.path.dirname(parent)
        for folder in reversed(chain):
            args += ["--perms", "0755", "--dir", folder]
            made.add(folder)
    for entry in entries:
        if entry[0] == "symlink":
            args += ["--symlink", entry[1], entry[2]]
        elif entry[0] == "bind":
            args += ["--ro-bind", entry[1], entry[2]]
        else:
            args += ["--ro-bind", entry[1], f"/.codeio/stash/{entry[2]}"]
    return args
