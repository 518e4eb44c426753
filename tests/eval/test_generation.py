"""Generation for the benchmarks scored here: where it runs (backend, device, dtype and the refusal to
put a large model on a CPU), and the per-(checkpoint, benchmark, prompt) cache that lets a killed
evaluation resume. (SIGKILL safety of the underlying sqlite cache is tests/teachers/test_cache.py's
``test_sigkill_mid_run_loses_only_requests_in_flight``.)"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from codeio.eval import run_evaluation
from codeio.eval.config import GenerationConfig
from codeio.eval.generation import CheckpointGenerator, Placement, checkpoint_fingerprint, place
from codeio.eval.runner import Evaluator, to_eval_config
from codeio.teachers.base import STOP, Generation, SampleTeacher, TeacherStats

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _fake_checkpoint(path: Path, gigabytes: float = 0.0) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    (path / "config.json").write_text('{"model_type": "llama"}')
    with open(path / "model.safetensors", "wb") as f:
        f.truncate(int(gigabytes * 1e9))  # sparse: no disk used
    return path


def test_placement(tmp_path):
    small = _fake_checkpoint(tmp_path / "small", 0.01)
    big = _fake_checkpoint(tmp_path / "big", 15.2)  # a 7B model in bf16
    auto = GenerationConfig()
    assert place(auto, small, gpu=False, vllm=False) == Placement("hf", "cpu", "float32", 0.01)
    assert place(auto, small, gpu=True, vllm=False) == Placement("hf", "cuda", "bfloat16", 0.01)
    assert place(auto, big, gpu=True, vllm=True) == Placement("vllm", "cuda", "bfloat16", 15.2)
    with pytest.raises(ValueError, match="15.2 GB of weights and would generate on the CPU.*allow_cpu_large_model"):
        place(auto, big, gpu=False, vllm=False)
    assert place(GenerationConfig(allow_cpu_large_model=True), big, gpu=False, vllm=False).device == "cpu"
    with pytest.raises(ValueError, match="vLLM is not installed"):
        place(GenerationConfig(backend="vllm"), small, gpu=True, vllm=False)
    with pytest.raises(ValueError, match="needs a CUDA GPU"):
        place(GenerationConfig(backend="vllm"), small, gpu=False, vllm=True)
    with pytest.raises(ValueError, match="no CUDA GPU is visible"):
        place(GenerationConfig(device="cuda"), small, gpu=False, vllm=False)
    assert place(GenerationConfig(dtype="float16"), small, gpu=True, vllm=False).dtype == "float16"
    with pytest.raises(ValueError, match="eval.generation.dtype"):
        GenerationConfig(dtype="int8")


def test_fingerprint_follows_the_checkpoint_files(tmp_path):
    ckpt = _fake_checkpoint(tmp_path / "ckpt", 0.001)
    first = checkpoint_fingerprint(ckpt)
    assert checkpoint_fingerprint(ckpt) == first
    os.utime(ckpt / "model.safetensors", ns=(1, 1))  # rewritten weights (retrained into the same dir)
    assert checkpoint_fingerprint(ckpt) != first


class ScriptedTeacher(SampleTeacher):
    """Answers every prompt from a script, two prompts per batch, records what it is asked, and can die
    after ``crash_after`` prompts (as a killed process would, in the middle of a batch)."""

    model_name = "scripted"

    def __init__(self, answers: dict[str, str], crash_after: int | None = None) -> None:
        self.answers, self.crash_after = answers, crash_after
        self.asked: list[str] = []
        self.stats = TeacherStats()

    def generate_samples(self, items, params, on_result=None):
        def batch(chunk):
            out = []
            for request, _ in chunk:
                if self.crash_after is not None and len(self.asked) >= self.crash_after:
                    raise RuntimeError("killed")
                prompt = request.messages[-1]["content"]
                self.asked.append(prompt)
                out.append(Generation(text=self.answers[prompt], finish_reason=STOP, model=self.model_name))
            return out

        return self.in_batches(items, 2, batch, on_result)


class ScriptedEvaluator(Evaluator):
    def __init__(self, cfg, teacher):
        super().__init__(cfg)
        self.teacher = teacher

    def make_generator(self, path, cache_dir):
        return CheckpointGenerator(self.cfg.generation, path, cache_dir=cache_dir, teacher=self.teacher,
                                   placement=Placement("hf", "cpu", "float32", 0.0))


def test_killed_evaluation_resumes_from_the_cache(tmp_path):
    """BBH-ZH's 7 fixture prompts, answered right by a script, two per batch. The first run dies while
    asking the 4th prompt: the first batch (2 answers) is committed, the 3rd answer was in flight and is
    lost. The rerun asks only the 5 prompts without a stored answer (the lost one included) and scores
    all 7 (100%); a third run asks nothing. The same prompts for another benchmark, or after the
    checkpoint's weights are rewritten, are asked again."""
    from codeio.eval.benchmarks import build
    from codeio.teachers.base import ChatRequest

    cfg = to_eval_config({"benchmarks": ["bbh_zh"], "bbh_zh": {
        "data_path": str(FIXTURES / "bbh_zh"), "tasks": ["boolean_expressions", "navigate"]}})
    bench = build("bbh_zh", cfg.bbh_zh)
    items, _ = bench.load()
    answers = {bench.messages(i)[0]["content"]: f"So the answer is {i.target}." for i in items}
    ckpt = _fake_checkpoint(tmp_path / "ckpt", 0.001)
    cache = tmp_path / "cache"

    def run(teacher, name):
        return ScriptedEvaluator(cfg, teacher).run([("ckpt", ckpt)], None, tmp_path / name, cache_dir=cache)

    crashing = ScriptedTeacher(answers, crash_after=3)
    first = run(crashing, "run1")
    assert first["rows"][0]["scores"]["bbh_zh"] is None and "killed" in first["rows"][0]["errors"]["bbh_zh"]
    assert len(crashing.asked) == 3

    resumed = ScriptedTeacher(answers)
    second = run(resumed, "run2")
    assert len(resumed.asked) == 5 and set(resumed.asked) & set(crashing.asked) == {crashing.asked[2]}
    assert second["rows"][0]["scores"]["bbh_zh"] == 100.0
    details = json.loads((tmp_path / "run2" / second["rows"][0]["details"]).read_text())
    assert details["generation"]["cache_hits"] == 2 and details["generation"]["requests_sent"] == 5

    again = ScriptedTeacher(answers)
    assert run(again, "run3")["rows"][0]["scores"]["bbh_zh"] == 100.0 and again.asked == []

    other = ScriptedTeacher(answers)
    gen = CheckpointGenerator(cfg.generation, ckpt, cache_dir=cache, teacher=other,
                              placement=Placement("hf", "cpu", "float32", 0.0))
    request = [ChatRequest(messages=bench.messages(items[0]))]
    params = Evaluator(cfg)._params(n=1)  # the settings the runs above used
    gen.generate("bbh_zh", request, params)
    assert other.asked == []
    gen.generate("another_benchmark", request, params)
    assert len(other.asked) == 1
    gen.close()
    os.utime(ckpt / "model.safetensors", ns=(5, 5))
    retrained = ScriptedTeacher(answers)
    run(retrained, "run4")
    assert len(retrained.asked) == 7


def test_tiny_model_generates_through_the_cache(tmp_path, tiny_model_dir):
    """The real hf backend end to end on ZebraLogic's fixture: a rerun loads the model again but sends
    no prompt to it, and scores the same."""
    cfg = {"benchmarks": ["zebralogic"], "generation": {"max_new_tokens": 8, "batch_size": 3},
           "zebralogic": {"data_path": str(FIXTURES / "zebralogic" / "grid_mode.jsonl")}}
    first = run_evaluation(cfg, [("tiny", tiny_model_dir)], None, tmp_path / "a", cache_dir=tmp_path / "cache")
    second = run_evaluation(cfg, [("tiny", tiny_model_dir)], None, tmp_path / "b", cache_dir=tmp_path / "cache")
    d1 = json.loads((tmp_path / "a" / first["rows"][0]["details"]).read_text())
    d2 = json.loads((tmp_path / "b" / second["rows"][0]["details"]).read_text())
    assert first["rows"][0]["errors"] == {} and d1["generation"]["requests_sent"] == 3
    assert d1["generation"]["placement"] == {"backend": "hf", "device": "cpu", "dtype": "float32",
                                             "weights_gb": d1["generation"]["placement"]["weights_gb"]}
    assert d2["generation"]["requests_sent"] == 0 and d2["generation"]["cache_hits"] == 3
    assert [v["reply"] for v in d1["zebralogic"]["verdicts"]] == [v["reply"] for v in d2["zebralogic"]["verdicts"]]
    assert first["rows"][0]["scores"] == second["rows"][0]["scores"]


def test_vllm_backend_follows_the_engine_api(tmp_path, monkeypatch):
    """With placement on vLLM the generator builds ``vllm.LLM(model=..., dtype="bfloat16", ...)`` and
    sends each batch to ``LLM.chat`` with one greedy ``SamplingParams`` per conversation and the chat
    template applied with a generation prompt (a stand-in module records the calls; no GPU here)."""
    import sys
    import types

    from codeio.teachers.base import ChatRequest

    calls: dict = {"chat": []}

    class SamplingParams:
        def __init__(self, **kw):
            self.kw = kw

    class LLM:
        def __init__(self, **kw):
            calls["engine"] = kw

        def chat(self, conversations, sampling_params, use_tqdm, chat_template, add_generation_prompt):
            calls["chat"].append((conversations, [p.kw for p in sampling_params], add_generation_prompt))
            done = types.SimpleNamespace(text="So the answer is Yes.", finish_reason="stop", token_ids=[1, 2, 3])
            return [types.SimpleNamespace(outputs=[done], prompt_token_ids=[7] * 5) for _ in conversations]

    monkeypatch.setitem(sys.modules, "vllm", types.SimpleNamespace(LLM=LLM, SamplingParams=SamplingParams))
    ckpt = _fake_checkpoint(tmp_path / "ckpt", 0.001)
    g = GenerationConfig(tensor_parallel_size=2, max_model_len=8192)
    gen = CheckpointGenerator(g, ckpt, cache_dir=tmp_path / "cache", placement=Placement("vllm", "cuda", "bfloat16", 0.0))
    params = Evaluator(to_eval_config({}))._params(n=1)
    out = gen.generate("bbh_zh", [ChatRequest(messages=[{"role": "user", "content": f"q{i}"}]) for i in range(3)],
                       params)
    engine = calls["engine"]
    assert engine["model"] == str(ckpt.resolve()) and engine["dtype"] == "bfloat16"
    assert engine["tensor_parallel_size"] == 2 and engine["max_model_len"] == 8192
    (conversations, sampling, add_prompt), = calls["chat"]  # one batch of 3 (vLLM batches itself)
    assert len(conversations) == 3 and add_prompt is True
    assert all(s["temperature"] == 0.0 and s["n"] == 1 and s["max_tokens"] == 512 for s in sampling)
    assert [o[0].text for o in out] == ["So the answer is Yes."] * 3
    assert gen.stats()["throughput"]["bbh_zh"]["completion_tokens"] == 9
    gen.close()  # releases the engine (and GPU memory, on a GPU)
