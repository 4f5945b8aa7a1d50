"""The starter's side of a helper process that ends with its starter.

The child gets a pipe as its stdin and watches it (:mod:`lifeline.parent`): the pipe closes when the starter closes
it, and when the starter dies, however it dies, since the kernel closes a dead process's descriptors. Closing it is
the polite stop, which lets a server finish its writes and a ``serve`` pause its deployment. The child runs in a
session of its own: a signal meant for the starter's process group (a kernel's shutdown, Ctrl-C in a terminal) does
not reach it before its turn, and :func:`stop` can kill everything it started along with it.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess


def start(argv: list[str], **popen_kwargs) -> subprocess.Popen:
    """``subprocess.Popen(argv, **popen_kwargs)`` with a pipe as the child's stdin, in a session of its own."""
    return subprocess.Popen(argv, stdin=subprocess.PIPE, start_new_session=True, **popen_kwargs)


def stop(proc: subprocess.Popen, timeout: float) -> None:
    """Close ``proc``'s stdin, wait at most ``timeout`` seconds for it to end, then SIGKILL its session: the child if
    it did not end in time, and whatever it started that outlived it."""
    with contextlib.suppress(OSError):
        proc.stdin.close()
    if proc.returncode is None:
        _wait_unreaped(proc, timeout)
    if proc.returncode is None:
        # The session's id is the child's pid, which no other process can take while the child (alive, or ended and
        # not yet reaped) holds it: the signal reaches this session only.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def _wait_unreaped(proc: subprocess.Popen, timeout: float) -> None:
    """Wait until ``proc`` ends or ``timeout`` passes, without reaping it (a pidfd turns readable when it ends)."""
    try:
        pidfd = os.pidfd_open(proc.pid)
    except (AttributeError, OSError):  # no pidfd (not Linux, or an old kernel): wait and reap, and kill no session
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout)
        return
    try:
        select.select([pidfd], [], [], timeout)
    finally:
        os.close(pidfd)
