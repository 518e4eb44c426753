"""Answer extraction: find the model's final ``{"output": ...}`` / ``{"input": {...}}`` in free text.

Model text is untrusted and may be adversarial (megabytes of junk, unbalanced braces, quotes in prose,
several JSON objects, Python literals instead of JSON). Extraction therefore:

- scans the text once for balanced ``{...}`` spans (strings inside a span are respected, so ``"}"`` in a
  JSON string does not close it); prose outside any span never enters string mode;
- also takes the contents of fenced code blocks (```json ... ```) as candidates;
- tries candidates from the one that ends last backwards, each first as JSON, then as a Python literal
  (``True``/``False``/``None``, single quotes) via ``ast.literal_eval`` (never ``eval``);
- returns the last candidate that is an object carrying the expected key; when none has it (an unclosed
  quote can derail the scan), decodes JSON directly at the last few ``{`` before the key, then falls
  back to the last ``\\boxed{...}`` (its content is the answer, or an object holding the key).

Work is bounded: one linear scan, at most ``MAX_CANDIDATES`` parse attempts, character budgets for the
parsers. A 1 MB adversarial response takes about a second at most on a slow, loaded core.
"""

from __future__ import annotations

import ast
import io
import json
import re
import tokenize
from collections import deque
from dataclasses import dataclass
from typing import Any

# Why no answer was found (Verdict.detail / feedback template key suffix).
NO_RESPONSE = "no_response"  # the teacher produced nothing (failed request)
TRUNCATED = "truncated"  # cut off by the token limit: never accepted, even if it holds a JSON object
NO_JSON = "no_json_object"  # no balanced {...} (nor \boxed{}) anywhere
WRONG_KEY = "wrong_key"  # JSON objects found, none has the expected key
UNPARSABLE = "unparsable"  # brace spans found, none parses as JSON or as a Python literal
NO_ANSWER_REASONS = (NO_RESPONSE, TRUNCATED, NO_JSON, WRONG_KEY, UNPARSABLE)

MAX_CANDIDATES = 256
"""Parse attempts per response, newest first. Bounds the work on texts made of thousands of ``{}``."""
MAX_LITERAL_CHARS = 100_000
"""Spans longer than this are not given to ``ast.literal_eval`` (its parser is slow and memory-hungry)."""
MAX_JSON_CHARS = 2_000_000
PARSE_BUDGET_CHARS = 4_000_000
"""Total characters handed to the parsers per response (keeps nested 1 MB spans linear)."""
LITERAL_BUDGET_CHARS = 300_000
"""Total characters handed to ``ast.literal_eval`` per response."""
RESCAN_POSITIONS = 32
"""When the brace scan finds no answer (e.g. an unclosed quote derailed it), ``raw_decode`` is tried at
this many of the last ``{`` positions."""

_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[^\n]*\n(.*?)```", re.DOTALL)
_TOKEN = re.compile(r'([{}"])\1*')  # a run of one brace or quote character (charset first: fast)
_STRING_REST = re.compile(r'[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BOXED = "\\boxed{"
_BRACE = re.compile(r"[{}]")
BOXED_TRIES = 4


@dataclass(frozen=True)
class Extraction:
    """Result of extracting one answer: ``ok`` with ``value``, or a ``reason`` from NO_ANSWER_REASONS."""

    ok: bool
    value: Any = None
    """The decoded value under the expected key (any JSON value; may hold NaN/inf when the model wrote them)."""
    reason: str | None = None
    detail: str = ""
    """Human-readable precision on ``reason`` (e.g. which keys the last object had)."""
    source: str = ""
    """How the answer was found: ``json``, ``python_literal``, ``boxed``."""

    @property
    def answer_json(self) -> str | None:
        """The extracted value as JSON text (sorted keys); NaN/inf written as JSON's extended literals."""
        if not self.ok:
            return None
        try:
            return json.dumps(self.value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        except (TypeError, ValueError):
            return None


def _fail(reason: str, detail: str = "") -> Extraction:
    return Extraction(ok=False, reason=reason, detail=detail)


def balanced_spans(text: str, keep_last: int | None = None) -> list[tuple[int, int]]:
    """Matched ``{...}`` spans as (start, end_exclusive), in order of their end (only the last
    ``keep_last`` when given).

    One left-to-right pass. Double-quoted strings are honoured only inside an open brace (JSON strings
    never occur outside an object), so quotes in prose cannot derail the scan. An unmatched ``}`` is
    ignored; an unmatched ``{`` simply never closes, leaving the spans nested in it intact. Runs of
    braces and whole strings are consumed by regular expressions, so the Python loop turns once per
    token, not once per character.
    """
    spans: deque[tuple[int, int]] = deque(maxlen=keep_last)
    stack: list[int] = []
    skip_until = 0  # end of the string being skipped
    for match in _TOKEN.finditer(text):
        start, end = match.span()
        if start < skip_until:
            continue
        first = text[start]
        if first == "{":
            if end - start == 1:
                stack.append(start)
            else:
                stack.extend(range(start, end))
        elif first == "}":
            if end - start == 1:
                if stack:
                    spans.append((stack.pop(), end))
                continue
            k = min(end - start, len(stack))
            if k:
                opened = stack[-k:]
                del stack[-k:]
                spans.extend(zip(reversed(opened), range(start + 1, start + k + 1), strict=True))
        elif stack:  # a quote inside an object opens a string: skip to its closing quote
            rest = _STRING_REST.match(text, start + 1)
            if rest is None:
                break  # unterminated string: nothing after it can close a span
            skip_until = rest.end()
    return list(spans)


def _is_json_shaped(value: Any) -> bool:
    """Reject values that are not JSON-shaped (e.g. sets, bytes, complex from a Python literal)."""
    stack = [value]
    while stack:
        v = stack.pop()
        if v is None or isinstance(v, (bool, int, str)):
            continue
        if isinstance(v, float):
            continue  # NaN/inf allowed here: they parse, and the comparison rejects them
        if isinstance(v, list):
            stack.extend(v)
        elif isinstance(v, dict):
            if not all(isinstance(k, str) for k in v):
                return False
            stack.extend(v.values())
        else:
            return False
    return True


def _to_json_shape(value: Any) -> Any:
    """Tuples from Python literals become lists (as JSON would have them); other types are left alone."""
    if isinstance(value, tuple):
        return [_to_json_shape(v) for v in value]
    if isinstance(value, list):
        return [_to_json_shape(v) for v in value]
    if isinstance(value, dict):
        return {k: _to_json_shape(v) for k, v in value.items()}
    return value


def parse_value(text: str, allow_literal: bool = True) -> tuple[bool, Any, str]:
    """Parse ``text`` as JSON, else (when allowed) as a Python literal. Returns (ok, value, how)."""
    text = text.strip()
    if not text or len(text) > MAX_JSON_CHARS:
        return False, None, ""
    try:
        return True, json.loads(text), "json"
    except (ValueError, RecursionError):
        pass
    if not allow_literal or len(text) > MAX_LITERAL_CHARS:
        return False, None, ""
    try:
        value = _to_json_shape(_literal_eval(text))
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False, None, ""
    if not _is_json_shaped(value):
        return False, None, ""
    return True, value, "python_literal"


_JSON_NAMES = {"true": "True", "false": "False", "null": "None"}


def _literal_eval(text: str) -> Any:
    """``ast.literal_eval``, retried with JSON's true/false/null as Python names (mixed-style answers such
    as ``{'output': true}``). Only name tokens are rewritten; strings are left alone."""
    try:
        return ast.literal_eval(text)
    except ValueError:
        if not any(name in text for name in _JSON_NAMES):
            raise
    try:
        tokens = [
            (tok.type, _JSON_NAMES.get(tok.string, tok.string) if tok.type == tokenize.NAME else tok.string)
            for tok in tokenize.generate_tokens(io.StringIO(text).readline)
        ]
    except (tokenize.TokenError, IndentationError) as exc:
        raise ValueError(str(exc)) from None
    return ast.literal_eval(tokenize.untokenize(tokens))


def _boxed_contents(text: str) -> str | None:
    """Contents of the last ``\\boxed{...}`` with balanced braces (LaTeX: no string handling).

    Tries the last ``BOXED_TRIES`` occurrences only, each with one regex scan, so text made of many
    unclosed ``\\boxed{`` stays linear.
    """
    start = text.rfind(_BOXED)
    tries = 0
    while start != -1 and tries < BOXED_TRIES:
        tries += 1
        begin = start + len(_BOXED)
        depth = 1
        for match in _BRACE.finditer(text, begin):
            depth += 1 if match.group() == "{" else -1
            if depth == 0:
                return text[begin : match.start()]
        start = text.rfind(_BOXED, 0, start)  # unclosed: try an earlier one
    return None


def _candidates(text: str) -> list[tuple[int, int]]:
    """(start, end) of every brace span and fenced block body, newest (largest end) first, capped.

    Only offsets are kept: slicing every nested span of a 1 MB text would cost quadratic memory.
    """
    cands = balanced_spans(text, keep_last=MAX_CANDIDATES)
    for m in _FENCE.finditer(text):
        start, end = m.start(2), m.end(2)
        while start < end and text[start].isspace():
            start += 1
        if start < end and text[start] == "{":
            cands.append((start, end))
    # Newest (largest end) first; for equal ends the outermost (smallest start) first.
    cands.sort(key=lambda c: (-c[1], c[0]))
    return cands[:MAX_CANDIDATES]


def _rescan(text: str, key: str) -> Extraction | None:
    """Decode JSON directly at the last few ``{`` that precede a quoted key, ignoring the scan's state."""
    decoder = json.JSONDecoder()
    quoted = f'"{key}"'
    last_key = text.rfind(quoted)
    if last_key == -1:
        return None
    pos = text.rfind("{", 0, last_key + 1)
    tries = 0
    while pos != -1 and tries < RESCAN_POSITIONS:
        tries += 1
        try:
            value, _end = decoder.raw_decode(text, pos)
        except (ValueError, RecursionError):
            value = None
        if isinstance(value, dict) and key in value:
            return Extraction(ok=True, value=value[key], source="json")
        pos = text.rfind("{", 0, pos)
    return None


def extract_answer(text: str | None, key: str, finish_reason: str | None = "stop") -> Extraction:
    """Extract the value of ``key`` (``"output"`` or ``"input"``) from a model response.

    ``finish_reason == "length"`` (cut off by the token limit) is never accepted as an answer.
    """
    if text is None:
        return _fail(NO_RESPONSE, "the model returned no response")
    if not isinstance(text, str):
        return _fail(NO_RESPONSE, f"the response is {type(text).__name__}, not text")
    if finish_reason == "length":
        return _fail(TRUNCATED, "the response was cut off by the token limit before it finished")

    budget = PARSE_BUDGET_CHARS
    literal_budget = LITERAL_BUDGET_CHARS
    quoted_key = (f'"{key}"', f"'{key}'")
    keyless: list[tuple[int, int]] = []
    candidates = _candidates(text)
    for start, end in candidates:
        # A span that does not even contain the quoted key cannot be the answer; it only matters for
        # telling "wrong key" from "unparsable" below.
        if all(text.find(q, start, end) == -1 for q in quoted_key):
            keyless.append((start, end))
            continue
        if end - start > budget:
            continue
        budget -= end - start
        allow_literal = literal_budget >= end - start
        ok, value, how = parse_value(text[start:end], allow_literal=allow_literal)
        if not ok and allow_literal:
            literal_budget -= end - start
        if ok and isinstance(value, dict) and key in value:
            return Extraction(ok=True, value=value[key], source=how)
        if ok and isinstance(value, dict):
            keyless.append((start, end))

    rescued = _rescan(text, key)
    if rescued is not None:
        return rescued

    boxed = _boxed_contents(text)
    if boxed is not None:
        ok, value, _how = parse_value(boxed)
        if ok:
            if isinstance(value, dict) and key in value:
                return Extraction(ok=True, value=value[key], source="boxed")
            if key == "output" or isinstance(value, dict):
                # A bare boxed value is the answer itself (for input prediction: the kwargs dict).
                return Extraction(ok=True, value=value, source="boxed")
        return _fail(UNPARSABLE, f"the \\boxed{{...}} answer is not a JSON value: {_preview(boxed)}")

    if not candidates:
        return _fail(NO_JSON, "no JSON object found in the response")
    keyless.sort(key=lambda c: (-c[1], c[0]))
    for start, end in keyless[:8]:
        if end - start > min(budget, MAX_LITERAL_CHARS):
            continue
        budget -= end - start
        ok, value, _how = parse_value(text[start:end], allow_literal=literal_budget >= end - start)
        literal_budget -= end - start
        if ok and isinstance(value, dict):
            keys = sorted(value)[:10]
            return _fail(WRONG_KEY, f'no JSON object has the key "{key}" (the last one has keys {keys})')
    return _fail(UNPARSABLE, "found {...} text but none of it parses as a JSON object with the expected key")


def _preview(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


__all__ = [
    "Extraction",
    "extract_answer",
    "balanced_spans",
    "parse_value",
    "NO_ANSWER_REASONS",
    "NO_RESPONSE",
    "TRUNCATED",
    "NO_JSON",
    "WRONG_KEY",
    "UNPARSABLE",
]
