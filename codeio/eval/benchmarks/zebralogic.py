"""ZebraLogic: logic grid puzzles (``allenai/ZebraLogicBench``, grid_mode, 1,000 puzzles).

Row format (the dataset card's): ``id``, ``size`` (``"<houses>*<attributes>"``), ``puzzle`` (text),
``solution`` = ``{"header": ["House", <attribute>, ...], "rows": [[<house number>, <value>, ...], ...]}``,
``created_at``. The public copy hides the solution values (every cell is ``___``); point
``solutions_path`` at a copy that has them (the gated ``ZebraLogicBench-private``) when ``data_path``
is the public one. Rows whose solution is hidden or malformed are rejected and counted.

Prompt: a worked one-shot example, the puzzle, and a JSON template with one ``"___"`` per cell to fill
(the layout of the benchmark's own ZeroEval prompt, our wording; ``prompt_file`` loads another template
with ``{puzzle}`` and ``{json_template}`` placeholders, e.g. the official one).

Scoring (ZeroEval's ``zebra_grid_eval``): the last complete ``{...}`` object of the reply is parsed as
JSON (newlines removed first); no object, or no ``solution`` in it, is ``no_answer``. For each cell of
the true grid, the predicted ``solution["House i"][attribute]`` (a list counts by its first element) is
right when it equals the truth ignoring case and surrounding spaces; missing or empty cells are wrong. A
puzzle is solved when all its cells are right. ``puzzle_acc`` = solved / puzzles, ``cell_acc`` = right
cells / all cells (every puzzle's cells count, answered or not), both in percent; easy / hard puzzle
accuracy by size as ZeroEval splits them. The paper's Table 1 number is the puzzle accuracy
(``metric``). Where ZeroEval would crash (a cell that is neither text nor a list, a ``solution`` that is
not an object), the cell is wrong and counted under ``malformed_cells``.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from codeio.eval.benchmarks.files import read_rows, require_path
from codeio.eval.config import ZebraLogicConfig

HIDDEN = "___"
EASY_SIZES = ("2*2", "2*3", "2*4", "2*5", "2*6", "3*2", "3*3")

PROMPT = """Solve the logic grid puzzle at the end. First, an example of the task and of the answer format.

## Example puzzle

Three houses stand in a row, numbered 1 to 3 from left to right. Each has one resident, and every
resident has a different value of each attribute:
 - Names: `Alice`, `Bob`, `Carol`
 - Pets: `cat`, `dog`, `fish`

Clues:
1. Bob lives in the middle house.
2. The cat owner lives directly left of Bob.
3. Carol owns the dog.
4. Alice does not live in House 3.

## Answer to the example

{
    "reasoning": "Clue 1 puts Bob in House 2, so by clue 2 the cat is in House 1. Alice is not in House 3 (clue 4) nor in House 2, so she lives in House 1 and owns the cat. Carol lives in House 3 and owns the dog (clue 3), which leaves the fish to Bob.",
    "solution": {
        "House 1": {"Name": "Alice", "Pet": "cat"},
        "House 2": {"Name": "Bob", "Pet": "fish"},
        "House 3": {"Name": "Carol", "Pet": "dog"}
    }
}

## Puzzle to solve

{puzzle}

## What to reply

Solve the puzzle above and reply with your reasoning and your solution in this JSON format, filling in
every ___:

{json_template}
"""


@dataclass
class ZebraPuzzle:
    id: str
    size: str
    puzzle: str
    header: list[str]
    rows: list[list[str]]


def extract_last_json(text: str | None) -> Any:
    """The last complete top-level ``{...}`` in ``text`` parsed as JSON (newlines removed), or None."""
    if not text:
        return None
    depth, start, last = 0, None, None
    for i, char in enumerate(text):
        if char == "{":
            if depth == 0:
                start = i
            depth += 1
        elif char == "}" and depth:
            depth -= 1
            if depth == 0:
                last = text[start:i + 1]
    if last is None:
        return None
    try:
        return json.loads(last.replace("\n", ""))
    except ValueError:
        return None


def json_template(header: list[str], houses: int) -> str:
    template = {"reasoning": HIDDEN,
                "solution": {f"House {i + 1}": {column: HIDDEN for column in header[1:]} for i in range(houses)}}
    return json.dumps(template, indent=4)


def grade(puzzle: ZebraPuzzle, reply: str | None) -> dict[str, Any]:
    """Cells right, cells total and whether the puzzle is solved, for one reply."""
    total = len(puzzle.rows) * (len(puzzle.header) - 1)
    parsed = extract_last_json(reply)
    if not isinstance(parsed, dict) or parsed.get("solution") is None:
        return {"id": puzzle.id, "answered": False, "correct_cells": 0, "cells": total, "solved": False,
                "malformed_cells": 0}
    table = parsed["solution"]
    right = malformed = 0
    for i, row in enumerate(puzzle.rows):
        house = f"House {i + 1}"
        predicted_house = table.get(house) if isinstance(table, dict) else None
        if not isinstance(predicted_house, dict):
            malformed += 0 if predicted_house is None else len(puzzle.header) - 1
            continue
        for column, truth in zip(puzzle.header[1:], row[1:], strict=True):
            value = predicted_house.get(column)
            if isinstance(value, list):
                value = value[0] if value else None
            if value is None or value == "":
                continue
            if not isinstance(value, str):
                malformed += 1
                continue
            right += value.lower().strip() == str(truth).lower().strip()
    return {"id": puzzle.id, "answered": True, "correct_cells": right, "cells": total, "solved": right == total,
            "malformed_cells": malformed}


class ZebraLogic:
    def __init__(self, cfg: ZebraLogicConfig) -> None:
        self.cfg = cfg
        self.template = PROMPT
        if cfg.prompt_file:
            self.template = require_path(cfg.prompt_file, "eval.zebralogic.prompt_file").read_text(encoding="utf-8")

    def load(self) -> tuple[list[ZebraPuzzle], dict[str, int]]:
        rows, bad = read_rows(require_path(self.cfg.data_path, "eval.zebralogic.data_path"))
        solutions: dict[str, Any] = {}
        if self.cfg.solutions_path:
            extra, _ = read_rows(require_path(self.cfg.solutions_path, "eval.zebralogic.solutions_path"))
            solutions = {str(r["id"]): r.get("solution") for r in extra if isinstance(r, dict) and "id" in r}
        rejected: dict[str, int] = defaultdict(int)
        rejected["bad_json"] += bad
        puzzles = []
        for row in rows:
            reason = None
            if not isinstance(row, dict) or not isinstance(row.get("puzzle"), str) or "id" not in row:
                reason = "missing_id_or_puzzle"
            else:
                solution = solutions.get(str(row["id"]), row.get("solution"))
                reason = _solution_problem(solution)
            if reason:
                rejected[reason] += 1
                continue
            if self.cfg.limit is not None and len(puzzles) >= self.cfg.limit:
                break
            puzzles.append(ZebraPuzzle(id=str(row["id"]), size=str(row.get("size") or ""), puzzle=row["puzzle"],
                                       header=list(solution["header"]), rows=[list(r) for r in solution["rows"]]))
        if rows and not puzzles and rejected.get("solution_hidden"):
            raise ValueError("eval.zebralogic: every solution is hidden (the public copy); set "
                             "eval.zebralogic.solutions_path to a copy with the solutions")
        return puzzles, {k: v for k, v in rejected.items() if v}

    def messages(self, puzzle: ZebraPuzzle) -> list[dict[str, str]]:
        text = self.template.replace("{puzzle}", puzzle.puzzle).replace(
            "{json_template}", json_template(puzzle.header, len(puzzle.rows)))
        return [{"role": "user", "content": text}]

    def score(self, puzzles: list[ZebraPuzzle], replies: list[str | None]) -> dict[str, Any]:
        verdicts = [grade(p, r) for p, r in zip(puzzles, replies, strict=True)]
        n = len(verdicts)
        cells = sum(v["cells"] for v in verdicts)
        solved = sum(v["solved"] for v in verdicts)
        by_kind: dict[str, list[bool]] = defaultdict(list)
        for p, v in zip(puzzles, verdicts, strict=True):
            by_kind["easy" if p.size in EASY_SIZES else "hard"].append(v["solved"])
        metrics = {
            "puzzle_acc": 100.0 * solved / n if n else None,
            "cell_acc": 100.0 * sum(v["correct_cells"] for v in verdicts) / cells if cells else None,
            "easy_puzzle_acc": 100.0 * sum(by_kind["easy"]) / len(by_kind["easy"]) if by_kind["easy"] else None,
            "hard_puzzle_acc": 100.0 * sum(by_kind["hard"]) / len(by_kind["hard"]) if by_kind["hard"] else None,
            "no_answer": sum(not v["answered"] for v in verdicts),
            "malformed_cells": sum(v["malformed_cells"] for v in verdicts),
            "puzzles": n,
        }
        return {"score": metrics[self.cfg.metric], **metrics, "verdicts": verdicts}


def _solution_problem(solution: Any) -> str | None:
    if not isinstance(solution, dict) or not isinstance(solution.get("header"), list) \
            or not isinstance(solution.get("rows"), list) or not solution["rows"]:
        return "missing_solution"
    header = solution["header"]
    if not header or header[0] != "House" or any(
            not isinstance(r, list) or len(r) != len(header) for r in solution["rows"]):
        return "malformed_solution"
    if all(str(cell) == HIDDEN for r in solution["rows"] for cell in r[1:]):
        return "solution_hidden"
    return None
