"""``python -m codeio.eval CHECKPOINT [CHECKPOINT ...] --out DIR [overrides]``: evaluate Hugging Face
checkpoints (local ``save_pretrained`` folders) without running the pipeline.

The ``eval`` group is composed from ``conf/`` like the pipeline does (``--preset paper`` by default: the
14 benchmarks of Table 1), then ``eval.*`` / ``executor=...`` / ``model.name=...`` overrides apply, e.g.
``eval.bbh_zh.data_path=/data/bbh_zh`` or ``eval.paper_row=qwen2.5-coder-7b/codeio``. Writes
``results.json`` / ``results.md`` (Table 1 layout) and ``details/`` into ``--out``; generations are
cached under ``--cache-dir`` so a killed run resumes when started again with the same arguments.
Missing benchmark data is reported before any model is loaded.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path


def compose(preset: str, overrides: Sequence[str]):
    """The root config with ``eval=<preset>`` and the overrides (Hydra's compose API, no run dir)."""
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir

    from codeio.__main__ import CONF_DIR

    with initialize_config_dir(config_dir=CONF_DIR, version_base="1.3"):
        return hydra_compose(config_name="config", overrides=[f"eval={preset}", *overrides])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m codeio.eval", description=__doc__.splitlines()[0])
    parser.add_argument("checkpoints", nargs="+", help="checkpoint folders (config.json + weights + tokenizer)")
    parser.add_argument("--out", required=True, help="folder for results.json, results.md and details/")
    parser.add_argument("--preset", default="paper", help="conf/eval option to start from (default: paper)")
    parser.add_argument("--name", action="append", help="row label per checkpoint (default: folder name)")
    parser.add_argument("--cache-dir", default="outputs/cache/eval", help="generation cache (resume)")
    args, overrides = parser.parse_known_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    bad = [o for o in overrides if o.startswith("-")]
    if bad:
        parser.error(f"unknown options {bad}")
    names = args.name or [Path(c).name for c in args.checkpoints]
    if len(names) != len(args.checkpoints):
        parser.error("give one --name per checkpoint (or none)")
    missing = [c for c in args.checkpoints if not Path(c).is_dir()]
    if missing:
        parser.error(f"not a checkpoint folder: {missing} (download the model first; nothing is fetched here)")

    from codeio.eval.runner import run_evaluation, to_eval_config
    from codeio.execution import build_executor

    cfg = compose(args.preset, overrides)
    eval_cfg = to_eval_config(cfg.eval)
    try:
        eval_cfg.check_data_paths()
    except ValueError as err:
        print(f"configuration error: {err}", file=sys.stderr)
        return 2
    with build_executor(cfg.executor) as executor:
        table = run_evaluation(eval_cfg, list(zip(names, args.checkpoints, strict=True)), executor,
                               Path(args.out), cache_dir=args.cache_dir)
    print(Path(table["files"]["markdown"]).read_text(encoding="utf-8"))
    print(json.dumps({"results": table["files"]["json"], "errors": {r["checkpoint"]: r.get("errors") for r in
                                                                    table["rows"]}}))
    return 0 if all(not r.get("errors") for r in table["rows"]) else 1


if __name__ == "__main__":
    sys.exit(main())
