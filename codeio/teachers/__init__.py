"""Teachers: LLM backends (``openai``, ``vllm``, ``hf``) and the execution-trace teacher, behind one
interface (``base.Teacher``), wrapped in a persistent response cache (``cache.CachedTeacher``).

``build_teacher(cfg, cache_dir)`` turns a ``teacher`` config node into ``(teacher, sampling_params)``.
Backend modules are imported lazily, so importing this package stays cheap.
"""

from __future__ import annotations

import hashlib
import importlib
import json
from dataclasses import asdict, fields, is_dataclass
from pathlib import Path
from typing import Any

from codeio.teachers.base import ChatRequest, Generation, SamplingParams, Teacher, TeacherStats

__all__ = ["ChatRequest", "Generation", "SamplingParams", "Teacher", "TeacherStats", "build_teacher",
           "sampling_params"]

CACHE_FILE = "responses.sqlite"


def _plain(cfg: Any) -> dict[str, Any]:
    if is_dataclass(cfg) and not isinstance(cfg, type):
        return asdict(cfg)
    if isinstance(cfg, dict):
        return dict(cfg)
    from omegaconf import OmegaConf

    return OmegaConf.to_container(cfg, resolve=True)  # type: ignore[return-value]


def sampling_params(sampling: dict[str, Any] | None) -> SamplingParams:
    """``SamplingParams`` from a config's ``sampling`` block (validated by ``SamplingConfig``)."""
    from codeio.teachers.config import SamplingConfig

    checked = SamplingConfig(**(sampling or {}))
    stop = list(checked.stop) if checked.stop else None
    return SamplingParams(temperature=float(checked.temperature), top_p=float(checked.top_p),
                          max_tokens=int(checked.max_tokens), n=int(checked.n), seed=checked.seed, stop=stop)


def _import(path: str) -> Any:
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def cache_namespace(values: dict[str, Any]) -> str:
    """Hash of the config fields that can change answers besides model and sampling (e.g. ``extra_body``,
    ``dtype``, the trace teacher's options): a different value gets separate cache entries."""
    from codeio.teachers.config import OPERATIONAL_FIELDS

    kept = {k: v for k, v in sorted(values.items()) if k not in OPERATIONAL_FIELDS and v not in (None, {}, [])}
    if not kept:
        return ""
    text = json.dumps(kept, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def build_teacher(teacher_cfg: Any, cache_dir: str | Path | None = None,
                  executor: Any = None) -> tuple[Teacher, SamplingParams]:
    """Instantiate the teacher named by ``teacher_cfg._target_``.

    ``teacher_cfg``: a DictConfig, dict or schema dataclass. Known backends are validated against their
    schema first (a bad value fails here, naming the key). ``sampling`` and ``cache_failures`` are read
    here, the rest goes to the class. When ``needs_executor`` is true the class also receives
    ``executor=``. With ``cache_dir`` the teacher is wrapped in ``CachedTeacher`` on
    ``<cache_dir>/responses.sqlite``.
    """
    from codeio.teachers.config import TEACHER_CONFIGS

    values = _plain(teacher_cfg)
    target = values.get("_target_")
    if not target:
        raise ValueError("teacher config needs a _target_ (pick one with teacher=openai|vllm|hf|trace)")
    schema = TEACHER_CONFIGS.get(target)
    if schema is not None:
        known = {f.name for f in fields(schema)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"teacher config has unknown keys {unknown} for {target}")
        schema(**{k: v for k, v in values.items() if k != "sampling"})  # runs __post_init__ checks
    sampling = values.pop("sampling", None)
    cache_failures = bool(values.pop("cache_failures", False))
    namespace = cache_namespace(values)
    needs_executor = bool(values.get("needs_executor", False))
    if not needs_executor:
        values.pop("needs_executor", None)
    cls = _import(values.pop("_target_"))
    teacher = cls(executor=executor, **values) if needs_executor else cls(**values)
    params = sampling_params(sampling)
    if cache_dir is not None:
        from codeio.teachers.cache import CachedTeacher

        teacher = CachedTeacher(teacher, Path(cache_dir) / CACHE_FILE, cache_failures=cache_failures,
                                namespace=namespace)
    return teacher, params
