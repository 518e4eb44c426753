"""``python -m codeio [+experiment=NAME] [overrides]``: compose the config and run the stages."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from codeio.config import register_configs

CONF_DIR = str(Path(__file__).resolve().parents[1] / "conf")
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
        typed = OmegaConf.to_object(cfg)
        pipeline = Pipeline(typed, run_dir, STAGES)
        pipeline.validate()
    except (PipelineError, ValueError, TypeError, OmegaConfBaseException) as err:
        raise ConfigurationError(str(err)) from err
    return pipeline


def run(cfg: DictConfig, run_dir: Path | None = None) -> dict:
    run_dir = Path(run_dir or HydraConfig.get().runtime.output_dir)
    return build_pipeline(cfg, run_dir).run()


@hydra.main(version_base="1.3", config_path=CONF_DIR, config_name="config")
def _hydra_main(cfg: DictConfig) -> None:
    try:
        run(cfg)
    except ConfigurationError as err:
        log.error("configuration error: %s", err)  # into the run's log file
        print(f"codeio: configuration error: {err}", file=sys.stderr)
        sys.exit(2)


def main() -> None:
    _hydra_main()


if __name__ == "__main__":
    main()
