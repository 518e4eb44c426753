"""The sample stage's component: distinct pairs, size limits, determinism, reproducibility, recorded pairs."""

from __future__ import annotations

import itertools
import json

import pytest

from codeio.execution import make_executor
from codeio.records import Function, dumps
from codeio.sampling import Sampler, SizeLimits
from codeio.sampling.config import SamplerConfig
from codeio.sources.config import UnifiedSourceConfig
from codeio.sources.unified import UnifiedSource
from codeio.transform import Transformer
from codeio.transform.config import TransformConfig
from tests.conftest import shared_file

GEN = "import random\n\ndef input_generator():\n    return {'n': random.randint(0, 10**6)}\n"


def fn(refcode: str, inputgen: str | None = GEN, source: str = "s", ios: list | None = None) -> dict:
    entry = None
    if inputgen:
        entry = "generate_inputs" if "generate_inputs" in inputgen else "input_generator"
    return Function(function_id=Function.make_id(refcode, "main_solution", inputgen), raw_id="r", source=source,
                    problem_description="p", io_requirements="io", refcode=refcode, inputgen=inputgen,
                    inputgen_entry=entry, ios_json=dumps(ios or [])).to_row()


@pytest.fixture(scope="module")
def executor():
    with make_executor("forkserver", timeout=5.0) as ex:
        yield ex


def by_function(pairs):
    out = {}
    for p in pairs:
        out.setdefault(p["function_id"], []).append(p)
    return out


def test_size_limits_follow_the_paper():
    lim = SizeLimits()
    assert lim.violation({"a": 1, "b": [1, 2, 3], "s": "x" * 99}) is None
    assert lim.violation("x" * 100) == "string"
    assert lim.violation(list(range(20))) == "items"
    assert lim.violation({str(i): i for i in range(20)}) == "items"
    assert lim.violation([[["y" * 60] * 19] * 2]) == "total"
    assert lim.violation(10**200) == "scalar"
    assert lim.violation([{"k" * 100: 1}]) == "string"
    deep = []
    for _ in range(100_000):
        deep = [deep]
    assert SizeLimits(max_total_bytes=0).violation(deep) is None  # iterative: no RecursionError
    assert SizeLimits(0, 0, 0, 0).violation(["x" * 10_000] * 1000) is None


def test_distinct_pairs_per_source_and_reproducible(executor):
    funcs = [fn("def main_solution(n):\n    return n * 2\n", source="codemix"),
             fn("def main_solution(n):\n    return n % 7\n", source="pyedu_r"),
             fn("def main_solution(n):\n    return str(n)\n", source="elsewhere")]
    sampler = Sampler(SamplerConfig(seed=3, pairs_per_function=4, pairs_per_source={"codemix": 3, "pyedu_r": 6}))
    pairs, drops = sampler.process(funcs, executor)
    assert not drops
    counts = {fid: len(ps) for fid, ps in by_function(pairs).items()}
    assert [counts[f["function_id"]] for f in funcs] == [3, 6, 4]
    for ps in by_function(pairs).values():
        assert len({p["input_json"] for p in ps}) == len(ps)
        assert [p["pair_index"] for p in ps] == list(range(len(ps)))
        for p in ps:
            assert json.loads(p["output_json"]) is not None and p["origin"] == "generated"
    again, _ = Sampler(SamplerConfig(seed=3, pairs_per_function=4, pairs_per_source={"codemix": 3, "pyedu_r": 6})).process(funcs, executor)
    assert json.dumps(again, sort_keys=True) == json.dumps(pairs, sort_keys=True)  # byte-identical
    other, _ = Sampler(SamplerConfig(seed=4, pairs_per_function=4, pairs_per_source={"codemix": 3, "pyedu_r": 6})).process(funcs, executor)
    assert [p["input_json"] for p in other] != [p["input_json"] for p in pairs]
    # Round sizes never change the result: only call order matters.
    small_rounds, _ = Sampler(SamplerConfig(seed=3, pairs_per_function=4, pairs_per_source={"codemix": 3, "pyedu_r": 6},
                              first_round_calls=1, max_round_calls=2)).process(funcs, executor)
    assert small_rounds == pairs


def test_nondeterministic_functions_are_dropped_whole(executor):
    funcs = {
        "id": fn("def main_solution(n):\n    return id(object()) % 1000 + n\n"),
        "str_hash": fn("def main_solution(n):\n    return hash(str(n)) % 1000\n"),
        "set_order": fn("def main_solution(n):\n    return list({str(n), 'a', 'b', 'c', 'd', 'e', 'f'})\n"),
        "time": fn("import time\n\ndef main_solution(n):\n    return time.time_ns() % 1000 + n\n"),
        "random": fn("import random\n\ndef main_solution(n):\n    return random.random() + n\n"),
        "pure": fn("def main_solution(n):\n    return n + 1\n"),
    }
    sampler = Sampler(SamplerConfig(pairs_per_function=5))
    pairs, drops = sampler.process(list(funcs.values()), executor)
    kept = set(by_function(pairs))
    assert kept == {funcs["pure"]["function_id"]}
    assert drops["nondeterministic"] == 5
    assert sampler.call_stats["recheck:nondeterministic"] == 5


def test_size_limits_and_min_pairs(executor):
    funcs = {
        "big_output": fn("def main_solution(n):\n    return list(range(50))\n"),
        "long_string": fn("def main_solution(n):\n    return 'x' * 200\n"),
        "big_input": fn("def main_solution(s):\n    return len(s)\n",
                        "def input_generator():\n    return {'s': 'y' * 500}\n"),
        "one_input": fn("def main_solution(n):\n    return n\n", "def input_generator():\n    return {'n': 1}\n"),
        "two_inputs": fn("def main_solution(n):\n    return n\n",
                         "import random\n\ndef input_generator():\n    return {'n': random.randint(0, 1)}\n"),
        "raises": fn("def main_solution(n):\n    raise ValueError('no')\n"),
        "missing_module": fn("def main_solution(n):\n    import nope_not_here\n    return n\n"),
    }
    sampler = Sampler(SamplerConfig(pairs_per_function=5, max_calls=40, stall_calls=20))
    pairs, drops = sampler.process(list(funcs.values()), executor)
    kept = by_function(pairs)
    assert set(kept) == {funcs["two_inputs"]["function_id"]} and len(kept[funcs["two_inputs"]["function_id"]]) == 2
    assert drops == {"too_few_pairs_size": 3, "too_few_pairs_duplicate": 1, "too_few_pairs_error": 1,
                     "too_few_pairs_missing_module": 1}
    assert sampler.call_stats["generated:size_output_items"] > 0
    assert sampler.call_stats["generated:size_input_string"] > 0
    # With min_pairs=1 the single-input function survives; with 3 the two-input one is dropped.
    pairs1, _ = Sampler(SamplerConfig(pairs_per_function=5, max_calls=40, min_pairs=1)).process([funcs["one_input"]], executor)
    assert len(pairs1) == 1
    _, drops3 = Sampler(SamplerConfig(pairs_per_function=5, max_calls=40, min_pairs=3)).process([funcs["two_inputs"]], executor)
    assert drops3 == {"too_few_pairs_duplicate": 1}
    # Size limits off: the big output is kept.
    pairs_off, _ = Sampler(SamplerConfig(pairs_per_function=2, size_limits=False)).process([funcs["big_output"]], executor)
    assert len(pairs_off) == 1 or len(pairs_off) == 2


def test_timeouts_stop_early(executor):
    slow = fn("def main_solution(n):\n    while True:\n        pass\n")
    sampler = Sampler(SamplerConfig(pairs_per_function=5, timeout=0.5, max_timeouts=2))
    pairs, drops = sampler.process([slow], executor)
    assert pairs == [] and drops == {"too_few_pairs_timeout": 1}
    assert sampler.call_stats["generated:timeout"] <= 3  # the first round only, not max_calls


def test_unseeded_generator_is_dropped(executor):
    urandom = fn("def main_solution(n):\n    return n\n",
                 "import os\n\ndef input_generator():\n    return {'n': int.from_bytes(os.urandom(4), 'big')}\n")
    rng_arg = fn("def main_solution(x):\n    return x\n",
                 "from random import Random\n\ndef generate_inputs(rng: Random) -> dict:\n    return {'x': rng.random()}\n")
    pairs, drops = Sampler(SamplerConfig(pairs_per_function=3)).process([urandom, rng_arg], executor)
    assert drops == {"generator_not_reproducible": 1}
    assert set(by_function(pairs)) == {rng_arg["function_id"]}


def test_recorded_pairs_are_reexecuted(executor):
    code = "def main_solution(a):\n    return a * 3\n"
    good = fn(code, None, ios=[{"input": {"a": i}, "output": 3 * i} for i in range(4)])
    wrong = fn(code.replace("3", "4"), None, ios=[{"input": {"a": 1}, "output": 3}, {"input": {"a": 2}, "output": 8}])
    missing = fn("import nope_missing\n" + code, None, ios=[{"input": {"a": 1}, "output": 3}])
    boom = fn("def main_solution(a):\n    return 1 // a\n", None,
              ios=[{"input": {"a": 0}, "output": 0}, {"input": {"a": 1}, "output": 1}])
    mixed = fn(code, GEN.replace("'n'", "'a'"), ios=[{"input": {"a": 5}, "output": 15}])
    sampler = Sampler(SamplerConfig(pairs_per_function=3))
    pairs, drops = sampler.process([good, wrong, missing, boom, mixed], executor)
    kept = by_function(pairs)
    assert [p["origin"] for p in kept[good["function_id"]]] == ["recorded"] * 3
    assert [p["origin"] for p in kept[mixed["function_id"]]] == ["recorded", "generated", "generated"]
    assert drops == {"recorded_not_reproducible": 1, "too_few_pairs_missing_module": 1, "too_few_pairs_error": 1}
    assert sampler.call_stats["recorded:recorded_error"] == 1
    assert sampler.call_stats["recorded:recorded_missing_module"] == 1


def test_config_validation():
    with pytest.raises(ValueError, match="pairs_per_function"):
        SamplerConfig(pairs_per_function=0)
    with pytest.raises(ValueError, match="pairs_per_source"):
        SamplerConfig(pairs_per_source={"x": 0})


def _parsed_functions(executor, limit=None):
    path = shared_file("codeio_reference", "rawcode_1k_parsed.jsonl")
    raws = [r for r in itertools.islice(UnifiedSource(UnifiedSourceConfig(path=str(path))).iter_items(), limit) if isinstance(r, dict)]
    fns, counts = Transformer(TransformConfig()).process(raws, executor)
    return raws, fns, counts


def test_recorded_pairs_of_rawcode_1k_parsed_subset(executor):
    raws, fns, _ = _parsed_functions(executor, 60)
    sampler = Sampler(SamplerConfig(pairs_per_function=10))
    pairs, drops = sampler.process(fns, executor)
    kept = by_function(pairs)
    assert len(kept) + sum(drops.values()) == len(fns)
    assert len(kept) >= 0.7 * len(fns)
    assert drops["recorded_not_reproducible"] >= 1
    assert all(p["origin"] == "recorded" for p in pairs)


@pytest.mark.slow
def test_recorded_pairs_of_rawcode_1k_parsed_all(executor):
    raws, fns, tcounts = _parsed_functions(executor)
    sampler = Sampler(SamplerConfig(pairs_per_function=10))
    pairs, drops = sampler.process(fns, executor)
    kept = by_function(pairs)
    assert len(kept) + sum(drops.values()) == len(fns)
    assert drops["recorded_not_reproducible"] >= 5
    assert len(kept) >= 0.75 * len(raws)
    # The functions that use randomness or the clock are among the dropped ones.
    dropped = [f for f in fns if f["function_id"] not in kept]
    assert sum(("random" in f["refcode"] or "time" in f["refcode"]) for f in dropped) >= 5


def test_paper_size_measure_is_python_memory_size():
    """Issue #17 item 2: the paper measures the Python object (pympler), not its JSON text: 19 short
    strings are 133 JSON bytes but 1312 bytes in memory, over the 1024-byte bound."""
    from pympler import asizeof

    small_ints = list(range(100, 119))
    words = [f"word{i:03d}" for i in range(19)]
    as_json, as_memory = SizeLimits(measure="json"), SizeLimits(measure="pympler")
    assert as_json.violation(words) is None
    assert asizeof.asizeof(words) >= 1024 and as_memory.violation(words) == "total"
    assert as_memory.violation(small_ints) is None
    # "other scalars": a 201-digit int is 201 JSON bytes but 112 bytes in memory (30-bit digits)
    big = 10**200
    assert as_json.violation(big) == "scalar" and as_memory.violation(big) is None
    assert as_memory.violation(10**300) == "scalar"
    with pytest.raises(ValueError, match="size measure"):
        SizeLimits(measure="chars")


def test_paper_sampler_preset_applies_the_paper_rules():
    from tests.helpers import build_from, compose_config

    sampler = build_from(compose_config(["sampler=paper"]).sampler)
    assert sampler.limits.measure == "pympler"
    assert (sampler.cfg.keep_none_outputs, sampler.cfg.drop_on_error) == (False, True)
    assert sampler.target_for("codemix") == 3 and sampler.target_for("pyedu_r") == 6
    default = build_from(compose_config([]).sampler)
    assert default.limits.measure == "json" and default.cfg.keep_none_outputs and not default.cfg.drop_on_error


def test_paper_rules_drop_none_outputs_and_raising_functions(executor):
    """Issue #17 item 3: pairs with a None output are dropped (counted), and a function whose generator or
    function raises on some call is dropped whole (counted by reason), as in the paper's script."""
    none_sometimes = fn("def main_solution(n):\n    return None if n % 2 else n\n")
    raises_sometimes = fn("def main_solution(n):\n    if n % 3 == 0:\n        raise ValueError(n)\n    return n\n")
    gen_raises = fn("def main_solution(n):\n    return n\n",
                    inputgen="import random\n\ndef input_generator():\n    n = random.randint(0, 9)\n"
                             "    if n == 0:\n        raise RuntimeError('no')\n    return {'n': n * 1000}\n")
    functions = [none_sometimes, raises_sometimes, gen_raises]
    ours = Sampler(SamplerConfig(pairs_per_function=8))
    pairs, drops = ours.process(functions, executor)
    kept = by_function(pairs)
    assert set(kept) == {f["function_id"] for f in functions} and not drops
    assert any(p["output_json"] == "null" for p in kept[none_sometimes["function_id"]])
    paper = Sampler(SamplerConfig(pairs_per_function=8, keep_none_outputs=False, drop_on_error=True))
    pairs, drops = paper.process(functions, executor)
    kept = by_function(pairs)
    assert set(kept) == {none_sometimes["function_id"]}
    assert all(p["output_json"] != "null" for p in kept[none_sometimes["function_id"]])
    assert len(kept[none_sometimes["function_id"]]) == 8
    assert paper.call_stats["generated:output_none"] > 0
    assert drops == {"function_raised": 1, "generator_raised": 1}
