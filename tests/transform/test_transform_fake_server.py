"""The LLM rewrite path end to end: rawcode_1k files -> fake OpenAI server (canned answers) -> parse,
static checks, smoke run in the executor. Every file ends as a function or as a counted rejection."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from codeio.execution import make_executor
from codeio.records import RawCode, stable_id
from codeio.teachers.base import SamplingParams
from codeio.teachers.config import OpenAITeacherConfig
from codeio.teachers.openai_backend import OpenAITeacher
from codeio.testing.openai_server import FakeOpenAIServer
from codeio.transform import Transformer
from codeio.transform.config import TransformConfig
from tests.conftest import shared_file
from tests.transform.canned import CannedTeacherScript


def load_raws(limit: int) -> tuple[list[dict], list[int], dict[int, dict]]:
    raw_path = shared_file("codeio_reference", "rawcode_1k.jsonl")
    parsed_path = shared_file("codeio_reference", "rawcode_1k_parsed.jsonl")
    parsed = {}
    for line in parsed_path.open():
        p = json.loads(line)
        parsed[p["meta"]["msgidx"]] = p
    raws, indices = [], []
    for index, line in enumerate(raw_path.open()):
        if len(raws) >= limit:
            break
        r = json.loads(line)
        raws.append(RawCode(raw_id=stable_id("raw", r["blob_id"]), source="rawcode_1k", content=r["content"],
                            path=f"{r['repo_name']}{r['path']}").to_row())
        indices.append(index)
    return raws, indices, parsed


def run_transform(limit: int):
    raws, indices, parsed = load_raws(limit)
    script = CannedTeacherScript(raws, parsed, indices)
    transformer = Transformer(TransformConfig(smoke_timeout=1.0))
    with FakeOpenAIServer(responder=script.respond) as server, \
            OpenAITeacher(OpenAITeacherConfig(model="fake-model", base_url=server.base_url, api_key_env=None,
                          allow_missing_key=True, max_retries=1, backoff_initial=0.01)) as teacher, \
            make_executor("forkserver", timeout=5.0) as executor:
        fns, counts = transformer.process(raws, executor, teacher, SamplingParams(temperature=0.0, max_tokens=100_000))
        requests = server.counters["requests"]
    return raws, script, transformer, fns, counts, requests


def check_outcome(raws, script, transformer, fns, counts):
    # Every file is accounted for exactly once.
    assert len(fns) + sum(counts.values()) == len(raws)
    outcome = {f["raw_id"]: "ok" for f in fns}
    for raw_id, reason, _ in transformer.rejections:
        assert raw_id not in outcome
        outcome[raw_id] = reason
    assert len(outcome) == len(raws)
    assert Counter(r for r in outcome.values() if r != "ok") == counts
    # Files with a malformed canned answer end with exactly the reason that answer must produce
    # (unless a pre-filter skipped them before the LLM).
    for raw_id, expected in script.expected.items():
        got = outcome[raw_id]
        if got.startswith("prefilter_"):
            continue
        if expected is None:
            assert got == "ok" or got.startswith(("smoke_", "denied_")), (raw_id, got)
        else:
            assert got == expected, (raw_id, expected, got)
    # Most of the paper's real transformations pass all checks and the smoke run.
    good = [k for k, v in script.expected.items() if v is None and not outcome[k].startswith("prefilter_")]
    assert sum(outcome[k] == "ok" for k in good) >= 0.8 * len(good)
    for f in fns:
        assert f["inputgen_entry"] == "input_generator"
        assert f["problem_description"] and f["io_requirements"] and "def main_solution" in f["refcode"]
        assert json.loads(f["meta_json"])["teacher_model"] == "fake-model"


def test_transform_40_files_against_fake_server():
    raws, script, transformer, fns, counts, requests = run_transform(40)
    check_outcome(raws, script, transformer, fns, counts)
    assert len(fns) >= 3
    # Only the files that passed the pre-filters went to the teacher, each once.
    assert requests == len(raws) - sum(v for k, v in counts.items() if k.startswith("prefilter_"))


def test_transform_150_files_against_fake_server():
    raws, script, transformer, fns, counts, _ = run_transform(150)
    check_outcome(raws, script, transformer, fns, counts)
    assert len(fns) >= 30
    # Every kind of malformed answer was met and counted under its reason.
    for reason in ("parse_no_code_block", "parse_missing_entry", "parse_code_syntax_error", "teacher_truncated",
                   "parse_missing_generator", "parse_multiple_entries", "denied_import", "generator_bad_signature",
                   "smoke_not_serializable", "smoke_exception", "teacher_error", "parse_missing_problem",
                   "smoke_timeout", "denied_call", "parse_missing_io", "parse_empty_response", "smoke_missing_module"):
        assert counts[reason] >= 1, reason


@pytest.mark.slow
def test_transform_all_1000_files_against_fake_server():
    raws, script, transformer, fns, counts, _ = run_transform(1000)
    check_outcome(raws, script, transformer, fns, counts)
    assert len(fns) >= 350


def test_prompt_file_and_prefilters(tmp_path):
    template = tmp_path / "tmpl.txt"
    template.write_text("Rewrite with entry {funcname}:\n{code}\n")
    seen = []

    def responder(request):
        seen.append(request["messages"][-1]["content"])
        return "no code here"

    raws = [
        RawCode(raw_id="short", source="s", content="x = 1").to_row(),
        RawCode(raw_id="py2", source="s", content="print 'hello world, this is python two code here ok'\n" * 2).to_row(),
        RawCode(raw_id="nofn", source="s", content="for i in range(10):\n    print(i * i, 'squares are fun')\n").to_row(),
        RawCode(raw_id="ok", source="s", content="def f(x):\n    return {x}  # braces {code} survive\n" * 2).to_row(),
    ]
    with FakeOpenAIServer(responder=responder) as server, \
            OpenAITeacher(OpenAITeacherConfig(model="fake-model", base_url=server.base_url, api_key_env=None,
                          allow_missing_key=True)) as teacher, make_executor("forkserver") as executor:
        fns, counts = Transformer(TransformConfig(prompt_file=str(template), system_prompt="be brief")).process(raws, executor, teacher)
    assert fns == []
    assert counts == {"prefilter_too_short": 1, "prefilter_not_python": 1, "prefilter_no_function": 1,
                      "parse_no_code_block": 1}
    assert seen == ["Rewrite with entry main_solution:\n" + raws[3]["content"] + "\n"]
    with pytest.raises(ValueError, match="placeholder"):
        (tmp_path / "bad.txt").write_text("no placeholder")
        Transformer(TransformConfig(prompt_file=str(tmp_path / "bad.txt")))


def test_classifier_hook_filters_before_the_rewrite(tmp_path):
    template = tmp_path / "classify.txt"
    template.write_text("Rate the difficulty of this code as easy, medium or hard.\n{code}\nEnd with the label.")
    rewrites = []

    def responder(request):
        prompt = request["messages"][-1]["content"]
        if prompt.startswith("Rate the difficulty"):
            return "Reasoning... Label: **Medium**." if "medium_one" in prompt else "This is easy"
        rewrites.append(prompt)
        return "no code"

    raws = [RawCode(raw_id=name, source="s", content=f"def {name}(x):\n    return x + 1  # padding padding\n").to_row()
            for name in ("medium_one", "easy_one")]
    with FakeOpenAIServer(responder=responder) as server, \
            OpenAITeacher(OpenAITeacherConfig(model="fake-model", base_url=server.base_url, api_key_env=None,
                          allow_missing_key=True)) as teacher, make_executor("forkserver") as executor:
        transformer = Transformer(TransformConfig(classifier_prompt_file=str(template), classifier_keep=["medium", "hard"]))
        fns, counts = transformer.process(raws, executor, teacher)
    assert counts == {"classifier_rejected": 1, "parse_no_code_block": 1}
    assert len(rewrites) == 1 and "medium_one" in rewrites[0]
