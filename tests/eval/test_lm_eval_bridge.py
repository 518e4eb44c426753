"""The lm-evaluation-harness bridge: result parsing (fast) and a real harness run on a tiny local task
with a tiny local model (slow: importing and indexing the harness alone takes ~20 s)."""

from __future__ import annotations

import json

import pytest

from codeio.eval import lm_eval_bridge as bridge


def test_headline_metric_and_groups():
    results = {
        "results": {
            "gsm8k": {"alias": "gsm8k", "exact_match,strict-match": 0.25, "exact_match,flexible-extract": 0.5},
            "mmlu_stem": {"acc,none": 0.4, "acc_stderr,none": 0.01},
            "bbh_cot_fewshot_a": {"exact_match,get-answer": 0.2},
            "bbh_cot_fewshot_b": {"exact_match,get-answer": 0.6},
        },
        "groups": {"mmlu_stem": {"acc,none": 0.41}},
        "group_subtasks": {"bbh_cot_fewshot": ["bbh_cot_fewshot_a", "bbh_cot_fewshot_b"]},
        "n-samples": {"bbh_cot_fewshot_a": {"effective": 30}, "bbh_cot_fewshot_b": {"effective": 10}},
    }
    assert bridge.extract_score(results, "gsm8k", "gsm8k")["score"] == 50.0
    assert bridge.extract_score(results, "mmlu_stem", "mmlu_stem")["score"] == pytest.approx(41.0)
    bbh = bridge.extract_score(results, "bbh_cot_fewshot", "bbh")
    assert bbh["score"] == pytest.approx((20 * 30 + 60 * 10) / 40)
    missing = bridge.extract_score(results, "drop", "drop")
    assert missing["score"] is None and missing["error"]
    assert bridge.DEFAULT_FEWSHOT["bbh"] == 3 and set(bridge.default_tasks("loglikelihood")) == {
        "winogrande", "drop", "gsm8k", "math", "gpqa", "mmlu_stem", "bbh"}


def _write_task(tmp_path, items):
    data_a = tmp_path / "data_a"
    data_a.mkdir()
    (data_a / "test.jsonl").write_text("".join(json.dumps(x) + "\n" for x in items))
    tasks = tmp_path / "tasks"
    tasks.mkdir()
    (tasks / "codeio_tiny_mc.yaml").write_text(
        "task: codeio_tiny_mc\n"
        f"dataset_path: {data_a}\n"
        "test_split: test\n"
        "output_type: multiple_choice\n"
        'doc_to_text: "{{question}}"\n'
        'doc_to_choice: "{{choices}}"\n'
        "doc_to_target: label\n"
        "metric_list:\n  - metric: acc\n    aggregation: mean\n    higher_is_better: true\n"
        "metadata:\n  version: 1.0\n"
    )
    return tasks


def _expected_accuracy(model_dir, items):
    """Independent scoring: pick the choice with the highest summed log-probability after the question."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForCausalLM.from_pretrained(model_dir).eval()
    right = 0
    for item in items:
        ctx = tok(item["question"])["input_ids"]
        scores = []
        for choice in item["choices"]:
            cont = tok(item["question"] + " " + choice)["input_ids"][len(ctx):]
            ids = torch.tensor([ctx + cont])
            with torch.no_grad():
                logp = model(ids).logits.log_softmax(-1)[0]
            scores.append(sum(logp[len(ctx) - 1 + i, t].item() for i, t in enumerate(cont)))
        right += max(range(len(scores)), key=scores.__getitem__) == item["label"]
    return 100.0 * right / len(items)


@pytest.mark.slow
def test_harness_run_on_tiny_local_task(tmp_path, tiny_model_dir):
    pytest.importorskip("lm_eval")
    items = [
        {"question": "1 + 1 =", "choices": ["2", "3", "11"], "label": 0},
        {"question": "2 + 2 =", "choices": ["5", "4", "22"], "label": 1},
        {"question": "the sky is", "choices": ["green", "blue", "loud"], "label": 1},
        {"question": "water is", "choices": ["wet", "dry", "square"], "label": 0},
        {"question": "def f(x): return", "choices": ["x", "1", "None"], "label": 2},
        {"question": "assert f(1) ==", "choices": ["2", "[]", "'a'"], "label": 0},
    ]
    tasks = _write_task(tmp_path, items)
    # the same task again, pointed by dataset_paths at a copy whose labels are all shifted by one
    shifted = [{**x, "label": (x["label"] + 1) % 3} for x in items]
    data_b = tmp_path / "data_b"
    data_b.mkdir()
    (data_b / "test.jsonl").write_text("".join(json.dumps(x) + "\n" for x in shifted))
    out = bridge.run_lm_eval(
        str(tiny_model_dir), ["tiny", "tiny_local", "nonexistent"],
        tasks={"tiny": "codeio_tiny_mc", "tiny_local": "codeio_tiny_mc", "nonexistent": "no_such_task_xyz"},
        num_fewshot={"tiny": 0, "tiny_local": 0}, dataset_paths={"tiny_local": str(data_b)},
        include_path=str(tasks), apply_chat_template=False,  # the oracle scores plain text
    )
    assert out["tiny"]["score"] == pytest.approx(_expected_accuracy(tiny_model_dir, items))
    assert out["tiny_local"]["score"] == pytest.approx(_expected_accuracy(tiny_model_dir, shifted))
    assert out["nonexistent"]["score"] is None and out["nonexistent"]["error"]


class _FakeTaskManager:
    def __init__(self, include_path=None):
        self.include_path = include_path


def test_paper_settings_reach_the_harness(monkeypatch):
    """Chat template on, few-shot as turns only where there are shots, the generative tasks for the
    three multiple-choice benchmarks (a tag's leaves averaged by size), our task folder included."""
    calls = []

    class FakeEvaluator:
        @staticmethod
        def simple_evaluate(**kw):
            calls.append(kw)
            name = kw["tasks"][0]
            if name == "mmlu_stem_generative":  # a tag: only its leaves are reported
                return {"results": {"mmlu_anatomy_generative": {"exact_match,get_response": 0.5},
                                    "mmlu_college_physics_generative": {"exact_match,get_response": 0.8}},
                        "n-samples": {"mmlu_anatomy_generative": {"effective": 30},
                                      "mmlu_college_physics_generative": {"effective": 10}}}
            metric = {"codeio_winogrande_gen": "exact_match,get-answer", "gpqa_main_cot_zeroshot":
                      "exact_match,flexible-extract", "bbh_cot_fewshot": "exact_match,get-answer"}[name]
            return {"results": {name: {metric: 0.25}}}

    monkeypatch.setattr(bridge, "_import_lm_eval", lambda: (FakeEvaluator, _FakeTaskManager))
    out = bridge.run_lm_eval(object(), ["winogrande", "mmlu_stem", "gpqa", "bbh"], max_gen_toks=1024)
    assert [c["tasks"] for c in calls] == [["codeio_winogrande_gen"], ["mmlu_stem_generative"],
                                           ["gpqa_main_cot_zeroshot"], ["bbh_cot_fewshot"]]
    assert all(c["apply_chat_template"] for c in calls)
    assert [c["fewshot_as_multiturn"] for c in calls] == [False, False, False, True]  # only BBH has shots
    assert [c["num_fewshot"] for c in calls] == [0, 0, 0, 3]
    assert all(c["gen_kwargs"] == "max_gen_toks=1024" for c in calls)
    assert calls[0]["task_manager"].include_path[0] == str(bridge.PACKAGED_TASKS)
    assert out["mmlu_stem"]["score"] == pytest.approx((50 * 30 + 80 * 10) / 40)
    assert out["winogrande"]["score"] == out["gpqa"]["score"] == out["bbh"]["score"] == 25.0
    assert out["gpqa"]["metric"] == "exact_match,flexible-extract" and out["bbh"]["chat_template"] is True

    calls.clear()
    bridge.run_lm_eval(object(), ["winogrande", "mmlu_stem", "gpqa"], multiple_choice="loglikelihood",
                       apply_chat_template=False)
    assert [c["tasks"][0] for c in calls] == ["winogrande", "mmlu_stem", "gpqa_main_zeroshot"]
    assert not any(c["apply_chat_template"] or c["fewshot_as_multiturn"] for c in calls)


@pytest.mark.slow
def test_packaged_winogrande_task_is_generative():
    pytest.importorskip("lm_eval")
    from lm_eval.tasks import TaskManager

    manager = TaskManager(include_path=[str(bridge.PACKAGED_TASKS)])
    assert "codeio_winogrande_gen" in manager.all_tasks
    config = manager.task_index["codeio_winogrande_gen"].cfg
    assert config["output_type"] == "generate_until" and config["dataset_name"] == "winogrande_xl"
    assert config["validation_split"] == "validation"  # the paper's 1,267 questions


@pytest.mark.slow
def test_killed_harness_run_resumes_from_its_cache(tmp_path, tiny_model_dir, monkeypatch):
    """The model dies half-way through its forward calls (a killed evaluation); run again, the harness asks
    the model only for the answers it had not given; a third run asks it nothing, with the same score."""
    pytest.importorskip("lm_eval")
    from lm_eval.models.huggingface import HFLM

    items = [{"question": f"{a} + {a} =", "choices": [str(2 * a), str(a), "x"], "label": 0} for a in range(6)]
    tasks = _write_task(tmp_path, items)
    real_call = HFLM._model_call
    calls = {"n": 0, "limit": None}

    def counted_call(self, *args, **kwargs):
        calls["n"] += 1
        if calls["limit"] is not None and calls["n"] > calls["limit"]:
            raise RuntimeError("killed")
        return real_call(self, *args, **kwargs)

    monkeypatch.setattr(HFLM, "_model_call", counted_call)

    def run(cache="cache"):
        calls["n"] = 0
        return bridge.run_lm_eval(str(tiny_model_dir), ["tiny"], tasks={"tiny": "codeio_tiny_mc"},
                                  num_fewshot={"tiny": 0}, include_path=str(tasks), apply_chat_template=False,
                                  cache_dir=tmp_path / cache)

    run("uninterrupted")
    whole_run = calls["n"]
    calls["limit"] = whole_run // 2
    assert run()["tiny"]["score"] is None  # died part-way
    calls["limit"] = None
    resumed = run()
    assert resumed["tiny"]["score"] == pytest.approx(_expected_accuracy(tiny_model_dir, items))
    asked_on_resume = calls["n"]
    assert 0 < asked_on_resume <= whole_run - whole_run // 2, (asked_on_resume, whole_run)
    again = run()
    assert calls["n"] == 0 and again["tiny"]["score"] == resumed["tiny"]["score"]
    # another checkpoint's contents never answer from this cache
    assert len(list((tmp_path / "cache" / "lm_eval").glob("*.db"))) == 1
