"""The child's side of :mod:`lifeline.child`: stop when the starter's pipe, this process's stdin, closes."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable


def on_parent_exit(
    callback: Callable[[], object], kill_after: float | None = None, before_kill: Callable[[], object] | None = None
) -> threading.Thread:
    """Call ``callback()`` once this process's stdin reaches its end (the starter closed it, or died), from a daemon
    thread started here. The raw descriptor is read, not ``sys.stdin``: no buffered reader's lock to trip on at
    interpreter exit.

    ``kill_after``: seconds after ``callback()`` returns at which this process, if it still runs, is killed with its
    whole session (its own, when :func:`lifeline.child.start` started it): a polite stop that hangs (a client whose
    server went away with the same starter) ends all the same, and so does what it started in its session;
    ``before_kill()`` is called first (to end what it started in sessions of their own)."""

    def watch() -> None:
        try:
            while os.read(0, 4096):
                pass
        except OSError:  # no stdin at all: as good as closed
            pass
        callback()
        if kill_after is not None:
            time.sleep(kill_after)  # the process normally ends before this: the thread ends with it
            if before_kill is not None:
                before_kill()
            kill_own_session()

    thread = threading.Thread(target=watch, name="lifeline-parent-watch", daemon=True)
    thread.start()
    return thread


def kill_own_session() -> None:
    """SIGKILL this process's session when it leads one (as a lifeline child does), else this process alone."""
    if os.getsid(0) == os.getpid():
        os.killpg(os.getpid(), signal.SIGKILL)
    os.kill(os.getpid(), signal.SIGKILL)
