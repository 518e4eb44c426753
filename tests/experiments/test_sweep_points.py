"""Issue #17 item 8: every sweep point of every ablation experiment composes, and the swept value is
the one that reaches the component (no preset value left over from the experiment it extends)."""

from __future__ import annotations

import itertools

import pytest
from omegaconf import OmegaConf

from codeio.schema import build
from tests.helpers import REPO_ROOT, compose_config

ABLATIONS = sorted(p.stem for p in (REPO_ROOT / "conf" / "experiment").glob("ablation_*.yaml"))
REQUIRED = ["source.path=/nonexistent/raw.jsonl", "dataset.instruction_data=/nonexistent/it.jsonl",
            "cache.dir=/nonexistent/cache"]


def sweep_points(name: str) -> list[list[str]]:
    params = OmegaConf.load(REPO_ROOT / "conf" / "experiment" / f"{name}.yaml").hydra.sweeper.params
    axes = [[f"{key}={value}" for value in str(values).split(",")] for key, values in params.items()]
    return [list(point) for point in itertools.product(*axes)]


def typed(overrides: list[str]):
    return OmegaConf.to_object(compose_config(overrides))


@pytest.mark.parametrize("name", ABLATIONS)
def test_every_sweep_point_reaches_its_config(name):
    """A swept ``key=value`` ends up as that value in the typed config; a swept group option is the
    option itself (its node equals the option composed on top of the experiment without the sweep)."""
    points = sweep_points(name)
    assert len(points) >= 2
    seen = []
    for point in points:
        cfg = typed([f"+experiment={name}", *REQUIRED, *point])
        for override in point:
            key, value = override.split("=", 1)
            if "." in key:  # a value: compare with its parsed form
                expected = OmegaConf.create({"v": OmegaConf.from_dotlist([f"v={value}"]).v}).v
                assert OmegaConf.select(OmegaConf.structured(cfg), key) == expected, override
            else:  # a group option: the composed node must differ between options
                seen.append(OmegaConf.to_yaml(OmegaConf.structured(getattr(cfg, key))))
    if seen:
        assert len(set(seen)) == len(seen), f"{name}: two sweep points compose the same group node"


def test_pairs_per_function_sweep_reaches_every_source():
    """The pair count a function gets is min(sampler target for its source, prompt cap): every point of
    the sweep must give a different count for CodeMix, PyEdu-R and other functions alike."""
    for source in ("codemix", "pyedu_r", "other", "my_corpus"):
        counts = []
        for point in sweep_points("ablation_pairs_per_function"):
            cfg = typed(["+experiment=ablation_pairs_per_function", *REQUIRED, *point])
            sampler = build(cfg.sampler)
            counts.append(min(sampler.target_for(source), cfg.prompt.pairs_per_function))
        assert counts == [1, 2, 3, 4, 5, 6], (source, counts)
