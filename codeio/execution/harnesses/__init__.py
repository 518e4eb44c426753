"""Harnesses: trusted wrappers run around the entry function inside the sandbox child.

Contract (for ``Call.harness="<name>"``):

* The harness is the file ``codeio/execution/harnesses/<name>.py`` (``<name>`` matches
  ``[a-z_][a-z0-9_]*``). The parent reads it as text and ships it with the job; the child executes it in
  a fresh module, so it must be **stdlib-only and valid Python 3.8+** (it also runs under a foreign
  interpreter with ``executor.python=...``). It never imports ``codeio``.
* It defines ``run(fn, kwargs, options) -> (value, extra)``: ``fn`` is the job's entry function,
  ``kwargs`` the decoded arguments, ``options`` the call's ``harness_options`` dict (``{}`` when None).
  ``value`` is reported exactly like an unwrapped call's return value; ``extra`` must be JSON-able and
  comes back as ``CallResult.extra_json`` (canonical JSON, capped at ``executor.output_limit``
  characters: above it, or when not JSON, the extra is dropped and ``CallResult.error`` says why while
  the call stays ``ok``).
* Exceptions raised by ``fn`` should propagate: the executor reports them with its usual statuses. The
  call is seeded (``random``/``numpy.random``) before ``run`` is invoked, and the wall-clock timeout
  covers the harness too.

``echo`` is the minimal example (used by the executor's tests); ``trace`` records an execution trace.
"""
