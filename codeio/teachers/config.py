"""Config schemas of the LLM teachers (group ``teacher``: ``openai``, ``vllm``, ``hf``). Light module.

Every schema has a ``sampling`` block (the settings of each request) and ``cache_failures``; the class
``_target_`` names takes the whole config (``__init__(self, cfg)``), and ``codeio.teachers.build_teacher``
wraps it in the response cache. Fields marked ``affects_output: False`` say how a model is reached or
run, never what it answers: they stay out of the stage keys and the response-cache key, so moving an
endpoint or changing the parallelism keeps every cached response and stage output.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from codeio.teachers.base import SamplingParams

TRANSPORT = {"affects_output": False}
"""Field metadata of settings that change how a teacher is reached or run, never what it answers."""

SamplingConfig = SamplingParams
"""The ``teacher.sampling`` block is the request settings dataclass itself (``teachers/base.py``)."""


@dataclass
class TeacherConfigBase:
    sampling: SamplingConfig = field(default_factory=SamplingConfig)
    """The settings of every request (temperature, max_tokens, samples per prompt, seed, stop)."""
    cache_failures: bool = field(default=False, metadata=TRANSPORT)
    """Store failed requests in the response cache as final (default: they are retried next run)."""


@dataclass
class OpenAITeacherConfig(TeacherConfigBase):
    """Any OpenAI-compatible endpoint: ``vllm serve``, SGLang, DeepSeek's or OpenAI's API."""

    _target_: str = "codeio.teachers.openai_backend.OpenAITeacher"
    model: str = "default"
    """Model name the endpoint serves (``vllm serve``: the path or name it was started with)."""
    base_url: Any = field(default="http://127.0.0.1:8000/v1", metadata=TRANSPORT)
    """One URL ending in ``/v1``, or a list of them sharing the load."""
    api_key_env: str | None = field(default="OPENAI_API_KEY", metadata=TRANSPORT)
    """NAME of the environment variable holding the key (the key itself never goes in a config)."""
    allow_missing_key: bool | None = field(default=None, metadata=TRANSPORT)
    """Send a dummy key when the variable is unset. None = only when every endpoint is on localhost."""
    max_concurrency: int = field(default=64, metadata=TRANSPORT)
    """Requests in flight at once (over all endpoints)."""
    # A transport setting although it can decide which requests fail: an answer that arrives is the same
    # answer whatever the limit, and a request that runs out of time is a transient failure like a dropped
    # connection or an exhausted max_retries (counted as a rejection, never stored in the response
    # cache). Raising the limit to rescue such rows is a rerun (cache.refresh=true on the stage), which
    # the response cache keeps cheap. Execution limits (executor, sampler, verifier, the trace teacher's
    # timeout) are different: they bound deterministic code, so they change results and enter the keys.
    timeout: float = field(default=600.0, metadata=TRANSPORT)
    """Seconds one attempt may take before it is abandoned and retried."""
    connect_timeout: float = field(default=30.0, metadata=TRANSPORT)
    """Seconds to establish a connection before the attempt is retried."""
    max_retries: int = field(default=8, metadata=TRANSPORT)
    """Retries after the first attempt (429, 5xx, timeouts, dropped connections); then the sample fails."""
    backoff_initial: float = field(default=1.0, metadata=TRANSPORT)
    """First retry waits about this long (with jitter); each further retry doubles it."""
    backoff_max: float = field(default=60.0, metadata=TRANSPORT)
    """Longest wait between attempts, also the cap on a server's ``Retry-After``."""
    extra_body: dict[str, Any] = field(default_factory=dict)
    """More JSON fields for every request (e.g. vLLM's ``top_k``, ``repetition_penalty``)."""
    client: str = field(default="aiohttp", metadata=TRANSPORT)
    """HTTP client: ``aiohttp`` (fast at high concurrency) or ``httpx``."""

    def __post_init__(self) -> None:
        urls = [self.base_url] if isinstance(self.base_url, str) else list(self.base_url or [])
        if not urls or not all(isinstance(u, str) and u.startswith(("http://", "https://")) for u in urls):
            raise ValueError(f"teacher.base_url must be an http(s) URL or a list of them, got {self.base_url!r}")
        if self.api_key_env is not None and (not self.api_key_env or not self.api_key_env.replace("_", "").isalnum()):
            raise ValueError("teacher.api_key_env must be the NAME of an environment variable "
                             "(letters, digits, underscores), not the key itself")
        if self.max_concurrency < 1:
            raise ValueError("teacher.max_concurrency must be >= 1")
        if self.max_retries < 0:
            raise ValueError("teacher.max_retries must be >= 0")
        if self.timeout <= 0 or self.connect_timeout <= 0:
            raise ValueError("teacher.timeout and teacher.connect_timeout must be > 0")
        if self.backoff_initial < 0 or self.backoff_max < 0:
            raise ValueError("teacher.backoff_initial and teacher.backoff_max must be >= 0")
        if self.client not in ("aiohttp", "httpx"):
            raise ValueError(f"teacher.client must be 'aiohttp' or 'httpx', got {self.client!r}")


@dataclass
class VLLMTeacherConfig(TeacherConfigBase):
    """The offline vLLM engine on this node's GPUs (``pip install -e '.[vllm]'``)."""

    _target_: str = "codeio.teachers.vllm_backend.VLLMTeacher"
    model: str = "Qwen/Qwen2.5-Coder-7B-Instruct"
    """Hugging Face name or local path of the model."""
    tensor_parallel_size: int = field(default=1, metadata=TRANSPORT)
    """GPUs one model is split over."""
    dtype: str = "auto"
    """Weights' dtype (``auto`` = the checkpoint's)."""
    max_model_len: int | None = None
    """Context length (prompt + answer); None = the model's own."""
    gpu_memory_utilization: float = field(default=0.9, metadata=TRANSPORT)
    """Share of each GPU's memory the engine may take."""
    enable_prefix_caching: bool = field(default=True, metadata=TRANSPORT)
    """Reuse the KV cache of shared prefixes (revision turns repeat the whole earlier conversation)."""
    trust_remote_code: bool = False
    """Run the model repository's own Python code (some architectures need it)."""
    chat_template: str | None = None
    """A Jinja chat template (text or a file path) replacing the tokenizer's own."""
    batch_size: int | None = field(default=None, metadata=TRANSPORT)
    """Conversations handed to ``LLM.chat`` at once; None = the whole batch given to ``generate``."""
    seed: int = 0
    """Engine seed (per-request seeds come from ``sampling.seed``)."""
    engine_kwargs: dict[str, Any] = field(default_factory=dict)
    """More keyword arguments for ``vllm.LLM`` (e.g. ``quantization``, ``max_num_seqs``)."""

    def __post_init__(self) -> None:
        if self.tensor_parallel_size < 1:
            raise ValueError("teacher.tensor_parallel_size must be >= 1")
        if not 0 < self.gpu_memory_utilization <= 1:
            raise ValueError("teacher.gpu_memory_utilization must be in (0, 1]")
        if self.batch_size is not None and self.batch_size < 1:
            raise ValueError("teacher.batch_size must be >= 1 or null")
        if self.max_model_len is not None and self.max_model_len < 1:
            raise ValueError("teacher.max_model_len must be >= 1 or null")


@dataclass
class HFTeacherConfig(TeacherConfigBase):
    """transformers ``generate`` for small models (CPU-capable): tests, laptops, tiny experiments."""

    _target_: str = "codeio.teachers.hf_backend.HFTeacher"
    model: str = "???"
    """Local path (or hub name, when downloads are possible) of a causal LM and its tokenizer."""
    device: str = field(default="cpu", metadata=TRANSPORT)
    """``cpu``, ``cuda`` or ``cuda:N``."""
    dtype: str = "float32"
    """``float32``, ``bfloat16`` or ``float16``."""
    batch_size: int = field(default=8, metadata=TRANSPORT)
    """Conversations generated together (left-padded)."""
    chat_template: str | None = None
    """A Jinja chat template (text or a file path) replacing the tokenizer's own; a tokenizer without one
    gets a plain ``<|role|>`` template."""
    trust_remote_code: bool = False
    """Run the model repository's own Python code (some architectures need it)."""

    def __post_init__(self) -> None:
        if self.batch_size < 1:
            raise ValueError("teacher.batch_size must be >= 1")
        if self.dtype not in ("float32", "bfloat16", "float16"):
            raise ValueError(f"teacher.dtype must be float32, bfloat16 or float16, got {self.dtype!r}")


SCHEMAS = {
    "teacher": {
        "openai_schema": OpenAITeacherConfig,
        "vllm_schema": VLLMTeacherConfig,
        "hf_schema": HFTeacherConfig,
    }
}
