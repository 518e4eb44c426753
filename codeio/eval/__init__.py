"""Evaluation on the 14 benchmarks of PAPER.md's Table 1: CRUXEval-I/-O, LeetCode-O, BBH-ZH, ZebraLogic,
KorBench and LiveBench scored here (``benchmarks/``), the general benchmarks through
lm-evaluation-harness, plus the held-out CodeI/O tasks; results tables in Table 1's layout per run,
an aggregator for sweeps, and ``python -m codeio.eval`` for checkpoints outside the pipeline.

Entry point of the ``evaluate`` stage: ``run_evaluation(eval_cfg, checkpoints, executor, out_dir,
holdout_tasks)``. Heavy libraries (transformers, lm_eval) are imported only when a benchmark needs them.
"""

from __future__ import annotations

from codeio.eval.runner import Evaluator, run_evaluation, to_eval_config

__all__ = ["Evaluator", "run_evaluation", "to_eval_config"]
