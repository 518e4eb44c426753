"""Issue #17 item 11: the authors' rewrite template loads unchanged, and the paper experiments send
every raw file to the rewrite (no prefilter drops a file the paper kept)."""

from __future__ import annotations

import pytest

from codeio.transform.checks import prefilter_reason
from codeio.transform.prompt import load_template, render
from tests.helpers import compose_config

NO_FUNCTION = "import math\n\nvalues = [math.sqrt(i) for i in range(100)]\nprint(sum(values) / len(values))\n"


def test_authors_template_syntax_is_accepted_unchanged(tmp_path):
    authors = tmp_path / "authors.txt"
    authors.write_text("Rewrite this into `main_solution` (use {'a': 1} style dicts):\n\n<<<<code>>>>\n")
    template = load_template(str(authors))
    prompt = render(template, "def f(x):\n    return '{code}'\n")
    assert prompt.endswith("def f(x):\n    return '{code}'\n\n") and "<<<<code>>>>" not in prompt
    assert "{'a': 1}" in prompt  # braces of their text are literal
    ours = tmp_path / "ours.txt"
    ours.write_text("Make `{funcname}` from:\n{code}")
    assert render(load_template(str(ours)), "x = 1", "solve") == "Make `solve` from:\nx = 1"
    bad = tmp_path / "bad.txt"
    bad.write_text("no placeholder")
    with pytest.raises(ValueError, match="placeholder"):
        load_template(str(bad))


def test_paper_experiment_keeps_files_the_prefilters_would_drop():
    cfg = compose_config(["+experiment=codeio"]).transform
    assert prefilter_reason(NO_FUNCTION, cfg.min_chars, cfg.max_chars, cfg.require_python,
                            cfg.require_function) is None
    default = compose_config([]).transform
    assert prefilter_reason(NO_FUNCTION, default.min_chars, default.max_chars, default.require_python,
                            default.require_function) == "prefilter_no_function"


def test_default_rewrite_prompt_carries_the_paper_constraints():
    """The paper's rewrite asks for a question naming the inputs, spelled-out string formats and no huge
    numbers; ours (own wording) asks for each."""
    from codeio.transform.prompt import DEFAULT_TEMPLATE

    text = " ".join(DEFAULT_TEMPLATE.split())
    assert "names the input variables" in text
    assert "spell out its exact format" in text
    assert "no huge integers" in text
