# ruff: noqa: UP031 - percent formatting on purpose: the child side runs under any Python 3.8+
"""Entry point of the child side, run as a script by each executor:

    python launch.py launch SPEC   forkserver and subprocess: join the worker's cgroups, enter new mount,
                                   network, pid, IPC and UTS namespaces and fork the worker (pid 1 there,
                                   it builds its minimal root); with ``exec`` in SPEC, exec a sandbox
                                   builder (bubblewrap) instead, which starts the worker itself
    python launch.py worker SPEC   the worker, inside a sandbox someone else built (bubblewrap, Docker)
    python launch.py job W R K S   subprocess executor: this fresh interpreter is a job process, already
                                   sandboxed; it reads its request from descriptor R, replies on W,
                                   starting at call S

SPEC is JSON: ``cgroups`` (``cgroup.procs`` files to join), ``oom_file`` / ``oom_files`` /
``oom_fd`` (the memory cgroup's out-of-memory counter), ``exec`` (argv of a sandbox builder).
"""

import builtins
import json
import os
import sys

if __name__ == "__main__":  # the siblings are imported from this folder, which then leaves sys.path
    _here = os.path.dirname(os.path.abspath(__file__))
    import calls
    import serve
    import wire

    import sandbox

    if sys.path and os.path.abspath(sys.path[0] or ".") == _here:
        del sys.path[0]
    for _name in ("calls", "sandbox", "seccomp", "serve", "template", "wire"):
        sys.modules.pop(_name, None)
else:
    from . import calls, sandbox, serve, wire


def launch_main(spec):
    """Join the cgroups, enter new namespaces and fork the worker (pid 1 there); then wait for it."""
    missing = {}
    for procs in spec.get("cgroups") or []:
        try:
            with open(procs, "w") as f:
                f.write(str(os.getpid()))
        except OSError as exc:
            missing["cgroup"] = "could not join %s: %s" % (procs, exc)
    if spec.get("oom_file"):
        try:
            spec["oom_fd"] = os.open(spec["oom_file"], os.O_RDONLY)
        except OSError:
            pass
    if spec.get("exec"):  # a sandbox builder (bubblewrap) takes over this process, cgroups and all
        argv = list(spec["exec"])
        if spec.get("oom_fd") is not None:
            os.set_inheritable(spec["oom_fd"], True)
            argv[-1] = json.dumps({"oom_fd": spec["oom_fd"]})
        os.execvp(argv[0], argv)
    flags = (sandbox.CLONE_NEWNS | sandbox.CLONE_NEWNET | sandbox.CLONE_NEWPID | sandbox.CLONE_NEWIPC
             | sandbox.CLONE_NEWUTS)
    try:
        if os.getuid() != 0:
            flags |= sandbox.CLONE_NEWUSER
        sandbox.unshare(flags)
        if flags & sandbox.CLONE_NEWUSER:
            _map_own_ids()
    except OSError as exc:
        why = "unshare(mount, network, pid, IPC, UTS) refused: %s" % exc
        for name in (serve.PID_NAMESPACE, serve.NETWORK_NAMESPACE, serve.MINIMAL_ROOT):
            missing[name] = why
        serve.worker_main(spec, "host", missing)
        return
    inner = os.fork()
    if inner == 0:
        sandbox.set_parent_death_signal()
        serve.worker_main(spec, "root", missing)
        os._exit(0)
    sandbox.redirect_stdio()
    sandbox.close_fds_except([])
    while True:
        try:
            _, status = os.waitpid(inner, 0)
            break
        except InterruptedError:
            continue
    os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 1)


def _map_own_ids():
    uid, gid = os.getuid(), os.getgid()
    for name, text in (("setgroups", "deny"), ("uid_map", "0 %d 1" % uid), ("gid_map", "0 %d 1" % gid)):
        try:
            with open("/proc/self/" + name, "w") as f:
                f.write(text)
        except OSError:
            if name != "setgroups":
                raise


def job_main(out_fd, request_fd, kill_leftovers, start):
    """An exec'd job process (subprocess executor): the sandbox is in place; import the prelude, tighten
    the address-space limit to what this interpreter now holds plus the job's allowance, run the job."""
    with os.fdopen(request_fd, "rb") as f:
        f.seek(0)  # the descriptor is shared with the worker and earlier job processes of the job
        request = wire.loads(f.read())
    request["start"] = start
    prelude_ns = {"__builtins__": builtins}
    for line in request.get("prelude") or []:
        try:
            exec(compile(line, "<prelude>", "exec"), prelude_ns)
        except BaseException:  # noqa: BLE001 - a missing module is skipped, as in the worker
            pass
    prelude_ns.pop("__builtins__", None)
    memory_mb = int(request.get("memory_mb") or 0)
    if memory_mb > 0:
        import resource

        cap = sandbox.current_vm_bytes() + memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    calls.seed_all(0)
    calls.run_job(request, out_fd, prelude_ns, kill_leftovers, sandbox.fork_without_handlers)
    os._exit(0)


def main(argv):
    mode = argv[1] if len(argv) > 1 else "worker"
    if mode == "job":
        job_main(int(argv[2]), int(argv[3]), argv[4] == "1", int(argv[5]))
    spec = json.loads(argv[2]) if len(argv) > 2 else {}
    if mode == "launch":
        launch_main(spec)
    else:
        serve.worker_main(spec, "enclosed", {})


if __name__ == "__main__":
    main(sys.argv)
