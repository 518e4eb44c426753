"""The ``evaluate`` stage's work: score checkpoints on the configured benchmarks, write the results table.

For each checkpoint, the benchmarks scored here (CRUXEval-I/-O, LeetCode-O, BBH-ZH, ZebraLogic,
KorBench, LiveBench, the CodeI/O hold-out) are generated with one loaded model (``generation.py``:
vLLM on a GPU, transformers otherwise; greedy; the chat template; every generation cached per
checkpoint, benchmark and prompt so a killed run resumes) unless a generations/predictions file is
configured, then scored locally (programs run only in the executor); the general benchmarks go through
lm-evaluation-harness. Output, under ``out_dir``:

- ``results.json`` / ``results.md``: Table 1's layout, one row per checkpoint (plus the paper's row for
  the same base model when ``paper_row`` names one);
- ``details/<checkpoint>.json``: every benchmark's full metrics, replies and per-item verdicts, and where
  and how generation ran.

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

from codeio.eval.config import LM_EVAL_BENCHMARKS, PROMPTED_BENCHMARKS, EvalConfig
from codeio.eval.paper_table1 import paper_row
from codeio.eval.tables import make_row, make_table, write_table

log = logging.getLogger(__name__)


def to_eval_config(cfg: Any) -> EvalConfig:
    """An ``EvalConfig`` from a dataclass, a dict or a DictConfig (validated, defaults filled in;
    interpolations such as ``${model.name}`` resolved against the config the node belongs to)."""
    if isinstance(cfg, EvalConfig):
        return cfg
    from omegaconf import DictConfig, OmegaConf

    if isinstance(cfg, DictConfig):
        cfg = OmegaConf.to_container(cfg, resolve=True)
    merged = OmegaConf.merge(OmegaConf.structured(EvalConfig), cfg if cfg is not None else {})
    return OmegaConf.to_object(merged)  # runs every __post_init__


class _LazyGenerator:
    """Loads the checkpoint's generator on first use, so benchmarks scored from files load no model."""

    def __init__(self, evaluator: Evaluator, name: str, path: Path | str | None, cache_dir: Path | None):
        self.evaluator, self.name, self.path, self.cache_dir = evaluator, name, path, cache_dir
        self.generator: Any = None

    def get(self) -> Any:
        if self.generator is None:
            if self.path is None:
                raise ValueError(f"checkpoint {self.name!r} has no path: cannot generate")
            self.generator = self.evaluator.make_generator(self.path, self.cache_dir)
        return self.generator

    def close(self) -> None:
        if self.generator is not None:
            self.generator.close()


class Evaluator:
    """Runs ``EvalConfig`` (the ``_target_`` of the ``eval`` group); see ``run_evaluation``."""

    def __init__(self, cfg: EvalConfig) -> None:
        self.cfg = to_eval_config(cfg)

    def make_generator(self, path: Path | str, cache_dir: Path | None) -> Any:
        """The checkpoint's generator (tests replace this to answer without a model)."""
        from codeio.eval.generation import CheckpointGenerator

        return CheckpointGenerator(self.cfg.generation, path, cache_dir=cache_dir)

    # ------------------------------------------------------------------------------------------------
    def run(
        self,
        checkpoints: Sequence[tuple[str, Path | str | None]],
        executor: Any,
        out_dir: Path | str,
        holdout_tasks: list[dict] | None = None,
        cache_dir: Path | str | None = None,
    ) -> dict[str, Any]:
        out = Path(out_dir)
        (out / "details").mkdir(parents=True, exist_ok=True)
        cache = Path(cache_dir) if cache_dir is not None else (
            Path(self.cfg.generation.cache_dir) if self.cfg.generation.cache_dir else None)
        rows = []
        for name, path in checkpoints:
            started = time.monotonic()
            scores, details, errors = self._evaluate_checkpoint(name, path, executor, holdout_tasks, cache)
            detail_path = out / "details" / f"{_safe_name(name)}.json"
            detail_path.write_text(json.dumps(details, ensure_ascii=False, default=str), encoding="utf-8")
            rows.append(make_row(name, scores, path=str(path) if path else None, errors=errors,
                                 details=str(detail_path.relative_to(out)),
                                 seconds=round(time.monotonic() - started, 2)))
        paper = paper_row(self.cfg.paper_row)
        if self.cfg.paper_row and paper is None:
            log.info("eval.paper_row=%s is not a row of the paper's Table 1: none shown", self.cfg.paper_row)
        table = make_table(rows, self.cfg.benchmarks, paper_rows=[paper] if paper else [],
                           config=dataclasses.asdict(self.cfg))
        json_path, md_path = write_table(table, out)
        table["files"] = {"json": str(json_path), "markdown": str(md_path)}
        return table

    # ------------------------------------------------------------------------------------------------
    def _evaluate_checkpoint(self, name, path, executor, holdout_tasks, cache_dir):
        cfg = self.cfg
        scores: dict[str, float | None] = {}
        details: dict[str, Any] = {"checkpoint": name, "path": str(path) if path else None}
        errors: dict[str, str] = {}
        generator = _LazyGenerator(self, name, path, cache_dir)
        try:
            for bench in [b for b in cfg.benchmarks if b not in LM_EVAL_BENCHMARKS]:
                try:
                    score, detail = self._run_local(bench, generator, executor, holdout_tasks)
                except Exception as exc:  # noqa: BLE001 - recorded on the row, the other benchmarks go on
                    log.exception("benchmark %s failed for %s", bench, name)
                    score, detail = None, {"error": f"{type(exc).__name__}: {exc}"}
                    errors[bench] = detail["error"]
                scores[bench] = score
                details[bench] = detail
            if generator.generator is not None:
                details["generation"] = generator.generator.stats()
        finally:
            generator.close()
        general = [b for b in cfg.benchmarks if b in LM_EVAL_BENCHMARKS]
        if general:
            results = self._run_lm_eval(path, general, cache_dir if cfg.generation.cache else None)
            for bench in general:
                r = results.get(bench, {"score": None, "error": "not run"})
                scores[bench] = r.get("score")
                details[bench] = r
                if r.get("error"):
                    errors[bench] = r["error"]
        return scores, details, errors

    def _params(self, n: int | None = None):
        from codeio.teachers.base import SamplingParams

        g = self.cfg.generation
        return SamplingParams(temperature=g.temperature, top_p=g.top_p, max_tokens=g.max_new_tokens,
                              n=n or g.samples, seed=g.seed)

    def _messages(self, messages: list[dict[str, str]]) -> list[dict[str, str]]:
        system = self.cfg.generation.system
        return ([{"role": "system", "content": system}] if system else []) + list(messages)

    def _generate(self, generator: _LazyGenerator, bench: str, conversations: list[list[dict[str, str]]],
                  n: int = 1) -> list[list[Any]]:
        from codeio.teachers.base import ChatRequest

        requests = [ChatRequest(messages=self._messages(m)) for m in conversations]
        return generator.get().generate(bench, requests, self._params(n=n))

    # ------------------------------------------------------------------------------------------------
    def _run_local(self, bench, generator, executor, holdout_tasks):
        if bench in ("cruxeval_o", "cruxeval_i"):
            return self._run_cruxeval("output" if bench == "cruxeval_o" else "input", generator, executor)
        if bench == "leetcode_o":
            return self._run_leetcode(generator)
        if bench == "codeio_holdout":
            return self._run_holdout(generator, executor, holdout_tasks)
        if bench in PROMPTED_BENCHMARKS:
            return self._run_prompted(bench, generator)
        raise ValueError(f"no local implementation for benchmark {bench!r}")

    def _run_prompted(self, bench, generator):
        from codeio.eval.benchmarks import build

        benchmark = build(bench, getattr(self.cfg, bench))
        items, rejected = benchmark.load()
        if not items:
            raise ValueError(f"{bench}: no usable items in eval.{bench}.data_path (rejected: {rejected})")
        outs = self._generate(generator, bench, [benchmark.messages(item) for item in items])
        replies = [gens[0].text if gens else None for gens in outs]
        result = benchmark.score(items, replies)
        result["rejected"] = rejected
        result["finish_reasons"] = _count(g[0].finish_reason for g in outs if g)
        for verdict, reply in zip(result["verdicts"], replies, strict=True):
            verdict["reply"] = reply
        return result["score"], result

    def _run_cruxeval(self, mode, generator, executor):
        from codeio.eval import cruxeval as cx

        c = self.cfg.cruxeval
        tasks = cx.load_cruxeval(c.data_path, limit=c.limit)
        given = c.generations_output if mode == "output" else c.generations_input
        responses = None
        if given:
            generations = cx.read_generations(given)
            generations = {t.id: generations[t.id] for t in tasks if t.id in generations}
        else:
            prompts = [[{"role": "user", "content": cx.make_prompt(t, mode, c.prompt_style, c.shots)}] for t in tasks]
            outs = self._generate(generator, f"cruxeval_{mode}", prompts, n=self.cfg.generation.samples)
            responses = {t.id: [g.text for g in gens] for t, gens in zip(tasks, outs, strict=True)}
            generations = {tid: [cx.extract_answer(text, mode) for text in texts] for tid, texts in responses.items()}
        result = cx.score_generations(tasks, generations, mode, executor, timeout=c.timeout, check=c.check)
        summary = result.summary()
        detail = {"summary": summary, "results": [dataclasses.asdict(r) for r in result.results]}
        if responses is not None:
            detail["responses"] = responses
        return summary.get(self.cfg.cruxeval_metric), detail

    def _run_leetcode(self, generator):
        from codeio.eval import leetcode_o as lc

        c = self.cfg.leetcode_o
        if not c.data_path:
            raise ValueError("eval.leetcode_o.data_path is not set")
        cases, rejected = lc.load_leetcode_o(c.data_path, limit=c.limit)
        if c.use_existing_outputs:
            replies = [case.output for case in cases]
        else:
            outs = self._generate(generator, "leetcode_o", [case.messages for case in cases])
            replies = [gens[0].text if gens else None for gens in outs]
        metrics = lc.score_cases(cases, replies)
        metrics["rejected"] = rejected
        q = metrics.get("Overall_Question_Acc")
        return (None if q is None else 100.0 * q), {"metrics": metrics, "replies": replies}

    def _run_holdout(self, generator, executor, holdout_tasks):
        from codeio.eval.holdout import score_holdout
        from codeio.verify.verifier import Verifier

        if not holdout_tasks:
            return None, {"error": None, "note": "no held-out tasks were given"}
        h = self.cfg.holdout
        result = score_holdout(_BenchmarkTeacher(generator, "codeio_holdout"), holdout_tasks, executor,
                               params=self._params(n=1), verifier=Verifier(timeout=h.timeout), limit=h.limit,
                               system=self.cfg.generation.system)
        return result.get("accuracy"), result

    def _run_lm_eval(self, path, benchmarks, cache_dir):
        from codeio.eval.lm_eval_bridge import run_lm_eval

        if path is None:
            return {b: {"score": None, "error": "checkpoint has no path"} for b in benchmarks}
        c = self.cfg.lm_eval
        try:
            return run_lm_eval(
                str(path), benchmarks, backend=c.backend, tasks=c.tasks, num_fewshot=c.num_fewshot,
                dataset_paths=c.dataset_paths, include_path=c.include_path, limit=c.limit,
                batch_size=c.batch_size, device=c.device, model_args=c.model_args,
                apply_chat_template=c.apply_chat_template, fewshot_as_multiturn=c.fewshot_as_multiturn,
                multiple_choice=c.multiple_choice, max_gen_toks=c.max_gen_toks, cache_dir=cache_dir,
            )
        except Exception as exc:  # noqa: BLE001 - e.g. the optional extra is missing
            log.exception("lm-eval failed")
            return {b: {"score": None, "error": f"{type(exc).__name__}: {exc}"} for b in benchmarks}


class _BenchmarkTeacher:
    """The checkpoint generator seen as a plain teacher for one benchmark (the hold-out scorer takes a
    teacher)."""

    def __init__(self, generator: _LazyGenerator, benchmark: str) -> None:
        self.generator, self.benchmark = generator, benchmark

    def generate(self, requests, params):
        return self.generator.get().generate(self.benchmark, list(requests), params)


def _count(values) -> dict[str, int]:
    counts: dict[str, int] = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    return counts


def _safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_") or "checkpoint"


def run_evaluation(
    eval_cfg: Any,
    checkpoints: list[tuple[str, Path]],
    executor: Any,
    out_dir: Path,
    holdout_tasks: list[dict] | None = None,
    cache_dir: Path | str | None = None,
) -> dict:
    """Evaluate ``checkpoints`` (``(name, checkpoint dir)`` pairs; a None dir is allowed when every
    configured benchmark scores given generations) on ``eval_cfg.benchmarks``; write
    ``out_dir/results.{json,md}`` and per-checkpoint details; return the table (with ``files``).
    ``cache_dir`` holds the generation cache (``eval.generation.cache_dir`` wins when set)."""
    cfg = to_eval_config(eval_cfg)
    if cfg.generation.cache_dir:
        cache_dir = cfg.generation.cache_dir
    return Evaluator(cfg).run(checkpoints, executor, out_dir, holdout_tasks, cache_dir=cache_dir)
