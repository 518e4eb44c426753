"""CodeI/O++ end to end: a multirun over ``revision.turns=0,1,2`` against a real OpenAI-compatible server
that injects faults and answers by script (some tasks right at once, some only after one or two rounds
of feedback, some never). The points share the cached upstream stages, and the correct rate per turn in
each summary is exactly what the script implies."""

from __future__ import annotations

import hashlib
import json

import datasets

from codeio.testing.openai_server import FakeOpenAIServer, FaultPlan
from tests.helpers import run_cli, run_in_process

SMALL = ["source.limit=8", "sampler.pairs_per_function=3", "progress=false"]
UPSTREAM = ("collect", "transform", "sample", "tasks", "respond", "verify")


def turns_needed(prompt: str) -> int | None:
    """The script: which turn first answers this task correctly (None = never)."""
    bucket = int(hashlib.sha256(prompt.encode()).hexdigest(), 16) % 8
    return {0: 1, 1: 1, 2: 1, 3: 1, 4: 2, 5: 2, 6: 3}.get(bucket)


def make_responder(tasks_by_prompt: dict[str, dict]):
    def respond(request: dict) -> str:
        messages = request["messages"]
        prompt = next(m["content"] for m in messages if m["role"] == "user")
        task = tasks_by_prompt[prompt]
        turn = 1 + sum(m["role"] == "assistant" for m in messages)
        needed = turns_needed(prompt)
        if needed is not None and turn >= needed:
            key = task["kind"]
            value = json.loads(task["output_json"] if key == "output" else task["input_json"])
            return f"Working through it step by step.\n```json\n{json.dumps({key: value})}\n```"
        if task["kind"] == "output":  # a wrong value: mismatch
            return 'I believe the result is this.\n```json\n{"output": "certainly not the answer"}\n```'
        return "I could not settle on an input."  # no JSON at all: no_answer

    return respond


def test_revision_turns_sweep_reuses_upstream_and_matches_script(tmp_path):
    cache = tmp_path / "cache"
    # The tasks the server will be asked about (the tasks stage is deterministic and cached).
    run_in_process(["stages=[collect,transform,sample,tasks]", f"cache.dir={cache}", *SMALL], tmp_path / "pre")
    tasks = datasets.load_from_disk(str(tmp_path / "pre" / "stages" / "tasks"))
    by_prompt = {t["prompt"]: t for t in tasks}
    n = len(by_prompt)
    assert n == len(tasks) >= 40

    faults = FaultPlan(rate_429=0.1, rate_500=0.05, rate_503=0.05, faulty_attempts=2, retry_after=0.01)
    with FakeOpenAIServer(responder=make_responder(by_prompt), faults=faults) as server:
        sweep = tmp_path / "sweep"
        proc = run_cli(["-m", "revision.turns=0,1,2", "stages=[collect,transform,sample,tasks,respond,verify,revise,assemble]",
                        "teacher=openai", f"teacher.base_url={server.base_url}", "teacher.model=fake-model",
                        "teacher.backoff_initial=0.01", "teacher.backoff_max=0.05", f"cache.dir={cache}",
                        f"hydra.sweep.dir={sweep}", *SMALL])
        assert proc.returncode == 0, proc.stderr[-4000:]
        counters = server.snapshot()
    assert counters.get("429", 0) > 0 and counters.get("500", 0) > 0  # faults really happened

    needed = [turns_needed(p) for p in by_prompt]
    for point, turns in enumerate((0, 1, 2)):
        stages = json.loads((sweep / str(point) / "summary.json").read_text())["stages"]
        for name in UPSTREAM:
            expected_cache = "miss" if point == 0 and name in ("respond", "verify") else "hit"
            assert stages[name]["cache"] == expected_cache, (point, name)
        rate = stages["revise"]["stats"]["correct_rate"]["all"]
        for t in range(1, turns + 2):
            assert rate[f"turn_{t}"] == round(sum(1 for k in needed if k is not None and k <= t) / n, 4)
        assert set(rate) == {f"turn_{t}" for t in range(1, turns + 2)} or turns == 0
        # the assembled records carry turn_k / feedback_k up to the sweep point's depth
        samples = datasets.load_from_disk(str(sweep / str(point) / "stages" / "assemble"))
        width = max(2, turns + 1)
        assert {f"turn_{k}" for k in range(1, width + 1)} <= set(samples.column_names)
        assert f"turn_{width + 1}" not in samples.column_names
        assert len(samples) == stages["assemble"]["rows_out"]
    # turn 2 is the same conversation at turns=1 and turns=2: the second point gets it from the response
    # cache and pays only for turn 3
    revise_1 = json.loads((sweep / "1" / "summary.json").read_text())["stages"]["revise"]["stats"]["counts"]
    revise_2 = json.loads((sweep / "2" / "summary.json").read_text())["stages"]["revise"]["stats"]["counts"]
    wrong_at_1 = sum(1 for k in needed if k != 1)
    assert revise_1["teacher_requests"] == wrong_at_1
    assert revise_2["teacher_cache_hits"] == wrong_at_1
    assert revise_2["teacher_requests"] == sum(1 for k in needed if k is None or k > 2)
