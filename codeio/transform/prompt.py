"""The rewrite prompt: raw code in, a markdown answer with the four unified parts out.

Our own wording of PAPER.md step 2. ``Transformer(prompt_file=...)`` loads another template (e.g. the
paper's exact one); the placeholder ``{code}`` is replaced by the raw file and ``{funcname}`` by the
entry name (plain substitution, so braces in the template or the code need no escaping).
"""

from __future__ import annotations

from pathlib import Path

DEFAULT_TEMPLATE = """\
You will turn a piece of raw Python code into a self-contained, testable task. Read the code, find the \
computation at its heart, and answer with a markdown document made of exactly the four sections below, \
in this order, each introduced by its level-2 heading.

## Main Code
One ```python block holding a complete program whose entry point is `{funcname}(...)`:
- keep the core logic of the original file (helper functions and classes may stay above the entry);
- every argument and the return value must be JSON-serializable (numbers, strings, booleans, None, \
lists, dicts with string keys); convert sets, tuples, arrays or custom objects at the boundary;
- return the result instead of printing it; remove plotting, printing, file access, network access, \
user input and anything random inside `{funcname}`;
- import everything the code needs at the top of the block;
- keep inputs and outputs small (well under 1 KB when written as JSON) and their numbers moderate (no \
huge integers or floats with long tails of digits).

## Input/Output Description
In prose, list every argument of `{funcname}` with its name, type and meaning, then the return value \
with its type and meaning. Where an argument or the result is a string with a structure (a date, a \
list written as text, a board), spell out its exact format. Use the form:
Input:
  `name` (type): meaning
Output:
  `return` (type): meaning

## Input Generator
One ```python block defining `input_generator()` with no arguments. Each call returns a new random \
dict of keyword arguments for `{funcname}` that satisfies the description above, with reasonable \
sizes. Import what it needs inside the block.

## Problem Statement
A question in natural language, with no mention of programming or code, that names the input \
variables and asks for the value `{funcname}` returns.

Here is the raw code:
```python
{code}
```
"""


AUTHORS_CODE_PLACEHOLDER = "<<<<code>>>>"
"""The placeholder of the authors' published rewrite template (hkust-nlp/CodeIO), accepted unchanged."""


def load_template(prompt_file: str | None) -> str:
    """The default template, or the text of ``prompt_file``, which must contain ``{code}`` (ours) or
    ``<<<<code>>>>`` (the authors' template files, used as published)."""
    if not prompt_file:
        return DEFAULT_TEMPLATE
    path = Path(prompt_file).expanduser()
    if not path.is_file():
        raise ValueError(f"transform.prompt_file={prompt_file!r} is not a file")
    text = path.read_text(encoding="utf-8")
    if "{code}" not in text and AUTHORS_CODE_PLACEHOLDER not in text:
        raise ValueError(f"transform.prompt_file={prompt_file!r} has no {{code}} (or {AUTHORS_CODE_PLACEHOLDER}) "
                         "placeholder")
    return text


def render(template: str, code: str, funcname: str = "main_solution") -> str:
    """Fill the template: the authors' ``<<<<code>>>>`` (their files name the entry literally), else our
    ``{funcname}`` then ``{code}`` (in that order, so a literal "{funcname}" in the raw code survives)."""
    if AUTHORS_CODE_PLACEHOLDER in template:
        return template.replace(AUTHORS_CODE_PLACEHOLDER, code)
    return template.replace("{funcname}", funcname).replace("{code}", code)
