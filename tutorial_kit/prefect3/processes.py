"""The one way the companion's helper processes (a server's supervisor, a deployment's ``serve``) are stopped.

Each reads its stdin and stops itself when it closes (also when the kernel that started it dies, however it dies);
closing it is the polite stop, which lets a ``serve`` pause its deployment and a server finish its writes. A process
that does not end in time is killed with its whole session (each is started in a session of its own).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess


def stop_by_stdin(proc: subprocess.Popen, timeout: float) -> None:
    """Close ``proc``'s stdin, wait ``timeout`` seconds for it to end, then SIGKILL its session."""
    if proc.poll() is None:
        with contextlib.suppress(OSError):
            proc.stdin.close()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    with contextlib.suppress(OSError):
        proc.stdin.close()
