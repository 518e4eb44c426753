"""``python -m codeio.execute --help`` describes every flag (from the executor schemas' field docs)."""

from __future__ import annotations

import re

from codeio.execute import build_parser


def test_every_flag_is_described():
    parser = build_parser()
    undescribed = [a.option_strings[0] for a in parser._actions
                   if a.option_strings and a.option_strings[0] != "-h" and not (a.help or "").split("(")[0].strip()]
    assert not undescribed, f"flags without a description: {undescribed}"
    text = parser.format_help()
    assert re.search(r"--memory-mb MEMORY_MB\s+Address space", text)
