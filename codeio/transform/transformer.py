"""The transform component: raw code rows in, validated and smoke-run ``Function`` rows out."""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from codeio.execution.base import Call, Executor, Job
from codeio.records import Function, UnifiedFunction, dumps
from codeio.teachers.base import ChatRequest, SamplingParams, Teacher
from codeio.transform.checks import prefilter_reason, static_check
from codeio.transform.config import TransformConfig
from codeio.transform.parser import parse_response
from codeio.transform.program import call_seed, program_code
from codeio.transform.prompt import load_template, render

log = logging.getLogger(__name__)

MISSING_MODULE_ERRORS = ("ModuleNotFoundError", "ImportError")


@dataclass
class Candidate:
    """A unified function on its way through the checks."""

    raw: dict[str, Any]
    fn: UnifiedFunction
    imported: bool
    generator: str | None = None
    extra_meta: dict[str, Any] = field(default_factory=dict)


def smoke_failure_reason(status: str, error: str | None) -> str:
    if status == "exception" and error and error.split(":")[0].strip() in MISSING_MODULE_ERRORS:
        return "smoke_missing_module"
    return f"smoke_{status}"


class Transformer:
    """Raw code rows in, ``Function`` rows out; the settings are ``TransformConfig``'s."""

    def __init__(self, cfg: TransformConfig) -> None:
        self.cfg = cfg
        self.funcname = cfg.funcname
        self.template = load_template(cfg.prompt_file)
        self.classifier_template = load_template(cfg.classifier_prompt_file) if cfg.classifier_prompt_file else None
        self.classifier_keep = {label.lower() for label in cfg.classifier_keep}
        self.rejections: list[tuple[str, str, str]] = []
        """``(raw_id, reason, detail)`` of the last ``process`` call, for inspection."""

    # ------------------------------------------------------------------ public
    def process(
        self,
        raws: Sequence[dict[str, Any]],
        executor: Executor,
        teacher: Teacher | None = None,
        sampling: SamplingParams | None = None,
    ) -> tuple[list[dict[str, Any]], Counter]:
        """Transform ``RawCode`` rows into ``Function`` rows; returns ``(rows, rejections by reason)``."""
        counts: Counter = Counter()
        self.rejections = []
        candidates: list[Candidate] = []
        to_rewrite: list[dict[str, Any]] = []
        for raw in raws:
            if raw.get("unified_json"):
                cand = self._imported_candidate(raw, counts)
                if cand is not None:
                    candidates.append(cand)
                continue
            reason = prefilter_reason(raw.get("content") or "", self.cfg.min_chars, self.cfg.max_chars,
                                      self.cfg.require_python, self.cfg.require_function)
            if reason:
                self._reject(counts, raw, reason)
            else:
                to_rewrite.append(raw)
        if to_rewrite:
            if teacher is None:
                raise ValueError(f"{len(to_rewrite)} raw code rows need an LLM rewrite but no teacher is configured")
            if self.classifier_template:
                to_rewrite = self._classify(to_rewrite, teacher, sampling, counts)
            candidates.extend(self._rewrite(to_rewrite, teacher, sampling, counts))
        checked = [c for c in candidates if self._static_ok(c, counts)]
        return self._smoke(checked, executor, counts), counts

    # ------------------------------------------------------------------ steps
    def _reject(self, counts: Counter, raw: dict[str, Any], reason: str, detail: str = "") -> None:
        counts[reason] += 1
        self.rejections.append((raw.get("raw_id", "?"), reason, detail))

    def _imported_candidate(self, raw: dict[str, Any], counts: Counter) -> Candidate | None:
        try:
            record = json.loads(raw["unified_json"])
            fn = UnifiedFunction(**record) if isinstance(record, dict) else None
        except (TypeError, ValueError) as exc:
            self._reject(counts, raw, "bad_unified_json", str(exc)[:200])
            return None
        if fn is None or not isinstance(fn.refcode, str) or not isinstance(fn.funcname, str):
            self._reject(counts, raw, "bad_unified_json", "not a unified-function object")
            return None
        if not fn.inputgen and not fn.ios:
            self._reject(counts, raw, "no_inputs", "neither a generator nor recorded ios")
            return None
        return Candidate(raw, fn, imported=True)

    def _chat(self, prompt: str) -> ChatRequest:
        messages = [{"role": "system", "content": self.cfg.system_prompt}] if self.cfg.system_prompt else []
        messages.append({"role": "user", "content": prompt})
        return ChatRequest(messages=messages)

    def _ask(self, prompts: list[str], teacher: Teacher, sampling: SamplingParams | None):
        params = sampling or SamplingParams()
        if params.n != 1:
            params = SamplingParams(**{**params.__dict__, "n": 1})
        return teacher.generate([self._chat(p) for p in prompts], params)

    def _classify(self, raws: list[dict[str, Any]], teacher: Teacher, sampling: SamplingParams | None,
                  counts: Counter) -> list[dict[str, Any]]:
        """The optional LLM difficulty/topic classifier: keep files whose label is in ``classifier_keep``."""
        assert self.classifier_template is not None
        answers = self._ask([render(self.classifier_template, r["content"], self.funcname) for r in raws],
                            teacher, sampling)
        kept = []
        for raw, gens in zip(raws, answers, strict=False):
            gen = gens[0] if gens else None
            if gen is None or not gen.ok:
                self._reject(counts, raw, "classifier_no_answer", getattr(gen, "error", "") or "")
                continue
            words = gen.text.strip().strip(".*`'\"").split()
            label = words[-1].strip(".*`'\"").lower() if words else ""
            if label in self.classifier_keep:
                kept.append(raw)
            else:
                self._reject(counts, raw, "classifier_rejected", label[:50])
        return kept

    def _rewrite(self, raws: list[dict[str, Any]], teacher: Teacher, sampling: SamplingParams | None,
                 counts: Counter) -> list[Candidate]:
        answers = self._ask([render(self.template, r["content"], self.funcname) for r in raws], teacher, sampling)
        out = []
        for raw, gens in zip(raws, answers, strict=False):
            gen = gens[0] if gens else None
            if gen is None or gen.text is None or gen.finish_reason == "error":
                self._reject(counts, raw, "teacher_error", (gen.error or "") if gen else "no generation")
                continue
            if gen.truncated:
                self._reject(counts, raw, "teacher_truncated")
                continue
            if len(gen.text) > self.cfg.max_response_chars:
                self._reject(counts, raw, "response_too_long", str(len(gen.text)))
                continue
            parsed = parse_response(gen.text, self.funcname)
            if parsed.error:
                self._reject(counts, raw, "parse_" + parsed.error, parsed.detail)
                continue
            fn = UnifiedFunction(
                problem_description=parsed.problem_description or "",
                io_requirements=parsed.io_requirements or "",
                refcode=parsed.refcode or "",
                funcname=self.funcname,
                inputgen=parsed.inputgen,
                source=raw.get("source", "unknown"),
            )
            out.append(Candidate(raw, fn, imported=False, extra_meta={"teacher_model": gen.model}))
        return out

    def _static_ok(self, cand: Candidate, counts: Counter) -> bool:
        fn = cand.fn
        deny = not cand.imported or self.cfg.check_imported
        reason, detail, generator = static_check(
            fn.refcode, fn.funcname, fn.inputgen,
            self.cfg.deny_imports if deny else (), self.cfg.deny_calls if deny else (),
            require_generator=not cand.imported,
        )
        if reason:
            self._reject(counts, cand.raw, reason, detail)
            return False
        cand.generator = generator
        return True

    def _smoke(self, cands: list[Candidate], executor: Executor, counts: Counter) -> list[dict[str, Any]]:
        """Generator once, entry on its output (or on the first recorded input); the value must be JSON."""
        jobs, ids = [], []
        for cand in cands:
            fn = cand.fn
            function_id = Function.make_id(fn.refcode, fn.funcname, fn.inputgen)
            ids.append(function_id)
            if cand.generator:
                call = Call(generate=True, seed=call_seed(self.cfg.seed, function_id, "smoke"))
            else:
                call = Call(kwargs_json=dumps(fn.ios[0]["input"]), seed=call_seed(self.cfg.seed, function_id, "smoke"))
            jobs.append(Job(code=program_code(fn.refcode, fn.inputgen), entry=fn.funcname, calls=[call],
                            generator=cand.generator, timeout=self.cfg.smoke_timeout))
        results = executor.run(jobs) if jobs else []
        rows, seen = [], set()
        for cand, function_id, result in zip(cands, ids, results, strict=False):
            res = result.calls[0] if result.calls else None
            if res is None:
                self._reject(counts, cand.raw, "smoke_no_result")
                continue
            if not res.ok:
                self._reject(counts, cand.raw, smoke_failure_reason(res.status, res.error), res.error or "")
                continue
            if cand.generator and not _is_kwargs_json(res.input_json):
                self._reject(counts, cand.raw, "smoke_generator_not_dict", (res.input_json or "")[:100])
                continue
            if function_id in seen:
                self._reject(counts, cand.raw, "duplicate_function", function_id)
                continue
            seen.add(function_id)
            rows.append(self._function_row(cand, function_id))
        return rows

    def _function_row(self, cand: Candidate, function_id: str) -> dict[str, Any]:
        fn, raw = cand.fn, cand.raw
        try:
            meta = json.loads(raw.get("meta_json") or "{}")
        except ValueError:
            meta = {}
        meta = {**(meta if isinstance(meta, dict) else {}), **(fn.meta or {}), **cand.extra_meta}
        if raw.get("path"):
            meta.setdefault("path", raw["path"])
        return Function(
            function_id=function_id,
            raw_id=raw.get("raw_id", ""),
            source=raw.get("source") or fn.source,
            problem_description=fn.problem_description,
            io_requirements=fn.io_requirements,
            refcode=fn.refcode,
            funcname=fn.funcname,
            inputgen=fn.inputgen,
            inputgen_entry=cand.generator,
            ios_json=dumps(fn.ios or []),
            meta_json=dumps(meta),
        ).to_row()


def _is_kwargs_json(text: str | None) -> bool:
    try:
        return isinstance(json.loads(text or ""), dict)
    except ValueError:
        return False

