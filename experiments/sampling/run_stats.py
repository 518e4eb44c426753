"""Transform + sample statistics on the shared corpora (reasoning-gym, rawcode_1k_parsed).

    python experiments/sampling/run_stats.py --corpus reasoning_gym --corpus rawcode_1k_parsed

Prints a table and writes ``stats.json`` and ``stats.md`` beside this script. ``--repeat N`` re-samples
the first N functions with the same seed and reports whether the pairs are byte-identical. The corpora
run interleaved, ``--repetitions`` times each (``experiments/benchmethod.py``): the counts must come out
identical every time, the wall times are reported as median and spread with CPU seconds of the whole
process tree (sandbox children included) and the load before/after.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from codeio.execution import make_executor  # noqa: E402
from codeio.sampling import Sampler  # noqa: E402
from codeio.sampling.config import SamplerConfig  # noqa: E402
from codeio.sources.base import Rejected  # noqa: E402
from codeio.sources.config import ReasoningGymSourceConfig, UnifiedSourceConfig  # noqa: E402
from codeio.sources.reasoning_gym import ReasoningGymSource  # noqa: E402
from codeio.sources.unified import UnifiedSource  # noqa: E402
from codeio.transform import Transformer  # noqa: E402
from codeio.transform.config import TransformConfig  # noqa: E402
from experiments.benchmethod import (  # noqa: E402
    MIN_REPETITIONS,
    Stopwatch,
    interleave,
    median_cell,
    record,
    state_line,
    summary,
)

DATA = HERE.parents[2] / "shared" / "data"
CORPORA = {
    "reasoning_gym": lambda: ReasoningGymSource(ReasoningGymSourceConfig(path=str(DATA / "reasoning_gym" / "*.json.gz"))),
    "rawcode_1k_parsed": lambda: UnifiedSource(UnifiedSourceConfig(path=str(DATA / "codeio_reference" / "rawcode_1k_parsed.jsonl"),
                                               name="rawcode_1k_parsed")),
}


def digest(rows: list[dict]) -> str:
    return hashlib.sha256(json.dumps(rows, sort_keys=True).encode()).hexdigest()[:16]


def run_corpus(corpus: str, limit: int | None, repeat: int, seed: int) -> dict:
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
        "seconds": {"transform": round(t1 - t0, 2), "sample": round(t2 - t1, 2)},
        "same_seed_byte_identical": identical, "repeat_functions": repeat, "seed": seed,
        "pairs_sha256_16": digest(pairs),
    }


TIMED = ("transform", "sample")


def markdown(results: list[dict], method: dict | None = None) -> str:
    lines = ["| corpus | functions (after transform) | kept | pairs | pairs/kept fn | dropped (share of functions) | same seed identical |",
             "|---|---|---|---|---|---|---|"]
    for r in results:
        dropped = ", ".join(f"{k} {v['share']:.1%}" for k, v in r["dropped"].items()) or "-"
        lines.append(f"| {r['corpus']} | {r['transform_passed']} / {r['raw_rows']} | {r['functions_kept']} | {r['pairs']} | "
                     f"{r['pairs_per_kept_function']} | {dropped} | {r['same_seed_byte_identical']} |")
    if method is not None:
        lines += ["", "| corpus | transform wall s median (spread) | sample wall s median (spread) | whole run CPU s "
                  "(process tree) | counts identical every repetition |", "|---|---|---|---|---|"]
        for r in results:
            lines.append(f"| {r['corpus']} | {median_cell(r['wall_seconds']['transform'])} | "
                         f"{median_cell(r['wall_seconds']['sample'])} | {r['cpu_seconds']['median']:.0f} | "
                         f"{'yes' if r['identical_across_repetitions'] else 'NO'} |")
        lines += ["", state_line(method) + "."]
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", action="append", choices=sorted(CORPORA))
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--repeat", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repetitions", type=int, default=MIN_REPETITIONS)
    ap.add_argument("--out", default=str(HERE / "stats"))
    args = ap.parse_args()
    runs: dict[str, list[dict]] = {}

    def corpus_run(corpus: str):
        def run():
            with Stopwatch() as watch:
                r = run_corpus(corpus, args.limit, args.repeat, args.seed)
            runs.setdefault(corpus, []).append(r)
            print(json.dumps(r, indent=1), flush=True)
            return watch.sample(work=r["raw_rows"], **{f"{k}_s": r["seconds"][k] for k in TIMED})
        return run

    corpora = args.corpus or sorted(CORPORA)
    comparison = interleave({c: corpus_run(c) for c in corpora}, repetitions=args.repetitions)
    method = comparison.to_dict()
    results = []
    for corpus in corpora:
        first = runs[corpus][0]
        counts = [{k: v for k, v in r.items() if k != "seconds"} for r in runs[corpus]]
        samples = comparison.samples[corpus]
        results.append({**{k: v for k, v in first.items() if k != "seconds"},
                        "identical_across_repetitions": all(c == counts[0] for c in counts),
                        "wall_seconds": {k: summary([s.extra[f"{k}_s"] for s in samples], 1) for k in TIMED},
                        "cpu_seconds": method["methods"][corpus]["cpu_s"]})
    text = markdown(results, method["method"])
    print(text)
    record({"method": method["method"], "corpora": results}, Path(args.out + ".json"), text)


if __name__ == "__main__":
    main()
