"""Parse the teacher's markdown answer into the four parts of the unified format.

The answer is expected to hold one section per part, but models vary the heading style (``##``,
``**bold**``, ``Title:``), the wording, the case and the order, wrap prose in fences, add extra
sections or leave some out. The parser therefore works in two passes:

1. split the text into fenced code blocks and prose, recognising headings only outside fences (a
   Python comment ``# main function`` inside a code block is not a heading);
2. take the code by what it defines (the block defining the entry is the reference code, the block
   defining a generator is the generator) and the prose parts by their section headings.

Everything is linear in the input size (no backtracking regexes), so a 1 MB answer is cheap.
"""

from __future__ import annotations

import ast
import re
import warnings
from dataclasses import dataclass, field

# Section kinds.
PROBLEM = "problem"
IO = "io"
GENERATOR = "generator"
CODE = "code"
OTHER = "other"

GENERATOR_NAMES = ("input_generator", "generate_inputs", "generate_input")

_ATX_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+(.*?)[ \t#]*$")
_BOLD_HEADING = re.compile(r"^ {0,3}(?:\d+[.)][ \t]*)?\*\*([^*\n]{1,80})\*\*[ \t]*:?[ \t]*$")
_COLON_HEADING = re.compile(r"^ {0,3}(?:\d+[.)][ \t]*)?([A-Za-z][A-Za-z /&()-]{1,60}):[ \t]*$")
_CODE_LANGS = {"", "python", "py", "python3", "py3"}
_EXTRA_TITLES = {"explanation", "notes", "note", "complexity", "analysis", "summary", "remarks",
                 "assumptions", "reasoning", "usage", "discussion"}
"""Extra sections a model adds; as bare "Title:" lines they only count after a blank line."""


def classify_heading(title: str) -> str:
    """Map a heading's text to a section kind; unknown headings are ``other``."""
    t = re.sub(r"[^a-z0-9/ ]+", " ", title.lower())
    words = set(t.replace("/", " ").split())
    if "generator" in words or "generators" in words or "generate" in words or "gen" in words:
        return GENERATOR
    if ("input" in words or "inputs" in words) and ("output" in words or "outputs" in words):
        return IO
    if "i/o" in t or "io" in words or "requirement" in t or "signature" in words or "specification" in words:
        return IO
    if words & {"problem", "query", "question", "statement", "task"}:
        return PROBLEM
    if words & {"code", "main", "solution", "function", "implementation", "program", "reference"}:
        return CODE
    if "description" in words:  # a bare "Description" section describes inputs and outputs
        return IO
    return OTHER


@dataclass
class Block:
    """A piece of the answer: prose or one fenced code block, with the section it belongs to."""

    text: str
    is_code: bool
    lang: str = ""
    section: str = OTHER
    heading: str = ""


def fence_open(line: str) -> tuple[str, str] | None:
    """``(marker, language)`` when ``line`` opens a fenced block, else None (linear, no regex)."""
    body = line.lstrip(" ")
    if len(line) - len(body) > 3 or body[:3] not in ("```", "~~~"):
        return None
    char = body[0]
    run = len(body) - len(body.lstrip(char))
    info = body[run:]
    if char == "`" and "`" in info:  # ```inline``` code in prose, not a fence
        return None
    words = info.split(None, 1)
    lang = words[0].lower() if words else ""
    return char * run, re.sub(r"[^\w+.-]", "", lang)


def split_blocks(text: str) -> list[Block]:
    """Split markdown into prose and fenced blocks; headings outside fences start new sections."""
    blocks: list[Block] = []
    section, heading = OTHER, ""
    prose: list[str] = []
    lines = text.splitlines()
    i = 0

    def flush() -> None:
        if prose and "".join(prose).strip():
            blocks.append(Block("\n".join(prose).strip("\n"), False, section=section, heading=heading))
        prose.clear()

    while i < len(lines):
        line = lines[i]
        fence = fence_open(line)
        if fence:
            flush()
            marker, lang = fence
            body: list[str] = []
            i += 1
            while i < len(lines):
                stripped = lines[i].strip()
                if stripped.startswith(marker[0] * len(marker)) and not stripped.strip(marker[0]):
                    break
                body.append(lines[i])
                i += 1
            blocks.append(Block("\n".join(body), True, lang=lang, section=section, heading=heading))
            i += 1  # skip the closing fence (or run past the end when it is missing)
            continue
        title = None
        for pattern in () if len(line) > 200 else (_ATX_HEADING, _BOLD_HEADING, _COLON_HEADING):  # headings are short
            m = pattern.match(line)
            if m:
                title = m.group(1).strip().strip("*").strip()
                break
        if title is not None:
            kind = classify_heading(title)
            # A "Title:" line only counts when it names a known part (or a usual extra section after a
            # blank line); otherwise it is prose such as the "Input:" line of an I/O description.
            colon = _COLON_HEADING.match(line) is not None
            extra = title.lower() in _EXTRA_TITLES and (i == 0 or not lines[i - 1].strip())
            if kind != OTHER or not colon or extra:
                flush()
                section, heading = kind, title
                i += 1
                continue
        prose.append(line)
        i += 1
    flush()
    return blocks


def parse_quietly(code: str) -> ast.Module:
    """``ast.parse`` without the SyntaxWarning/DeprecationWarning noise of odd escapes in user code."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(code)


def top_level_functions(code: str) -> dict[str, list[ast.FunctionDef | ast.AsyncFunctionDef]] | None:
    """Top-level function definitions by name, or None when the code does not parse."""
    try:
        tree = parse_quietly(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    found: dict[str, list] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found.setdefault(node.name, []).append(node)
    return found


@dataclass
class ParsedResponse:
    """The four parts, or ``error`` (a rejection reason) when the answer cannot be used."""

    refcode: str | None = None
    inputgen: str | None = None
    problem_description: str | None = None
    io_requirements: str | None = None
    error: str | None = None
    detail: str = ""
    extra_sections: list[str] = field(default_factory=list)


def _prose_of(blocks: list[Block], kind: str) -> str | None:
    parts = []
    for b in blocks:
        if b.section != kind:
            continue
        # Prose wrapped in a non-Python fence (```text, ```markdown) is still prose.
        if b.is_code and b.lang in _CODE_LANGS and top_level_functions(b.text):
            continue
        parts.append(b.text.strip())
    text = "\n\n".join(p for p in parts if p)
    return text or None


def split_generator(code: str, gen_name: str) -> tuple[str, str]:
    """Cut a generator defined inside the reference code block out into its own snippet.

    Returns ``(refcode_without_generator, generator_code)``; the generator keeps the block's
    top-level imports so it stays self-contained.
    """
    tree = parse_quietly(code)
    lines = code.splitlines()
    imports, cut = [], set()
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            imports.append("\n".join(lines[node.lineno - 1 : node.end_lineno]))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == gen_name:
            start = min([node.lineno] + [d.lineno for d in node.decorator_list])
            cut.update(range(start - 1, node.end_lineno))
    gen = "\n".join(lines[i] for i in sorted(cut))
    rest = "\n".join(line for i, line in enumerate(lines) if i not in cut).rstrip() + "\n"
    return rest, ("\n".join(imports) + "\n\n\n" if imports else "") + gen + "\n"


def parse_response(text: str | None, funcname: str = "main_solution") -> ParsedResponse:
    """Parse one teacher answer; never raises."""
    if not text or not text.strip():
        return ParsedResponse(error="empty_response")
    blocks = split_blocks(text)
    code_blocks = [b for b in blocks if b.is_code and b.lang in _CODE_LANGS]
    if not code_blocks:
        return ParsedResponse(error="no_code_block")

    entry_blocks, gen_blocks, unparsable = [], [], 0
    for b in code_blocks:
        defs = top_level_functions(b.text)
        if defs is None:
            unparsable += 1
            continue
        if funcname in defs:
            entry_blocks.append((b, defs))
        gen = next((g for g in GENERATOR_NAMES if g in defs), None)
        if gen:
            gen_blocks.append((b, gen))
    if not entry_blocks:
        if unparsable:
            return ParsedResponse(error="code_syntax_error", detail=f"{unparsable} code block(s) do not parse")
        return ParsedResponse(error="missing_entry", detail=f"no code block defines {funcname}()")
    if len(entry_blocks) > 1:
        # Prefer the block under the main-code heading; several there (or none) is ambiguous.
        in_code = [e for e in entry_blocks if e[0].section == CODE]
        if len(in_code) != 1:
            return ParsedResponse(error="multiple_entries", detail=f"{len(entry_blocks)} blocks define {funcname}()")
        entry_blocks = in_code
    entry_block, entry_defs = entry_blocks[0]
    if len(entry_defs[funcname]) > 1:
        return ParsedResponse(error="multiple_entries", detail=f"{funcname}() is defined twice")

    refcode, inputgen = entry_block.text.strip("\n") + "\n", None
    separate = [(b, g) for b, g in gen_blocks if b is not entry_block]
    if separate:
        in_gen = [(b, g) for b, g in separate if b.section == GENERATOR]
        if len(in_gen) > 1 or (not in_gen and len(separate) > 1):
            return ParsedResponse(error="multiple_generators", detail=f"{len(separate)} generator blocks")
        inputgen = (in_gen or separate)[0][0].text.strip("\n") + "\n"
    else:
        gen_name = next((g for b, g in gen_blocks if b is entry_block), None)
        if gen_name:
            refcode, inputgen = split_generator(entry_block.text, gen_name)
    if inputgen is None:
        return ParsedResponse(refcode=refcode, error="missing_generator")

    problem = _prose_of(blocks, PROBLEM)
    io = _prose_of(blocks, IO)
    if problem is None:
        return ParsedResponse(refcode=refcode, inputgen=inputgen, error="missing_problem")
    if io is None:
        return ParsedResponse(refcode=refcode, inputgen=inputgen, problem_description=problem, error="missing_io")
    extra = sorted({b.heading for b in blocks if b.section == OTHER and b.heading})
    return ParsedResponse(refcode=refcode, inputgen=inputgen, problem_description=problem,
                          io_requirements=io, extra_sections=extra)
