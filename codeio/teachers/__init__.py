"""Teachers: LLM backends (``openai``, ``vllm``, ``hf``) and the execution-trace teacher, behind one
interface (``base.Teacher``), wrapped in a persistent response cache (``cache.CachedTeacher``).

``build_teacher(cfg, cache_dir, executor)`` turns a typed ``teacher`` config into ``(teacher, sampling)``.
Backend modules are imported lazily, so importing this package stays cheap.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from codeio.schema import as_config, build, component_class, output_settings
from codeio.teachers.base import ChatRequest, Generation, SamplingParams, Teacher, TeacherStats

__all__ = ["ChatRequest", "Generation", "SamplingParams", "Teacher", "TeacherStats", "build_teacher",
           "cache_namespace"]

CACHE_FILE = "responses.sqlite"

IN_KEY_ELSEWHERE = frozenset({"_target_", "model", "model_name", "sampling"})
"""Settings the response key holds in its own fields (the model name, the sampling parameters)."""


def cache_namespace(cfg: Any) -> str:
    """Hash of the settings besides model and sampling that can change answers (``extra_body``, ``dtype``,
    the trace teacher's options, ...): a different value gets separate cache entries. Which settings
    count is read from the schema (``codeio.schema.output_settings``), as for stage keys."""
    kept = {k: v for k, v in sorted(output_settings(cfg).items())
            if k not in IN_KEY_ELSEWHERE and v not in (None, {}, [])}
    if not kept:
        return ""
    text = json.dumps(kept, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def build_teacher(cfg: Any, cache_dir: str | Path | None = None,
                  executor: Any = None) -> tuple[Teacher, SamplingParams]:
    """The teacher ``cfg._target_`` names, and the sampling settings of its requests (``cfg.sampling``).

    ``cfg``: the typed teacher config (a mapping with ``_target_`` is converted through its schema, so a
    bad key or value fails here, naming it). A teacher class with ``needs_executor`` also receives
    ``executor``. With ``cache_dir`` the teacher is wrapped in ``CachedTeacher`` on
    ``<cache_dir>/responses.sqlite``.
    """
    cfg = as_config(cfg)
    needs_executor = bool(component_class(cfg).needs_executor)
    teacher = build(cfg, executor=executor) if needs_executor else build(cfg)
    if cache_dir is not None:
        from codeio.teachers.cache import CachedTeacher

        teacher = CachedTeacher(teacher, Path(cache_dir) / CACHE_FILE, cache_failures=cfg.cache_failures,
                                namespace=cache_namespace(cfg))
    return teacher, cfg.sampling
