"""Transform + sample statistics on the shared corpora (reasoning-gym, rawcode_1k_parsed).

    .venv/bin/python experiments/sampling/run_stats.py --corpus reasoning_gym --corpus rawcode_1k_parsed

Prints a table and writes ``stats.json`` and ``stats.md`` beside this script. ``--repeat N`` re-samples
the first N functions with the same seed and reports whether the pairs are byte-identical.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from collections import Counter
from pathlib import Path

from codeio.execution import make_executor
from codeio.sampling import Sampler
from codeio.sampling.config import SamplerConfig
from codeio.sources.base import Rejected
from codeio.sources.config import ReasoningGymSourceConfig, UnifiedSourceConfig
from codeio.sources.reasoning_gym import ReasoningGymSource
from codeio.sources.unified import UnifiedSource
from codeio.transform import Transformer
from codeio.transform.config import TransformConfig

HERE = Path(__file__).resolve().parent
DATA = HERE.parents[2] / "shared" / "data"
CORPORA = {
    "reasoning_gym": lambda: ReasoningGymSource(ReasoningGymSourceConfig(path=str(DATA / "reasoning_gym" / "*.json.gz"))),
    "rawcode_1k_parsed": lambda: UnifiedSource(UnifiedSourceConfig(path=str(DATA / "codeio_reference" / "rawcode_1k_parsed.jsonl"),
                                               name="rawcode_1k_parsed")),
}


def digest(rows: list[dict]) -> str:
    return hashlib.sha256(json.dumps(rows, sort_keys=True).encode()).hexdigest()[:16]


def run(corpus: str, limit: int | None, repeat: int, seed: int) -> dict:
    items = list(CORPORA[corpus]().iter_items())
    raws = [i for i in items if isinstance(i, dict)][:limit]
    source_rejects = Counter(i.reason for i in items if isinstance(i, Rejected))
    with make_executor("forkserver", timeout=5.0) as executor:
        t0 = time.perf_counter()
        fns, tcounts = Transformer(TransformConfig()).process(raws, executor)
        t1 = time.perf_counter()
        sampler = Sampler(SamplerConfig(seed=seed))
        pairs, drops = sampler.process(fns, executor)
        t2 = time.perf_counter()
        identical = None
        if repeat:
            subset = fns[:repeat]
            first, _ = Sampler(SamplerConfig(seed=seed)).process(subset, executor)
            second, _ = Sampler(SamplerConfig(seed=seed)).process(subset, executor)
            identical = digest(first) == digest(second)
    kept = Counter(p["function_id"] for p in pairs)
    n = len(fns)
    return {
        "corpus": corpus, "raw_rows": len(raws), "source_rejected": dict(source_rejects),
        "transform_passed": n, "transform_rejected": dict(tcounts.most_common()),
        "functions_kept": len(kept), "pairs": len(pairs),
        "pairs_per_kept_function": round(len(pairs) / max(1, len(kept)), 2),
        "pair_count_histogram": dict(sorted(Counter(kept.values()).items())),
        "dropped": {k: {"functions": v, "share": round(v / max(1, n), 4)} for k, v in drops.most_common()},
        "call_stats": dict(sampler.call_stats.most_common()),
        "seconds": {"transform": round(t1 - t0, 1), "sample": round(t2 - t1, 1)},
        "same_seed_byte_identical": identical, "repeat_functions": repeat, "seed": seed,
        "pairs_sha256_16": digest(pairs),
    }


def markdown(results: list[dict]) -> str:
    lines = ["| corpus | functions (after transform) | kept | pairs | pairs/kept fn | dropped (share of functions) | same seed identical |",
             "|---|---|---|---|---|---|---|"]
    for r in results:
        dropped = ", ".join(f"{k} {v['share']:.1%}" for k, v in r["dropped"].items()) or "-"
        lines.append(f"| {r['corpus']} | {r['transform_passed']} / {r['raw_rows']} | {r['functions_kept']} | {r['pairs']} | "
                     f"{r['pairs_per_kept_function']} | {dropped} | {r['same_seed_byte_identical']} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", action="append", choices=sorted(CORPORA))
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--repeat", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=str(HERE / "stats"))
    args = ap.parse_args()
    results = []
    for corpus in args.corpus or sorted(CORPORA):
        r = run(corpus, args.limit, args.repeat, args.seed)
        print(json.dumps(r, indent=1))
        results.append(r)
    Path(args.out + ".json").write_text(json.dumps(results, indent=1) + "\n")
    Path(args.out + ".md").write_text(markdown(results))
    print(markdown(results))


if __name__ == "__main__":
    main()
