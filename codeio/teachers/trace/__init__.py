"""Execution-trace teacher (``teacher=trace``): reasoning rendered from what the code actually did.

``codeio/execution/harnesses/trace.py`` records a bounded log inside the sandbox, ``tree.py`` structures
it, ``render.py`` (with the sentence templates in ``phrases.py``) writes it as step-by-step reasoning, and
``teacher.py`` plugs it into the ``Teacher`` interface.
"""

from codeio.teachers.trace.config import SCHEMAS, TraceTeacherConfig
from codeio.teachers.trace.render import RenderOptions, render_input, render_output
from codeio.teachers.trace.teacher import TraceTeacher

__all__ = ["SCHEMAS", "RenderOptions", "TraceTeacher", "TraceTeacherConfig", "render_input", "render_output"]
