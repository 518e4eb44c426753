"""Turn the harness' flat event list into a tree of calls, loops and steps.

The harness (``codeio/execution/harnesses/trace.py``) records events in execution order; the renderer
wants structure: which steps happened inside which call, which loop and which iteration. Truncated or
inconsistent logs (recording stopped mid-call) still give a usable tree: unfinished calls simply have
no return value and unfinished loops no final count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class SetStep:
    line: int | None
    changes: dict[str, str]


@dataclass
class BranchStep:
    line: int
    taken: bool


@dataclass
class LoopNode:
    line: int
    iterations: list[list[Any]] = field(default_factory=list)
    count: int | None = None
    """Iterations reported by the harness when the loop was left; None when recording stopped first."""
    first_index: int = 1
    """Index (as recorded) of ``iterations[0]``."""


@dataclass
class CallNode:
    name: str
    depth: int
    args: dict[str, str]
    steps: list[Any] = field(default_factory=list)
    ret: str | None = None
    ret_line: int | None = None
    raised: str | None = None
    finished: bool = False
    resumed: bool = False
    """A generator picking up after a yield (no arguments passed)."""
    yielded: bool = False
    """``ret`` is a yielded value, not the end of the generator."""
    loops: list[LoopNode] = field(default_factory=list, repr=False)
    """Loops open while the events are read (builder state)."""

    def container(self) -> list[Any]:
        if self.loops:
            return self.loops[-1].iterations[-1]
        return self.steps


def _pairs(value: Any) -> dict[str, str]:
    """``[[name, summary], ...]`` (or a dict) as an ordered dict of strings; anything else -> {}."""
    if isinstance(value, dict):
        value = list(value.items())
    if not isinstance(value, list):
        return {}
    out = {}
    for item in value:
        if isinstance(item, (list, tuple)) and len(item) == 2:
            out[str(item[0])] = str(item[1])
    return out


def _as_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def build_tree(events: list[Any]) -> CallNode | None:
    """The entry call with everything it did, or None when the log holds no call at all."""
    root: CallNode | None = None
    stack: list[CallNode] = []

    def frame_for(depth: Any) -> CallNode | None:
        # Events carry the depth of the frame that produced them; drop frames that ended unseen.
        while stack and isinstance(depth, int) and stack[-1].depth > depth:
            stack.pop()
        return stack[-1] if stack else None

    for event in events:
        if not isinstance(event, list) or len(event) < 3:
            continue
        kind, depth = event[0], event[1]
        if kind in ("call", "resume"):
            node = CallNode(name=str(event[2]), depth=_as_int(depth) or 0,
                            args=_pairs(event[3]) if len(event) > 3 else {}, resumed=kind == "resume")
            parent = frame_for(node.depth - 1)
            if parent is None:
                if root is None:
                    root = node
                else:
                    continue  # a second top-level call cannot happen in one harness run
            else:
                parent.container().append(node)
            stack.append(node)
            continue
        frame = frame_for(depth)
        if frame is None:
            continue
        if kind in ("ret", "yield", "raise"):
            frame.loops.clear()
            frame.finished = True
            frame.yielded = kind == "yield"
            if kind in ("ret", "yield"):
                frame.ret = str(event[3]) if len(event) > 3 else None
            else:
                frame.raised = str(event[3]) if len(event) > 3 else "Exception"
            frame.ret_line = _as_int(event[4]) if len(event) > 4 else None
            stack.pop()
        elif kind == "set" and len(event) > 3 and _pairs(event[3]):
            frame.container().append(SetStep(line=_as_int(event[2]), changes=_pairs(event[3])))
        elif kind == "branch" and len(event) > 3:
            frame.container().append(BranchStep(line=_as_int(event[2]) or 0, taken=bool(event[3])))
        elif kind == "iter" and len(event) > 3:
            line = _as_int(event[2]) or 0
            if frame.loops and frame.loops[-1].line == line:
                frame.loops[-1].iterations.append([])
            else:
                loop = LoopNode(line=line, first_index=_as_int(event[3]) or 1)
                frame.container().append(loop)
                frame.loops.append(loop)
                loop.iterations.append([])
        elif kind == "done" and len(event) > 3:
            line = _as_int(event[2])
            while frame.loops:
                loop = frame.loops.pop()
                if loop.line == line:
                    loop.count = _as_int(event[3])
                    break
    return root


def locals_assigned(steps: list[Any]) -> dict[str, str]:
    """Last summary of every variable set directly in ``steps`` (loops included, calls excluded)."""
    last: dict[str, str] = {}
    for step in steps:
        if isinstance(step, SetStep):
            last.update(step.changes)
        elif isinstance(step, LoopNode):
            for iteration in step.iterations:
                last.update(locals_assigned(iteration))
    return last


def count_steps(steps: list[Any]) -> int:
    total = 0
    for step in steps:
        total += 1
        if isinstance(step, CallNode):
            total += count_steps(step.steps)
        elif isinstance(step, LoopNode):
            total += sum(count_steps(it) for it in step.iterations)
    return total
