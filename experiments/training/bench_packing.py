"""Packed vs padded training throughput on the length distribution of real CodeI/O samples.

Samples are built from ../shared/data/codeio_reference/rawcode_1k_parsed.jsonl: every recorded
input/output pair of the paper's 464 demo functions becomes one prediction task (alternately output and
input prediction) whose prompt holds the query, the I/O description, the given side and the reference
code, and whose response is the recorded answer as JSON. The two modes train on the same samples in the
same order with the same model and optimizer; only the batching differs:

- padded: ``--micro-batch`` samples per micro-batch, padded to the longest one (multiple of 8); by default
  as many samples as a packed micro-batch holds on average, so both modes take the same effective batch;
- packed: rows of ``--max-length`` tokens filled with whole samples (block-diagonal attention,
  position ids restarting per sample), ``--micro-batch-rows`` rows per micro-batch.

Throughput = real (non-padding) tokens / wall time of forward + backward + optimizer step.

    .venv/bin/python experiments/training/bench_packing.py            # CPU, prints a table, writes results
    .venv/bin/python experiments/training/bench_packing.py --device cuda --dtype bfloat16 --preset 0.5b
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
SHARED = HERE.parents[1].parent / "shared" / "data" / "codeio_reference" / "rawcode_1k_parsed.jsonl"

PRESETS = {
    # a CPU-sized decoder; "0.5b" follows Qwen2.5-0.5B's shape (for GPU runs)
    "cpu": dict(hidden_size=256, num_layers=4, num_heads=8, num_kv_heads=4, intermediate_size=688),
    "0.5b": dict(hidden_size=896, num_layers=24, num_heads=14, num_kv_heads=2, intermediate_size=4864),
}


def codeio_rows(path: Path, seed: int = 0) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    with path.open() as handle:
        for line in handle:
            fn = json.loads(line)
            for pair in fn.get("ios") or []:
                kind = rng.choice(["output", "input"])
                given = ("input", pair["input"]) if kind == "output" else ("output", pair["output"])
                prompt = (
                    f"{fn['problem_description']}\n\n{fn['io_requirements']}\n\n"
                    f"Given the following {given[0]}:\n\n{json.dumps(given[1])}\n\n"
                    f"Work out the {kind} by reasoning step by step, without writing code, and finish with a "
                    f"JSON object whose key is \"{kind}\".\n\nTip: this reference code may help you "
                    f"(do not copy it):\n\n{fn['refcode']}"
                )
                answer = pair["output"] if kind == "output" else pair["input"]
                response = f"The {kind} follows from the description.\n```json\n{json.dumps({kind: answer})}\n```"
                rows.append({"messages": [{"role": "user", "content": prompt},
                                          {"role": "assistant", "content": response}]})
    return rows


def run_mode(module, store, rows, micro_batch, pad_id, device, steps_limit):
    from codeio.train.data import collate_rows

    optimizer = torch.optim.AdamW(module.parameters(), lr=1e-4)
    batches = [rows[i : i + micro_batch] for i in range(0, len(rows), micro_batch)][:steps_limit]
    real = total = 0
    # one warm-up step, not timed
    warm = {k: v.to(device) for k, v in collate_rows(store, batches[0], pad_id).items()}
    losses, labels = module.token_losses(warm)
    (losses.sum() / (labels != -100).sum()).backward()
    optimizer.zero_grad(set_to_none=True)
    if device == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    for rows_of_batch in batches:
        batch = {k: v.to(device, non_blocking=True) for k, v in collate_rows(store, rows_of_batch, pad_id).items()}
        losses, labels = module.token_losses(batch)
        (losses.sum() / (labels != -100).sum().clamp(min=1)).backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        real += int(batch["attention_mask"].sum())
        total += batch["input_ids"].numel()
    if device == "cuda":
        torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    return {"seconds": round(seconds, 3), "real_tokens": real, "slots": total,
            "pad_fraction": round(1 - real / total, 4), "tokens_per_s": round(real / seconds, 1),
            "micro_batches": len(batches)}


def model_flops_per_token(config) -> float:
    """Training FLOPs per token: 6 x the weights used in matmuls (attention projections, MLP, LM head).

    Attention scores (quadratic in length) are not counted, so the MFU is a slight underestimate."""
    h, layers, inter = config.hidden_size, config.num_hidden_layers, config.intermediate_size
    kv = h // config.num_attention_heads * config.num_key_value_heads
    per_layer = h * h * 2 + h * kv * 2 + 3 * h * inter
    return 6 * (layers * per_layer + h * config.vocab_size)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=SHARED)
    parser.add_argument("--samples", type=int, default=192)
    parser.add_argument("--max-length", type=int, default=4096)
    parser.add_argument("--micro-batch", type=int, default=0,
                        help="padded: samples per micro-batch; 0 = as many as a packed micro-batch holds on average "
                             "(same effective batch)")
    parser.add_argument("--micro-batch-rows", type=int, default=1, help="packed: rows per micro-batch")
    parser.add_argument("--preset", choices=sorted(PRESETS), default="cpu")
    parser.add_argument("--vocab-size", type=int, default=4096)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--dtype", default="float32")
    parser.add_argument("--attn", default="sdpa")
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0 = leave)")
    parser.add_argument("--steps-limit", type=int, default=10**9)
    parser.add_argument("--peak-tflops", type=float, default=0.0, help="accelerator peak (bf16) for MFU")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "bench_packing.json")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    if not args.data.is_file():
        raise SystemExit(f"data not found: {args.data} (see ../shared/data/README.md)")

    from codeio.train.chat import ChatTokenizer
    from codeio.train.config import TinyModelConfig
    from codeio.train.data import TokenStore, plan_rows
    from codeio.train.module import CausalLMModule
    from codeio.train.tiny import ensure_tiny_model

    work = Path(tempfile.mkdtemp(prefix="bench-packing-"))
    all_rows = codeio_rows(args.data, args.seed)
    chosen = random.Random(args.seed).sample(all_rows, min(args.samples, len(all_rows)))
    data = work / "codeio.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in chosen))
    tiny = TinyModelConfig(vocab_size=args.vocab_size, corpus=str(data), cache_dir=str(work / "model"),
                           max_position_embeddings=args.max_length, **PRESETS[args.preset])
    model_dir = ensure_tiny_model(tiny)
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    store = TokenStore.write(work / "store", ChatTokenizer(tokenizer, max_length=args.max_length), data)
    lengths = store.lengths()

    results = {"command": "python experiments/training/bench_packing.py " + " ".join(
                   f"--{k.replace('_', '-')} {v}" for k, v in vars(args).items() if k not in ("out", "data")),
               "samples": len(store), "device": args.device, "dtype": args.dtype, "preset": args.preset,
               "length_tokens": {"mean": round(float(lengths.mean()), 1), "p50": int(np.percentile(lengths, 50)),
                                 "p90": int(np.percentile(lengths, 90)), "max": int(lengths.max())},
               "truncated": store.stats["truncated"], "vocab": len(tokenizer)}
    padded_rows = plan_rows(lengths, args.max_length, packing=False, seed=args.seed)
    packed_rows = plan_rows(lengths, args.max_length, packing=True, seed=args.seed)
    results["packed_rows"] = len(packed_rows)
    results["samples_per_packed_row"] = round(len(store) / len(packed_rows), 2)
    if not args.micro_batch:
        args.micro_batch = max(1, round(len(store) / len(packed_rows) * args.micro_batch_rows))

    dtype = getattr(torch, args.dtype)
    for mode, rows, micro in (("padded", padded_rows, args.micro_batch), ("packed", packed_rows, args.micro_batch_rows)):
        torch.manual_seed(args.seed)
        module = CausalLMModule(str(model_dir), dtype=args.dtype, attn_implementation=args.attn)
        module.configure_model()
        module.to(args.device)
        if args.device == "cuda" and args.dtype != "float32":
            module.to(dtype)
        results[mode] = run_mode(module, store, rows, micro, tokenizer.pad_token_id, args.device, args.steps_limit)
        results[mode]["micro_batch"] = micro
        if args.peak_tflops:
            flops = model_flops_per_token(module.model.config) * results[mode]["tokens_per_s"]
            results[mode]["mfu"] = round(flops / (args.peak_tflops * 1e12), 4)
        del module
    results["speedup_packed_over_padded"] = round(results["packed"]["tokens_per_s"] / results["padded"]["tokens_per_s"], 2)

    print(f"{len(store)} CodeI/O samples, tokens mean {results['length_tokens']['mean']} "
          f"p50 {results['length_tokens']['p50']} p90 {results['length_tokens']['p90']} max {results['length_tokens']['max']}")
    print(f"{'mode':8} {'micro':>6} {'steps':>6} {'pad %':>7} {'tokens/s':>10} {'seconds':>8}")
    for mode in ("padded", "packed"):
        r = results[mode]
        print(f"{mode:8} {r['micro_batch']:>6} {r['micro_batches']:>6} {100 * r['pad_fraction']:>6.1f}% "
              f"{r['tokens_per_s']:>10.1f} {r['seconds']:>8.2f}" + (f"  MFU {r['mfu']:.3f}" if "mfu" in r else ""))
    print(f"packed / padded: {results['speedup_packed_over_padded']}x")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
