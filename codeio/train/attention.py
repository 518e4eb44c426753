"""Attention for packed rows: which kernel keeps the samples of a row apart, and how it is fed.

A packed micro-batch is flattened into one row with the sample boundaries ``cu_seq_lens`` (flash-attention's
varlen format); only real tokens remain. Then:

- ``flash_attention_2`` / ``_3`` (GPU with flash-attn): the varlen kernel computes each sample's causal
  triangle and nothing else;
- ``sdpa``: the model runs with ``SDPA_VARLEN``, which calls PyTorch's SDPA once per sample with
  ``is_causal=True``, so it too computes only each sample's causal triangle (on CPU, SDPA's flash kernel
  skips the blocks above the diagonal; a single SDPA call under a block-diagonal mask would compute the
  whole row, several times the work on CodeI/O lengths). It is also the fallback when flash-attn is missing;
- ``eager`` (e.g. Gemma-2's soft-capped logits without flash-attn): the rows stay unflattened under a
  block-diagonal causal mask (``block_causal_mask``).

FlexAttention skips masked blocks too, but torch 2.13 has no FlexAttention backward on CPU, so it is no
option for CPU training; on GPU ``flex_attention`` keeps transformers' own packed-sequence handling.

Padded micro-batches need no mask at all: ``collate_rows`` pads at the right end of a row, and in a causal
model a real token never sees a later token, so the padding cannot reach it. Leaving the mask out keeps
every kernel on its causal fast path (SDPA with a padding mask computes the whole square).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F

FLASH_IMPLEMENTATIONS = ("flash_attention_2", "flash_attention_3")
SDPA_VARLEN = "codeio_sdpa_varlen"
"""Name under which the per-sample SDPA attention is registered with transformers' AttentionInterface.
It is never written into a saved config (transformers does not serialise the implementation)."""
VARLEN_IMPLEMENTATIONS = (*FLASH_IMPLEMENTATIONS, SDPA_VARLEN)
"""Implementations fed flattened micro-batches with ``cu_seq_lens`` boundaries."""


def is_packed(seq_ids: torch.Tensor) -> bool:
    """True when some row holds more than one sample (seq id > 0 somewhere)."""
    return bool((seq_ids.max(dim=1).values > 0).any())


def block_causal_mask(seq_ids: torch.Tensor) -> torch.Tensor:
    """Boolean (B, 1, L, L) mask: token i sees token j iff same sample and j <= i.

    Padding tokens (seq id -1) see only themselves, so no softmax row is empty (an empty row gives NaN).
    """
    length = seq_ids.shape[1]
    same = seq_ids[:, :, None] == seq_ids[:, None, :]
    causal = torch.ones(length, length, dtype=torch.bool, device=seq_ids.device).tril()
    valid = (seq_ids >= 0)[:, :, None]
    eye = torch.eye(length, dtype=torch.bool, device=seq_ids.device)
    return ((same & causal & valid) | eye)[:, None, :, :]


def flash_varlen_inputs(batch: dict[str, torch.Tensor]) -> dict[str, Any]:
    """Flatten a packed micro-batch into one row with varlen boundaries (padding dropped)."""
    seq_ids = batch["seq_ids"]
    keep = seq_ids >= 0
    # a new sample starts where the (row, seq id) pair changes
    row_ids = torch.arange(seq_ids.shape[0], device=seq_ids.device)[:, None].expand_as(seq_ids)
    flat_seq = (row_ids * (seq_ids.max() + 1) + seq_ids)[keep]
    starts = torch.ones_like(flat_seq, dtype=torch.bool)
    starts[1:] = flat_seq[1:] != flat_seq[:-1]
    boundaries = torch.nonzero(starts).flatten()
    total = flat_seq.numel()
    cu = torch.cat([boundaries, torch.tensor([total], device=flat_seq.device)]).to(torch.int32)
    max_len = int((cu[1:] - cu[:-1]).max())
    return {
        "input_ids": batch["input_ids"][keep][None],
        "position_ids": batch["position_ids"][keep][None],
        "labels": batch["labels"][keep][None],
        "seq_ids": seq_ids[keep][None],
        "cu_seq_lens_q": cu, "cu_seq_lens_k": cu, "max_length_q": max_len, "max_length_k": max_len,
    }


def sdpa_varlen_attention(module: torch.nn.Module, query: torch.Tensor, key: torch.Tensor, value: torch.Tensor,
                          attention_mask: torch.Tensor | None, dropout: float = 0.0, scaling: float | None = None,
                          cu_seq_lens_q: torch.Tensor | None = None, **kwargs: Any) -> tuple[torch.Tensor, None]:
    """transformers attention function: one causal SDPA call per sample of a flattened packed row.

    Without ``cu_seq_lens_q`` (a padded or single-sample batch) it is transformers' own SDPA attention.
    Shapes as transformers passes them: query (1, heads, tokens, dim), key/value (1, kv heads, tokens, dim);
    returns (1, tokens, heads, dim).
    """
    from transformers.integrations.sdpa_attention import sdpa_attention_forward

    if cu_seq_lens_q is None:
        return sdpa_attention_forward(module, query, key, value, attention_mask, dropout=dropout,
                                      scaling=scaling, **kwargs)
    if kwargs.get("softcap") is not None:
        raise ValueError("this model soft-caps attention logits, which SDPA cannot do: use "
                         "model.attn_implementation=eager or flash_attention_2")
    bounds = cu_seq_lens_q.tolist()
    window = kwargs.get("sliding_window")
    if window and max(b - a for a, b in zip(bounds[:-1], bounds[1:], strict=True)) > window:
        raise ValueError(f"a packed sample is longer than this layer's sliding window ({window} tokens), which "
                         "per-sample SDPA does not apply: use flash_attention_2, or trainer.batching=grouped")
    gqa = query.shape[1] != key.shape[1]
    outputs = [
        F.scaled_dot_product_attention(query[:, :, a:b], key[:, :, a:b], value[:, :, a:b], dropout_p=dropout,
                                       scale=scaling, is_causal=True, enable_gqa=gqa)
        for a, b in zip(bounds[:-1], bounds[1:], strict=True)
    ]
    return torch.cat(outputs, dim=2).transpose(1, 2).contiguous(), None


def _dense_mask_only_for_padding(*args: Any, attention_mask: torch.Tensor | None = None, **kwargs: Any):
    """Mask builder of ``SDPA_VARLEN``: no dense mask unless a caller passes a padding mask (then sdpa's).

    Packed rows arrive with ``cu_seq_lens`` and need none; building a (tokens x tokens) block mask for a
    flattened micro-batch would cost memory for nothing."""
    if attention_mask is None:
        return None
    from transformers.masking_utils import sdpa_mask

    return sdpa_mask(*args, attention_mask=attention_mask, **kwargs)


def register_sdpa_varlen() -> None:
    """Make ``SDPA_VARLEN`` a valid ``attn_implementation`` (idempotent)."""
    from transformers import AttentionInterface, AttentionMaskInterface

    AttentionInterface.register(SDPA_VARLEN, sdpa_varlen_attention)
    AttentionMaskInterface.register(SDPA_VARLEN, _dense_mask_only_for_padding)


def flash_available(implementation: str) -> bool:
    from transformers.utils import import_utils

    check = {"flash_attention_2": import_utils.is_flash_attn_2_available,
             "flash_attention_3": import_utils.is_flash_attn_3_available}[implementation]
    return bool(check())


def training_attention(requested: str, soft_capped: Callable[[], bool] = lambda: False) -> tuple[str, str | None]:
    """The implementation to train with for ``model.attn_implementation=requested``, and a note when it
    had to fall back (flash-attn missing or no CUDA device). ``soft_capped()``: whether the model soft-caps
    attention logits (asked only when falling back)."""
    if requested == "sdpa":
        register_sdpa_varlen()
        return SDPA_VARLEN, None
    if requested in FLASH_IMPLEMENTATIONS and not flash_available(requested):
        package = "flash-attn" if requested == "flash_attention_2" else "flash-attn-3 (flash_attn_interface)"
        why = (f"model.attn_implementation={requested} needs the {package} package and a CUDA GPU, and this "
               f"machine lacks one of them (install: pip install flash-attn --no-build-isolation)")
        if soft_capped():  # SDPA cannot soft-cap logits; eager can, with the block-diagonal mask
            return "eager", (f"{why}; this model soft-caps attention logits, so training falls back to eager "
                             "attention (packed rows under a block-diagonal mask: same losses, much slower)")
        register_sdpa_varlen()
        return SDPA_VARLEN, (f"{why}; training falls back to per-sample SDPA attention (same losses, slower "
                             "than the varlen kernel on long packed rows)")
    return requested, None
