"""``python -m codeio.plan [+experiment=NAME] [pipeline overrides] [cluster.* scale.* plan.*]``: what a run
would cost at the paper's size (or any size) on a given cluster, from costs measured on this machine.

The pipeline's settings are composed from ``conf/config.yaml`` exactly as ``python -m codeio`` composes
them (the same experiment files and overrides), so pair counts, the task mix, revision turns, the
teacher's ``max_tokens`` and the training recipe shape the plan. The plan's own settings come from
``conf/plan.yaml``: overrides whose key starts with ``cluster``, ``scale`` or ``plan`` go there. Prints
a Markdown table per stage (work units, core-hours, GPU-hours, wall time, disk) and every input with its
provenance; ``plan.out=FILE`` also writes the plan as JSON. Exit status 2 = a configuration error.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from codeio.plan.config import PLAN_GROUPS

PLAN_KEYS = (*PLAN_GROUPS, "plan")


class PlanError(ValueError):
    """The plan cannot be made; the message says what to fix."""


def split_overrides(args: Sequence[str]) -> tuple[list[str], list[str]]:
    """(pipeline overrides, plan overrides): a plan override's key starts with cluster, scale or plan."""
    pipeline, plan = [], []
    for arg in args:
        key = arg.lstrip("+~").split("=", 1)[0]
        (plan if key.split(".", 1)[0] in PLAN_KEYS else pipeline).append(arg)
    return pipeline, plan


def compose(config_name: str, overrides: list[str]):
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir

    from codeio.__main__ import CONF_DIR
    from codeio.config import register_configs

    register_configs()
    with initialize_config_dir(config_dir=CONF_DIR, version_base="1.3"):
        return hydra_compose(config_name=config_name, overrides=overrides)


NOT_READ = "<not read by the plan>"
"""Stands in for paths the plan does not open (``source.path``, ``dataset.instruction_data``, ``cache.dir``)."""


def typed_pipeline(cfg) -> Any:
    """The typed pipeline config; paths the plan never reads may be unset."""
    from omegaconf import OmegaConf, open_dict

    from codeio.__main__ import _to_typed

    with open_dict(cfg):
        cfg.cache.dir = NOT_READ  # its default interpolates Hydra's run-time settings, absent here
        for group, key in (("source", "path"), ("dataset", "instruction_data")):
            node = cfg.get(group)
            if node is not None and key in node.keys() and OmegaConf.is_missing(node, key):
                node[key] = NOT_READ
        if cfg.get("dataset") is not None and cfg.dataset.get("stage2_mix", "none") != "none" \
                and not cfg.dataset.get("instruction_data"):
            cfg.dataset.instruction_data = NOT_READ
    typed, unusable = _to_typed(cfg)
    needed = ("source", "transform", "sampler", "executor", "prompt", "teacher", "verifier", "revision", "dataset",
              "model", "trainer")
    for group in needed:
        if group in unusable:
            raise PlanError(f"{unusable[group]} (the plan reads the {group!r} settings)")
        if getattr(typed, group) is None:
            raise PlanError(f"the plan needs the config group {group!r}: add e.g. {group}=default")
    return typed


def pipeline_view(cfg):
    from codeio.plan.model import PipelineView
    from codeio.sampling.config import unmatched_source_counts
    from codeio.schema import component_class
    from codeio.transform.prompt import load_template

    problem = unmatched_source_counts(cfg.sampler, cfg.source)
    if problem:
        raise PlanError(problem)
    source_cls = component_class(cfg.source)
    prompt, trainer, dataset = cfg.prompt, cfg.trainer, cfg.dataset
    share = {"both": 0.5, "input": 1.0, "output": 0.0, "ratio": prompt.input_ratio}[prompt.mix]
    return PipelineView(
        unified_source=bool(source_cls.yields_unified(cfg.source)),
        llm_teacher=bool(component_class(cfg.teacher).writes_code),
        targets=dict(cfg.sampler.pairs_per_source), default_target=cfg.sampler.pairs_per_function,
        source_name=cfg.source.name, per_corpus_names=bool(getattr(cfg.source, "source_field", None)),
        max_calls=cfg.sampler.max_calls, prompt_pairs_per_function=prompt.pairs_per_function,
        tasks_per_pair=2 if prompt.mix == "both" else 1, input_share=share,
        max_tokens=cfg.teacher.sampling.max_tokens, samples_per_prompt=cfg.teacher.sampling.n,
        tensor_parallel_size=int(getattr(cfg.teacher, "tensor_parallel_size", 1) or 1),
        revision_turns=cfg.revision.turns, redo_request=cfg.revision.redo_request,
        rewrite_template_chars=len(load_template(cfg.transform.prompt_file)) - len("{code}"),
        holdout_fraction=dataset.holdout_fraction, model_name=cfg.model.name,
        gradient_checkpointing=bool(trainer.gradient_checkpointing), max_length=trainer.max_length,
        stage1_max_steps=trainer.max_steps, stage1_batch=trainer.global_batch_size,
        stage1_epochs=trainer.max_epochs, stage2=dataset.stage2_mix != "none",
        stage2_samples=float(trainer.stage2.max_steps * trainer.stage2.global_batch_size)
        if trainer.stage2.max_steps > 0 else 0.0,
    )


HANDLED = {"sampler.pairs_per_function", "sampler.pairs_per_source", "sampler.seed", "prompt.mix",
           "prompt.input_ratio", "prompt.pairs_per_function", "prompt.seed", "dataset.holdout_fraction",
           "dataset.stage2_mix", "dataset.stage1_mix", "dataset.instruction_data", "dataset.codeio_fraction",
           "dataset.seed", "transform.prompt_file", "transform.system_prompt", "transform.require_python",
           "transform.require_function", "transform.min_chars", "transform.max_chars"}
"""Settings the plan takes into account itself (counts, mixes, the rewrite prompt): no warning."""
COMPARED = ("sampler", "executor", "prompt", "verifier", "transform", "dataset")


def settings_of(cfg) -> dict[str, Any]:
    """The settings of the groups whose per-unit costs the benchmark measured (flat ``group.key``)."""
    from codeio.schema import output_settings

    flat: dict[str, Any] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict) and value:
            for k, v in value.items():
                walk(f"{prefix}.{k}", v)
        else:
            flat[prefix] = value

    for group in COMPARED:
        walk(group, output_settings(getattr(cfg, group)))
    return flat


def differing_settings(cfg, recorded: dict[str, Any]) -> list[str]:
    ours = settings_of(cfg)
    keys = sorted(set(ours) | set(recorded))
    def handled(key: str) -> bool:  # the key or a dict it belongs to (sampler.pairs_per_source.codemix)
        parts = key.split(".")
        return any(".".join(parts[:n]) in HANDLED for n in range(2, len(parts) + 1))

    return [f"{k}={ours.get(k)!r} (benchmark: {recorded.get(k)!r})" for k in keys
            if ours.get(k) != recorded.get(k) and not handled(k) and not k.startswith("dataset.decontam_benchmarks")]


def make_plan(args: Sequence[str]):
    """The plan for a command line's overrides; raises ``PlanError`` on a configuration problem."""
    from omegaconf import OmegaConf
    from omegaconf.errors import OmegaConfBaseException

    from codeio.__main__ import _one_line
    from codeio.plan.costs import CostsError, load
    from codeio.plan.model import Planner

    pipe_args, plan_args = split_overrides(args)
    try:
        plan_cfg = OmegaConf.to_object(compose("plan", plan_args))
        cfg = typed_pipeline(compose("config", pipe_args))
        costs = load(plan_cfg.plan.costs)
    except (CostsError, PlanError) as err:
        raise PlanError(str(err)) from err
    except Exception as err:  # Hydra's composition errors, OmegaConf's and the schemas' own checks
        if isinstance(err, ValueError | TypeError | OmegaConfBaseException) or type(err).__module__.startswith("hydra"):
            raise PlanError(_one_line(err)) from err
        raise
    planner = Planner(pipeline_view(cfg), plan_cfg.cluster, plan_cfg.scale, plan_cfg.plan, costs)
    plan = planner.plan()
    differs = differing_settings(cfg, costs.settings)
    if differs:
        plan.warnings.append("these settings differ from the benchmark's, so its per-unit costs may not apply "
                             f"(rerun `{costs.command}` with them): " + "; ".join(differs))
    return plan, plan_cfg, costs


def main(argv: Sequence[str] | None = None) -> int:
    from codeio.plan.report import markdown, to_json

    args = list(sys.argv[1:] if argv is None else argv)
    if any(a in ("-h", "--help") for a in args):
        print(__doc__)
        return 0
    try:
        plan, plan_cfg, costs = make_plan(args)
    except PlanError as err:
        print(f"codeio.plan: configuration error: {err}", file=sys.stderr)
        return 2
    print(markdown(plan, costs, command=" ".join(["python -m codeio.plan", *args])))
    if plan_cfg.plan.out:
        out = Path(plan_cfg.plan.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(to_json(plan, costs, args), indent=2) + "\n", encoding="utf-8")
        print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
