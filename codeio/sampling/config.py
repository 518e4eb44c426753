"""Config of the sample stage (group ``sampler``): generator calls -> distinct, checked I/O pairs."""

from __future__ import annotations

from dataclasses import dataclass, field

from codeio.sampling.limits import SIZE_MEASURES


@dataclass
class SamplerConfig:
    """Per function: call the generator, keep distinct pairs within the size limits, check determinism."""

    _target_: str = "codeio.sampling.sampler.Sampler"
    seed: int = 0
    """Base of every call's seed; the same seed gives byte-identical pairs."""
    pairs_per_function: int = 10
    """Distinct pairs to collect per function (paper: 3 CodeMix, 6 PyEdu-R, 10 other)."""
    pairs_per_source: dict[str, int] = field(default_factory=dict)
    """Per-source override of ``pairs_per_function``, keyed by the rows' ``source``
    (e.g. ``{codemix: 3, pyedu_r: 6, other: 10}``)."""
    max_calls: int = 1000
    """Generator calls per function at most (paper demo: 1000)."""
    min_pairs: int = 2
    """Functions with fewer kept pairs are dropped (paper: functions with <= 1 pair)."""
    timeout: float = 5.0
    """Seconds per execution (paper: 5 s)."""
    first_round_calls: int = 3
    """Calls in the first round; later rounds ask for twice the missing pairs, doubling each round."""
    max_round_calls: int = 256
    """Calls per function in one round at most."""
    max_timeouts: int = 2
    """Stop calling a function's generator after this many timeouts (0 = never stop early)."""
    max_failed_calls: int = 50
    """Stop after this many failed calls of any kind (0 = never stop early)."""
    stall_calls: int = 200
    """Stop after this many consecutive calls without a new pair (0 = never stop early)."""
    size_limits: bool = True
    """Apply PAPER.md's size check to inputs and outputs."""
    size_measure: str = "json"
    """What the byte bounds measure: ``pympler`` = the value's recursive memory size
    (``pympler.asizeof``, the paper's rule; presets ``sampler=paper``), ``json`` = its compact JSON text
    (accepts about 17 points more pairs, about 3x larger; see docs/fidelity.md)."""
    max_total_bytes: int = 1024
    """Size check: the whole value must be smaller (bytes, measured by ``size_measure``)."""
    max_items: int = 20
    """Size check: every dict and list must have fewer items."""
    max_str_chars: int = 100
    """Size check: every string must be shorter (characters)."""
    max_scalar_bytes: int = 128
    """Size check: every other scalar must be smaller (bytes, measured by ``size_measure``)."""
    keep_none_outputs: bool = True
    """Keep pairs whose output is ``None``; the paper drops them (counted as ``generated:output_none``)."""
    drop_on_error: bool = False
    """Drop the whole function when its generator or the function raises on any generated call (the
    paper's script dies on the first exception; counted as ``generator_raised`` / ``function_raised``);
    false = skip the failing call and keep sampling."""
    use_recorded: bool = True
    """Re-execute a corpus' recorded ``ios`` and keep the reproducible ones (before generated pairs)."""
    drop_on_recorded_mismatch: bool = True
    """Drop the whole function when a recorded output is not reproduced (sign of hidden state)."""
    check_determinism: bool = True
    """Re-execute every kept pair in a child with another hash seed and random seed; drop functions
    whose output changes."""
    check_generator: bool = True
    """Re-run each function's first generator call in another child; drop functions whose generator
    ignores the seed (then reruns could not reproduce the pairs)."""

    def __post_init__(self) -> None:
        positive = ("pairs_per_function", "max_calls", "first_round_calls", "max_round_calls")
        for name in positive:
            if getattr(self, name) < 1:
                raise ValueError(f"sampler.{name} must be >= 1")
        for name in ("min_pairs", "max_timeouts", "max_failed_calls", "stall_calls", "max_total_bytes",
                     "max_items", "max_str_chars", "max_scalar_bytes"):
            if getattr(self, name) < 0:
                raise ValueError(f"sampler.{name} must be >= 0")
        if self.size_measure not in SIZE_MEASURES:
            raise ValueError(f"sampler.size_measure must be one of {list(SIZE_MEASURES)}, got {self.size_measure!r}")
        if self.timeout <= 0:
            raise ValueError("sampler.timeout must be > 0")
        for source, n in dict(self.pairs_per_source).items():
            if not isinstance(n, int) or n < 1:
                raise ValueError(f"sampler.pairs_per_source.{source} must be an integer >= 1")


def unmatched_source_counts(sampler: SamplerConfig, source) -> str | None:
    """Why ``sampler.pairs_per_source`` cannot work with ``source`` (a source config), or None.

    A source without a per-row corpus field (``source.source_field``) writes its ``name`` into every
    row, so per-source counts for other names never apply: with the paper's preset and a source named
    ``other`` every function silently gets 10 pairs. Unified sources may carry a name per record."""
    from codeio.sources.config import UnifiedSourceConfig

    counts = dict(sampler.pairs_per_source)
    if not counts or getattr(source, "source_field", None) or isinstance(source, UnifiedSourceConfig):
        return None
    name = source.name
    unmatched = sorted(set(counts) - {name})
    if not unmatched:
        return None
    pairs = counts.get(name, sampler.pairs_per_function)
    return (f"sampler.pairs_per_source sets pairs for {sorted(counts)}, but every row of this source is named "
            f"{name!r} (source.name; no source.source_field), so {unmatched} never match and every function "
            f"gets {pairs} pairs. Set source.source_field to the field naming each row's corpus (e.g. "
            f"source.source_field=corpus with values codemix / pyedu_r), or use one count for all: "
            f"sampler=paper_uniform sampler.pairs_per_function=N.")


SCHEMAS = {"sampler": {"default_schema": SamplerConfig}}
