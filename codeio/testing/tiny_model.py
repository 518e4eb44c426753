"""A tiny random-initialised causal LM with a tokenizer trained on the spot: no downloads.

Reuses the builder of the ``tiny`` training model (``codeio.train.tiny``) and saves a normal
``save_pretrained`` directory that any transformers-based component can load::

    from codeio.testing.tiny_model import build_tiny_model
    path = build_tiny_model(tmp_path / "tiny", arch="llama", chat_template=False)

From a shell: ``python -m codeio.testing.tiny_model /tmp/tiny-lm [--arch llama] [--no-chat-template]``.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def build_tiny_model(path: str | Path, arch: str = "qwen2", chat_template: bool = True, seed: int = 0,
                     vocab_size: int = 512, hidden_size: int = 32, num_layers: int = 2) -> Path:
    """Build and save a tiny model + tokenizer in ``path``; ``chat_template=False`` saves the tokenizer
    without a chat template (to exercise fallbacks). Returns ``path``. Takes a few seconds on a CPU."""
    from codeio.train.config import TinyModelConfig
    from codeio.train.tiny import build_model, build_tokenizer

    cfg = TinyModelConfig(arch=arch, vocab_size=vocab_size, hidden_size=hidden_size, num_layers=num_layers,
                          num_heads=4, num_kv_heads=2, intermediate_size=2 * hidden_size,
                          max_position_embeddings=2048, seed=seed)
    tokenizer = build_tokenizer(cfg)
    if not chat_template:
        tokenizer.chat_template = None
    model = build_model(cfg, len(tokenizer), tokenizer.pad_token_id, tokenizer.eos_token_id)
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Build a tiny random causal LM (no downloads).")
    parser.add_argument("path")
    parser.add_argument("--arch", choices=["qwen2", "llama"], default="qwen2")
    parser.add_argument("--no-chat-template", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    print(build_tiny_model(args.path, arch=args.arch, chat_template=not args.no_chat_template, seed=args.seed))


if __name__ == "__main__":
    main()
