"""Render a trace log as step-by-step reasoning in natural language.

Every sentence states something the log records: argument and variable values (the harness' value
summaries, quoted verbatim), quoted source lines, branch outcomes, loop counts and iteration numbers,
call results. The only values not read from the log are the task's own input and output, which the
final answer repeats. Long traces are condensed (first iterations, the pattern of the middle ones, the
last iteration, the state after the loop) and the whole text is held under a step and character budget.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from codeio.teachers.trace import phrases as P
from codeio.teachers.trace.tree import BranchStep, CallNode, LoopNode, SetStep, build_tree, locals_assigned

_COUNT_MARK = re.compile(r"<(\d+) (items|digits|chars)>")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_STRING = re.compile(r"'[^']*'|\"[^\"]*\"")


@dataclass
class RenderOptions:
    max_steps: int = 60
    """Most step sentences in one rationale (beyond it the rest is skipped with a note)."""
    max_chars: int = 6000
    """Soft cap on the rationale's length in characters (the answer block is always added)."""
    loop_head: int = 2
    """Iterations shown in full at the start of a long loop."""
    loop_tail: int = 1
    """Iterations shown in full at its end."""
    max_call_depth: int = 2
    """Nested calls deeper than this are reported by their result only."""
    detailed_calls: int = 2
    """Calls of the same function shown step by step per enclosing block; later ones in one line."""
    max_listed_values: int = 4
    """Values listed when summarising how a variable moves through skipped iterations."""
    nested_share: float = 0.5
    """Share of the remaining step budget the body of one nested call may use."""
    max_quoted_chars: int = 400
    """Inputs and outputs longer than this (as JSON) are written in full only in the final answer."""


def show(summary: str) -> str:
    """A harness value summary as prose: ``[1, 2, ...]<9 items>`` -> ``[1, 2, ...] (9 items)``."""
    def unit(m: re.Match) -> str:
        word = m.group(2)[:-1] if m.group(1) == "1" else m.group(2)
        return f" ({m.group(1)} {word})"

    return _COUNT_MARK.sub(unit, summary)


def answer_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def assign_text(changes: dict[str, str], limit: int = 5) -> str:
    items = list(changes.items())
    parts = [f"{name} = {show(value)}" for name, value in items[:limit]]
    if len(items) > limit:
        parts.append("and other variables change too")
    return _join(parts)


def _join(parts: Sequence[str]) -> str:
    parts = list(parts)
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def code_names(src: str | None) -> list[str]:
    """Identifiers mentioned in a source line (string literals removed), in order, without repeats."""
    if not src:
        return []
    seen: list[str] = []
    for name in _IDENT.findall(_STRING.sub("", src)):
        if name not in seen:
            seen.append(name)
    return seen


class _Writer:
    """Collects indented bullet lines under a step and character budget."""

    def __init__(self, opts: RenderOptions, rng: random.Random):
        self.opts = opts
        self.rng = rng
        self.lines: list[tuple[int, str]] = []
        self.steps = 0
        self.chars = 0
        self.exhausted = False
        # Nested parts (a call's body, one loop iteration) get a share of what is left, so a deep
        # recursion cannot use up the whole budget before the outer computation is told.
        self.limits: list[int] = []
        self.noted: list[bool] = []

    def pick(self, templates: Sequence[str], **fields: Any) -> str:
        return self.rng.choice(list(templates)).format(**fields)

    @property
    def room(self) -> bool:
        return not self.exhausted and not (self.limits and self.steps >= self.limits[-1])

    def push(self, share: float) -> None:
        left = self.opts.max_steps - self.steps
        self.limits.append(self.steps + max(3, int(left * share)))
        self.noted.append(False)

    def pop(self) -> None:
        self.limits.pop()
        self.noted.pop()

    def add(self, level: int, text: str, force: bool = False) -> None:
        if force:  # the closing sentences are always written
            self.lines.append((level, text))
            return
        if self.exhausted:
            return
        if self.steps >= self.opts.max_steps or self.chars + len(text) > self.opts.max_chars:
            self.exhausted = True
            self.lines.append((level, self.pick(P.BUDGET)))
            return
        if self.limits and self.steps >= self.limits[-1]:
            if not self.noted[-1]:
                for i, limit in enumerate(self.limits):  # enclosing parts that are full too: one note
                    if self.steps >= limit:
                        self.noted[i] = True
                self.lines.append((level, self.pick(P.PART_BUDGET)))
            return
        self.lines.append((level, text))
        self.steps += 1
        self.chars += len(text) + 2 * level + 3

    def text(self) -> str:
        return "\n".join("  " * level + "- " + text for level, text in self.lines)


class _Renderer:
    def __init__(self, log: dict[str, Any], opts: RenderOptions, rng: random.Random):
        self.log = log
        self.src_map = {str(k): str(v) for k, v in (log.get("src") or {}).items()}
        self.opts = opts
        self.rng = rng
        self.w = _Writer(opts, rng)
        self.last_loop_end: tuple[int, str] = (-1, "")

    def src(self, line: int | None) -> str | None:
        if line is None:
            return None
        text = self.src_map.get(str(line))
        return text.rstrip(":").rstrip() if text else None

    # -- steps ----------------------------------------------------------------------------------------
    def steps(self, steps: list[Any], level: int, call_depth: int) -> None:
        detailed: dict[str, int] = {}
        for step in steps:
            if not self.w.room:
                self.w.add(level, "")  # only leaves the "skipping the rest" note, once
                return
            if isinstance(step, SetStep):
                self.set_step(step, level)
            elif isinstance(step, BranchStep):
                src = self.src(step.line)
                if src:
                    self.w.add(level, self.w.pick(P.BRANCH_TRUE if step.taken else P.BRANCH_FALSE, src=src))
            elif isinstance(step, LoopNode):
                self.loop(step, level, call_depth)
            elif isinstance(step, CallNode):
                seen = detailed.get(step.name, 0)
                detailed[step.name] = seen + 1
                full = call_depth < self.opts.max_call_depth and seen < self.opts.detailed_calls
                self.call(step, level, call_depth + 1, full)

    def set_step(self, step: SetStep, level: int) -> None:
        src = self.src(step.line)
        assign = assign_text(step.changes)
        if src and not src.startswith("return"):
            self.w.add(level, self.w.pick(P.SET, src=src, assign=assign))
        else:
            self.w.add(level, self.w.pick(P.SET_NO_SRC, assign=assign))

    def call(self, node: CallNode, level: int, call_depth: int, full: bool) -> None:
        args = self.args_text(node.args)
        if node.raised is not None:
            self.w.add(level, self.w.pick(P.CALL_RAISES, fn=node.name, exc=node.raised))
            return
        if node.ret is None:  # recording stopped inside this call
            self.w.add(level, self.w.pick(P.CALL_UNFINISHED, fn=node.name, args=args))
            self.steps(node.steps, level + 1, call_depth)
            return
        if node.resumed or node.yielded:  # generators: say "resumes" and "yields" instead
            opening = P.GEN_RESUME if node.resumed else P.CALL_OPEN
            closing = P.GEN_YIELD if node.yielded else P.GEN_END
            if not full or not node.steps:
                self.w.add(level, self.w.pick(opening, fn=node.name, args=args) + " " +
                           self.w.pick(closing, fn=node.name, ret=show(node.ret)))
                return
            self.w.add(level, self.w.pick(opening, fn=node.name, args=args))
            self.steps(node.steps, level + 1, call_depth)
            self.w.add(level + 1, self.w.pick(closing, fn=node.name, ret=show(node.ret)))
            return
        if not full or not node.steps:
            call_args = ", ".join(f"{name}={show(value)}" for name, value in node.args.items())
            self.w.add(level, self.w.pick(P.CALL_COMPACT, fn=node.name, args=args, call_args=call_args,
                                          ret=show(node.ret)))
            return
        opened = self.w.room
        self.w.add(level, self.w.pick(P.CALL_OPEN, fn=node.name, args=args))
        self.w.push(self.opts.nested_share)
        self.steps(node.steps, level + 1, call_depth)
        self.w.pop()
        # A call that was opened always gets its result stated (bounded: one per opening sentence).
        self.w.add(level + 1, self.w.pick(P.CALL_RETURN, fn=node.name, ret=show(node.ret)), force=opened)

    def args_text(self, args: dict[str, str]) -> str:
        if not args:
            return P.NO_ARGS
        return _join([f"{name} = {show(value)}" for name, value in args.items()])

    def loop(self, loop: LoopNode, level: int, call_depth: int) -> None:
        src = self.src(loop.line) or "loop"
        iterations = loop.iterations
        if loop.count == 1:
            self.w.add(level, self.w.pick(P.LOOP_ONCE, src=src))
        elif loop.count is not None:
            self.w.add(level, self.w.pick(P.LOOP_COUNT, src=src, count=loop.count))
        else:
            self.w.add(level, self.w.pick(P.LOOP_OPEN, src=src))
        head, tail = self.opts.loop_head, self.opts.loop_tail
        n = len(iterations)
        if n <= head + tail + 1:
            shown = list(range(n))
            skipped: list[int] = []
        else:
            shown = list(range(head)) + list(range(n - tail, n))
            skipped = list(range(head, n - tail))
        for i in shown:
            if skipped and i == skipped[-1] + 1:
                self.skipped(loop, skipped, level + 1)
            self.iteration(loop, i, level + 1, call_depth)
            if not self.w.room:
                self.w.add(level + 1, "")
                return
        if loop.count is None:
            self.w.add(level + 1, self.w.pick(P.LOOP_TRUNCATED))
            return
        # Values set inside the loop, as they stand when it ends (loop variables included).
        final = assign_text(locals_assigned([loop]))
        if final and self.last_loop_end != (len(self.w.lines), final):  # outer loop ending with an inner one
            self.w.add(level, self.w.pick(P.LOOP_END, assign=final))
        self.last_loop_end = (len(self.w.lines), final)

    def iteration(self, loop: LoopNode, i: int, level: int, call_depth: int) -> None:
        steps = loop.iterations[i]
        k = loop.first_index + i
        header = steps[0] if steps and isinstance(steps[0], SetStep) and steps[0].line == loop.line else None
        if header is not None:
            self.w.add(level, self.w.pick(P.ITERATION, k=k, vars=assign_text(header.changes)))
            steps = steps[1:]
        else:
            self.w.add(level, self.w.pick(P.ITERATION_PLAIN, k=k))
        self.steps(steps, level + 1, call_depth)

    def skipped(self, loop: LoopNode, skipped: list[int], level: int) -> None:
        a, b = loop.first_index + skipped[0], loop.first_index + skipped[-1]
        self.w.add(level, self.w.pick(P.SKIP, a=a, b=b))
        sequences: dict[str, list[str]] = {}
        branches: dict[int, set[bool]] = {}
        calls: dict[str, set[int]] = {}  # name -> iterations that call it
        inner: dict[int, set[int]] = {}  # inner loop line -> iterations that run it
        for i in skipped:
            for step in loop.iterations[i]:
                if isinstance(step, BranchStep):
                    branches.setdefault(step.line, set()).add(step.taken)
                elif isinstance(step, CallNode):
                    calls.setdefault(step.name, set()).add(i)
                elif isinstance(step, LoopNode):
                    inner.setdefault(step.line, set()).add(i)
            for name, value in locals_assigned(loop.iterations[i]).items():
                seq = sequences.setdefault(name, [])
                if not seq or seq[-1] != value:
                    seq.append(value)
        limit = self.opts.max_listed_values
        for name, seq in list(sequences.items())[:4]:
            values = [show(v) for v in seq]
            if len(values) > limit:
                values = values[: limit - 1] + ["...", values[-1]]
            self.w.add(level + 1, self.w.pick(P.SKIP_VALUES, name=name, seq=", ".join(values)))
        for line, outcomes in branches.items():
            src = self.src(line)
            if not src:
                continue
            templates = P.SKIP_BRANCH_MIXED if len(outcomes) > 1 else (
                P.SKIP_BRANCH_ALWAYS if True in outcomes else P.SKIP_BRANCH_NEVER)
            self.w.add(level + 1, self.w.pick(templates, src=src))
        for name, where in calls.items():
            templates = P.SKIP_CALLS_ALL if len(where) == len(skipped) else P.SKIP_CALLS_SOME
            self.w.add(level + 1, self.w.pick(templates, fn=name))
        for line, where in inner.items():
            src = self.src(line)
            if src:
                templates = P.SKIP_LOOPS_ALL if len(where) == len(skipped) else P.SKIP_LOOPS_SOME
                self.w.add(level + 1, self.w.pick(templates, src=src))

    def root_return(self, root: CallNode) -> None:
        if root.ret is None:
            return
        src = self.src(root.ret_line)
        if src and src.startswith("return") and root.ret.endswith("..."):  # summary cut: full value below
            self.w.add(0, self.w.pick(P.RETURN_LONG, src=src), force=True)
        elif src and src.startswith("return"):
            self.w.add(0, self.w.pick(P.RETURN, src=src, ret=show(root.ret)), force=True)
        else:
            self.w.add(0, self.w.pick(P.RETURN_NO_SRC, ret=show(root.ret)), force=True)

    # -- backwards (input prediction) -----------------------------------------------------------------
    def backwards(self, root: CallNode, max_hops: int = 5) -> list[str]:
        out: list[str] = []
        params = list(root.args)
        ret_src = self.src(root.ret_line)
        if not ret_src or not ret_src.startswith("return"):
            return out
        out.append(self.w.pick(P.BACK_RETURN, src=ret_src))
        last_sets = _last_sets(root.steps)
        frontier = [n for n in code_names(ret_src) if n in last_sets or n in params]
        seen: set[str] = set()
        reached: list[str] = []
        hops = 0
        while frontier and hops < max_hops:
            name = frontier.pop(0)
            if name in seen:
                continue
            seen.add(name)
            found = last_sets.get(name)
            if found is None:
                if name in params and name not in reached:
                    reached.append(name)
                continue
            step, loop = found
            src = self.src(step.line)
            if not src:
                continue
            hops += 1
            value = show(step.changes[name])
            if loop is not None and self.src(loop.line) and self.src(loop.line) != src:
                out.append(self.w.pick(P.BACK_SET_LOOP, name=name, value=value, src=src, loop=self.src(loop.line)))
                more = code_names(src) + code_names(self.src(loop.line))
            else:
                out.append(self.w.pick(P.BACK_SET, name=name, value=value, src=src))
                more = code_names(src)
            for other in more:
                if other not in seen and (other in last_sets or other in params):
                    frontier.append(other)
            if name in params and name not in reached:
                reached.append(name)
        for name in frontier:
            if name in params and name not in reached:
                reached.append(name)
        # Branch decisions of the entry function that test an input: the candidate must steer them too.
        tested = 0
        for step in root.steps:
            src = self.src(step.line) if isinstance(step, BranchStep) else None
            names = [n for n in code_names(src) if n in params] if src else []
            if names and tested < 2:
                tested += 1
                templates = P.BACK_BRANCH_TRUE if step.taken else P.BACK_BRANCH_FALSE
                out.append(self.w.pick(templates, src=src, names=_join([f"`{n}`" for n in names])))
                reached.extend(n for n in names if n not in reached)
        if reached:
            names = _join([f"`{n}`" for n in reached])
            out.append(self.w.pick(P.BACK_INPUTS, names=names, s="s" if len(reached) > 1 else ""))
        return out


def _last_sets(steps: list[Any], loop: LoopNode | None = None, found: dict | None = None) -> dict:
    """name -> (the last SetStep that changed it at this call level, the innermost loop around it)."""
    found = {} if found is None else found
    for step in steps:
        if isinstance(step, SetStep):
            for name in step.changes:
                found[name] = (step, loop)
        elif isinstance(step, LoopNode):
            for iteration in step.iterations:
                _last_sets(iteration, step, found)
    return found


# -- public entry points ------------------------------------------------------------------------------
def render_output(log: dict[str, Any], funcname: str, value: Any, opts: RenderOptions, seed: int,
                  revision: bool = False, kwargs: dict[str, Any] | None = None) -> str:
    """Rationale for an output-prediction task, ending with the ```json {"output": ...}``` block.

    ``kwargs`` (the task's input) is restated in full when short; otherwise the trace's summaries are."""
    rng = random.Random(seed)
    r = _Renderer(log, opts, rng)
    root = build_tree(log.get("events") or [])
    paragraphs: list[str] = []
    if revision:
        paragraphs.append(r.w.pick(P.REVISION))
    args = r.args_text(root.args) if root else P.NO_ARGS
    if kwargs is not None:
        full = _join([f"{k} = {answer_json(v)}" for k, v in kwargs.items()]) or P.NO_ARGS
        if len(full) <= opts.max_quoted_chars:
            args = full
    paragraphs.append(r.w.pick(P.OUTPUT_INTRO, fn=funcname, args=args) + " " + r.w.pick(P.START))
    paragraphs.append(_forward(r, root, log))
    value_text = answer_json(value)
    if len(value_text) > opts.max_quoted_chars:
        value_text = P.BELOW
    paragraphs.append(r.w.pick(P.OUTPUT_CONCLUSION, fn=funcname, value=value_text))
    paragraphs.append("```json\n" + answer_json({"output": value}) + "\n```")
    return "\n\n".join(p for p in paragraphs if p)


def render_input(log: dict[str, Any], funcname: str, kwargs: dict[str, Any], target: Any,
                 opts: RenderOptions, seed: int, revision: bool = False) -> str:
    """Rationale for an input-prediction task: backwards from the target, candidate, forward check.

    The candidate is the task's own input (the hidden hint, STaR-style rationalisation); the backward
    chain and the forward confirmation both come from the trace of that input.
    """
    rng = random.Random(seed)
    r = _Renderer(log, opts, rng)
    root = build_tree(log.get("events") or [])
    paragraphs: list[str] = []
    if revision:
        paragraphs.append(r.w.pick(P.REVISION))
    target_text = answer_json(target)
    if len(target_text) > opts.max_quoted_chars:
        target_text = P.GIVEN_OUTPUT
    paragraphs.append(r.w.pick(P.INPUT_INTRO, fn=funcname, target=target_text))
    back = r.backwards(root) if root else []
    if back:
        paragraphs.append(r.w.pick(P.BACK_START) + "\n" + "\n".join("- " + line for line in back))
    kw = _join([f"{k} = {answer_json(v)}" for k, v in kwargs.items()]) or P.NO_ARGS
    if len(kw) > opts.max_quoted_chars and root is not None:
        kw = r.args_text(root.args)  # long values: their summaries here, in full in the answer below
    paragraphs.append(r.w.pick(P.CANDIDATE if back else P.CANDIDATE_NO_CHAIN, kwargs=kw) + " " + r.w.pick(P.CONFIRM))
    paragraphs.append(_forward(r, root, log))
    paragraphs.append(r.w.pick(P.CONFIRMED, value=target_text))
    paragraphs.append("```json\n" + answer_json({"input": kwargs}) + "\n```")
    return "\n\n".join(p for p in paragraphs if p)


def _forward(r: _Renderer, root: CallNode | None, log: dict[str, Any]) -> str:
    if root is not None:
        r.steps(root.steps, 0, 0)
        if log.get("truncated") and root.ret is None:
            r.w.add(0, r.w.pick(P.TRUNCATED), force=True)
        r.root_return(root)
    return r.w.text()
