"""How a checkpoint generates for the benchmarks scored here: backend, device and dtype chosen up front
(and said out loud), generations cached per (checkpoint, benchmark, prompt) so a killed evaluation
resumes where it stopped.

Backends are the project's teachers: ``vllm`` (``codeio.teachers.vllm_backend``: the offline
``vllm.LLM`` engine, ``LLM.chat`` with ``SamplingParams``, the model's chat template) and ``hf``
(``codeio.teachers.hf_backend``: transformers ``generate``, left-padded batches, the chat template).
``backend=auto`` takes vLLM when it is importable and a CUDA GPU is visible, otherwise transformers.
``dtype=auto`` is bfloat16 on a GPU and float32 on a CPU. A checkpoint whose weights are larger than
``cpu_max_weights_gb`` refuses to generate on a CPU unless ``allow_cpu_large_model`` is set: a 7B model
on a CPU takes hours per benchmark, which is never what a user meant by forgetting a flag.

The cache is the teachers' sqlite response cache (``codeio.teachers.cache``); its key covers the
checkpoint path, a fingerprint of the checkpoint's files, the benchmark, the chat template, the dtype,
the messages and the sampling settings, and each finished batch is committed as it arrives.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codeio.eval.config import GenerationConfig

log = logging.getLogger(__name__)

WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".gguf")
CACHE_FILE = "eval_generations.sqlite"
DEFAULT_BATCH = {"hf": 8, "vllm": 1024}


@dataclass
class Placement:
    """Where and how a checkpoint generates (recorded in every checkpoint's details)."""

    backend: str
    device: str
    dtype: str
    weights_gb: float


def cuda_available() -> bool:
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a core dependency
        return False
    return bool(torch.cuda.is_available())


def vllm_installed() -> bool:
    return importlib.util.find_spec("vllm") is not None


def weights_gb(checkpoint: str | Path) -> float:
    """Size on disk of a checkpoint directory's weight files, in GB (0 when it is not a directory)."""
    path = Path(checkpoint)
    if not path.is_dir():
        return 0.0
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and f.suffix in WEIGHT_SUFFIXES) / 1e9


def place(g: GenerationConfig, checkpoint: str | Path, gpu: bool | None = None,
          vllm: bool | None = None) -> Placement:
    """Resolve ``auto`` settings for ``checkpoint``; raise ``ValueError`` saying what to change when the
    combination cannot work or would put a large model on a CPU. ``gpu`` / ``vllm`` override detection
    (tests)."""
    gpu = cuda_available() if gpu is None else gpu
    vllm = vllm_installed() if vllm is None else vllm
    backend = g.backend
    if backend == "auto":
        backend = "vllm" if (vllm and gpu) else "hf"
    if backend == "vllm":
        if not vllm:
            raise ValueError("eval.generation.backend=vllm but vLLM is not installed: pip install -e '.[vllm]' "
                             "on a GPU node, or set eval.generation.backend=hf")
        if not gpu:
            raise ValueError("eval.generation.backend=vllm needs a CUDA GPU and none is visible; "
                             "set eval.generation.backend=hf to generate with transformers")
    device = g.device
    if device == "auto":
        device = "cuda" if (gpu or backend == "vllm") else "cpu"
    if device.startswith("cuda") and not gpu:
        raise ValueError(f"eval.generation.device={device} but no CUDA GPU is visible; use device=cpu or auto")
    dtype = g.dtype
    if dtype == "auto":
        dtype = "float32" if device == "cpu" else "bfloat16"
    size = weights_gb(checkpoint)
    if device == "cpu" and size > g.cpu_max_weights_gb:
        message = (f"checkpoint {checkpoint} has {size:.1f} GB of weights and would generate on the CPU "
                   f"({dtype}): expect hours per benchmark. Run on a GPU node, or set "
                   "eval.generation.allow_cpu_large_model=true to do it anyway")
        if not g.allow_cpu_large_model:
            raise ValueError(message)
        log.warning("%s (allowed by eval.generation.allow_cpu_large_model)", message)
    return Placement(backend=backend, device=device, dtype=dtype, weights_gb=round(size, 3))


def checkpoint_fingerprint(checkpoint: str | Path) -> str:
    """Identity of a checkpoint's contents without reading its weights: the config and tokenizer files'
    bytes, and name, size and modification time of every weight file. Retraining into the same folder
    changes it; resuming a killed evaluation does not."""
    path = Path(checkpoint)
    digest = hashlib.sha256(str(path.resolve()).encode())
    if path.is_dir():
        for f in sorted(p for p in path.rglob("*") if p.is_file()):
            rel = str(f.relative_to(path))
            if f.suffix in WEIGHT_SUFFIXES:
                stat = f.stat()
                digest.update(f"{rel}:{stat.st_size}:{stat.st_mtime_ns}".encode())
            elif f.suffix in (".json", ".jinja", ".txt", ".model") and f.stat().st_size < 50_000_000:
                digest.update(rel.encode() + f.read_bytes())
    return digest.hexdigest()[:20]


class CheckpointGenerator:
    """One loaded checkpoint answering every benchmark's prompts, through the generation cache.

    ``generate(benchmark, requests, params)`` returns one list of generations per request, like
    ``Teacher.generate``; generations of another benchmark (or another checkpoint) never answer these.
    """

    def __init__(self, g: GenerationConfig, checkpoint: str | Path, cache_dir: str | Path | None = None,
                 teacher: Any = None, placement: Placement | None = None) -> None:
        self.checkpoint = str(Path(checkpoint).resolve()) if Path(checkpoint).exists() else str(checkpoint)
        self.placement = placement or place(g, checkpoint)
        log.warning("evaluation generates with backend=%s device=%s dtype=%s (%s, %.1f GB of weights)",
                    self.placement.backend, self.placement.device, self.placement.dtype, self.checkpoint,
                    self.placement.weights_gb)
        inner = teacher if teacher is not None else _build_backend(g, self.checkpoint, self.placement)
        self._namespace = json.dumps({"fingerprint": checkpoint_fingerprint(checkpoint),
                                      "dtype": self.placement.dtype, "chat_template": g.chat_template},
                                     sort_keys=True)
        self.teacher = inner
        self.throughput: dict[str, dict[str, float]] = {}
        self.cached = None
        if g.cache and cache_dir is not None:
            from codeio.teachers.cache import CachedTeacher

            self.cached = CachedTeacher(inner, Path(cache_dir) / CACHE_FILE)
            self.teacher = self.cached

    def generate(self, benchmark: str, requests: list, params: Any) -> list[list[Any]]:
        if self.cached is not None:
            # The cache key's namespace names the checkpoint's contents and the benchmark.
            self.cached.namespace = hashlib.sha256(f"{self._namespace}|{benchmark}".encode()).hexdigest()[:24]
        started = time.monotonic()
        outs = self.teacher.generate(requests, params)
        fresh = [g for gens in outs for g in gens if not g.cached]
        entry = self.throughput.setdefault(benchmark, {"generated": 0, "prompt_tokens": 0,
                                                       "completion_tokens": 0, "seconds": 0.0})
        entry["generated"] += len(fresh)
        entry["prompt_tokens"] += sum(g.prompt_tokens or 0 for g in fresh)
        entry["completion_tokens"] += sum(g.completion_tokens or 0 for g in fresh)
        entry["seconds"] += time.monotonic() - started
        return outs

    def stats(self) -> dict[str, Any]:
        s = self.teacher.stats
        per_benchmark = {b: {**t, "completion_tokens_per_s": round(t["completion_tokens"] / t["seconds"], 1)
                             if t["seconds"] > 0 and t["generated"] else None}
                         for b, t in self.throughput.items()}
        return {"requests_sent": s.requests, "cache_hits": s.cache_hits, "failures": dict(s.failures),
                "placement": dataclasses.asdict(self.placement), "throughput": per_benchmark}

    def close(self) -> None:
        """Release the model, and the GPU memory it held (lm-evaluation-harness loads its own copy next)."""
        self.teacher.close()
        if self.placement.device.startswith("cuda"):
            import gc

            import torch

            gc.collect()
            torch.cuda.empty_cache()


def _build_backend(g: GenerationConfig, checkpoint: str, placement: Placement) -> Any:
    batch = g.batch_size or DEFAULT_BATCH[placement.backend]
    if placement.backend == "vllm":
        from codeio.teachers.config import VLLMTeacherConfig
        from codeio.teachers.vllm_backend import VLLMTeacher

        return VLLMTeacher(VLLMTeacherConfig(
            model=checkpoint, tensor_parallel_size=g.tensor_parallel_size, dtype=placement.dtype,
            max_model_len=g.max_model_len, gpu_memory_utilization=g.gpu_memory_utilization,
            chat_template=g.chat_template, batch_size=batch, seed=g.seed or 0))
    from codeio.teachers.config import HFTeacherConfig
    from codeio.teachers.hf_backend import HFTeacher

    return HFTeacher(HFTeacherConfig(model=checkpoint, device=placement.device, dtype=placement.dtype,
                                     batch_size=batch, chat_template=g.chat_template))
