# ruff: noqa: UP031 - percent formatting on purpose: the child side runs under any Python 3.8+
"""The seccomp filter every job process runs under: a short deny list, audited here in one place.

A classic BPF program (built with ``struct``, installed with ``prctl(PR_SET_SECCOMP)`` after
``no_new_privs``) that

* kills the process for any architecture other than x86_64 and aarch64 (e.g. i386 system calls made
  through ``int 0x80`` on x86_64) and refuses the x32 ABI (system call numbers with bit 30 set);
* answers EPERM to what no generated program needs and what widens the kernel surface a job can reach:
  ``memfd_create`` and ``memfd_secret`` (memory outside the address-space limit), the key-management
  calls (keyrings are per uid and outlive the job), ``ptrace`` and ``process_vm_readv/writev``,
  ``unshare``, ``setns`` and ``clone`` with namespace flags (a user namespace would hand the job
  capabilities over new mount and network namespaces), every mount call, ``bpf``,
  ``perf_event_open``, ``userfaultfd``, ``io_uring``, ``open_by_handle_at`` and ``kexec``;
* answers ENOSYS to ``clone3`` (its flags live in memory a filter cannot read), so the C library
  falls back to ``clone``, whose flags are checked.

Everything else is allowed: the other measures (distinct uid, namespaces, limits) do the rest.
"""

import ctypes
import platform
import struct

AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}
X32_SYSCALL_BIT = 0x40000000

SYSCALLS = {
    # name: (x86_64, aarch64)
    "ptrace": (101, 117),
    "process_vm_readv": (310, 270),
    "process_vm_writev": (311, 271),
    "memfd_create": (319, 279),
    "memfd_secret": (447, 447),
    "add_key": (248, 217),
    "request_key": (249, 218),
    "keyctl": (250, 219),
    "unshare": (272, 97),
    "setns": (308, 268),
    "mount": (165, 40),
    "umount2": (166, 39),
    "pivot_root": (155, 41),
    "chroot": (161, 51),
    "open_tree": (428, 428),
    "move_mount": (429, 429),
    "fsopen": (430, 430),
    "fsconfig": (431, 431),
    "fsmount": (432, 432),
    "fspick": (433, 433),
    "mount_setattr": (442, 442),
    "bpf": (321, 280),
    "perf_event_open": (298, 241),
    "userfaultfd": (323, 282),
    "io_uring_setup": (425, 425),
    "io_uring_enter": (426, 426),
    "io_uring_register": (427, 427),
    "open_by_handle_at": (304, 265),
    "kexec_load": (246, 104),
    "kexec_file_load": (320, 294),
    "clone": (56, 220),
    "clone3": (435, 435),
}

CLONE_NAMESPACE_FLAGS = (0x00000080 | 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000
                         | 0x20000000 | 0x40000000)  # NEWTIME NEWNS NEWCGROUP NEWUTS NEWIPC NEWUSER NEWPID NEWNET

DENIED = ("ptrace", "process_vm_readv", "process_vm_writev", "memfd_create", "memfd_secret", "add_key",
          "request_key", "keyctl", "unshare", "setns", "mount", "umount2", "pivot_root", "chroot",
          "open_tree", "move_mount", "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr", "bpf",
          "perf_event_open", "userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register",
          "open_by_handle_at", "kexec_load", "kexec_file_load", "clone_namespaces", "clone3")
"""The job filter. ``clone_namespaces`` is ``clone`` with any namespace flag; ``clone3`` gets ENOSYS."""

TEMPLATE_DENIED = tuple("unshare_except_ipc" if name == "unshare" else name for name in DENIED)
"""The filter of the job template, which its job processes inherit: the job filter, except that
``unshare(CLONE_NEWIPC)`` alone is let through, so that the template (root) can give each job a new IPC
namespace. A job process cannot use it: without capabilities the kernel refuses it anyway, and no
capability can be had (no user namespace, no set-uid program under no_new_privs)."""
CLONE_NEWIPC = 0x08000000

EPERM, ENOSYS = 1, 38
RET_KILL_PROCESS, RET_ERRNO, RET_ALLOW = 0x80000000, 0x00050000, 0x7FFF0000
LD_W_ABS, JEQ, JGE, JSET, RET = 0x20, 0x15, 0x35, 0x45, 0x06
OFFSET_NR, OFFSET_ARCH, OFFSET_ARG0 = 0, 4, 16  # struct seccomp_data; arg0's low word (little endian)
PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2


def _insn(code, k, jt=0, jf=0):
    return (code, jt, jf, k)


def _arch_section(column, deny):
    """Instructions for one architecture, starting with the load of the system call number."""
    body = [_insn(LD_W_ABS, OFFSET_NR)]
    if column == 0:  # x86_64: refuse the x32 ABI
        body.append(("x32",))
    for name in deny:
        if name == "clone_namespaces":
            body.append(("clone", SYSCALLS["clone"][column]))
        elif name == "clone3":
            body.append(("enosys", SYSCALLS["clone3"][column]))
        elif name == "unshare_except_ipc":
            body.append(("unshare_ipc", SYSCALLS["unshare"][column]))
        else:
            body.append(("deny", SYSCALLS[name][column]))
    body.append(_insn(RET, RET_ALLOW))
    # the shared exits of this section, after the table
    exits = [_insn(RET, RET_ERRNO | EPERM), _insn(RET, RET_ERRNO | ENOSYS),
             _insn(LD_W_ABS, OFFSET_ARG0), _insn(JSET, CLONE_NAMESPACE_FLAGS, 1, 0), _insn(RET, RET_ALLOW),
             _insn(RET, RET_ERRNO | EPERM),
             _insn(LD_W_ABS, OFFSET_ARG0), _insn(JEQ, CLONE_NEWIPC, 0, 1), _insn(RET, RET_ALLOW),
             _insn(RET, RET_ERRNO | EPERM)]
    out = []
    size = len(body)
    for index, item in enumerate(body):
        to_end = size - index - 1  # instructions between this one and the first exit
        if item[0] == "x32":
            out.append(_insn(JGE, X32_SYSCALL_BIT, to_end, 0))
        elif item[0] == "deny":
            out.append(_insn(JEQ, item[1], to_end, 0))
        elif item[0] == "enosys":
            out.append(_insn(JEQ, item[1], to_end + 1, 0))
        elif item[0] == "clone":
            out.append(_insn(JEQ, item[1], to_end + 2, 0))
        elif item[0] == "unshare_ipc":
            out.append(_insn(JEQ, item[1], to_end + 6, 0))
        else:
            out.append(item)
    return out + exits


def build_program(deny=DENIED, machine=None):
    """The filter as a list of (code, jt, jf, k); ValueError on an unsupported machine."""
    machine = machine or platform.machine()
    if machine not in AUDIT_ARCH:
        raise ValueError("seccomp filter: unsupported machine %r (x86_64 and aarch64 only)" % machine)
    x86 = _arch_section(0, deny)
    arm = _arch_section(1, deny)
    head = [_insn(LD_W_ABS, OFFSET_ARCH),
            _insn(JEQ, AUDIT_ARCH["x86_64"], 2, 0),
            _insn(JEQ, AUDIT_ARCH["aarch64"], 1 + len(x86), 0),
            _insn(RET, RET_KILL_PROCESS)]
    program = head + x86 + arm
    if any(jt > 255 or jf > 255 for _, jt, jf, _ in program):
        raise ValueError("seccomp filter: jump out of range")
    return program


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


_libc = ctypes.CDLL(None, use_errno=True)
_libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong]
_compiled = {}


def compile_filter(deny=DENIED):
    """The filter as the kernel takes it (cached: a job process only installs it)."""
    if deny not in _compiled:
        program = build_program(deny)
        code = b"".join(struct.pack("=HBBI", *insn) for insn in program)
        buffer = ctypes.create_string_buffer(code, len(code))
        _compiled[deny] = (buffer, _SockFprog(len(program), ctypes.cast(buffer, ctypes.c_void_p)))
    return _compiled[deny][1]


def install(deny=DENIED):
    """Install the filter on the calling thread (and its future children); OSError when refused."""
    install_compiled(compile_filter(deny))


def install_compiled(prog, no_new_privs=True):
    """Install a filter ``compile_filter`` made earlier (the job template compiles it once, and sets
    no_new_privs, which its children inherit: ``no_new_privs=False`` then)."""
    if prog is None:
        raise OSError(22, "no compiled seccomp filter")
    if no_new_privs and _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, None, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) refused")
    if _libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(prog), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_SECCOMP) refused")
