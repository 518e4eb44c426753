"""Which keys of a config option file only repeat the value they would have anyway.

An option ``conf/<group>/<name>.yaml`` starts from its ``defaults`` list (a ``<name>_schema`` registered
by ``codeio.config``, or a sibling option it extends, as lightning-hydra-template's ``trainer/gpu.yaml``
extends ``trainer/default.yaml``) and should list only what differs from that base.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import OmegaConf

from tests.helpers import CONF_DIR

CONF = Path(CONF_DIR)
NOT_OPTION_GROUPS = {"experiment", "hydra"}  # experiments compose whole runs; hydra/ holds launcher presets


def option_files() -> list[tuple[str, str]]:
    """Every ``(group, option)`` of the config tree (experiments and Hydra presets aside)."""
    return sorted((path.parent.name, path.stem) for path in CONF.glob("*/*.yaml")
                  if path.parent.name not in NOT_OPTION_GROUPS)


def _schema(group: str, name: str) -> Any:
    node = ConfigStore.instance().repo[group][f"{name}.yaml"].node
    return OmegaConf.create(node)


def _split(group: str, name: str) -> tuple[list[str], Any]:
    raw = OmegaConf.load(CONF / group / f"{name}.yaml")
    defaults = list(raw.pop("defaults", []))
    return [str(d) for d in defaults], raw


def base_of(group: str, name: str) -> Any:
    """What the option's ``defaults`` list gives before the option's own values are applied."""
    defaults, _ = _split(group, name)
    base = OmegaConf.create({})
    for entry in defaults:
        if entry == "_self_":
            continue
        if ConfigStore.instance().repo.get(group, {}).get(f"{entry}.yaml") is not None:
            base = OmegaConf.merge(base, _schema(group, entry))
        else:  # a sibling option this one extends
            base = OmegaConf.merge(base, composed(group, entry))
    return base


def composed(group: str, name: str) -> Any:
    _, raw = _split(group, name)
    return OmegaConf.merge(base_of(group, name), raw)


def _leaves(node: Any, prefix: str = "") -> list[tuple[str, Any]]:
    if isinstance(node, dict) and (node or not prefix):  # an empty body has no keys; {} as a value is one
        out = []
        for key, value in node.items():
            out.extend(_leaves(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    return [(prefix, node)]


def _at(tree: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(tree, dict) or part not in tree:
            return KeyError
        tree = tree[part]
    return tree


def redundant_keys(group: str, name: str) -> list[str]:
    """Keys the option sets to exactly the value its base already has."""
    _, raw = _split(group, name)
    base = OmegaConf.to_container(base_of(group, name), resolve=False)
    merged = OmegaConf.to_container(OmegaConf.merge(base_of(group, name), raw), resolve=False)
    raw_tree = OmegaConf.to_container(raw, resolve=False)
    return [path for path, _ in _leaves(raw_tree) if _at(merged, path) == _at(base, path)]
