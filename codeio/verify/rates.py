"""How often tasks are answered correctly, turn by turn (verify and revise statistics, the data card)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from codeio.records import SUCCESS


def correct_rates(kinds: Sequence[str], statuses: Sequence[Sequence[str]]) -> dict[str, Any]:
    """Per kind and overall: cumulative share correct by turn t, and the share of tasks still wrong after
    turn t that the next turn fixed (among those that got a next turn)."""
    groups: dict[str, list[Sequence[str]]] = defaultdict(list)
    for kind, st in zip(kinds, statuses, strict=True):
        groups[kind].append(st)
        groups["all"].append(st)
    width = max((len(s) for s in statuses), default=0)
    cumulative, fixed = {}, {}
    for group, rows in sorted(groups.items()):
        cumulative[group] = {f"turn_{t}": round(sum(SUCCESS in st[:t] for st in rows) / len(rows), 4)
                             for t in range(1, width + 1)}
        fixes = {}
        for t in range(1, width):
            retried = [st for st in rows if len(st) > t and SUCCESS not in st[:t]]
            if retried:
                fixes[f"turn_{t + 1}"] = round(sum(st[t] == SUCCESS for st in retried) / len(retried), 4)
        fixed[group] = fixes
    return {"cumulative": cumulative, "fixed_by_next_turn": fixed}
