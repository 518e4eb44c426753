"""What the parent reads from job code: the prelude's split and which jobs may run in the lean template."""

from __future__ import annotations

from codeio.execution.config import DEFAULT_PRELUDE
from codeio.execution.imports import runs_lean, split_prelude


def test_default_prelude_splits_at_numpy():
    split = split_prelude(DEFAULT_PRELUDE)
    assert split.heavy == ("import numpy as np", "import numpy")
    assert split.heavy_names == {"np", "numpy"} and split.has_lean
    assert len(split.light) == len(DEFAULT_PRELUDE) - 2


def test_a_job_runs_lean_only_when_it_cannot_tell():
    split = split_prelude(DEFAULT_PRELUDE)
    lean = ["def main_solution(x):\n    return x * x\n",
            "import heapq, collections\ndef main_solution(xs):\n    return heapq.nsmallest(2, xs)\n",
            "def main_solution(snp, numpyish):\n    return snp + numpyish\n"]  # other words, not the names
    full = ["def main_solution(xs):\n    return np.sum(xs)\n",  # a prelude name, never imported
            "import numpy\n", "from numpy import array\n", "import scipy.stats\n",  # third-party imports
            "import sys\ndef main_solution():\n    return 'numpy' in sys.modules\n",  # spelled in a string
            "# uses numpy\ndef main_solution():\n    return 1\n",  # even in a comment
            "from . import sibling\n",  # relative: not provably standard library
            "def main_solution(:\n"]  # does not parse
    assert [runs_lean(code, split) for code in lean] == [True] * len(lean)
    assert [runs_lean(code, split) for code in full] == [False] * len(full)


def test_preludes_without_third_party_lines_or_with_unlistable_names_have_no_lean_template():
    stdlib_only = split_prelude(["import math", "from collections import deque"])
    assert not stdlib_only.has_lean and not runs_lean("def main_solution():\n    return 1\n", stdlib_only)
    star = split_prelude(["import math", "from numpy import *"])
    assert star.never_lean and not runs_lean("def main_solution():\n    return 1\n", star)
    assigned = split_prelude(["import numpy as np", "PI = np.pi"])  # a line using a third-party name
    assert assigned.heavy == ("import numpy as np", "PI = np.pi") and not assigned.has_lean
