"""The ``tiny`` model: a small random Qwen2/Llama plus a byte-level BPE tokenizer trained on the spot.

Built once per configuration and kept under ``model.tiny.cache_dir/<hash>`` as a normal
``save_pretrained`` directory, so everything downstream treats it like any other checkpoint.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

from codeio.train.config import TinyModelConfig

CHATML_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
"""Fallback chat template (ChatML) for tokenizers that ship none."""

SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]

# Built-in tokenizer text: a little prose and code, enough for a byte-level BPE to learn useful merges.
_BUILTIN_TEXT = """
def main_solution(numbers, target):
    seen = {}
    for index, value in enumerate(numbers):
        if target - value in seen:
            return [seen[target - value], index]
        seen[value] = index
    return []

class Stack:
    def __init__(self):
        self.items = []
    def push(self, item):
        self.items.append(item)
    def pop(self):
        return self.items.pop() if self.items else None

You are given a function and an input. Predict the output without running the code, reason step by step,
and end with a JSON object such as {"output": 42} or {"input": {"n": 3}}.
Let me check if I did it correctly. Yes, that's correct. Oops, something went wrong, let me try again.
The quick brown fox jumps over the lazy dog. Numbers: 0 1 2 3 4 5 6 7 8 9 10 100 1000 3.14 -1 true false null
"""


def _corpus_lines(corpus: str | None, limit: int = 20000) -> Iterator[str]:
    yield from [_BUILTIN_TEXT] * 4
    if not corpus:
        return
    path = Path(corpus)
    if not path.is_file():
        return
    with path.open(encoding="utf-8", errors="replace") as handle:
        for count, line in enumerate(handle):
            if count >= limit:
                break
            if path.suffix == ".jsonl":
                try:
                    row = json.loads(line)
                    yield "\n".join(str(m.get("content", "")) for m in row.get("messages", []))
                    continue
                except (ValueError, AttributeError, TypeError):
                    pass
            yield line


def tiny_key(cfg: TinyModelConfig) -> str:
    fields = asdict(cfg)
    fields.pop("cache_dir")
    if cfg.corpus and Path(cfg.corpus).is_file():
        stat = Path(cfg.corpus).stat()
        fields["corpus"] = [str(Path(cfg.corpus).resolve()), stat.st_size, stat.st_mtime_ns]
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()[:16]


def build_tokenizer(cfg: TinyModelConfig):
    """Train a byte-level BPE on the corpus and wrap it as a transformers fast tokenizer."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(
        vocab_size=cfg.vocab_size,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(_corpus_lines(cfg.corpus), trainer=trainer)
    wrapped = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        additional_special_tokens=["<|im_start|>"],
    )
    wrapped.chat_template = CHATML_TEMPLATE
    return wrapped


def build_model(cfg: TinyModelConfig, vocab_size: int, pad_id: int, eos_id: int):
    import torch
    from transformers import AutoModelForCausalLM, LlamaConfig, Qwen2Config

    common = dict(
        vocab_size=vocab_size,
        hidden_size=cfg.hidden_size,
        intermediate_size=cfg.intermediate_size,
        num_hidden_layers=cfg.num_layers,
        num_attention_heads=cfg.num_heads,
        num_key_value_heads=cfg.num_kv_heads,
        max_position_embeddings=cfg.max_position_embeddings,
        pad_token_id=pad_id,
        eos_token_id=eos_id,
        bos_token_id=None,
        tie_word_embeddings=False,
    )
    config = Qwen2Config(**common) if cfg.arch == "qwen2" else LlamaConfig(**common)
    torch.manual_seed(cfg.seed)
    return AutoModelForCausalLM.from_config(config, dtype=torch.float32)


def tiny_model_dir(cfg: TinyModelConfig) -> Path:
    return Path(os.path.expanduser(cfg.cache_dir)) / f"{cfg.arch}-{tiny_key(cfg)}"


def ensure_tiny_model(cfg: TinyModelConfig) -> Path:
    """Directory of the tiny model for this configuration, building it on first use (atomic rename)."""
    target = tiny_model_dir(cfg)
    root = target.parent
    if (target / "config.json").is_file():
        return target
    root.mkdir(parents=True, exist_ok=True)
    tokenizer = build_tokenizer(cfg)
    model = build_model(cfg, len(tokenizer), tokenizer.pad_token_id, tokenizer.eos_token_id)
    staging = Path(tempfile.mkdtemp(prefix=".building-", dir=root))
    model.save_pretrained(staging)
    tokenizer.save_pretrained(staging)
    try:
        staging.rename(target)
    except OSError:  # another process built it first: keep theirs
        import shutil

        shutil.rmtree(staging, ignore_errors=True)
    return target
