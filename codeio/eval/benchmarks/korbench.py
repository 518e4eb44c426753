"""KOR-Bench (knowledge-orthogonal reasoning): five categories of 25 new rules x 10 questions each.

Data layout (the benchmark's): ``<data_path>/<category>/rule.jsonl`` (``idx``, ``rule_content``) and
``<data_path>/<category>/sample.jsonl`` (``idx``, ``rule_id``, ``question``, ``answer`` written as
``[[...]]``; counterfactual questions also carry ``real_life_answer``), for the categories operation,
logic, cipher, puzzle and counterfactual (``.json`` copies load too). Questions whose rule is missing
are rejected and counted.

Prompt: the single-question zero-shot mode: a per-category instruction, the rule, the question (our
wording of the benchmark's template; ``prompt_file`` loads the official YAML).

Scoring (KOR-Bench's ``evaluate_response_vs_answer``, re-implemented): the answer is the *first*
``[[...]]`` of the reply (then ``$\\boxed{...}$``, then the first ``[...]``), cleaned per category, and
compared with the reference by the category's rule: logic answers without spaces/quotes/full stops
(rule 5: ``;``-separated parts in any order); operation answers as numbers, sorted inequalities (questions
178-179), sorted characters (rule 18), number lists (rules 23-25), symbolic equality with sympy for the
questions whose answers are expressions, or ``or``-separated alternatives in any order; puzzle answers
with the rule-specific comparisons (rules 1-5, 9, 10, 18, else alphanumerics only); everything else the
cleaned text equals the reference. Rules 9 and 10 (make a target number from given numbers) evaluate the
model's expression: here by a safe arithmetic walker, never ``eval``. The score is the share of questions
right over all categories (each has 250, so it equals the mean of the category accuracies), in percent;
counterfactual replies are also checked against the real-world answer (``real_life_rate``).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from codeio.eval.benchmarks import mathcheck
from codeio.eval.benchmarks.files import find_file, read_rows, require_path
from codeio.eval.config import KorBenchConfig

NULL = "NULL"

PROMPTS = {
    "operation": (
        "You evaluate custom mathematical operations. The rule below defines new operations; apply it "
        "exactly to the question.\n\nWhat to do:\n1. Read the definitions of the new operations carefully.\n"
        "2. Unless the question asks for something else, answer with a number or a group of numbers.\n"
        "3. Check that your final answer follows the rule.\n\n### Operation rule:\n\n{}\n\n### Question:\n{}\n\n### Answer:\n"
    ),
    "logic": (
        "You solve logical reasoning tasks under a custom rule. Follow the rule and the answer format "
        "exactly.\n\nWhat to do:\n1. Find the objects and properties the rule talks about.\n2. Apply the "
        "logical operations or reasoning patterns it defines.\n3. Write the answer in the notation the rule "
        "asks for.\n\n### Logic rule:\n\n{}\n\n### Question:\n{}\n\n### Answer:\n"
    ),
    "cipher": (
        "You carry out encryption and decryption by a given cipher. Follow its rules and its output "
        "format exactly.\n\nWhat to do:\n1. Find the plaintext, keys and ciphertext the question gives.\n"
        "2. Perform the encryption or decryption steps exactly as the rules describe.\n3. Write the result "
        "in the required notation.\n\n### Cipher rule:\n\n{}\n\n### Question:\n{}\n\n### Answer:\n"
    ),
    "puzzle": (
        "You solve puzzles under a custom rule. Apply the rule below to the question.\n\nWhat to do:\n"
        "1. Make sure you understand the rule; break it into steps if that helps.\n2. Apply it carefully "
        "to the question.\n3. Check that your answer satisfies the rule.\n\n### Puzzle rule:\n\n{}\n\n"
        "### Question:\n{}\n\n### Answer:\n"
    ),
    "counterfactual": (
        "You answer questions about a story whose world follows its own rules. Use the story's rules and "
        "details, not real-world knowledge.\n\nWhat to do:\n1. Read the story and note the rules and facts "
        "that matter.\n2. Answer from the story's context.\n3. Make sure the answer agrees with the story's "
        "rules.\n\n### Story rule:\n\n{}\n\n### Question:\n{}\n\n### Answer:\n"
    ),
}

# Operation questions (by idx) whose answers are expressions compared symbolically.
MATH_IDX = frozenset([18, 73, 74, 77, 94, 115, 116, 117, 121, 122, 123, 125, 131, 132, 134, 135, 136, 141, 143,
                      149, 145, 146, 147, *range(151, 157), 160, 161, 162, 164, 165, 166, 170, 206, 209,
                      *range(211, 216), 217, 218])
SYMPY_SECONDS = 5.0


@dataclass
class KorQuestion:
    id: str
    category: str
    idx: str
    rule_id: str
    rule: str
    question: str
    answer: str
    real_life_answer: str | None = None


# ------------------------------------------------------------------ answer extraction
def bracket_answer(text: str, clean: str = "basic") -> str:
    """The first ``[[...]]`` (else ``$\\boxed{...}$``, else ``[...]``) of ``text``, cleaned; ``NULL``."""
    found = (re.findall(r"\[\[\s*(.*?)\s*\]\]", text, re.DOTALL)
             or re.findall(r"\$\\boxed\{(.*?)\}\$", text, re.DOTALL)
             or re.findall(r"\[\s*(.*?)\s*\]", text, re.DOTALL))
    if not found:
        return NULL
    answer = found[0].strip()
    if clean == "clean":
        answer = re.sub(r'["\n \[\]]', "", answer)
    elif clean == "logic":
        answer = re.sub(r'["\n .]', "", answer)
    elif clean == "math":
        return _clean_latex(re.sub(r'["\n\[\]$]', "", answer))
    return f"[[{answer}]]"


def inner_answer(text: Any) -> str:
    """What the first ``[[...]]`` holds (non-greedy), or ``NULL``."""
    if not isinstance(text, str):
        return NULL
    match = re.search(r"\[\[(.*?)\]\]", text, re.DOTALL)
    return match.group(1) if match else NULL


def _clean_latex(expr: str) -> str:
    if "=" in expr:
        expr = expr.rsplit("=", 1)[1]
    expr = re.sub(r"\\[()\[\]]", "", expr)
    expr = re.sub(r"\\text\{.*?\}", "", expr)
    expr = re.sub(r"\\(left|right|displaystyle)", "", expr)
    return expr.replace("\\\\", "\\")


# ------------------------------------------------------------------ comparisons
def _alnum(s: str) -> str:
    return re.sub(r"\W+", "", s)


def _letters(s: str) -> str:
    return re.sub(r"[^A-Za-z]", "", s).lower()


def _sorted_inequalities(s: str) -> list[str]:
    return sorted("".join(m) for m in re.findall(r"(≥|≤)\s*([-]?\d+\.?\d*)", s))


def _simplified(latex: str) -> Any:
    import sympy

    return sympy.simplify(mathcheck.parse_latex(latex))


def _math_equal(response: str, answer: str) -> bool:
    got, want = bracket_answer(response, "math"), bracket_answer(answer, "math")
    if got == NULL:
        return False
    try:
        with mathcheck.time_limit(SYMPY_SECONDS):
            if "or" in want:
                return ({_simplified(p.strip()) for p in got.split("or")}
                        == {_simplified(p.strip()) for p in want.split("or")})
            return bool(_simplified(got) == _simplified(want))
    except Exception:  # noqa: BLE001 - unparsable either side: the benchmark falls back to text
        return got == want


def _alternatives_equal(response: str, answer: str) -> bool:
    got = re.sub(r"\\text\{or\}", "or", bracket_answer(response, "clean"))
    if got == NULL:
        return False
    want = bracket_answer(answer, "clean")
    return sorted(x.strip() for x in got.strip("[]").split("or")) == \
        sorted(x.strip() for x in want.strip("[]").split("or"))


def _target_from_expression(got: str, want: str, target: int | None) -> bool:
    got = got.replace("×", "*").replace("−", "-")
    want = want.replace("×", "*").replace("−", "-")
    lhs = got.split("=")[0]
    if target is None:  # rule 9: same operators in the same order, value equals the reference's
        if re.findall(r"[+\-*/]", lhs) != re.findall(r"[+\-*/]", want.split("=")[0]):
            return False
        match = re.search(r"=\s*(-?\d+)", want)
        if match is None:
            return False
        target = int(match.group(1))
    else:  # rule 10: the same numbers, in any order, making 24
        if sorted(_alnum(lhs)) != sorted(_alnum(want.split("\n")[0].split("=")[0])):
            return False
    try:
        return mathcheck.arithmetic(lhs) == target
    except (ValueError, SyntaxError, ZeroDivisionError, RecursionError):
        return False


PUZZLE_RULES = {
    "1": lambda got, want: _letters(got) == _letters(want),
    "2": lambda got, want: _letters(got) in want.split(","),
    "3": lambda got, want: sorted(w for w in re.split(r"\W+", got.lower()) if w) == sorted(want.split(" ")),
    "4": lambda got, want: _letters(got) in want,
    "5": lambda got, want: sorted(re.sub(r"\s+", "", got).split(",")) == sorted(want.split(",")),
    "9": lambda got, want: _target_from_expression(got, want, None),
    "10": lambda got, want: _target_from_expression(got, want, 24),
    "18": lambda got, want: re.sub(r"[,\s\[\]]+", "", got) == re.sub(r"[,\s\[\]]+", "", want),
}


def is_correct(response: str, answer: str, category: str, rule_id: str, idx: str) -> bool:
    """KOR-Bench's judgement of one reply against one reference answer."""
    if category == "logic":
        got = bracket_answer(response, "logic")
        if rule_id == "5":  # ;-separated parts in any order (the reference is compared as written)
            return sorted(got.split(";")) == sorted(answer.split(";"))
        return got == bracket_answer(answer, "logic")
    if category == "operation":
        if idx in ("178", "179"):
            return _sorted_inequalities(bracket_answer(response, "clean")) == _sorted_inequalities(answer)
        if rule_id == "18":
            got = "".join(sorted(_alnum(bracket_answer(response, "clean"))))
            return got == "".join(sorted(_alnum(inner_answer(answer))))
        if rule_id in ("23", "24", "25"):
            return [int(n) for n in re.findall(r"\d+", bracket_answer(response, "clean"))] == \
                [int(n) for n in re.findall(r"\d+", answer)]
        if idx.isdigit() and int(idx) in MATH_IDX:
            return _math_equal(response, answer)
        if "or" in answer:
            return _alternatives_equal(response, answer)
    if category == "puzzle":
        got, want = inner_answer(response), inner_answer(answer)
        rule = PUZZLE_RULES.get(rule_id)
        return rule(got, want) if rule else _alnum(got) == _alnum(want)
    return bracket_answer(response, "clean") == answer


# ------------------------------------------------------------------ the benchmark
class KorBench:
    def __init__(self, cfg: KorBenchConfig) -> None:
        self.cfg = cfg
        self.prompts = dict(PROMPTS)
        if cfg.prompt_file:
            import yaml

            data = yaml.safe_load(require_path(cfg.prompt_file, "eval.korbench.prompt_file").read_text(encoding="utf-8"))
            for category in self.prompts:
                value = (data or {}).get(f"{category}_prompt_format")
                if value:
                    self.prompts[category] = value[0] if isinstance(value, list) else str(value)

    def load(self) -> tuple[list[KorQuestion], dict[str, int]]:
        root = require_path(self.cfg.data_path, "eval.korbench.data_path")
        questions: list[KorQuestion] = []
        rejected: dict[str, int] = defaultdict(int)
        for category in self.cfg.categories:
            rule_file, sample_file = find_file(root / category, "rule"), find_file(root / category, "sample")
            if rule_file is None or sample_file is None:
                raise ValueError(f"eval.korbench.data_path={root}: {category}/rule.jsonl and "
                                 f"{category}/sample.jsonl are needed (categories: eval.korbench.categories)")
            rule_rows, bad_rules = read_rows(rule_file)
            sample_rows, bad_samples = read_rows(sample_file)
            rejected["bad_json"] += bad_rules + bad_samples
            rules = {str(r["idx"]): r.get("rule_content") for r in rule_rows if isinstance(r, dict) and "idx" in r}
            kept = 0
            for row in sample_rows:
                if not isinstance(row, dict) or not all(k in row for k in ("idx", "rule_id", "question", "answer")):
                    rejected["missing_field"] += 1
                    continue
                rule = rules.get(str(row["rule_id"]))
                if not isinstance(rule, str):
                    rejected["unknown_rule"] += 1
                    continue
                if self.cfg.limit is not None and kept >= self.cfg.limit:
                    break
                questions.append(KorQuestion(
                    id=f"{category}/{row['idx']}", category=category, idx=str(row["idx"]),
                    rule_id=str(row["rule_id"]), rule=rule, question=str(row["question"]),
                    answer=str(row["answer"]),
                    real_life_answer=None if row.get("real_life_answer") is None else str(row["real_life_answer"])))
                kept += 1
        return questions, {k: v for k, v in rejected.items() if v}

    def messages(self, q: KorQuestion) -> list[dict[str, str]]:
        return [{"role": "user", "content": self.prompts[q.category].format(q.rule, q.question)}]

    def score(self, questions: list[KorQuestion], replies: list[str | None]) -> dict[str, Any]:
        per_category: dict[str, list[bool]] = defaultdict(list)
        real_life: list[bool] = []
        verdicts = []
        for q, reply in zip(questions, replies, strict=True):
            text = reply or ""
            ok = is_correct(text, q.answer, q.category, q.rule_id, q.idx)
            per_category[q.category].append(ok)
            verdict = {"id": q.id, "extracted": bracket_answer(text), "answer": q.answer, "correct": ok}
            if q.category == "counterfactual" and q.real_life_answer is not None:
                verdict["real_life"] = is_correct(text, q.real_life_answer, q.category, q.rule_id, q.idx)
                real_life.append(verdict["real_life"])
            verdicts.append(verdict)
        total = sum(len(v) for v in per_category.values())
        right = sum(sum(v) for v in per_category.values())
        return {
            "score": 100.0 * right / total if total else None,
            "questions": total,
            "per_category": {c: 100.0 * sum(v) / len(v) for c, v in sorted(per_category.items())},
            "real_life_rate": 100.0 * sum(real_life) / len(real_life) if real_life else None,
            "verdicts": verdicts,
        }
