"""Config of the tasks stage (group ``prompt``): pairs -> output- and input-prediction prompts.

Light module: no heavy imports.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

TEMPLATES_DIR = Path(__file__).resolve().parents[1] / "templates" / "prompts"
"""Bundled prompt templates (package data): one ``<format>.yaml`` per prompt format."""
BUNDLED_FORMATS = tuple(sorted(path.stem for path in TEMPLATES_DIR.glob("*.yaml")))
"""The prompt formats shipped with the package, read from the templates folder (PAPER.md Table 3:
``query_code``, ``query_only``, ``code_only``, ``query_to_code_cot``, ``query_to_code``)."""
MIXES = ("both", "output", "input", "ratio")
GIVEN_FORMATS = ("json", "python")


@dataclass
class PromptConfig:
    """Which tasks to make from each pair and how to word them (PAPER.md step 4 and Table 3)."""

    _target_: str = "codeio.tasks.builder.TaskBuilder"
    name: str = "query_code"
    """Prompt format name, written into each task's ``prompt_format`` (and its ``task_id``). With no
    ``template_file`` it picks the bundled template: one of ``BUNDLED_FORMATS``."""
    template_file: str | None = None
    """YAML file with the templates (keys ``output``, ``input``, optional ``system``) replacing the
    bundled one, e.g. the paper's exact wording. Placeholders: {query} {io_description} {given}
    {refcode} {funcname}, or the authors' (<<<<query>>>> <<<<io_req>>>> <<<<input>>>> / <<<<output>>>>
    <<<<refcode>>>>) so their texts paste in unchanged; any other brace is literal text."""
    given_format: str = "json"
    """How the given value ({given}) is written: ``json`` (JSON text, ``{"n": 61, "ok": true}``) or
    ``python`` (Python's ``str()`` of the value, ``{'n': 61, 'ok': True}``, a bare string unquoted: the
    paper's prompts, set by ``+experiment=codeio``)."""
    system: str | None = None
    """System message for every task; null = the template file's ``system`` (none in the bundled ones)."""
    mix: str = "both"
    """``both`` (one output- and one input-prediction task per pair), ``output``, ``input``, or ``ratio``
    (one task per pair, input prediction with probability ``input_ratio``)."""
    input_ratio: float = 0.5
    """With ``mix: ratio``: share of pairs that become input-prediction tasks (decided by a hash of the
    pair id and ``seed``, so it is reproducible and independent of chunking)."""
    pairs_per_function: int = 0
    """Only pairs with ``pair_index`` below this become tasks (0 = all pairs)."""
    seed: int = 0
    """Seed of the ``ratio`` draw."""

    def __post_init__(self) -> None:
        if not self.name or not str(self.name).strip():
            raise ValueError("prompt.name must be a non-empty format name")
        if self.template_file is None and self.name not in BUNDLED_FORMATS:
            raise ValueError(
                f"prompt.name={self.name!r} has no bundled template; choose one of {list(BUNDLED_FORMATS)} "
                "or set prompt.template_file"
            )
        if self.given_format not in GIVEN_FORMATS:
            raise ValueError(f"prompt.given_format must be one of {list(GIVEN_FORMATS)}, got {self.given_format!r}")
        if self.mix not in MIXES:
            raise ValueError(f"prompt.mix must be one of {list(MIXES)}, got {self.mix!r}")
        if not (math.isfinite(self.input_ratio) and 0.0 <= self.input_ratio <= 1.0):
            raise ValueError(f"prompt.input_ratio must be in [0, 1], got {self.input_ratio}")
        if self.pairs_per_function < 0:
            raise ValueError("prompt.pairs_per_function must be >= 0 (0 = all pairs)")


SCHEMAS = {"prompt": {"default_schema": PromptConfig}}
