"""The cost model: work units per stage at the planned size, then core-hours, GPU-hours, wall time and disk.

Inputs, each carried with its provenance (``Input``): the recorded benchmark (per-unit costs and yields
measured here), the composed pipeline config (pair counts, task mix, revision turns, the teacher's
``max_tokens``, the training recipe) and the plan's assumptions (``codeio/plan/config.py``). No figure
is made up here: every number the plan prints is one of those inputs or arithmetic on them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from codeio.plan.costs import Costs, StageCosts

MEASURED, ASSUMED, CONFIG = "measured", "assumed", "config"


@dataclass
class Input:
    name: str
    value: Any
    basis: str
    """``measured`` (this machine, the recorded benchmark), ``assumed`` (a sourced default or a user
    setting of ``plan.*``/``cluster.*``) or ``config`` (the composed pipeline settings)."""
    source: str


@dataclass
class StagePlan:
    stage: str
    work: dict[str, float]
    """Work units at the planned size (functions, executions, calls, tokens, samples...)."""
    cpu_s: float = 0.0
    gpu_s: float = 0.0
    wall_s: float | None = 0.0
    """On the given cluster; None when it needs GPUs and the cluster has none."""
    bytes: float = 0.0
    basis: list[str] = field(default_factory=list)
    """Names of the inputs this stage's figures rest on."""
    notes: list[str] = field(default_factory=list)


@dataclass
class Plan:
    scale: str
    stages: list[StagePlan]
    inputs: dict[str, Input]
    warnings: list[str]
    cluster: dict[str, Any]

    def totals(self) -> dict[str, float | None]:
        walls = [s.wall_s for s in self.stages]
        return {"cpu_s": sum(s.cpu_s for s in self.stages), "gpu_s": sum(s.gpu_s for s in self.stages),
                "wall_s": None if any(w is None for w in walls) else sum(walls),
                "bytes": sum(s.bytes for s in self.stages)}


class Planner:
    """``pipe``: the typed pipeline settings the plan reads (``PipelineView``); ``cluster``, ``scale``,
    ``assume`` (``PlanConfig``): the plan's own typed settings; ``costs``: the recorded benchmark."""

    def __init__(self, pipe: PipelineView, cluster, scale, assume, costs: Costs):
        self.p, self.cluster, self.scale, self.a, self.c = pipe, cluster, scale, assume, costs
        self.inputs: dict[str, Input] = {}
        self.warnings: list[str] = []

    # -- inputs ----------------------------------------------------------------------------------
    def measured(self, name: str, value: float) -> float:
        self.inputs[name] = Input(name, value, MEASURED, self.c.label)
        return value

    def assumed(self, name: str, value: Any, source: str) -> Any:
        self.inputs[name] = Input(name, value, ASSUMED, source)
        return value

    def config(self, name: str, value: Any) -> Any:
        self.inputs[name] = Input(name, value, CONFIG, "the composed pipeline config")
        return value

    def yield_(self, key: str) -> float:
        return self.measured(f"yield:{key}", self.c.yields[key])

    def tokens(self, chars: float) -> float:
        return chars / self.c.text["chars_per_token"]

    # -- the plan --------------------------------------------------------------------------------
    def plan(self) -> Plan:
        self.text_inputs()
        units = self.work_units()
        stages = [self.collect(units), self.transform(units), self.cpu_stage("sample", units["executions"],
                  {"functions in": units["functions_transformed"], "executions": units["executions"],
                   "pairs": units["pairs"]}, rows_out=units["pairs"]),
                  self.cpu_stage("tasks", units["tasks"], {"pairs": units["pairs"], "tasks": units["tasks"]},
                                 rows_out=units["tasks"]),
                  self.respond(units), self.verify(units), self.revise(units), self.assemble(units)]
        stages += self.train(units)
        self.check_disk(stages)
        cluster = {k: getattr(self.cluster, k) for k in ("nodes", "cores_per_node", "gpus")}
        return Plan(self.scale.name, stages, self.inputs, self.warnings, cluster)

    def text_inputs(self) -> None:
        t = self.c.text
        if t.get("tokenizer"):
            self.measured("chars_per_token", t["chars_per_token"])
            self.inputs["chars_per_token"].source += f"; tokens counted with {t['tokenizer']}"
        else:  # the benchmark ran without a tokenizer: every token count rests on this conversion
            self.assumed("chars_per_token", t["chars_per_token"], t.get("chars_per_token_source", "no tokenizer"))
        self.prompt_tokens = self.measured("prompt_tokens_per_task", t["prompt_tokens_mean"])
        if self.a.teacher.response_tokens is None:
            response = self.measured("response_tokens", t["trace_response_tokens_mean"])
            self.inputs["response_tokens"].source = (
                "stand-in: the execution-trace teacher's mean answer, " + self.c.label)
        else:
            response = self.assumed("response_tokens", self.a.teacher.response_tokens, "plan.teacher.response_tokens")
        if response > self.p.max_tokens:
            self.warnings.append(f"response_tokens={response:.0f} exceeds teacher.sampling.max_tokens="
                                 f"{self.p.max_tokens}: capped")
            response = self.p.max_tokens
        self.response_tokens = response
        self.feedback_tokens = self.measured("feedback_tokens", self.tokens(t["feedback_chars_mean"]))
        self.redo_tokens = self.config("redo_request_tokens", self.tokens(len(self.p.redo_request)))
        if not t.get("tokenizer"):
            for name in ("prompt_tokens_per_task", "response_tokens", "feedback_tokens"):
                if self.inputs[name].basis == MEASURED:
                    self.inputs[name].source += " (characters; tokens by the assumed chars_per_token)"

    def work_units(self) -> dict[str, float]:
        y = self.c.yields
        transformed = kept = pairs = used_pairs = executions = 0.0
        fill = self.yield_("pairs_per_kept_function") / self.yield_("pairs_target")
        per_pair = self.yield_("executions_per_pair")
        keep = self.yield_("sample_keep")
        raw = dict(self.scale.raw_files)
        given = dict(self.scale.functions) if self.scale.functions is not None else None
        for corpus, rows in raw.items():
            if given is not None:
                f_kept = float(given[corpus])
                f_in = min(rows, f_kept / keep)
            else:
                f_in = rows * self.yield_("transform_pass")
                f_kept = f_in * keep
            target = self.config(f"pairs_target:{corpus}", self.p.pairs_target(corpus))
            p = f_kept * min(target * fill, target)
            cap = f_in * (self.p.max_calls + 2 * target + 1)  # generator calls, then a re-check per pair
            executions += min(p * per_pair, cap)
            transformed, kept, pairs = transformed + f_in, kept + f_kept, pairs + p
            limit = self.p.prompt_pairs_per_function
            used_pairs += min(p, f_kept * limit) if limit else p
        if given is not None:
            self.inputs["scale"] = Input("scale", {"raw_files": raw, "functions": given}, ASSUMED, self.scale.source)
        else:
            self.inputs["scale"] = Input("scale", {"raw_files": raw}, CONFIG, self.scale.source)
        task_yield = y["tasks_per_pair"] / 2.0  # the benchmark made both kinds of task per pair
        tasks = used_pairs * self.config("tasks_per_pair", self.p.tasks_per_pair) * self.measured("yield:task", task_yield)
        return {"raw_files": float(sum(raw.values())), "functions_transformed": transformed, "functions": kept,
                "pairs": pairs, "executions": executions, "tasks": tasks,
                "input_share": self.config("input_share", self.p.input_share)}

    def stage_costs(self, name: str) -> StageCosts:
        return self.c.stages[name]

    def wall(self, costs: StageCosts, cpu_s: float, units: float) -> float:
        """Wall seconds of a CPU stage: a sharded stage spreads its CPU time over every core of the
        cluster; a whole stage runs in one process at the speed measured here."""
        if not costs.chunked:
            return costs.wall_s.at(units)
        share = self.cluster.core_utilisation
        if share is None:
            share = costs.utilisation
        cores = self.cluster.nodes * self.cluster.cores_per_node
        return costs.wall_s.fixed + max(0.0, cpu_s - costs.cpu_s.fixed) / (cores * share)

    def cpu_stage(self, name: str, units: float, work: dict[str, float], rows_out: float,
                  text_factor: float = 1.0) -> StagePlan:
        costs = self.stage_costs(name)
        self.measured(f"{name}:cpu_s_per_{costs.unit}", costs.cpu_s.per_unit)
        cpu = costs.cpu_s.at(units)
        stage = StagePlan(name, work, cpu_s=cpu, wall_s=self.wall(costs, cpu, units),
                          bytes=costs.bytes.fixed + costs.bytes.per_unit * rows_out * text_factor,
                          basis=[f"{name}:cpu_s_per_{costs.unit}"])
        return stage

    def collect(self, u) -> StagePlan:
        if self.p.unified_source:
            return self.cpu_stage("collect", u["raw_files"], {"rows": u["raw_files"]}, rows_out=u["raw_files"])
        r = self.c.raw_collect
        cpu = self.measured("collect:cpu_s_per_raw_file", r["cpu_s_per_row"]) * u["raw_files"]
        wall_per = r["wall_s_per_row"]
        share = self.cluster.core_utilisation or min(1.0, r["cpu_s_per_row"] / wall_per / self.stage_costs("collect").cores)
        wall = cpu / (self.cluster.nodes * self.cluster.cores_per_node * share)
        return StagePlan("collect", {"raw files": u["raw_files"]}, cpu_s=cpu, wall_s=wall,
                         bytes=self.measured("collect:bytes_per_raw_file", r["bytes_per_row"]) * u["raw_files"],
                         basis=["collect:cpu_s_per_raw_file"])

    def transform(self, u) -> StagePlan:
        stage = self.cpu_stage("transform", u["raw_files"], {"rows in": u["raw_files"],
                               "functions out": u["functions_transformed"]}, rows_out=u["functions_transformed"])
        if self.p.unified_source:
            return stage
        # raw code: one LLM rewrite per file, then the checks measured here on pre-unified rows
        t = self.c.text
        prompt = self.config("rewrite_template_tokens", self.tokens(self.p.rewrite_template_chars)) + self.measured(
            "raw_file_tokens", self.tokens(t["raw_file_chars_mean"]))
        if self.a.teacher.rewrite_response_tokens is None:
            answer = self.measured("rewrite_response_tokens", self.tokens(t["rewrite_response_chars_proxy"]))
            self.inputs["rewrite_response_tokens"].source = ("proxy: the paper's parsed rewrites of its 1K demo files "
                                                             "plus a mean input generator, " + self.c.label)
        else:
            answer = self.assumed("rewrite_response_tokens", self.a.teacher.rewrite_response_tokens,
                                  "plan.teacher.rewrite_response_tokens")
        self.llm(stage, calls=u["raw_files"], prompt_tokens=prompt, answer_tokens=min(answer, self.p.max_tokens))
        stage.notes.append("CPU: import, static checks and smoke run as measured on pre-unified rows")
        return stage

    def llm(self, stage: StagePlan, calls: float, prompt_tokens: float, answer_tokens: float) -> None:
        """GPU time of ``calls`` teacher requests (prefill of the prompt, decode of the answer)."""
        if not self.p.llm_teacher:
            return
        prefill = self.assumed("teacher_prefill_tokens_per_gpu_s", self.cluster.teacher_prefill_tokens_per_gpu_s,
                               "cluster.teacher_prefill_tokens_per_gpu_s (default: DeepSeek-V2 report, 8 H800, FP8)")
        decode = self.assumed("teacher_decode_tokens_per_gpu_s", self.cluster.teacher_decode_tokens_per_gpu_s,
                              "cluster.teacher_decode_tokens_per_gpu_s (default: DeepSeek-V2 report, 8 H800, FP8)")
        calls *= self.p.samples_per_prompt
        stage.work.update({"teacher calls": calls, "prompt tokens": calls * prompt_tokens,
                           "answer tokens": calls * answer_tokens})
        gpu = calls * prompt_tokens / prefill + calls * answer_tokens / decode
        stage.gpu_s += gpu
        gpu_wall = None if self.cluster.gpus == 0 else gpu / self.cluster.gpus
        stage.wall_s = None if gpu_wall is None else (stage.wall_s or 0.0) + gpu_wall
        if self.cluster.gpus and self.cluster.gpus < self.p.tensor_parallel_size:
            self.warnings.append(f"cluster.gpus={self.cluster.gpus} is fewer than one teacher replica "
                                 f"(teacher.tensor_parallel_size={self.p.tensor_parallel_size})")
        stage.basis += ["teacher_prefill_tokens_per_gpu_s", "teacher_decode_tokens_per_gpu_s"]

    def text_factor(self, answers_per_row: float) -> float:
        """How much more text a row holds with the planned teacher than with the benchmark's trace teacher."""
        if not self.p.llm_teacher:
            return 1.0
        t = self.c.text
        ours = t["prompt_chars_mean"] + answers_per_row * self.response_tokens * t["chars_per_token"]
        return ours / (t["prompt_chars_mean"] + t["trace_response_chars_mean"])

    def respond(self, u) -> StagePlan:
        tasks = u["tasks"]
        if not self.p.llm_teacher:
            return self.cpu_stage("respond", tasks, {"teacher calls": tasks}, rows_out=tasks)
        stage = StagePlan("respond", {}, wall_s=0.0)
        stage.bytes = self.stage_costs("respond").bytes.per_unit * tasks * self.text_factor(1.0)
        stage.bytes += self.response_cache_bytes(tasks)
        self.llm(stage, calls=tasks, prompt_tokens=self.prompt_tokens, answer_tokens=self.response_tokens)
        return stage

    def response_cache_bytes(self, calls: float) -> float:
        costs, t = self.stage_costs("respond"), self.c.text
        per_char = costs.response_cache_bytes_per_row / max(1.0, t["trace_response_chars_mean"])
        return calls * self.response_tokens * t["chars_per_token"] * per_char

    def verify(self, u) -> StagePlan:
        tasks = u["tasks"]
        executions = tasks * u["input_share"] * self.yield_("verify_executions_per_input_task")
        return self.cpu_stage("verify", tasks, {"tasks": tasks, "executions": executions}, rows_out=tasks,
                              text_factor=self.text_factor(1.0))

    def revision_calls(self, u) -> list[float]:
        """Teacher calls of each revision turn (turn 2, 3, ...)."""
        if self.p.llm_teacher:
            right = self.assumed("turn1_correct_rate", self.a.teacher.turn1_correct_rate,
                                 "plan.teacher.turn1_correct_rate (PAPER.md step 7: ~50%)")
            share = u["input_share"]
            fix = share * self.a.teacher.revision_fix_rate_input + (1 - share) * self.a.teacher.revision_fix_rate_output
            self.assumed("revision_fix_rate", fix, "plan.teacher.revision_fix_rate_input/output (PAPER.md step 7: "
                         "~16% / ~10% in the first revision; later turns assumed alike)")
        else:
            right, fix = self.yield_("trace_correct_rate"), 0.0
        wrong = u["tasks"] * (1 - right)
        return [wrong * (1 - fix) ** k for k in range(self.config("revision.turns", self.p.revision_turns))]

    def revise(self, u) -> StagePlan:
        tasks = u["tasks"]
        calls = self.revision_calls(u)
        turns_per_row = 1 + sum(calls) / max(tasks, 1.0)
        stage = self.cpu_stage("revise", tasks, {"tasks": tasks, "revision calls": sum(calls)}, rows_out=tasks,
                               text_factor=self.text_factor(turns_per_row))
        if not calls or not sum(calls):
            return stage
        verify = self.stage_costs("verify")
        new_cpu = verify.cpu_s.per_unit * sum(calls)
        stage.cpu_s += new_cpu
        stage.wall_s = self.wall(verify, stage.cpu_s, tasks + sum(calls))
        stage.work["executions"] = sum(calls) * u["input_share"] * self.c.yields["verify_executions_per_input_task"]
        stage.basis.append("verify:cpu_s_per_task")
        if self.p.llm_teacher:
            per_turn = self.response_tokens + self.feedback_tokens + self.redo_tokens
            prompt = sum(n * (self.prompt_tokens + (k + 1) * per_turn) for k, n in enumerate(calls)) / sum(calls)
            self.llm(stage, calls=sum(calls), prompt_tokens=prompt, answer_tokens=self.response_tokens)
            stage.bytes += self.response_cache_bytes(sum(calls))
            stage.notes.append("prompt tokens count the whole conversation; vLLM's prefix cache reuses most of it")
        return stage

    def assemble(self, u) -> StagePlan:
        tasks = u["tasks"]
        samples = tasks * self.yield_("assemble_samples_per_task")
        train = samples * (1 - self.config("dataset.holdout_fraction", self.p.holdout_fraction))
        self.samples, self.revision_share = train, self.revision_share_of(u)
        stage = self.cpu_stage("assemble", tasks, {"tasks in": tasks, "samples": samples}, rows_out=samples,
                               text_factor=self.text_factor(1 + self.revision_share))
        stage.notes.append("one process (not sharded): its wall time does not shrink with the cluster")
        return stage

    def revision_share_of(self, u) -> float:
        calls = self.revision_calls(u)
        return sum(calls) / max(u["tasks"], 1.0)

    def train(self, u) -> list[StagePlan]:
        params = dict(self.a.train.params).get(self.p.model_name)
        if params is None:
            self.warnings.append(f"train: no parameter count for model.name={self.p.model_name!r}; set "
                                 f"plan.train.params.{self.p.model_name}=N to plan it")
            return [StagePlan("train", {}, wall_s=None, notes=["not planned: unknown model size"])]
        self.assumed("model_params", params, f"plan.train.params.{self.p.model_name} (model card)")
        per_token = (8 if self.p.gradient_checkpointing else 6) * params
        peak = self.assumed("gpu_peak_tflops", self.cluster.gpu_peak_tflops, "cluster.gpu_peak_tflops (default: H100 SXM datasheet)")
        util = self.assumed("train_flops_utilisation", self.cluster.train_flops_utilisation,
                            "cluster.train_flops_utilisation (default: Llama 3 report, 38-43% MFU on H100)")
        answer = self.response_tokens * (1 + self.revision_share) + self.revision_share * self.feedback_tokens
        per_sample = min(self.p.max_length, self.prompt_tokens + answer)
        samples1 = self.p.stage1_samples(self.samples)
        plans = [("train stage 1", samples1, per_sample)]
        if self.p.stage2:
            s2 = self.a.train.stage2_tokens_per_sample
            if s2 is None:
                s2 = self.assumed("stage2_tokens_per_sample", float(self.p.max_length),
                                  "upper bound: trainer.max_length (plan.train.stage2_tokens_per_sample)")
            else:
                self.assumed("stage2_tokens_per_sample", s2, "plan.train.stage2_tokens_per_sample")
            plans.append(("train stage 2", self.p.stage2_samples, min(s2, self.p.max_length)))
        out = []
        for name, samples, tokens in plans:
            total = samples * tokens
            gpu = total * per_token / (peak * 1e12 * util)
            ckpt = params * (self.a.train.checkpoint_bytes_per_param + 2)
            out.append(StagePlan(name, {"samples": samples, "tokens": total, "FLOPs": total * per_token}, gpu_s=gpu,
                                 wall_s=None if not self.cluster.gpus else gpu / self.cluster.gpus, bytes=ckpt,
                                 basis=["model_params", "gpu_peak_tflops", "train_flops_utilisation"]))
        return out

    def check_disk(self, stages: list[StagePlan]) -> None:
        if self.cluster.disk_gb is None:
            return
        need = sum(s.bytes for s in stages) / 1e9
        if need > self.cluster.disk_gb:
            self.warnings.append(f"the data needs {need:,.0f} GB of disk, more than cluster.disk_gb={self.cluster.disk_gb:,.0f}")


@dataclass
class PipelineView:
    """The pipeline settings the plan reads, taken from the composed, typed config."""

    unified_source: bool
    llm_teacher: bool
    targets: dict[str, int]
    default_target: int
    source_name: str
    per_corpus_names: bool
    max_calls: int
    prompt_pairs_per_function: int
    tasks_per_pair: int
    input_share: float
    max_tokens: int
    samples_per_prompt: int
    tensor_parallel_size: int
    revision_turns: int
    redo_request: str
    rewrite_template_chars: int
    holdout_fraction: float
    model_name: str
    gradient_checkpointing: bool
    max_length: int
    stage1_max_steps: int
    stage1_batch: int
    stage1_epochs: int
    stage2: bool
    stage2_samples: float

    def pairs_target(self, corpus: str) -> int:
        name = corpus if self.per_corpus_names else self.source_name
        return int(self.targets.get(name, self.default_target))

    def stage1_samples(self, assembled: float) -> float:
        if self.stage1_max_steps > 0:
            return float(self.stage1_max_steps * self.stage1_batch)
        return assembled * self.stage1_epochs
