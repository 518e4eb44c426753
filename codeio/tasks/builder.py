"""Turn I/O pairs into prediction tasks (PAPER.md step 4): one prompt per pair and direction.

Output prediction shows the input and asks for the output; input prediction shows the output and asks
for an input. The wording comes from a template file (bundled: ``codeio/templates/prompts/<name>.yaml``;
yours: ``prompt.template_file``), so the paper's exact text can be loaded for a faithful reproduction.
"""

from __future__ import annotations

import json
import numbers
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from codeio.records import Task, stable_id
from codeio.tasks.config import TEMPLATES_DIR, PromptConfig

PLACEHOLDERS = ("query", "io_description", "given", "refcode", "funcname")
_PLACEHOLDER = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")
_ROW_FIELD = {"query": "problem_description", "io_description": "io_requirements", "refcode": "refcode"}

# Rejection reasons (the Counter returned by ``process``).
BAD_ROW = "bad_pair_row"  # not a mapping, or a required field is missing / not text
BAD_JSON = "bad_pair_json"  # input_json is not a JSON object, or output_json is not JSON
OVER_CAP = "over_pairs_per_function"  # pair_index >= prompt.pairs_per_function
MISSING_QUERY = "missing_query"  # the template shows the query but the pair has none
MISSING_IO_DESCRIPTION = "missing_io_description"
_REQUIRED = ("pair_id", "function_id", "refcode", "input_json", "output_json")


AUTHORS_PLACEHOLDERS = {"<<<<query>>>>": "{query}", "<<<<io_req>>>>": "{io_description}",
                        "<<<<input>>>>": "{given}", "<<<<output>>>>": "{given}", "<<<<refcode>>>>": "{refcode}"}
"""The authors' placeholders (hkust-nlp/CodeIO's prompt templates) and ours: their template texts can be
pasted into a template file unchanged (the output-prediction text shows ``<<<<input>>>>``, the
input-prediction text ``<<<<output>>>>``; each is the given side)."""


def from_authors_syntax(text: str) -> str:
    for theirs, ours in AUTHORS_PLACEHOLDERS.items():
        text = text.replace(theirs, ours)
    return text


def load_templates(name: str, template_file: str | None = None) -> dict[str, str | None]:
    """The ``output``, ``input`` and ``system`` templates of a format; ValueError names what is wrong.
    Placeholders may be ours (``{given}``) or the authors' (``<<<<input>>>>``)."""
    path = Path(template_file).expanduser() if template_file else TEMPLATES_DIR / f"{name}.yaml"
    try:
        data = yaml.safe_load(path.read_text("utf-8"))
    except OSError as exc:
        raise ValueError(f"prompt template file {path} cannot be read: {exc}") from exc
    except yaml.YAMLError as exc:
        raise ValueError(f"prompt template file {path} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ValueError(f"prompt template file {path} must be a mapping with keys output and input")
    unknown = set(data) - {"output", "input", "system"}
    if unknown:
        raise ValueError(f"prompt template file {path}: unknown keys {sorted(unknown)} (known: output, input, system)")
    for kind in ("output", "input"):
        if isinstance(data.get(kind), str):
            data[kind] = from_authors_syntax(data[kind])
        text = data.get(kind)
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"prompt template file {path}: key {kind!r} must hold the {kind}-prediction prompt")
        if "{given}" not in text:
            raise ValueError(f"prompt template file {path}: the {kind!r} template must contain {{given}}")
    system = data.get("system")
    if system is not None and not isinstance(system, str):
        raise ValueError(f"prompt template file {path}: 'system' must be text")
    return {"output": data["output"], "input": data["input"], "system": system}


def render(template: str, values: Mapping[str, str]) -> str:
    """Fill the known ``{placeholders}`` in one pass (inserted text is never re-scanned)."""
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], template)


def show_json(value: Any) -> str:
    """A JSON value as shown in prompts: JSON text with spaces after separators, non-ASCII kept."""
    return json.dumps(value, ensure_ascii=False)


def show_python(value: Any) -> str:
    """A JSON value as the paper's prompts show it: Python's ``str()`` of the decoded value (single
    quotes, ``True``/``None``, a top-level string without quotes)."""
    return str(value)


GIVEN_WRITERS = {"json": show_json, "python": show_python}


def draws_input(pair_id: str, seed: int, input_ratio: float) -> bool:
    """Reproducible per-pair coin: True with probability ``input_ratio`` (hash of pair id and seed)."""
    draw = int(stable_id("prompt-mix", pair_id, seed), 16) / float(16**16)
    return draw < input_ratio


class TaskBuilder:
    """Builds ``records.Task`` rows from ``records.IOPair`` rows; the settings are ``PromptConfig``'s."""

    def __init__(self, cfg: PromptConfig) -> None:
        self.config = cfg
        self.templates = load_templates(cfg.name, cfg.template_file)
        self.system = cfg.system if cfg.system is not None else self.templates["system"]
        self._uses = {
            kind: set(_PLACEHOLDER.findall(self.templates[kind]))  # type: ignore[arg-type]
            for kind in ("output", "input")
        }

    def kinds_for(self, pair_id: str) -> tuple[str, ...]:
        mix = self.config.mix
        if mix == "both":
            return ("output", "input")
        if mix == "ratio":
            return ("input",) if draws_input(pair_id, self.config.seed, self.config.input_ratio) else ("output",)
        return (mix,)

    def process(self, pairs: Iterable[Mapping[str, Any]]) -> tuple[list[dict[str, Any]], Counter]:
        """Tasks (as ``Task`` row dicts, pair by pair, output before input) and rejections by reason."""
        tasks: list[dict[str, Any]] = []
        rejected: Counter = Counter()
        cap = self.config.pairs_per_function
        for pair in pairs:
            reason = self._check(pair)
            if reason:
                rejected[reason] += 1
                continue
            if cap and int(pair.get("pair_index") or 0) >= cap:
                rejected[OVER_CAP] += 1
                continue
            try:
                kwargs = json.loads(pair["input_json"])
                output = json.loads(pair["output_json"])
            except (ValueError, RecursionError):
                rejected[BAD_JSON] += 1
                continue
            if not isinstance(kwargs, dict):
                rejected[BAD_JSON] += 1
                continue
            for kind in self.kinds_for(pair["pair_id"]):
                task, reason = self._task(pair, kind, kwargs, output)
                if task is None:
                    rejected[reason] += 1
                else:
                    tasks.append(task)
        return tasks, rejected

    def build_prompt(self, pair: Mapping[str, Any], kind: str) -> str:
        """The prompt of one pair and kind (``output`` or ``input``); raises on a bad pair."""
        task, reason = self._task(pair, kind, json.loads(pair["input_json"]), json.loads(pair["output_json"]))
        if task is None:
            raise ValueError(reason)
        return task["prompt"]

    # ---------------------------------------------------------------------------------------------
    @staticmethod
    def _check(pair: Any) -> str | None:
        if not isinstance(pair, Mapping):
            return BAD_ROW
        for key in _REQUIRED:
            if not isinstance(pair.get(key), str) or not pair.get(key):
                return BAD_ROW
        index = pair.get("pair_index", 0)
        if index is not None and (isinstance(index, bool) or not isinstance(index, numbers.Integral)):
            return BAD_ROW
        return None

    def _task(
        self, pair: Mapping[str, Any], kind: str, kwargs: dict, output: Any
    ) -> tuple[dict[str, Any] | None, str]:
        uses = self._uses[kind]
        query = pair.get("problem_description") or ""
        io_description = pair.get("io_requirements") or ""
        if "query" in uses and not str(query).strip():
            return None, MISSING_QUERY
        if "io_description" in uses and not str(io_description).strip():
            return None, MISSING_IO_DESCRIPTION
        funcname = pair.get("funcname") or "main_solution"
        values = {
            "query": str(query).strip(),
            "io_description": str(io_description).strip(),
            "refcode": str(pair["refcode"]).strip("\n"),
            "funcname": str(funcname),
            "given": GIVEN_WRITERS[self.config.given_format](kwargs if kind == "output" else output),
        }
        prompt = render(self.templates[kind], values)  # type: ignore[arg-type]
        name = self.config.name
        task = Task(
            task_id=Task.make_id(pair["pair_id"], kind, name),
            pair_id=pair["pair_id"],
            function_id=pair["function_id"],
            raw_id=str(pair.get("raw_id") or ""),
            source=str(pair.get("source") or "unknown"),
            kind=kind,
            prompt=prompt,
            refcode=pair["refcode"],
            funcname=str(funcname),
            input_json=pair["input_json"],
            output_json=pair["output_json"],
            prompt_format=name,
            system=self.system,
            problem_description=str(query),
            io_requirements=str(io_description),
        )
        return task.to_row(), ""
