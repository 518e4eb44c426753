"""The child side of the sandbox: standard library only, runs under any Python 3.8+ as scripts.

``wire`` (frames, canonical encoder), ``seccomp`` (the job filter), ``sandbox`` (namespaces, root, uid,
limits), ``calls`` (loading a job, one process per call) and ``serve`` (launcher, worker loop, exec'd
jobs). Nothing here imports ``codeio``: the package is bind-mounted into sandboxes and containers and
run by interpreters that do not have it. The parent imports ``wire`` and ``seccomp`` from here too.
"""
