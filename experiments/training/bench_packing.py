"""Training throughput of each batching mode on CodeI/O-shaped samples, by the shared benchmark method.

Samples: prediction tasks of the paper's demo functions (``../shared/data/codeio_reference/
rawcode_1k_parsed.jsonl``, prompts from the ``tasks`` stage) answered with step-by-step reasoning by the
execution-trace teacher, as CodeI/O training samples are (``experiments/demo_data.py``). The tokenizer is a
byte-level BPE trained on those samples. Every mode trains the same samples with the same model, optimizer
and seed; only the batching differs (``trainer.batching``):

- ``padding``: samples in random order, ``--micro-batch`` per micro-batch, padded to the longest;
- ``grouped``: the same, micro-batches of similar lengths (the loader's length grouping);
- ``packing``: rows of ``--max-length`` tokens filled with whole samples, ``--micro-batch-rows`` rows per
  micro-batch, varlen attention (per-sample SDPA on CPU, flash-attention varlen with ``--attn
  flash_attention_2`` on GPU);
- ``packing-mask``: packed rows under one SDPA call with a block-diagonal mask (the previous packing
  path, kept as a reference: it computes every cross-sample block).

By default the padded micro-batch holds as many samples as a packed one does on average (same effective
batch). Throughput = real (non-padding) tokens / wall seconds of collation + forward + backward + AdamW
step, after one untimed warm-up step. The modes run interleaved, ``--repetitions`` times each
(``experiments/benchmethod.py``); a ratio whose repetitions disagree by more than 10% is not recorded.

    python experiments/training/bench_packing.py --threads 2 --max-length 4096 \\
        --out experiments/training/results/bench_packing_cpu_4096.json
    python experiments/training/bench_packing.py --device cuda --dtype bfloat16 --preset 0.5b \\
        --attn flash_attention_2 --samples 2000 --micro-batch-rows 4 --peak-tflops 989
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from experiments.benchmethod import (  # noqa: E402
    MAX_SPREAD,
    MIN_REPETITIONS,
    interleave,
    median_cell,
    ratio_cell,
    record,
    state_line,
)
from experiments.demo_data import DEMO_FUNCTIONS, require_shared_data, traced_chat_rows  # noqa: E402

PRESETS = {
    # "tiny": the quickstart's model (conf/model/tiny.yaml); "cpu": a CPU-sized decoder;
    # "0.5b": Qwen2.5-0.5B's shape (GPU runs)
    "tiny": dict(hidden_size=64, num_layers=2, num_heads=4, num_kv_heads=2, intermediate_size=128),
    "cpu": dict(hidden_size=256, num_layers=4, num_heads=8, num_kv_heads=4, intermediate_size=688),
    "0.5b": dict(hidden_size=896, num_layers=24, num_heads=14, num_kv_heads=2, intermediate_size=4864),
}
MODES = ("padding", "grouped", "packing", "packing-mask")


def model_flops_per_token(config) -> float:
    """Training FLOPs per token: 6 x the weights used in matmuls (attention projections, MLP, LM head).

    Attention scores (quadratic in length) are not counted, so the MFU is a slight underestimate."""
    h, layers, inter = config.hidden_size, config.num_hidden_layers, config.intermediate_size
    kv = h // config.num_attention_heads * config.num_key_value_heads
    per_layer = h * h * 2 + h * kv * 2 + 3 * h * inter
    return 6 * (layers * per_layer + h * config.vocab_size)


def percentiles(values: np.ndarray) -> dict[str, float]:
    return {"mean": round(float(values.mean()), 1), "p10": int(np.percentile(values, 10)),
            "p50": int(np.percentile(values, 50)), "p90": int(np.percentile(values, 90)), "max": int(values.max())}


def chat_rows(count: int, seed: int, cache_dir: Path) -> tuple[Path, dict]:
    """The traced samples as JSONL, made once per (count, seed) and kept in ``cache_dir``."""
    path = cache_dir / f"codeio_traced_{count}_{seed}.jsonl"
    meta = path.with_suffix(".meta.json")
    if not path.is_file():
        rows, failures = traced_chat_rows(count, seed)
        cache_dir.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))
        meta.write_text(json.dumps({"rows": len(rows), "trace_failures": dict(failures)}))
    return path, json.loads(meta.read_text())


class Bench:
    """Model, tokenized samples and the micro-batches of every mode; ``run(mode)`` is one timed repetition."""

    def __init__(self, args: argparse.Namespace) -> None:
        from transformers import AutoTokenizer

        from codeio.train.chat import ChatTokenizer
        from codeio.train.config import TinyModelConfig
        from codeio.train.data import ResumableLoader, TokenStore, plan_rows
        from codeio.train.tiny import ensure_tiny_model

        self.args = args
        work = Path(tempfile.mkdtemp(prefix="bench-packing-"))
        data, self.data_meta = chat_rows(args.samples, args.seed, args.cache_dir)
        tiny = TinyModelConfig(vocab_size=args.vocab_size, corpus=str(data), cache_dir=str(args.cache_dir / "models"),
                               max_position_embeddings=max(args.max_length, 4096), **PRESETS[args.preset])
        self.model_dir = ensure_tiny_model(tiny)
        self.tokenizer = AutoTokenizer.from_pretrained(self.model_dir)
        self.store = TokenStore.write(work / "store", ChatTokenizer(self.tokenizer, max_length=args.max_length,
                                                                  truncation=args.truncation), data)
        if len(self.store) == 0:
            raise SystemExit(f"no sample fits --max-length {args.max_length} (tokenization: {self.store.stats})")
        lengths = self.store.lengths()
        packed_rows = plan_rows(lengths, args.max_length, packing=True, seed=args.seed)
        single_rows = plan_rows(lengths, args.max_length, packing=False, seed=args.seed)
        self.per_packed_row = len(self.store) / len(packed_rows)
        if not args.micro_batch:
            args.micro_batch = max(1, round(self.per_packed_row * args.micro_batch_rows))
        self.loaders = {
            "padding": ResumableLoader(self.store, single_rows, args.micro_batch, 0, args.seed),
            "grouped": ResumableLoader(self.store, single_rows, args.micro_batch, 0, args.seed, group_by_length=True),
            "packing": ResumableLoader(self.store, packed_rows, args.micro_batch_rows, 0, args.seed),
        }
        self.loaders["packing-mask"] = self.loaders["packing"]
        self.batches = {mode: self.loaders[mode].batches_for_epoch(0)[: args.steps_limit] for mode in args.modes}

    def describe(self) -> dict:
        lengths = self.store.lengths()
        trained = np.add.reduceat(np.asarray(self.store.trained, dtype=np.int64), self.store.offsets[:-1])
        modes = {}
        for mode in self.args.modes:
            loader = self.loaders[mode]
            modes[mode] = {"micro_batch": loader.micro_batch_size, "unit": "rows" if "packing" in mode else "samples",
                           "micro_batches": len(self.batches[mode]), "pad_fraction": round(loader.pad_fraction(), 4),
                           "attention": self.attention(mode)}
        return {"samples": len(self.store), "trace_failures": self.data_meta["trace_failures"],
                "length_tokens": percentiles(lengths), "response_tokens": percentiles(trained),
                "truncated": self.store.stats["truncated"], "vocab": len(self.tokenizer),
                "samples_per_packed_row": round(self.per_packed_row, 2), "modes": modes}

    def attention(self, mode: str) -> str:
        if mode == "packing-mask":
            return "sdpa, block-diagonal mask"
        if mode == "packing":
            return "varlen: " + ("per-sample SDPA" if self.args.attn == "sdpa" else self.args.attn)
        return f"{self.args.attn}, causal, no mask (right padding)"

    def module(self, mode: str):
        from codeio.train.module import CausalLMModule

        args = self.args
        torch.manual_seed(args.seed)
        module = CausalLMModule(str(self.model_dir), dtype=args.dtype, attn_implementation=args.attn)
        module.configure_model()
        if mode == "packing-mask":
            module.model.set_attn_implementation("sdpa")  # transformers' plain SDPA: the 4D block mask path
        module.to(args.device)
        return module

    def run(self, mode: str):
        """One repetition, stepwise (``benchmethod.interleave`` advances the modes a micro-batch each in turn):
        set-up and a warm-up step (untimed), then one yield per micro-batch with its real tokens."""
        from codeio.train.data import collate_rows

        args, device = self.args, self.args.device
        module = self.module(mode)
        optimizer = torch.optim.AdamW(module.parameters(), lr=1e-4)

        def forward_backward(rows) -> tuple[int, int, torch.Tensor]:
            batch = {k: v.to(device, non_blocking=True) for k, v in collate_rows(self.store, rows, 0).items()}
            losses, labels = module.token_losses(batch)
            loss = losses.sum() / (labels != -100).sum().clamp(min=1)
            loss.backward()
            return int(batch["attention_mask"].sum()), batch["input_ids"].numel(), loss

        forward_backward(self.batches[mode][0])  # warm-up, not timed and not applied
        optimizer.zero_grad(set_to_none=True)
        synchronize(device)
        yield None
        real = slots = 0
        for rows in self.batches[mode]:
            tokens, width, loss = forward_backward(rows)
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            synchronize(device)
            real, slots = real + tokens, slots + width
            yield tokens
        extra = {"pad_fraction": round(1 - real / slots, 4), "last_loss": round(float(loss.detach()), 4)}
        if args.peak_tflops:
            extra["flops_per_token"] = model_flops_per_token(module.model.config)
        return extra


def synchronize(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def markdown(result: dict) -> str:
    lines = [f"{result['samples']} CodeI/O samples (trace-teacher responses), max length {result['max_length']}, "
             f"{result['device']} {result['dtype']}, preset {result['preset']}: tokens per sample "
             f"p50 {result['length_tokens']['p50']} / p90 {result['length_tokens']['p90']} / max "
             f"{result['length_tokens']['max']}, response tokens p50 {result['response_tokens']['p50']}; "
             f"{result['samples_per_packed_row']} samples per packed row.", "",
             "| mode | attention | micro-batch | padding | tokens/s median (spread) | CPU s / wall s | vs padding "
             "| tokens per CPU s | vs padding, per CPU s |", "|---|---|---|---|---|---|---|---|---|"]
    for mode, info in result["modes"].items():
        stats = result["methods"][mode]
        ratio = result["ratios"].get(f"{mode} / padding")
        cpu_ratio = result["ratios"].get(f"{mode} / padding (per CPU second)")
        lines.append(f"| {mode} | {info['attention']} | {info['micro_batch']} {info['unit']} | "
                     f"{100 * info['pad_fraction']:.1f}% | {median_cell(stats['rate'])} | "
                     f"{stats['cpu_per_wall']['median']:.2f} | {ratio_cell(ratio) if ratio else '1'} | "
                     f"{median_cell(stats['rate_per_cpu_second'])} | {ratio_cell(cpu_ratio) if cpu_ratio else '1'} |")
    for name in ("packing / grouped", "packing / grouped (per CPU second)"):
        if name in result["ratios"]:
            lines.append(f"\n{name}: {ratio_cell(result['ratios'][name])}")
    lines += ["", state_line(result["method"]) + ".", f"Command: `{result['command']}`"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=64)
    parser.add_argument("--max-length", type=int, default=4096)
    parser.add_argument("--modes", default=",".join(MODES), help=f"comma-separated, from {','.join(MODES)}")
    parser.add_argument("--micro-batch", type=int, default=0,
                        help="padded modes: samples per micro-batch; 0 = as many as a packed micro-batch holds on "
                             "average (same effective batch)")
    parser.add_argument("--micro-batch-rows", type=int, default=1, help="packed modes: rows per micro-batch")
    parser.add_argument("--preset", choices=sorted(PRESETS), default="cpu")
    parser.add_argument("--vocab-size", type=int, default=4096)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--dtype", default="float32")
    parser.add_argument("--attn", default="sdpa", help="model.attn_implementation (sdpa, flash_attention_2, ...)")
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0 = leave)")
    parser.add_argument("--steps-limit", type=int, default=10**9)
    parser.add_argument("--repetitions", type=int, default=MIN_REPETITIONS)
    parser.add_argument("--max-spread", type=float, default=MAX_SPREAD,
                        help="refuse to record a ratio whose repetitions disagree by more than this fraction")
    parser.add_argument("--peak-tflops", type=float, default=0.0, help="accelerator peak (bf16) for MFU")
    parser.add_argument("--cache-dir", type=Path, default=Path(".cache/codeio/bench_packing"),
                        help="traced samples and tokenizers/models, built once")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "bench_packing.json")
    parser.add_argument("--truncation", choices=("right", "prompt_first"), default="right",
                        help="trainer.truncation: how a sample longer than --max-length is cut")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    args.modes = [m for m in args.modes.split(",") if m]
    unknown = sorted(set(args.modes) - set(MODES))
    if unknown or not args.modes:
        parser.error(f"--modes: unknown {unknown}; choose from {','.join(MODES)}")
    if args.threads:
        torch.set_num_threads(args.threads)
    require_shared_data(DEMO_FUNCTIONS)
    command = "python experiments/training/bench_packing.py " + " ".join(
        f"--{k.replace('_', '-')} {','.join(v) if isinstance(v, list) else v}" for k, v in vars(args).items()
        if k not in ("out", "cache_dir"))

    bench = Bench(args)
    result = {"command": command, "device": args.device, "dtype": args.dtype, "preset": args.preset,
              "max_length": args.max_length, "threads": torch.get_num_threads(), **bench.describe()}
    print(json.dumps({k: result[k] for k in ("samples", "length_tokens", "response_tokens", "modes")}, indent=1),
          flush=True)

    def progress(name, repetition, sample):
        print(f"  repetition {repetition + 1} {name:13s} {sample.rate:10.1f} tokens/s  wall {sample.wall_s:7.1f} s  "
              f"cpu {sample.cpu_s:7.1f} s  {sample.extra}", flush=True)

    comparison = interleave({mode: (lambda m=mode: bench.run(m)) for mode in args.modes},
                            repetitions=args.repetitions, max_spread=args.max_spread, on_sample=progress)
    for per_cpu_second in (False, True):
        if "padding" in args.modes:
            for mode in args.modes:
                if mode != "padding":
                    comparison.ratio(mode, "padding", per_cpu_second=per_cpu_second)
        if {"packing", "grouped"} <= set(args.modes):
            comparison.ratio("packing", "grouped", per_cpu_second=per_cpu_second)
    result.update(comparison.to_dict())
    if args.peak_tflops:  # model FLOPs utilisation of each mode, from its median rate
        for mode in args.modes:
            flops = result["methods"][mode]["runs"][0]["flops_per_token"] * result["methods"][mode]["rate"]["median"]
            result["modes"][mode]["mfu"] = round(flops / (args.peak_tflops * 1e12), 4)
    text = markdown(result)
    print(text)
    record(result, args.out, text)


if __name__ == "__main__":
    main()
