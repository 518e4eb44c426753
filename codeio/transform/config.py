"""Config of the transform stage (group ``transform``): rewrite, parse, check and smoke-run."""

from __future__ import annotations

from dataclasses import dataclass, field

from codeio.transform.checks import DEFAULT_DENY_CALLS, DEFAULT_DENY_IMPORTS


@dataclass
class TransformConfig:
    """Turns raw code into unified functions; pre-unified rows are only validated and smoke-run."""

    _target_: str = "codeio.transform.transformer.Transformer"
    funcname: str = "main_solution"
    """Name of the entry function the rewrite asks for."""
    prompt_file: str | None = None
    """A template file replacing the built-in rewrite prompt: placeholders ``{code}``, ``{funcname}``, or
    the authors' published template unchanged (``<<<<code>>>>``)."""
    system_prompt: str | None = None
    """Optional system message sent before the rewrite prompt."""
    min_chars: int = 50
    """Pre-filter: raw files shorter than this are skipped (0 = no lower bound)."""
    max_chars: int = 100_000
    """Pre-filter: raw files longer than this are skipped (0 = no upper bound)."""
    require_python: bool = True
    """Pre-filter (language detection): the raw file must parse as Python 3."""
    require_function: bool = True
    """Pre-filter: the raw file must define at least one function."""
    classifier_prompt_file: str | None = None
    """Optional LLM classifier (difficulty/topic) run before the rewrite: a template with ``{code}``
    whose answer's last word is the label. None = off."""
    classifier_keep: list[str] = field(default_factory=list)
    """Labels (case-insensitive) the classifier must return for a file to be kept."""
    deny_imports: list[str] = field(default_factory=lambda: list(DEFAULT_DENY_IMPORTS))
    """Modules (or submodules) whose import rejects a function."""
    deny_calls: list[str] = field(default_factory=lambda: list(DEFAULT_DENY_CALLS))
    """Calls, as written (``open``, ``os.system``, ``plt.show``), that reject a function."""
    check_imported: bool = True
    """Apply the deny-lists to pre-unified corpora too (the smoke run always applies)."""
    smoke_timeout: float = 5.0
    """Seconds for the smoke run's generator call + entry call."""
    seed: int = 0
    """Base of the smoke run's per-function seed."""
    max_response_chars: int = 2_000_000
    """Teacher answers longer than this are rejected unparsed."""

    def __post_init__(self) -> None:
        if not self.funcname.isidentifier():
            raise ValueError(f"transform.funcname={self.funcname!r} is not a Python identifier")
        if self.min_chars < 0 or self.max_chars < 0:
            raise ValueError("transform.min_chars and transform.max_chars must be >= 0")
        if self.max_chars and self.min_chars > self.max_chars:
            raise ValueError("transform.min_chars must not exceed transform.max_chars")
        if self.smoke_timeout <= 0:
            raise ValueError("transform.smoke_timeout must be > 0")
        if self.max_response_chars <= 0:
            raise ValueError("transform.max_response_chars must be > 0")
        if self.classifier_prompt_file and not self.classifier_keep:
            raise ValueError("transform.classifier_keep must list labels when a classifier is set")


SCHEMAS = {"transform": {"default_schema": TransformConfig}}
