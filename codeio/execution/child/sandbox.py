# ruff: noqa: UP031 - percent formatting on purpose: the child side runs under any Python 3.8+
"""Sandbox measures, as thin wrappers over the system calls that apply them.

Used by the worker (namespaces, the minimal root, /proc, per-job scratch) and by each job process
(IPC namespace, uid, keyring, limits). Every function raises ``OSError`` naming what failed; the
worker records which measures applied and the trusted parent refuses to run untrusted code when one
it promised is missing. Standard library only (ctypes for the calls ``os`` lacks); Linux.
"""

import ctypes
import os
import platform
import resource
import signal

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = (
    1, 2, 4, 8, 32, 4096, 16384, 1 << 18)
MNT_DETACH = 2
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_NAME, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS = 1, 4, 15, 24, 38
KEYCTL_JOIN_SESSION_KEYRING = 1
SYSCALL = {"x86_64": {"pivot_root": 155, "keyctl": 250, "mount_setattr": 442},
           "aarch64": {"pivot_root": 41, "keyctl": 219, "mount_setattr": 442}}
NR = SYSCALL.get(platform.machine(), {})
PROC_READ_ONLY = ("sys", "sysrq-trigger", "irq", "bus", "fs")
"""Parts of /proc that reach global kernel state: bound read-only over themselves."""
DEVICES = ("null", "zero", "full", "random", "urandom")

_libc = ctypes.CDLL(None, use_errno=True)
_libc_gil = ctypes.PyDLL(None, use_errno=True)  # calls made with the GIL held (fork)
_libc_gil.fork.restype = ctypes.c_int
_libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
_libc.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]
_libc.syscall.restype = ctypes.c_long


def _check(result, what):
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, "%s: %s" % (what, os.strerror(errno)))


def _b(path):
    return path if isinstance(path, bytes) else path.encode()


def mount(source, target, fstype, flags, data=None):
    _check(_libc.mount(source and _b(source), _b(target), fstype and _b(fstype), flags, data and _b(data)),
           "mount %s on %s" % (fstype or source, target))


def umount(target, flags=MNT_DETACH):
    _check(_libc.umount2(_b(target), flags), "umount %s" % target)


def unshare(flags):
    _check(_libc.unshare(flags), "unshare(0x%x)" % flags)


def prctl(option, value):
    _check(_libc.prctl(option, ctypes.c_ulong(value), 0, 0, 0), "prctl(%d)" % option)


def fork_without_handlers():
    """fork(2) without CPython's at-fork handlers (threading's bookkeeping, ``random``'s reseed...), which
    cost a few hundred page copies in every child. Only for a process that has no other thread and is
    running only our code, so that no lock can be held; the caller reseeds ``random`` in the child."""
    pid = _libc_gil.fork()
    if pid < 0:
        raise OSError(ctypes.get_errno(), "fork: %s" % os.strerror(ctypes.get_errno()))
    return pid


def set_process_name(name):
    """The name ``ps`` and ``top`` show (``/proc/<pid>/comm``, 15 bytes); best effort."""
    _libc.prctl(PR_SET_NAME, ctypes.c_char_p(name.encode()[:15]), 0, 0, 0)


def syscall(name, *args):
    if name not in NR:
        raise OSError(38, "%s: unknown system call on %s" % (name, platform.machine()))
    result = _libc.syscall(NR[name], *args)
    _check(0 if result >= 0 else -1, name)
    return result


def bind_read_only(source, target, recursive=False):
    """Bind ``source`` on ``target`` read-only, nosuid, nodev (every mount below it too when recursive)."""
    mount(source, target, None, MS_BIND | (MS_REC if recursive else 0))
    mount(None, target, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)
    if recursive:
        attr = (ctypes.c_uint64 * 4)(0x7, 0, 0, 0)  # MOUNT_ATTR_RDONLY | NOSUID | NODEV; AT_RECURSIVE below
        try:
            syscall("mount_setattr", -100, ctypes.c_char_p(_b(target)), 0x8000, ctypes.byref(attr), 32)
        except OSError as exc:
            if exc.errno != 38:  # before Linux 5.12 only the top mount is read-only
                raise


def make_dirs(path, mode=0o755):
    """Create ``path`` and missing parents with ``mode`` (not subject to the umask)."""
    missing = []
    while path and not os.path.lexists(path):
        missing.append(path)
        path = os.path.dirname(path)
    for folder in reversed(missing):
        os.mkdir(folder)
        os.chmod(folder, mode)


# ---------------------------------------------------------------------------------------------------
# The worker's view: a new root holding only what the interpreter needs
def build_root(new_root, entries, stash_dir, proc_options):
    """Populate the tmpfs at ``new_root`` and pivot into it.

    ``entries`` (computed by the trusted parent) are ``["bind", src, dst]`` (read-only, recursive),
    ``["symlink", target, dst]`` or ``["stash", src, index]``: a folder living under /tmp, /var/tmp or
    /dev/shm (a virtualenv made there), bound at ``stash_dir/index`` and bound again into every job's
    fresh scratch (``mount_scratch``). Folders made on the way are mode 0755, so a root-only /root
    holds nothing but the bound interpreter path. Sources are opened before anything is mounted.
    """
    handles = []
    o_path = getattr(os, "O_PATH", os.O_RDONLY)
    for entry in entries:
        if entry[0] in ("bind", "stash"):
            handles.append((entry, os.open(entry[1], o_path | os.O_CLOEXEC)))
        else:
            handles.append((entry, None))
    mount("tmpfs", new_root, "tmpfs", MS_NOSUID | MS_NODEV, "mode=755,size=4m")
    try:
        for entry, fd in handles:
            if entry[0] == "symlink":
                target = new_root + entry[2]
                make_dirs(os.path.dirname(target))
                if not os.path.lexists(target):
                    os.symlink(entry[1], target)
                continue
            dst = entry[2] if entry[0] == "bind" else "%s/%d" % (stash_dir, entry[2])
            target = new_root + dst
            if os.path.isdir("/proc/self/fd/%d" % fd):
                make_dirs(target)
            else:
                make_dirs(os.path.dirname(target))
                open(target, "a").close()
            bind_read_only("/proc/self/fd/%d" % fd, target, recursive=True)
    finally:
        for _, fd in handles:
            if fd is not None:
                os.close(fd)
    for folder, mode in (("/tmp", 0o1777), ("/var/tmp", 0o1777), ("/proc", 0o555), ("/dev", 0o755)):
        make_dirs(new_root + folder)
        os.chmod(new_root + folder, mode)
    stash = [("%s/%d" % (stash_dir, e[2]), e[3]) for e in entries if e[0] == "stash"]
    for folder in ("/tmp", "/var/tmp"):  # the worker's own view of a stashed folder, between jobs
        below = [(new_root + src, new_root + dst) for src, dst in stash if dst.startswith(folder + "/")]
        if below:
            mount("tmpfs", new_root + folder, "tmpfs", MS_NOSUID | MS_NODEV, "mode=755,size=64k")
            for src, dst in below:
                make_dirs(dst)
                bind_read_only(src, dst, recursive=True)
            mount(None, new_root + folder, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
    mount_proc(new_root + "/proc", proc_options)
    minimal_dev(new_root + "/dev")
    make_dirs(new_root + "/.old-root")
    os.chdir(new_root)
    syscall("pivot_root", ctypes.c_char_p(b"."), ctypes.c_char_p(b".old-root"))
    os.chdir("/")
    umount("/.old-root")
    os.rmdir("/.old-root")
    mount(None, "/", None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)


def mount_proc(target, options):
    """A fresh /proc of this pid namespace (``hidepid=2``: other users' processes are invisible), with
    the parts that reach global kernel state read-only."""
    mount("proc", target, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, options)
    protect_proc(target)


def protect_proc(target="/proc"):
    for name in PROC_READ_ONLY:
        path = "%s/%s" % (target, name)
        if os.path.exists(path):
            bind_read_only(path, path, recursive=True)


def remount_proc(options):
    """Inside a sandbox someone else built (bwrap, Docker): apply ``options`` to its /proc."""
    mount(None, "/proc", None, MS_REMOUNT | MS_NOSUID | MS_NODEV | MS_NOEXEC, options)
    protect_proc("/proc")


def proc_hides_other_users():
    """True when /proc is mounted with hidepid=2 (``invisible``)."""
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            if fields[4] == "/proc" and " - proc " in line:
                options = line.rsplit(" ", 1)[-1]
                return "hidepid=2" in options or "hidepid=invisible" in options
    return False


def minimal_dev(target):
    """A small read-only tmpfs /dev: null, zero, full, random, urandom, the fd links and shm."""
    mount("tmpfs", target, "tmpfs", MS_NOSUID, "mode=755,size=64k")
    for name in DEVICES:
        open("%s/%s" % (target, name), "a").close()
        mount("/dev/" + name, "%s/%s" % (target, name), None, MS_BIND)
    for name, link in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"),
                       ("stderr", "/proc/self/fd/2")):
        os.symlink(link, "%s/%s" % (target, name))
    os.mkdir(target + "/shm")
    os.chmod(target + "/shm", 0o1777)
    mount(None, target, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID)


# ---------------------------------------------------------------------------------------------------
# Per job
SCRATCH = ("/tmp", "/var/tmp", "/dev/shm")
WORKDIR = "/tmp/job"


def mount_scratch(size_mb, stash, uid):
    """Fresh size-capped tmpfs on /tmp, /var/tmp and /dev/shm, the stashed interpreter folders bound back
    read-only, and an empty working directory owned by ``uid``. Undone by ``drop_scratch``."""
    data = "size=%dm,mode=1777,nr_inodes=%d" % (size_mb, max(1024, size_mb * 256))
    for folder in SCRATCH:
        if os.path.isdir(folder):
            mount("tmpfs", folder, "tmpfs", MS_NOSUID | MS_NODEV, data)
    for source, dst in stash:
        make_dirs(dst)
        bind_read_only(source, dst, recursive=True)
    os.mkdir(WORKDIR, 0o700)
    if uid is not None:
        os.chown(WORKDIR, uid, uid)


def scratch_state():
    """Everything a job can observe of the scratch, to tell whether a job left any trace there: per
    tmpfs its free blocks and inodes; per top folder and for the working directory its mode, owner,
    link count, size and times (ctime moves with any change of attributes, extended ones included);
    the working directory's extended attributes (the top folders are root's, sticky: jobs cannot set
    any). Raises OSError when a folder is missing."""
    state = []
    for folder in SCRATCH + (WORKDIR,):
        if folder != WORKDIR and not os.path.ismount(folder):
            continue
        if folder != WORKDIR:
            usage = os.statvfs(folder)
            state.append((usage.f_bfree, usage.f_ffree))
        info = os.lstat(folder)
        state.append((info.st_ino, info.st_mode, info.st_uid, info.st_gid, info.st_nlink, info.st_size,
                      info.st_atime_ns, info.st_mtime_ns, info.st_ctime_ns))
    state.append(tuple(sorted(os.listxattr(WORKDIR, follow_symlinks=False))))
    return tuple(state)


def drop_scratch():
    """Detach the job's scratch mounts: constant time, whatever the job left there."""
    for folder in SCRATCH:
        try:
            umount(folder, MNT_DETACH)
        except OSError:
            pass


# ---------------------------------------------------------------------------------------------------
# Process attributes
def set_parent_death_signal():
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def set_not_dumpable():
    """Other processes of the same uid can no longer open our /proc/<pid>/{fd,mem,environ}."""
    prctl(PR_SET_DUMPABLE, 0)


def join_new_session_keyring():
    """A fresh anonymous session keyring: keys of whoever started us are out of reach."""
    syscall("keyctl", KEYCTL_JOIN_SESSION_KEYRING, None)


def _last_capability():
    try:
        with open("/proc/sys/kernel/cap_last_cap") as f:
            return int(f.read())
    except (OSError, ValueError):
        return 63


LAST_CAPABILITY = _last_capability()  # read once, before the job processes are forked


def drop_bounding_capabilities():
    """Empty the bounding set (defence in depth: no_new_privs already stops any later gain)."""
    for cap in range(LAST_CAPABILITY + 1):
        _libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)


def switch_user(uid, prepared=False):
    """Become ``uid`` (and gid ``uid``, no supplementary groups): every capability goes with root.
    ``prepared``: the bounding set is already empty and the groups dropped (the job template did it)."""
    if not prepared:
        drop_bounding_capabilities()
        os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    if os.getuid() != uid or os.geteuid() != uid:
        raise OSError(1, "could not switch to uid %d" % uid)


def template_limits(opts, base_vm):
    """The limits every job process takes that do not depend on the job, as (resource, value) pairs
    clamped to the hard limits: core dumps off, address space on top of ``base_vm``, file size, open
    files, message queues. The job template sets them on itself; its job processes inherit them."""
    values = [(resource.RLIMIT_CORE, 0)]
    memory_mb = int(opts.get("memory_mb") or 0)
    if memory_mb > 0:
        values.append((resource.RLIMIT_AS, base_vm + memory_mb * 1024 * 1024))
    if opts.get("file_size_mb"):
        values.append((resource.RLIMIT_FSIZE, int(opts["file_size_mb"]) * 1024 * 1024))
    if opts.get("nofile"):
        values.append((resource.RLIMIT_NOFILE, int(opts["nofile"])))
    values.append((resource.RLIMIT_MSGQUEUE, 1 << 20))
    return [(which, _clamp(which, value)) for which, value in values]


def _clamp(which, value):
    hard = resource.getrlimit(which)[1]
    return value if hard == resource.RLIM_INFINITY else min(value, hard)


def apply_limits(values):
    for which, value in values:
        resource.setrlimit(which, (value, value))


def hard_limits():
    """The hard limits ``job_limits`` clamps to (read once by the job template; its children share them)."""
    return {which: resource.getrlimit(which)[1] for which in (resource.RLIMIT_CPU, resource.RLIMIT_NPROC)}


def job_limits(opts, calls_left, hard):
    """The limits that depend on the job: the CPU backstop from the calls left (a backstop only: the wall
    clock is the real limit) and, once the uid is the job's own, the process count (counted per uid)."""
    cpu = float(opts.get("cpu_seconds") or 0)
    if cpu <= 0:
        cpu = float(opts.get("timeout", 5.0)) * max(1, calls_left) + 2
    wanted = [(resource.RLIMIT_CPU, int(cpu) + 1)]
    if opts.get("nproc") and os.getuid() != 0:
        wanted.append((resource.RLIMIT_NPROC, int(opts["nproc"])))
    return [(which, value if hard[which] == resource.RLIM_INFINITY else min(value, hard[which]))
            for which, value in wanted]


def set_limits(opts, calls_left, base_vm):
    """Every limit of a job process at once."""
    apply_limits(template_limits(opts, base_vm) + job_limits(opts, calls_left, hard_limits()))


def write_own_file(name, data):
    """Write ``data`` to ``/proc/self/<name>`` with bare system calls (no io stack); False when refused."""
    try:
        fd = os.open("/proc/self/" + name, os.O_WRONLY)
    except OSError:
        return False
    try:
        os.write(fd, data)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def current_vm_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def redirect_stdio():
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    if devnull > 2:
        os.close(devnull)


def close_fds_except(keep):
    low = 3
    for fd in sorted(set(keep)):
        if fd >= low:
            os.closerange(low, fd)
            low = fd + 1
    os.closerange(low, 1 << 20)


def oom_kills(fd):
    """The ``oom_kill`` counter of a cgroup's memory.events (v2) or memory.oom_control (v1) file."""
    if fd is None:
        return 0
    try:
        text = os.pread(fd, 4096, 0).decode()
    except OSError:
        return 0
    for line in text.splitlines():
        if line.startswith("oom_kill "):
            return int(line.split()[1])
    return 0
