"""The ``evaluate`` stage's work: score checkpoints on the configured benchmarks, write the results table.

For each checkpoint: CRUXEval-I/-O, LeetCode-O and the CodeI/O hold-out are generated with the
checkpoint through the ``hf`` teacher (greedy by default) unless a generations/predictions file is
configured, then scored locally (programs run only in the executor); the general benchmarks go through
lm-evaluation-harness. Output, under ``out_dir``:

- ``results.json`` / ``results.md``: one row per checkpoint, one column per benchmark, plus the average;
- ``details/<checkpoint>.json``: every benchmark's full metrics, generations and per-sample verdicts.

A benchmark that fails for one checkpoint (missing data, harness error) gets no score and an ``errors``
entry on its row; the other benchmarks still run.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from codeio.eval.config import (
    LM_EVAL_BENCHMARKS,
    CruxEvalConfig,
    EvalConfig,
    GenerationConfig,
    HoldoutConfig,
    LeetCodeOConfig,
    LmEvalConfig,
)
from codeio.eval.tables import make_row, make_table, write_table

log = logging.getLogger(__name__)


def to_eval_config(cfg: Any) -> EvalConfig:
    """An ``EvalConfig`` from a dataclass, a dict or a DictConfig (validated, defaults filled in)."""
    if isinstance(cfg, EvalConfig):
        return cfg
    from omegaconf import OmegaConf

    merged = OmegaConf.merge(OmegaConf.structured(EvalConfig), cfg if cfg is not None else {})
    return OmegaConf.to_object(merged)  # runs every __post_init__


class Evaluator:
    """Runs ``EvalConfig`` (``_target_`` of the ``eval`` group); see ``run_evaluation``."""

    def __init__(
        self,
        benchmarks: Sequence[str],
        generation: GenerationConfig | dict | None = None,
        cruxeval: CruxEvalConfig | dict | None = None,
        leetcode_o: LeetCodeOConfig | dict | None = None,
        holdout: HoldoutConfig | dict | None = None,
        lm_eval: LmEvalConfig | dict | None = None,
        cruxeval_metric: str = "pass@1",
    ) -> None:
        def build(kind, value):
            if value is None or isinstance(value, kind):
                return value or kind()
            if not isinstance(value, dict):  # a DictConfig from hydra.utils.instantiate
                from omegaconf import OmegaConf

                value = OmegaConf.to_container(value, resolve=True)
            return kind(**value)

        self.cfg = EvalConfig(
            benchmarks=[str(b) for b in benchmarks],
            generation=build(GenerationConfig, generation),
            cruxeval=build(CruxEvalConfig, cruxeval),
            leetcode_o=build(LeetCodeOConfig, leetcode_o),
            holdout=build(HoldoutConfig, holdout),
            lm_eval=build(LmEvalConfig, lm_eval),
            cruxeval_metric=cruxeval_metric,
        )

    # ------------------------------------------------------------------------------------------------
    def run(
        self,
        checkpoints: Sequence[tuple[str, Path | str | None]],
        executor: Any,
        out_dir: Path | str,
        holdout_tasks: list[dict] | None = None,
    ) -> dict[str, Any]:
        out = Path(out_dir)
        (out / "details").mkdir(parents=True, exist_ok=True)
        rows = []
        for name, path in checkpoints:
            started = time.monotonic()
            scores, details, errors = self._evaluate_checkpoint(name, path, executor, holdout_tasks)
            detail_path = out / "details" / f"{_safe_name(name)}.json"
            detail_path.write_text(json.dumps(details, ensure_ascii=False, default=str), encoding="utf-8")
            rows.append(make_row(name, scores, path=str(path) if path else None, errors=errors,
                                 details=str(detail_path.relative_to(out)),
                                 seconds=round(time.monotonic() - started, 2)))
        table = make_table(rows, self.cfg.benchmarks, config=dataclasses.asdict(self.cfg))
        json_path, md_path = write_table(table, out)
        table["files"] = {"json": str(json_path), "markdown": str(md_path)}
        return table

    # ------------------------------------------------------------------------------------------------
    def _evaluate_checkpoint(self, name, path, executor, holdout_tasks):
        cfg = self.cfg
        scores: dict[str, float | None] = {}
        details: dict[str, Any] = {"checkpoint": name, "path": str(path) if path else None}
        errors: dict[str, str] = {}
        teacher_box: dict[str, Any] = {}

        def teacher():
            if "teacher" not in teacher_box:
                if path is None:
                    raise ValueError(f"checkpoint {name!r} has no path: cannot generate")
                teacher_box["teacher"] = self._build_teacher(path)
            return teacher_box["teacher"]

        local = [b for b in cfg.benchmarks if b not in LM_EVAL_BENCHMARKS]
        try:
            for bench in local:
                try:
                    score, detail = self._run_local(bench, teacher, executor, holdout_tasks)
                except Exception as exc:  # noqa: BLE001 - recorded on the row, the other benchmarks go on
                    log.exception("benchmark %s failed for %s", bench, name)
                    score, detail = None, {"error": f"{type(exc).__name__}: {exc}"}
                    errors[bench] = detail["error"]
                scores[bench] = score
                details[bench] = detail
        finally:
            if "teacher" in teacher_box:
                teacher_box["teacher"].close()
        general = [b for b in cfg.benchmarks if b in LM_EVAL_BENCHMARKS]
        if general:
            results = self._run_lm_eval(path, general)
            for bench in general:
                r = results.get(bench, {"score": None, "error": "not run"})
                scores[bench] = r.get("score")
                details[bench] = r
                if r.get("error"):
                    errors[bench] = r["error"]
        return scores, details, errors

    def _build_teacher(self, path):
        from codeio.teachers import build_teacher

        g = self.cfg.generation
        teacher, _ = build_teacher({
            "_target_": "codeio.teachers.hf_backend.HFTeacher",
            "model": str(path),
            "device": g.device,
            "dtype": g.dtype,
            "batch_size": g.batch_size,
            "chat_template": g.chat_template,
        })
        return teacher

    def _params(self, n: int | None = None):
        from codeio.teachers.base import SamplingParams

        g = self.cfg.generation
        return SamplingParams(temperature=g.temperature, top_p=g.top_p, max_tokens=g.max_new_tokens,
                              n=n or g.samples, seed=g.seed)

    def _messages(self, user: str) -> list[dict[str, str]]:
        system = self.cfg.generation.system
        return ([{"role": "system", "content": system}] if system else []) + [{"role": "user", "content": user}]

    # ------------------------------------------------------------------------------------------------
    def _run_local(self, bench, teacher, executor, holdout_tasks):
        if bench in ("cruxeval_o", "cruxeval_i"):
            return self._run_cruxeval("output" if bench == "cruxeval_o" else "input", teacher, executor)
        if bench == "leetcode_o":
            return self._run_leetcode(teacher)
        if bench == "codeio_holdout":
            return self._run_holdout(teacher, executor, holdout_tasks)
        raise ValueError(f"no local implementation for benchmark {bench!r}")

    def _run_cruxeval(self, mode, teacher, executor):
        from codeio.eval import cruxeval as cx
        from codeio.teachers.base import ChatRequest

        c = self.cfg.cruxeval
        tasks = cx.load_cruxeval(c.data_path, limit=c.limit)
        given = c.generations_output if mode == "output" else c.generations_input
        responses = None
        if given:
            generations = cx.read_generations(given)
            generations = {t.id: generations[t.id] for t in tasks if t.id in generations}
        else:
            requests = [ChatRequest(messages=self._messages(cx.make_prompt(t, mode, c.prompt_style))) for t in tasks]
            outs = teacher().generate(requests, self._params())
            responses = {t.id: [g.text for g in gens] for t, gens in zip(tasks, outs, strict=True)}
            generations = {tid: [cx.extract_answer(text, mode) for text in texts] for tid, texts in responses.items()}
        result = cx.score_generations(tasks, generations, mode, executor, timeout=c.timeout, check=c.check)
        summary = result.summary()
        detail = {"summary": summary, "results": [dataclasses.asdict(r) for r in result.results]}
        if responses is not None:
            detail["responses"] = responses
        return summary.get(self.cfg.cruxeval_metric), detail

    def _run_leetcode(self, teacher):
        from codeio.eval import leetcode_o as lc
        from codeio.teachers.base import ChatRequest

        c = self.cfg.leetcode_o
        if not c.data_path:
            raise ValueError("eval.leetcode_o.data_path is not set")
        cases, rejected = lc.load_leetcode_o(c.data_path, limit=c.limit)
        if c.use_existing_outputs:
            replies = [case.output for case in cases]
        else:
            requests = [ChatRequest(messages=case.messages) for case in cases]
            outs = teacher().generate(requests, self._params(n=1))
            replies = [gens[0].text if gens else None for gens in outs]
        metrics = lc.score_cases(cases, replies)
        metrics["rejected"] = rejected
        q = metrics.get("Overall_Question_Acc")
        return (None if q is None else 100.0 * q), {"metrics": metrics, "replies": replies}

    def _run_holdout(self, teacher, executor, holdout_tasks):
        from codeio.eval.holdout import score_holdout
        from codeio.verify.verifier import Verifier

        if not holdout_tasks:
            return None, {"error": None, "note": "no held-out tasks were given"}
        h = self.cfg.holdout
        result = score_holdout(teacher(), holdout_tasks, executor, params=self._params(n=1),
                               verifier=Verifier(timeout=h.timeout), limit=h.limit,
                               system=self.cfg.generation.system)
        return result.get("accuracy"), result

    def _run_lm_eval(self, path, benchmarks):
        from codeio.eval.lm_eval_bridge import run_lm_eval

        if path is None:
            return {b: {"score": None, "error": "checkpoint has no path"} for b in benchmarks}
        c = self.cfg.lm_eval
        try:
            return run_lm_eval(
                str(path), benchmarks, backend=c.backend, tasks=c.tasks, num_fewshot=c.num_fewshot,
                dataset_paths=c.dataset_paths, include_path=c.include_path, limit=c.limit,
                batch_size=c.batch_size, device=c.device, model_args=c.model_args,
                apply_chat_template=c.apply_chat_template,
            )
        except Exception as exc:  # noqa: BLE001 - e.g. the optional extra is missing
            log.exception("lm-eval failed")
            return {b: {"score": None, "error": f"{type(exc).__name__}: {exc}"} for b in benchmarks}


def _safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_") or "checkpoint"


def run_evaluation(
    eval_cfg: Any,
    checkpoints: list[tuple[str, Path]],
    executor: Any,
    out_dir: Path,
    holdout_tasks: list[dict] | None = None,
) -> dict:
    """Evaluate ``checkpoints`` (``(name, checkpoint dir)`` pairs; a None dir is allowed when every
    configured benchmark scores given generations) on ``eval_cfg.benchmarks``; write
    ``out_dir/results.{json,md}`` and per-checkpoint details; return the table (with ``files``)."""
    cfg = to_eval_config(eval_cfg)
    fields = {f.name: getattr(cfg, f.name) for f in dataclasses.fields(cfg) if f.name != "_target_"}
    return Evaluator(**fields).run(checkpoints, executor, out_dir, holdout_tasks)
