"""Feedback message templates: loading, validation, rendering.

Templates use ``{name}`` placeholders for a fixed set of names; any other text (JSON braces included)
is literal, so the paper's exact messages can be pasted in without escaping. Each message may use only
the names listed for it in ``ALLOWED_FIELDS``: the hidden side of a task is never a field, so a
configured message cannot reveal the answer (an output-prediction feedback never shows the true output).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import yaml

from codeio.verify.extract import NO_ANSWER_REASONS

_BASE = ("answer", "given")
ALLOWED_FIELDS: dict[str, tuple[str, ...]] = {
    "output_success": _BASE,
    "output_mismatch": _BASE,
    "input_success": (*_BASE, "actual"),
    "input_mismatch": (*_BASE, "actual"),
    "input_not_dict": _BASE,
    "input_not_json": _BASE,
    "exception": (*_BASE, "error"),
    "timeout": (*_BASE, "timeout"),
    "memory": _BASE,
    **{f"no_answer_{reason}": ("key", "format", "detail", "given") for reason in NO_ANSWER_REASONS},
}
ALL_FIELDS = frozenset(name for names in ALLOWED_FIELDS.values() for name in names)
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")

TEMPLATES_DIR = Path(__file__).resolve().parents[1] / "templates"
"""Bundled template files (package data ``codeio/templates``)."""
DEFAULT_FEEDBACK_FILE = TEMPLATES_DIR / "feedback.yaml"


def bundled_feedback_file(name: str) -> Path | None:
    """``codeio/templates/feedback_<name>.yaml`` for a bare bundled name (``paper``), else None."""
    if "/" in name or name.endswith((".yaml", ".yml")):
        return None
    path = TEMPLATES_DIR / f"feedback_{name}.yaml"
    return path if path.is_file() else None


def _read_mapping(path: Path | None) -> dict[str, str]:
    path = DEFAULT_FEEDBACK_FILE if path is None else Path(path).expanduser()
    where = str(path)
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise ValueError(f"cannot read feedback templates {where}: {exc}") from exc
    data = yaml.safe_load(text) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{where}: expected a mapping of message name -> text")
    return {str(k): v for k, v in data.items()} | {"__source__": where}


def load_feedback_templates(
    feedback_file: str | None = None, overrides: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Bundled defaults, then ``feedback_file`` (YAML mapping), then ``overrides``; validated.

    Raises ValueError naming the message and the placeholder when a message is unknown, not text, or
    uses a name it may not use.
    """
    templates = _read_mapping(None)
    templates.pop("__source__")
    layers: list[tuple[str, Mapping[str, str]]] = []
    if feedback_file:
        loaded = _read_mapping(bundled_feedback_file(feedback_file) or Path(feedback_file))
        layers.append((loaded.pop("__source__"), loaded))
    if overrides:
        layers.append(("verifier.feedback", dict(overrides)))
    for where, layer in layers:
        for name, text in layer.items():
            if name not in ALLOWED_FIELDS:
                raise ValueError(f"{where}: unknown feedback message {name!r}; known: {sorted(ALLOWED_FIELDS)}")
            if not isinstance(text, str):
                raise ValueError(f"{where}: feedback message {name!r} must be text")
            templates[name] = text
    for name, text in templates.items():
        allowed = ALLOWED_FIELDS.get(name)
        if allowed is None:
            raise ValueError(f"unknown feedback message {name!r} in the bundled templates")
        for field in _PLACEHOLDER.findall(text):
            if field not in allowed:
                raise ValueError(
                    f"feedback message {name!r} uses {{{field}}}; it may use only {list(allowed)}"
                )
    missing = set(ALLOWED_FIELDS) - set(templates)
    if missing:
        raise ValueError(f"feedback messages missing: {sorted(missing)}")
    return templates


def render(template: str, values: Mapping[str, str]) -> str:
    """Replace ``{name}`` for the names in ``values``; leave every other character as written."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)
