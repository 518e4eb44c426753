"""``python -m codeio [+experiment=NAME] [overrides]``: compose the config and run the stages."""

from __future__ import annotations

import dataclasses
import logging
import sys
from pathlib import Path
from typing import Any

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf, open_dict

from codeio.config import register_configs

# codeio/conf links to the repository's conf/ (a checkout) or is the copy a wheel carries (an install)
CONF_DIR = str(Path(__file__).resolve().parent / "conf")
log = logging.getLogger("codeio")

register_configs()


class ConfigurationError(Exception):
    """The composed configuration cannot run; the message says what to fix."""


def build_pipeline(cfg: DictConfig, run_dir: Path):
    """Validate the whole config (types, ranges, paths, stage prerequisites) before any work.

    The composed config becomes the typed ``CodeioConfig`` once, here (every schema's ``__post_init__``
    checks run); stages and components only ever see typed configs."""
    from omegaconf.errors import OmegaConfBaseException

    from codeio.pipeline.runner import Pipeline, PipelineError
    from codeio.stages import STAGES

    try:
        typed, unusable = _to_typed(cfg)
        pipeline = Pipeline(typed, run_dir, STAGES)
        for name in pipeline.selected:  # a value left unset matters only to a stage that runs
            _check_groups(pipeline, name, unusable, name)
        pipeline.validate()
    except (PipelineError, ValueError, TypeError, OmegaConfBaseException) as err:
        raise ConfigurationError(_one_line(err)) from err
    return pipeline


def _check_groups(pipeline, name: str, unusable: dict[str, str], selected: str) -> None:
    """The groups ``name`` needs are usable, and so are those of the stages it reads from: their
    settings enter its cache key, so every step of a multi-step run repeats them."""
    stage = pipeline.stages[name]
    for group in stage.required_groups():
        if group in unusable:
            why = "needs" if name == selected else f"reads {name!r}, whose cache key holds"
            raise ConfigurationError(f"{unusable[group]} (stage {selected!r} {why} the {group!r} settings)")
    for up in stage.inputs():
        _check_groups(pipeline, up, unusable, selected)


def _to_typed(cfg: DictConfig):
    """``OmegaConf.to_object`` of the whole config, except that a config group whose settings cannot
    be used (a mandatory value left unset, e.g. ``dataset.instruction_data`` of ``+experiment=codeio``,
    or a value its schema refuses) becomes None: only a stage that needs the group makes that an error
    (in ``build_pipeline``). Returns the typed config and ``{group: what is wrong with it}``."""
    from omegaconf.errors import OmegaConfBaseException

    from codeio.config import CodeioConfig

    groups = [f.name for f in dataclasses.fields(CodeioConfig) if f.type in (Any, "Any")]
    cfg = cfg.copy()
    unusable: dict[str, str] = {}
    for group in groups:
        if OmegaConf.is_dict(cfg.get(group)):
            try:
                OmegaConf.to_object(cfg[group])
            except (ValueError, TypeError, OmegaConfBaseException) as err:
                unusable[group] = _one_line(err)
                with open_dict(cfg):
                    cfg[group] = None
    return OmegaConf.to_object(cfg), unusable


def _one_line(err: Exception) -> str:
    """OmegaConf appends ``full_key:``/``object_type=`` lines; keep the sentence and name the key."""
    from omegaconf.errors import MissingMandatoryValue, OmegaConfBaseException

    if isinstance(err, MissingMandatoryValue) and getattr(err, "full_key", None):
        return f"{err.full_key} is not set: add {err.full_key}=... to the command line"
    text = str(err)
    if isinstance(err, OmegaConfBaseException) and getattr(err, "full_key", None):
        first = text.strip().splitlines()[0]
        return first if err.full_key in first else f"{err.full_key}: {first}"
    return text


def run(cfg: DictConfig, run_dir: Path | None = None) -> dict:
    run_dir = Path(run_dir or HydraConfig.get().runtime.output_dir)
    return build_pipeline(cfg, run_dir).run()


def _log_to_file_only(message: str) -> None:
    """Record ``message`` in the run's log file without echoing it on the console (which already
    shows it once, on stderr)."""
    record = log.makeRecord(log.name, logging.ERROR, __file__, 0, message, None, None)
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.FileHandler):
            handler.handle(record)


@hydra.main(version_base="1.3", config_path=CONF_DIR, config_name="config")
def _hydra_main(cfg: DictConfig) -> None:
    from codeio.pipeline.stage import StageFailed

    unswept = _sweep_run_without_multirun()
    if unswept:
        print(f"codeio: configuration error: {unswept}", file=sys.stderr)
        sys.exit(2)
    try:
        summary = run(cfg)
    except ConfigurationError as err:
        _log_to_file_only(f"configuration error: {err}")
        print(f"codeio: configuration error: {err}", file=sys.stderr)
        sys.exit(2)
    except StageFailed as err:
        _log_to_file_only(f"stage failed: {err}")
        print(f"codeio: stopped: {err}", file=sys.stderr)
        sys.exit(3)
    if summary.get("stopped"):  # the printed report ends with the reason
        _log_to_file_only(summary["stopped"])
        sys.exit(1)


def _sweep_run_without_multirun() -> str:
    """An experiment that carries a sweep (``hydra.sweeper.params``) started without ``-m`` would
    silently run one point: refuse, unless the command line pins every swept key."""
    from hydra.types import RunMode

    hydra_cfg = HydraConfig.get()
    params = dict(hydra_cfg.sweeper.get("params") or {})
    if hydra_cfg.mode != RunMode.RUN or not params:
        return ""
    pinned = {o.split("=", 1)[0].lstrip("+~") for o in hydra_cfg.overrides.task}
    open_keys = [k for k in params if k not in pinned]
    if not open_keys:
        return ""
    sweep = " ".join(f"{k}={params[k]}" for k in open_keys)
    return (f"this experiment is a sweep ({sweep}); without -m only one point would run. Add -m to run "
            "every point, or pin the swept keys on the command line to run one.")


def main() -> None:
    _hydra_main()


if __name__ == "__main__":
    main()
