"""LiveBench's ground-truth graders for the reasoning, math, data-analysis and language tasks, as they
stood for the 2024-07-26 release (the paper's 2406-2407 split), re-implemented.

Each grader takes ``(ground_truth, reply, question_text)`` and returns a score in [0, 1]. Model text is
only parsed (regular expressions, ``ast.literal_eval`` for literals, pandas readers, sympy's LaTeX
grammar under a time limit), never executed. ``grader_for(task, subtask)`` picks the grader the way
LiveBench routes a question: by its subtask when it has one, else by its task.
"""

from __future__ import annotations

import ast
import difflib
import re
from collections.abc import Callable
from io import StringIO

import numpy as np

from codeio.eval.benchmarks import mathcheck

NUMBER_WORDS = {"one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
                "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "thirteen": "13",
                "fourteen": "14", "fifteen": "15", "sixteen": "16", "seventeen": "17", "eighteen": "18",
                "nineteen": "19", "twenty": "20", "zero": "0"}
DIGIT_WORDS = {v: k for k, v in NUMBER_WORDS.items() if v in "123456789" and len(v) == 1}


# ------------------------------------------------------------------ shared extraction
def bold(text: str, pattern: str = r"\*\*(.*?)\*\*") -> list[str]:
    return re.findall(pattern, text)


def last_boxed(text: str) -> str | None:
    """Contents of the last ``\\boxed{...}`` / ``\\fbox{...}`` (braces balanced), or of ``\\boxed x``."""
    if "\\boxed " in text:
        return text.split("\\boxed ")[-1].split("$")[0]
    start = text.rfind("\\boxed")
    if start < 0:
        start = text.rfind("\\fbox")
        if start < 0:
            return None
    depth = 0
    for i in range(start, len(text)):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                inner = text[start:i + 1].replace("$", "")
                return inner[inner.index("{") + 1:-1]
    return None


# ------------------------------------------------------------------ reasoning
def web_of_lies(truth: str, reply: str, question: str = "") -> float:
    """Last bold phrase equals the truth (e.g. ``yes, no, yes``), or holds three yes/no and the truth."""
    found = bold(reply)
    if not found:
        return 0.0
    last = found[-1].lower()
    if last == truth.lower():
        return 1.0
    return float(last.count("yes") + last.count("no") == 3 and truth.lower() in last)


def zebra_puzzle(truth: str, reply: str, question: str = "") -> float:
    """Last ``***word***`` (else the reply's last word) equals the truth; digits may stand for number words."""
    def matches(word: str) -> bool:
        word_l = word.lower()
        return (word_l == truth.lower() or DIGIT_WORDS.get(word, "\0") == truth.lower()
                or word_l + " movies" == truth.lower())

    found = bold(reply, r"\*\*\*(\w+)\*\*\*")
    if found:
        return float(matches(found[-1]))
    words = re.findall(r"\b\w+\b", reply)
    return float(matches(words[-1] if words else ""))


def spatial(truth: str, reply: str, question: str = "") -> float:
    """One of the last three bold phrases is the answer (a number may be spelled out; ``two tetrahedra``
    counts for ``tetrahedra``), else the last boxed answer equals it."""
    want = truth.strip().lower()
    for word in [w.strip().lower() for w in bold(reply, r"\*\*([^\*]+)\*\*")[-3:]]:
        if word == want or NUMBER_WORDS.get(word) == want:
            return 1.0
        for shape in ("tetrahedra", "tetrahedron", "triangle", "square"):
            if want == shape and shape in word and len(word) < 2 * len(shape) + 5:
                return 1.0
    boxed = last_boxed(reply.replace("\\\\fbox{", "\\\\boxed{"))
    return float(boxed is not None and boxed == truth)


# ------------------------------------------------------------------ language
def _groups_of_four(text: str) -> list[list[str]]:
    groups: list[list[str]] = [[]]
    for word in (w.strip().lower() for w in text.split(",")):
        if len(groups[-1]) == 4:
            groups.append([])
        groups[-1].append(word)
    return groups


def connections(truth: str, reply: str, question: str = "") -> float:
    """Share of the true groups of four found together in one bold answer (best bold answer counts)."""
    found = bold(reply)
    if not found:
        return 0.0
    truth_groups = _groups_of_four(truth)
    best = 0.0
    for candidate in map(_groups_of_four, found):
        right = sum(any(all(w in group for w in want) for group in candidate) for want in truth_groups)
        best = max(best, right / len(truth_groups))
    return best


def plot_unscrambling(truth: str, reply: str, question: str = "") -> float:
    """1 - edit distance between the true sentence order and the reply's order (each true sentence
    matched to its closest reply sentence) / number of sentences."""
    match = re.search(r"<PLOT_SUMMARY>(.*)", reply, re.DOTALL)
    text = match.group(1) if match else reply
    truth_sentences = [s.strip() for s in truth.split(".") if s.strip()]
    reply_sentences = [s.strip() for s in text.split(".") if s.strip()]
    order = []
    for sentence in truth_sentences:
        best = difflib.get_close_matches(sentence, reply_sentences, n=1, cutoff=0.0)
        if best:
            order.append(reply_sentences.index(best[0]))
    if not truth_sentences:
        return 0.0
    return 1 - mathcheck.edit_distance(list(range(len(truth_sentences))), order) / len(truth_sentences)


def typos(truth: str, reply: str, question: str = "") -> float:
    """The corrected text appears in the reply's last non-empty line."""
    lines = [line for line in reply.split("\n") if line]
    return float(bool(lines) and truth in lines[-1])


# ------------------------------------------------------------------ data analysis
def cta(truth: str, reply: str, question: str = "") -> float:
    """Column type equals the truth, ignoring case and every non-word character."""
    def clean(s: str) -> str:
        return re.sub(r"[^\w]", "", s.lower().strip())

    return float(clean(truth) == clean(reply))


def tablejoin(truth: str, reply: str, question: str = "") -> float:
    """F1 (rounded to 2 places) of the predicted column mapping (the last Python dict literal in a
    ```python block, else the whole reply) against the true one."""
    want = truth if isinstance(truth, dict) else ast.literal_eval(truth)
    blocks = re.findall(r"```python(.*)```", reply.replace("\n", ""), re.MULTILINE)
    try:
        got = ast.literal_eval((blocks or [reply])[-1])
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return 0.0
    if not isinstance(got, dict) or not got:
        return 0.0
    tp = fp = fn = 0
    for key, value in got.items():
        expected = want.get(key)
        if not expected:
            fp += 1
        elif expected == value:
            tp += 1
        else:
            fp += 1
            fn += 1
    fn += sum(1 for key in want if not got.get(key))
    return float(np.round(2 * tp / (2 * tp + fp + fn), 2))


def _read_table(kind: str, text: str):
    import pandas as pd

    if kind == "json":
        for orient, lines in (("index", False), ("records", False), ("records", True), ("table", False)):
            try:
                return pd.read_json(StringIO(text), orient=orient, lines=lines)
            except Exception:  # noqa: BLE001 - try the next layout, as LiveBench does
                continue
        return pd.read_json(StringIO(text), orient="values")
    if kind == "jsonl":
        return pd.read_json(StringIO(text), orient="records", lines=True)
    if kind == "html":
        return pd.concat(pd.read_html(StringIO(text)), axis=0)
    if kind == "csv":
        return pd.read_csv(StringIO(text))
    if kind == "markdown":
        return pd.read_table(StringIO(text), sep="|", header=0, index_col=1, skipinitialspace=True)
    if kind == "tsv":
        return pd.read_csv(StringIO(text), sep="\t")
    raise ValueError(f"unknown table format {kind!r}")


def _same_table(kind: str, text: str, want) -> bool:
    try:
        got = _read_table(kind, text)
        got.columns = [str(c).lower().strip() for c in got.columns]
        if len(got) != len(want) or sorted(got.columns) != sorted(want.columns):
            return False
        return all(sorted(got[c].tolist()) == sorted(want[c].tolist()) for c in got.columns)
    except Exception:  # noqa: BLE001 - an unreadable reply is a wrong one
        return False


def tablereformat(truth: str, reply: str, question: str = "") -> float:
    """The reply (code fences and a leading "Here is the table..." removed) read in the requested output
    format has the true table's rows and columns (columns by lower-cased name, values in any order)."""
    asked = question.split("Please convert the Input Table from ")[1]
    output_format = asked.split("format to ")[1].split(" format")[0].lower()
    want = _read_table(output_format, truth)
    want.columns = [str(c).lower().strip() for c in want.columns]
    text = re.sub(r"^```.*\n", "", reply).replace("```", "").strip()
    if _same_table(output_format, text, want):
        return 1.0
    text = re.sub(r"^\s*(Here|Input)\b.*?\b(format|table)\s*[:)]\s*", "", text, flags=re.IGNORECASE).strip()
    return float(_same_table(output_format, text, want))


# ------------------------------------------------------------------ math
def _choice_text(question: str, letter: str) -> str:
    pattern = r"\\textbf{\(([A-E])\)\s?}(.*?)(?:\\qquad|\$)"
    choices = {m[0]: m[1].strip() for m in re.findall(pattern, question)}
    value = choices.get(letter) or "FAILURE"
    return value.strip().strip("$").strip("~")


def math_contest(truth: str, reply: str, question: str = "") -> float:
    """AMC-style multiple choice: the letter written four times in a row, or the last boxed answer is
    the letter, or the right choice's value appears near the end of the reply."""
    if not (isinstance(truth, str) and len(truth) == 1 and "A" <= truth <= "E"):
        raise ValueError(f"multiple-choice ground truth must be one letter A-E, got {truth!r}")
    if truth * 4 in reply:
        return 1.0
    boxed = last_boxed(reply.replace("\\\\fbox{", "\\\\boxed{"))
    if boxed is not None and boxed == truth:
        return 1.0
    value = _choice_text(question, truth)
    return float(value in reply[-(20 + len(value)):])


def aime(truth: str, reply: str, question: str = "") -> float:
    """The integer answer appears in the last 20 characters."""
    return float(truth in reply[-20:])


def _leading_digits(s: str) -> tuple[str, int]:
    start = 0
    while start < len(s) and not s[start].isdigit():
        start += 1
    end = start
    while end < len(s) and s[end].isdigit():
        end += 1
    return s[start:end], len(s) - (end - start)


def proof_rearrangement(truth: str, reply: str, question: str = "") -> float:
    """Olympiad proofs with masked expressions: 1 - edit distance between the reply's last ``Answer:``
    list of expression numbers and the true order / the longer length."""
    want = [int(n) for n in truth.split(",")]
    got: list[int] = []
    for i, part in enumerate(p.strip() for p in reply.split("Answer")[-1].split(",")):
        digits, removed = _leading_digits(part)
        if digits:
            got.append(int(digits))
        if i > 0 and removed > 0:
            break
    return 1 - mathcheck.edit_distance(got, want) / max(len(got), len(want))


def _normalize_final_answer(answer: str) -> str:
    """Lewkowycz et al. (2022)'s normalisation of a final answer (as in the Minerva MATH evaluation)."""
    answer = answer.split("=")[-1]
    answer = re.sub(r"(.*?)(\$)(.*?)(\$)(.*)", "$\\3$", answer)
    answer = re.sub(r"(\\text\{)(.*?)(\})", "\\2", answer)
    answer = re.sub(r"(\\textbf\{)(.*?)(\})", "\\2", answer)
    answer = re.sub(r"(\\overline\{)(.*?)(\})", "\\2", answer)
    answer = re.sub(r"(\\boxed\{)(.*)(\})", "\\2", answer)
    answer = re.sub(r"(frac)([^{])(.)", "frac{\\2}{\\3}", answer)
    answer = re.sub(r"(sqrt)([^{])", "sqrt{\\2}", answer)
    answer = answer.replace("$", "")
    if answer.replace(",", "").isdigit():
        answer = answer.replace(",", "")
    return answer


def latex_equivalent(a: str, b: str, seconds: float = 5.0) -> bool:
    """|simplify(a - b)| < 0.001 for two LaTeX expressions; False when either does not parse or the
    comparison runs past ``seconds``."""
    import sympy

    try:
        with mathcheck.time_limit(seconds):
            difference = mathcheck.parse_latex(a) - mathcheck.parse_latex(b)
            return bool(sympy.Abs(sympy.simplify(difference)) < 0.001)
    except Exception:  # noqa: BLE001 - unparsable, incomparable or too slow: not equivalent
        return False


def amps_hard(truth: str, reply: str, question: str = "") -> float:
    """The last boxed answer (``+ C`` dropped) is symbolically equal to the truth."""
    if isinstance(truth, list):
        truth = truth[-1]
    text = reply.replace("+C", "").replace("+ C", "").replace("\\\\fbox{", "\\\\boxed{")
    boxed = last_boxed(text)
    if boxed is None:
        return 0.0
    return float(latex_equivalent(truth, _normalize_final_answer(boxed)))


Grader = Callable[[str, str, str], float]

GRADERS: dict[str, Grader] = {
    "web_of_lies_v2": web_of_lies, "zebra_puzzle": zebra_puzzle, "spatial": spatial,
    "connections": connections, "plot_unscrambling": plot_unscrambling, "typos": typos,
    "cta": cta, "tablejoin": tablejoin, "tablereformat": tablereformat,
}


def grader_for(task: str, subtask: str | None = None) -> Grader | None:
    """LiveBench's routing: by subtask when present (``amc_12a_2023``, ``aime_...``, ``imo_2023``,
    ``..._amps_hard``), else by task; None for tasks graded elsewhere (coding, instruction following)."""
    name = subtask or task
    prefix = name.split("_")[0]
    if prefix in ("amc", "smc") or (len(name.split("_")) > 1 and name.split("_")[1] == "amc"):
        return math_contest
    if prefix == "aime":
        return aime
    if prefix in ("imo", "usamo"):
        return proof_rearrangement
    if "amps_hard" in name.lower() or "amps_hard" in task.lower():
        return amps_hard
    return GRADERS.get(name) or GRADERS.get(task)
