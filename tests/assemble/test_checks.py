"""Holdout split, duplicate removal, decontamination and subsampling, with their counts."""

from __future__ import annotations

import json

from codeio.assemble.assembler import Assembler
from codeio.assemble.overlap import BenchmarkIndex, NearDuplicateIndex, lsh_bands, read_benchmark
from tests.assemble.conftest import SPEC, make_task, query, quiet
from tests.conftest import shared_file


def read_jsonl(path):
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def many_tasks(functions: int = 20, pairs: int = 3) -> list[dict]:
    return [make_task(f"f{i:02d}", p, kind, ["success"] if (i + p) % 3 else ["mismatch", "success"])
            for i in range(functions) for p in range(pairs) for kind in ("output", "input")]


def test_holdout_never_shares_a_function(tmp_path):
    rows = many_tasks()
    samples, rejected, stats = Assembler(quiet(holdout_fraction=0.25, seed=3)).run(rows, tmp_path, 1, {})
    held = read_jsonl(tmp_path / "holdout.jsonl")
    assert stats["holdout"] == {"tasks": len(held), "functions": 5}
    assert len(held) == 5 * 3 * 2 and rejected == {"holdout": len(held)}
    train_functions = {s["function_id"] for s in samples}
    held_functions = {r["function_id"] for r in held}
    assert not train_functions & held_functions
    assert len(train_functions | held_functions) == 20
    # held-out rows are full Task rows (usable by the evaluator)
    assert set(held[0]) >= {"prompt", "kind", "refcode", "input_json", "output_json", "statuses", "responses"}
    codeio = read_jsonl(tmp_path / "codeio_provenance.jsonl")
    assert {r["function_id"] for r in codeio} == train_functions
    # another seed picks other functions, same sizes
    _, _, stats2 = Assembler(quiet(holdout_fraction=0.25, seed=4)).run(rows, tmp_path / "b", 1, {})
    held2 = {r["function_id"] for r in read_jsonl(tmp_path / "b" / "holdout.jsonl")}
    assert len(held2) == 5 and held2 != held_functions


def test_exact_and_near_duplicates(tmp_path):
    rows = many_tasks(functions=6, pairs=2)
    original = rows[0]
    # exact: same prompt up to whitespace, another function
    exact = make_task("copy1", 0, "output", ["success"], prompt="  " + original["prompt"].replace(" ", "  ") + "\n")
    # near: one word of the query changed, another function
    words = original["prompt"].split(" ")
    words[10] = "changed"
    near = make_task("copy2", 0, "output", ["success"], prompt=" ".join(words))
    unrelated = make_task("other", 0, "output", ["success"], prompt=query("something else entirely") + " x")
    samples, rejected, stats = Assembler(quiet()).run([*rows, exact, near, unrelated], tmp_path, 1, {})
    assert rejected == {"duplicate:exact": 1, "duplicate:near": 1}
    assert stats["dedup"]["exact"] == 1 and stats["dedup"]["near"] == 1
    kept = {s["function_id"] for s in samples}
    assert "copy1" not in kept and "copy2" not in kept and "other" in kept
    # tasks of one function differ only in the given value: kept by default ...
    assert len(samples) == len(rows) + 1
    # ... and removed when same-function comparison is switched on
    samples, rejected, _ = Assembler(quiet(near_dup_within_function=True)).run(rows, tmp_path / "w", 1, {})
    assert rejected["duplicate:near"] > 0 and len(samples) < len(rows)
    # dedup switched off keeps everything
    samples, rejected, _ = Assembler(quiet(dedup_exact=False, dedup_near=False)).run(
        [*rows, exact, near], tmp_path / "off", 1, {})
    assert len(samples) == len(rows) + 2 and not rejected


def test_near_duplicate_index_threshold():
    base = " ".join(f"w{i}" for i in range(200))
    index = NearDuplicateIndex(threshold=0.8, ngram=5, perm=128)
    assert index.check(base, "a") is None
    assert index.check(base.replace("w100", "zz"), "b") == 0  # ~95% of 5-grams shared
    half = " ".join(f"w{i}" for i in range(100)) + " " + " ".join(f"v{i}" for i in range(100))
    assert index.check(half, "c") is None  # ~1/3 shared
    bands, rows = lsh_bands(128, 0.8)
    assert bands * rows == 128 and (1 / bands) ** (1 / rows) <= 0.8


def test_decontamination_flags_and_drops_cruxeval_copies(tmp_path):
    crux = shared_file("cruxeval", "cruxeval.jsonl")
    program = json.loads(crux.read_text().splitlines()[0])["code"]
    rows = many_tasks(functions=4, pairs=2)
    leaked = make_task("leak", 0, "output", ["success"], prompt=f"{query('leak')}\n\n{program}\n\nPredict the output.")
    bench = {"cruxeval": str(crux), "absent": str(tmp_path / "nope.jsonl")}
    samples, rejected, stats = Assembler(quiet(decontam_benchmarks=bench)).run([*rows, leaked], tmp_path / "r", 1, {})
    report = stats["decontamination"]
    assert report["absent"]["status"] == "missing"
    crux_report = report["cruxeval"]
    assert crux_report["items"] == 800 and crux_report["samples_flagged"] == 1 and crux_report["items_touched"] >= 1
    assert not rejected and len(samples) == len(rows) + 1
    flagged = [s for s in samples if s["contaminated_with"]]
    assert [s["function_id"] for s in flagged] == ["leak"] and flagged[0]["contaminated_with"] == "cruxeval"
    samples, rejected, stats = Assembler(quiet(decontam_benchmarks=bench, decontam_drop=True)).run(
        [*rows, leaked], tmp_path / "d", 1, {})
    assert rejected == {"contaminated:cruxeval": 1} and len(samples) == len(rows)
    assert "leak" not in {s["function_id"] for s in samples}


def test_decontamination_scope_prompt_ignores_responses(tmp_path):
    crux = shared_file("cruxeval", "cruxeval.jsonl")
    program = json.loads(crux.read_text().splitlines()[5])["code"]
    row = make_task("fa", 0, "output", ["success"])
    row["responses"] = [f"The code is\n{program}\nso the output is 3."]
    bench = {"cruxeval": str(crux)}
    _, _, stats = Assembler(quiet(decontam_benchmarks=bench)).run([row], tmp_path / "a", 1, {})
    assert stats["decontamination"]["cruxeval"]["samples_flagged"] == 1
    _, _, stats = Assembler(quiet(decontam_benchmarks=bench, decontam_scope="prompt")).run([row], tmp_path / "p", 1, {})
    assert stats["decontamination"]["cruxeval"]["samples_flagged"] == 0


def test_benchmark_reader_formats(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps([{"q": "x " * 20}, {"q": "y"}]))
    (tmp_path / "b.json").write_text(json.dumps({"sample_0": ["g1", "g2"], "sample_1": ["g3"]}))
    (tmp_path / "c.jsonl").write_text('{"q": "one"}\nnot json\n{"q": "two"}\n')
    assert len(read_benchmark(tmp_path / "a.json")) == 2
    assert len(read_benchmark(tmp_path / "b.json")) == 2
    assert len(read_benchmark(tmp_path / "c.jsonl")) == 2
    index = BenchmarkIndex("a", read_benchmark(tmp_path / "a.json"), n=13)
    assert index.hits("prefix " + "x " * 15) == {0} and index.hits("x " * 5) == set()


def test_subsampling_by_count_and_fraction(tasks, tmp_path):
    samples, rejected, _ = Assembler(quiet(max_samples=5, seed=1)).run(tasks, tmp_path / "a", 1, {})
    assert len(samples) == 5 and rejected == {"subsample": len(SPEC) - 5}
    again, _, _ = Assembler(quiet(max_samples=5, seed=1)).run(list(reversed(tasks)), tmp_path / "b", 1, {})
    assert {s["task_id"] for s in again} == {s["task_id"] for s in samples}  # order-independent choice
    other, _, _ = Assembler(quiet(max_samples=5, seed=2)).run(tasks, tmp_path / "c", 1, {})
    assert {s["task_id"] for s in other} != {s["task_id"] for s in samples}
    half, rejected, _ = Assembler(quiet(fraction=0.5)).run(tasks, tmp_path / "d", 1, {})
    assert len(half) == round(0.5 * len(SPEC)) and rejected == {"subsample": len(SPEC) - len(half)}
    both, _, _ = Assembler(quiet(fraction=0.5, max_samples=3)).run(tasks, tmp_path / "e", 1, {})
    assert len(both) == 3
    assert len(read_jsonl(tmp_path / "e" / "train.jsonl")) == 3


def test_exact_dedup_keeps_distinct_tasks_of_one_function(tmp_path):
    """Issue #17 item 1: pairs of one function sharing an output give identical input-prediction
    prompts; they are distinct tasks (different reference inputs) and the paper keeps them all."""
    same_prompt = query("fz") + "\n\nGiven the output [1, 2], predict the input."
    twins = [make_task("fz", pair, "input", ["success"], prompt=same_prompt) for pair in range(3)]
    assert len({t["input_json"] for t in twins}) == 3
    samples, rejected, stats = Assembler(quiet()).run(twins, tmp_path / "a", 0, {})
    assert len(samples) == 3 and not rejected and stats["dedup"]["exact"] == 0
    # the old rule (prompt text alone) is kept as an option and drops two of them
    samples, rejected, _ = Assembler(quiet(dedup_key="prompt")).run(twins, tmp_path / "b", 0, {})
    assert len(samples) == 1 and rejected == {"duplicate:exact": 2}
    # a true copy (same prompt, same reference answer) is still dropped under the default
    copy = make_task("fz", 0, "input", ["success"], prompt=same_prompt)
    samples, rejected, _ = Assembler(quiet()).run([*twins, copy], tmp_path / "c", 0, {})
    assert len(samples) == 3 and rejected == {"duplicate:exact": 1}


def test_truncated_responses_never_become_training_samples(tmp_path):
    """Issue #17 item 6: a response cut at max_tokens (finish_reason 'length') is never trained on; the
    task is dropped and counted, unless its turns were replaced by the true answer."""
    from codeio.verify import Verifier, VerifyItem
    from codeio.verify.config import VerifierConfig

    cut = make_task("ft", 0, "output", ["no_answer"])
    cut["finish_reasons"] = ["length"]
    revised = make_task("ft", 1, "output", ["no_answer", "success"])
    revised["finish_reasons"] = ["length", "stop"]
    whole = make_task("ft", 2, "output", ["success"])
    rows = [cut, revised, whole]
    samples, rejected, _ = Assembler(quiet()).run(rows, tmp_path / "a", 1, {})
    assert [s["task_id"] for s in samples] == [whole["task_id"]]
    assert rejected == {"truncated_response": 2}
    samples, rejected, _ = Assembler(quiet(keep="replace_wrong")).run([cut], tmp_path / "b", 1, {})
    assert len(samples) == 1 and samples[0]["replaced"] and not rejected
    samples, rejected, _ = Assembler(quiet(drop_truncated=False)).run(rows, tmp_path / "c", 1, {})
    assert len(samples) == 3 and not rejected
    # revision retries it: the verifier never accepts a truncated answer, even a right one
    item = VerifyItem.from_task(dict(cut, responses=['```json\n{"output": [2, 4]}\n```']))
    assert item.finish_reason == "length"
    assert Verifier(VerifierConfig()).verify([item], executor=None)[0].status != "success"
