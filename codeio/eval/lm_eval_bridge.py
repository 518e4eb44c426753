"""Bridge to EleutherAI lm-evaluation-harness for the general benchmarks of PAPER.md's Table 1.

Optional: ``pip install -e ".[eval]"`` (tested with lm-eval 0.4.13). The harness is imported only when a
benchmark is run. One model object (``hf`` = transformers, ``vllm``) is built per checkpoint and reused
for every benchmark; each benchmark runs with its own shot count (0, BBH 3, like the paper) and reports
one headline metric, in percent.

Paper settings (the defaults): prompts go through the checkpoint's chat template (few-shot examples as
earlier turns), and WinoGrande, MMLU-STEM and GPQA are answered by greedy generation
(``GENERATIVE_TASKS``: the harness's ``mmlu_stem_generative`` and ``gpqa_main_cot_zeroshot``, and our
``codeio_winogrande_gen`` shipped in ``codeio/eval/lm_eval_tasks/``) instead of log-likelihood choice
scoring, which stays available as ``multiple_choice="loglikelihood"`` (``LOGLIKELIHOOD_TASKS``).

Local data: ``dataset_paths[benchmark]`` points every sub-task of that benchmark at a local copy of the
hub dataset repository. The bridge writes, for each leaf task, a small task YAML that ``include``s the
harness's own YAML and overrides only ``task`` and ``dataset_path``; a group benchmark is then scored as
the sample-weighted mean of its leaves.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

DEFAULT_TASKS = {
    "winogrande": "codeio_winogrande_gen",
    "drop": "drop",
    "gsm8k": "gsm8k",
    "math": "minerva_math",
    "gpqa": "gpqa_main_cot_zeroshot",
    "mmlu_stem": "mmlu_stem_generative",
    "bbh": "bbh_cot_fewshot",
}
"""Benchmark -> lm-eval task, group or tag name (the paper's generation-based settings)."""

LOGLIKELIHOOD_TASKS = {"winogrande": "winogrande", "gpqa": "gpqa_main_zeroshot", "mmlu_stem": "mmlu_stem"}
"""``multiple_choice="loglikelihood"``: the harness's choice-scoring tasks for the three multiple-choice
benchmarks."""

PACKAGED_TASKS = Path(__file__).resolve().parent / "lm_eval_tasks"
"""Task YAMLs this project ships (always on the harness's include path)."""


def default_tasks(multiple_choice: str = "generate") -> dict[str, str]:
    """Benchmark -> task name for ``multiple_choice`` = ``generate`` (paper) or ``loglikelihood``."""
    if multiple_choice not in ("generate", "loglikelihood"):
        raise ValueError(f"multiple_choice must be generate or loglikelihood, got {multiple_choice!r}")
    return {**DEFAULT_TASKS, **(LOGLIKELIHOOD_TASKS if multiple_choice == "loglikelihood" else {})}

DEFAULT_FEWSHOT = {"winogrande": 0, "drop": 0, "gsm8k": 0, "math": 0, "gpqa": 0, "mmlu_stem": 0, "bbh": 3}
"""Zero-shot everywhere except BBH (3-shot), as in the paper."""

METRIC_PREFERENCE = (
    "acc_norm,none",
    "acc,none",
    "exact_match,flexible-extract",
    "exact_match,get-answer",
    "exact_match,strict-match",
    "exact_match,get_response",
    "f1,none",
    "exact_match,none",
    "math_verify,none",
)
"""First metric found in a task's results is the headline number (a task may report several)."""

HEADLINE = {
    "winogrande": ("exact_match,get-answer", "acc,none"),
    "drop": ("f1,none",),
    "gsm8k": ("exact_match,flexible-extract", "exact_match,strict-match"),
    "math": ("exact_match,none", "math_verify,none"),
    "gpqa": ("exact_match,flexible-extract", "acc_norm,none", "acc,none"),
    "mmlu_stem": ("exact_match,get_response", "acc,none"),
    "bbh": ("exact_match,get-answer", "exact_match,none"),
}


class LmEvalMissing(RuntimeError):
    pass


def _import_lm_eval():
    try:
        import lm_eval  # noqa: F401
        from lm_eval import evaluator
        from lm_eval.tasks import TaskManager
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise LmEvalMissing(
            'lm-evaluation-harness is not installed: pip install -e ".[eval]" (or pip install lm-eval)'
        ) from exc
    return evaluator, TaskManager


def headline_metric(task_results: Mapping[str, Any], benchmark: str | None = None) -> tuple[str, float] | None:
    """(metric key, value in percent) of one task's or group's result dict, or None."""
    order = list(HEADLINE.get(benchmark or "", ())) + [m for m in METRIC_PREFERENCE]
    for key in order:
        value = task_results.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return key, float(value) * 100.0
    return None


def extract_score(results: Mapping[str, Any], task_name: str, benchmark: str | None = None,
                  only_this_task: bool = False) -> dict[str, Any]:
    """The headline score of ``task_name`` (a task, a group or a tag) from ``simple_evaluate``'s output.
    ``only_this_task``: the run evaluated nothing but ``task_name``, so every leaf in it belongs to it
    (how a tag such as ``mmlu_stem_generative``, which has no entry of its own, is scored)."""
    for section in ("groups", "results"):
        entry = (results.get(section) or {}).get(task_name)
        if isinstance(entry, Mapping):
            found = headline_metric(entry, benchmark)
            if found:
                return {"score": found[1], "metric": found[0], "task": task_name}
    # A group without its own aggregate, or a tag: sample-weighted mean of its leaves.
    leaves = (results.get("group_subtasks") or {}).get(task_name) or (
        list(results.get("results") or {}) if only_this_task else [])
    return _weighted_mean(results, leaves, benchmark, task_name)


def _weighted_mean(results: Mapping[str, Any], leaves: Sequence[str], benchmark: str | None, name: str) -> dict:
    total, weight, metric = 0.0, 0, None
    n_samples = results.get("n-samples") or {}
    for leaf in leaves:
        entry = (results.get("results") or {}).get(leaf)
        found = headline_metric(entry, benchmark) if isinstance(entry, Mapping) else None
        if not found:
            continue
        n = (n_samples.get(leaf) or {}).get("effective") or 1
        total += found[1] * n
        weight += n
        metric = found[0]
    if not weight:
        return {"score": None, "metric": None, "task": name, "error": "no metric in the harness output"}
    return {"score": total / weight, "metric": metric, "task": name, "leaves": list(leaves)}


def local_task_yamls(task_manager: Any, task_name: str, dataset_path: str, out_dir: Path) -> list[str]:
    """Write one YAML per leaf of ``task_name`` that includes the harness's own YAML with
    ``dataset_path`` replaced; returns the new task names."""
    loaded = task_manager.load([task_name])
    names = []
    index = task_manager.task_index
    for leaf in sorted(loaded["tasks"]):
        entry = index.get(leaf)
        yaml_path = getattr(entry, "yaml_path", None)
        if not yaml_path:
            raise ValueError(f"lm-eval task {leaf!r} has no YAML to include; cannot point it at local data")
        new_name = f"codeio_local_{leaf}"
        (out_dir / f"{new_name}.yaml").write_text(
            f"include: {Path(yaml_path).resolve()}\ntask: {new_name}\ndataset_path: {dataset_path}\ntag: []\n",
            encoding="utf-8",
        )
        names.append(new_name)
    return names


def resolve_device(device: str) -> str:
    """``auto`` = ``cuda`` when a GPU is visible, else ``cpu``."""
    if device != "auto":
        return device
    from codeio.eval.generation import cuda_available

    return "cuda" if cuda_available() else "cpu"


def resolve_backend(backend: str) -> str:
    """``auto`` = ``vllm`` when vLLM is installed and a GPU is visible, else ``hf``."""
    if backend != "auto":
        return backend
    from codeio.eval.generation import cuda_available, vllm_installed

    return "vllm" if (vllm_installed() and cuda_available()) else "hf"


def build_lm(backend: str, pretrained: str, batch_size: int = 1, device: str = "auto",
             model_args: Mapping[str, Any] | None = None) -> Any:
    """The harness's model wrapper for a checkpoint directory (built once, reused for every task).
    On a GPU the weights load in bfloat16 unless ``model_args`` names a ``dtype``."""
    _import_lm_eval()
    from lm_eval.api.registry import get_model

    backend = resolve_backend(backend)
    device = resolve_device(device)
    args = {"pretrained": str(pretrained), **dict(model_args or {})}
    if (backend == "vllm" or device.startswith("cuda")) and "dtype" not in args:
        args["dtype"] = "bfloat16"
    # vLLM schedules every request itself: hand it all of them at once
    extra: dict[str, Any] = {"batch_size": "auto" if backend == "vllm" else batch_size}
    if backend == "hf":  # vLLM places the model itself (tensor_parallel_size etc. go in model_args)
        extra["device"] = device
    return get_model(backend).create_from_arg_obj(args, extra)


def harness_cache_path(cache_dir: str | Path, checkpoint: str | Path, backend: str, device: str,
                       model_args: Mapping[str, Any] | None) -> Path:
    """The stem of the harness's cache file for this checkpoint (it appends ``_rank<N>.db``).

    The harness keys a cached answer by the request alone (prompt and generation settings), so what
    made the answer goes in the file name: the checkpoint's contents and the model settings."""
    from codeio.eval.generation import checkpoint_fingerprint

    settings = json.dumps({"backend": resolve_backend(backend), "device": resolve_device(device).split(":")[0],
                           "model_args": dict(model_args or {})}, sort_keys=True, default=str)
    tag = hashlib.sha256(settings.encode()).hexdigest()[:12]
    return Path(cache_dir) / "lm_eval" / f"{checkpoint_fingerprint(checkpoint)}-{tag}"


def run_lm_eval(
    pretrained: str | Path | Any,
    benchmarks: Sequence[str],
    backend: str = "auto",
    tasks: Mapping[str, str] | None = None,
    num_fewshot: Mapping[str, int] | None = None,
    dataset_paths: Mapping[str, str] | None = None,
    include_path: str | None = None,
    limit: float | None = None,
    batch_size: int = 1,
    device: str = "auto",
    model_args: Mapping[str, Any] | None = None,
    apply_chat_template: bool = True,
    fewshot_as_multiturn: bool = True,
    multiple_choice: str = "generate",
    max_gen_toks: int | None = None,
    cache_dir: str | Path | None = None,
) -> dict[str, dict[str, Any]]:
    """Score a checkpoint on ``benchmarks``; returns ``{benchmark: {"score": percent, "metric", ...}}``.

    ``pretrained`` is a checkpoint directory (or an already built harness ``LM``). A benchmark that the
    harness cannot run (unknown task, missing data) gets ``score: None`` and an ``error``, never an
    exception, so one broken benchmark does not lose the others.

    ``cache_dir``: keep every answer the model gives in the harness's own request cache (``use_cache``),
    one sqlite file per checkpoint contents and model settings (``harness_cache_path``). The HF and vLLM
    models hand each answer to that cache as it is produced, so a killed evaluation, run again, asks
    the model only for what it had not answered.
    """
    evaluator, TaskManager = _import_lm_eval()
    task_names = {**default_tasks(multiple_choice), **dict(tasks or {})}
    shots = {**DEFAULT_FEWSHOT, **dict(num_fewshot or {})}
    lm = pretrained
    use_cache = None
    if isinstance(pretrained, (str, Path)):
        lm = build_lm(backend, str(pretrained), batch_size, device, model_args)
        if cache_dir is not None:
            use_cache = str(harness_cache_path(cache_dir, pretrained, backend, device, model_args))
    out: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="codeio_lm_eval_") as tmp:
        includes = [str(PACKAGED_TASKS)] + ([include_path] if include_path else [])
        base_manager = TaskManager(include_path=includes or None)
        for bench in benchmarks:
            name = task_names.get(bench, bench)
            try:
                manager, run_names, group = base_manager, [name], None
                local = (dataset_paths or {}).get(bench)
                if local:
                    bench_dir = Path(tmp) / bench
                    bench_dir.mkdir()
                    run_names = local_task_yamls(base_manager, name, local, bench_dir)
                    manager = TaskManager(include_path=[*includes, str(bench_dir)])
                    group = name
                results = evaluator.simple_evaluate(
                    model=lm,
                    tasks=run_names,
                    num_fewshot=shots.get(bench),
                    limit=limit,
                    task_manager=manager,
                    apply_chat_template=apply_chat_template,
                    fewshot_as_multiturn=bool(apply_chat_template and fewshot_as_multiturn and shots.get(bench)),
                    gen_kwargs=f"max_gen_toks={max_gen_toks}" if max_gen_toks else None,
                    log_samples=False,
                    bootstrap_iters=0,
                    use_cache=use_cache,
                )
                if results is None:  # non-zero ranks of a distributed run
                    continue
                if group is not None:
                    score = _weighted_mean(results, run_names, bench, group)
                else:
                    score = extract_score(results, name, bench, only_this_task=True)
                score["num_fewshot"] = shots.get(bench)
                score["chat_template"] = bool(apply_chat_template)
                out[bench] = score
            except Exception as exc:  # noqa: BLE001 - one benchmark failing must not lose the rest
                out[bench] = {"score": None, "task": name, "error": f"{type(exc).__name__}: {exc}"}
    return out
