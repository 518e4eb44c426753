"""What every config dataclass shares: which of its fields enter cache keys, and how it builds its component.

Cache-key membership lives on the schema field, nowhere else. A field that changes how fast or where
something runs but never what it produces is declared

    workers: int = field(default=0, metadata={"affects_output": False})

and every other field enters the stage keys (``codeio.pipeline``) and the response-cache key
(``codeio.teachers``), both through ``output_settings``. When in doubt, leave the marker off: a
needless cache miss costs time, a stale cache hit silently gives wrong results.

One way to build a component: its class takes the typed config, ``__init__(self, cfg: XConfig)``, and
the dataclass's ``_target_`` names the class; ``build(cfg)`` does exactly that.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

AFFECTS_OUTPUT = "affects_output"
"""The field-metadata key; ``False`` keeps a field out of every cache key."""


def affects_output(spec: dataclasses.Field) -> bool:
    """Whether a schema field can change what a stage or a teacher produces (the default: yes)."""
    return bool(spec.metadata.get(AFFECTS_OUTPUT, True))


def output_settings(value: Any) -> Any:
    """A plain copy of a config (dataclasses, dicts, lists) holding only the settings that can change
    results: the material of stage keys and of the teacher's response-cache namespace."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {spec.name: output_settings(getattr(value, spec.name))
                for spec in dataclasses.fields(value) if affects_output(spec)}
    if isinstance(value, Mapping):
        return {str(k): output_settings(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [output_settings(v) for v in value]
    return value


def component_class(cfg: Any) -> type:
    """The class a typed config's ``_target_`` names (capabilities are read from it before building)."""
    target = getattr(cfg, "_target_", None)
    if not isinstance(target, str) or not target:
        raise ValueError(f"{type(cfg).__name__} has no _target_ naming the class to build")
    from hydra.utils import get_class

    return get_class(target)


def build(cfg: Any, *args: Any, **kwargs: Any) -> Any:
    """The component ``cfg._target_`` names, built from ``cfg`` (and any runtime objects it needs)."""
    if not dataclasses.is_dataclass(cfg) or isinstance(cfg, type):
        raise TypeError(f"build() takes a typed config (a schema dataclass), not {type(cfg).__name__}; "
                        "convert a DictConfig with OmegaConf.to_object or a mapping with as_config")
    return component_class(cfg)(cfg, *args, **kwargs)


def config_class(component: type) -> type:
    """The schema a component class takes: the annotation of its ``cfg`` parameter."""
    import typing

    hints = typing.get_type_hints(component.__init__)
    schema = hints.get("cfg")
    if isinstance(schema, type) and dataclasses.is_dataclass(schema):
        return schema
    for arg in typing.get_args(schema):  # ``XConfig | None``
        if isinstance(arg, type) and dataclasses.is_dataclass(arg):
            return arg
    raise TypeError(f"{component.__name__}.__init__ does not take a typed config (cfg: XConfig)")


def as_config(node: Any, schema: type | None = None) -> Any:
    """A typed config from a mapping or DictConfig with ``_target_`` (library callers that hold plain
    dicts): the schema is the one the target class takes, unless given. Unknown keys and bad values fail
    here, naming the key, exactly as they do at start-up."""
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        return node
    from omegaconf import OmegaConf

    if schema is None:
        target = node.get("_target_") if hasattr(node, "get") else None
        if not target:
            raise ValueError("a config given as a mapping needs a _target_ naming the class to build")
        from hydra.utils import get_class

        schema = config_class(get_class(str(target)))
    return OmegaConf.to_object(OmegaConf.merge(OmegaConf.structured(schema), node))
