"""Config schemas of the sources (group ``source``) and of collect's filters. Light module.

Raw-code sources (``jsonl``, ``directory``, ``hf``) feed the LLM rewrite; importers (``unified``,
``reasoning_gym``) and the bundled corpus yield functions already in the unified format. Which of the
two a source yields is a capability of its class (``Source.yields_unified``), not a setting.
"""

from __future__ import annotations

from dataclasses import dataclass


class SourceSettings:
    """What every source config checks: the corpus name it writes into each row's ``source``."""

    name: str

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError("source.name must be a non-empty string (it is written into every row)")


@dataclass
class JsonlSourceConfig(SourceSettings):
    """Raw-code rows from JSON Lines files (e.g. the paper's ``rawcode_1k.jsonl``)."""

    _target_: str = "codeio.sources.files.JsonlSource"
    path: str = "???"
    """A file, a directory or a glob (``data/*.jsonl``)."""
    name: str = "jsonl"
    """Corpus name written into each row's ``source`` field (drives per-source sampler settings)."""
    content_field: str = "content"
    """Field holding the code text."""
    path_field: str | None = "path"
    """Field holding the original file path, kept as provenance (None: use ``file:line``)."""
    source_field: str | None = None
    """Field naming each row's corpus (e.g. ``codemix`` / ``pyedu_r``), so one mixed file gets the
    per-source sampler settings; rows without it get ``name``."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.content_field:
            raise ValueError("source.content_field must name the field that holds the code")


@dataclass
class DirectorySourceConfig(SourceSettings):
    """Every ``*.py`` file under a folder, with its relative path as provenance."""

    _target_: str = "codeio.sources.files.DirectorySource"
    path: str = "???"
    """The folder to read."""
    name: str = "directory"
    """Corpus name written into each row's ``source`` field (drives per-source sampler settings)."""
    pattern: str = "**/*.py"
    """Glob below ``path`` selecting the files."""
    encoding: str = "utf-8"
    """Files that do not decode with it are rejected (``bad_encoding``)."""


@dataclass
class HFSourceConfig(SourceSettings):
    """A Hugging Face ``datasets`` dataset saved on local disk (``save_to_disk``)."""

    _target_: str = "codeio.sources.files.HFDiskSource"
    path: str = "???"
    """The directory ``save_to_disk`` wrote."""
    name: str = "hf"
    """Corpus name written into each row's ``source`` field (drives per-source sampler settings)."""
    split: str | None = None
    """For a DatasetDict, which split to read (None: the only one, or ``train``)."""
    content_field: str = "content"
    """Column holding the code text."""
    path_field: str | None = "path"
    """Column holding the original file path, kept as provenance (None: use ``row:<index>``)."""


@dataclass
class UnifiedSourceConfig(SourceSettings):
    """Unified-function JSONL (paper's released raw schema, optional ``inputgen``)."""

    _target_: str = "codeio.sources.unified.UnifiedSource"
    path: str = "???"
    """A JSONL file, a directory or a glob."""
    name: str = "unified"
    """Corpus name written into every row's ``source`` (per-source sampler settings key on it)."""


@dataclass
class ReasoningGymSourceConfig(SourceSettings):
    """reasoning-gym CodeI/O files (gzipped JSON array or JSONL with ``generate_inputs(rng)``)."""

    _target_: str = "codeio.sources.reasoning_gym.ReasoningGymSource"
    path: str | None = None
    """A file or glob; None = the copies inside the installed ``reasoning-gym`` package."""
    name: str = "reasoning_gym"
    """Corpus name written into each row's ``source`` field (drives per-source sampler settings)."""


@dataclass
class BundledSourceConfig(SourceSettings):
    """The demo corpus shipped inside the package (``codeio/data/bundled``): works offline."""

    _target_: str = "codeio.sources.bundled.BundledSource"
    form: str = "unified"
    """``unified``: functions with input generators, no LLM needed. ``raw``: the raw files, for the
    LLM transform."""
    name: str = "bundled"
    """Corpus name written into each row's ``source`` field (drives per-source sampler settings)."""
    limit: int | None = None
    """Take only the first N items (tiny runs and tests)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.form not in ("unified", "raw"):
            raise ValueError(f"source.form must be 'unified' or 'raw', got {self.form!r}")


@dataclass
class CollectConfig:
    """Filters every source goes through in the ``collect`` stage."""

    min_bytes: int = 1
    """Smaller items are rejected as ``empty``."""
    max_bytes: int = 200_000
    """Larger items are rejected as ``oversized`` (paper corpora are files of a few KB)."""
    near_dedup: bool = True
    """Besides exact duplicates, drop files equal after removing comments, docstrings and blank
    lines/trailing spaces (the copies that differ only in headers or formatting)."""
    limit: int | None = None
    """Keep only the first N accepted rows (quick looks at a big corpus)."""


SCHEMAS = {
    "source": {
        "jsonl_schema": JsonlSourceConfig,
        "directory_schema": DirectorySourceConfig,
        "hf_schema": HFSourceConfig,
        "bundled_schema": BundledSourceConfig,
        "unified_schema": UnifiedSourceConfig,
        "reasoning_gym_schema": ReasoningGymSourceConfig,
    }
}
