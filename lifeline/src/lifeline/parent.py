"""The child's side of :mod:`lifeline.child`: stop when the starter's pipe, this process's stdin, closes."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable


def on_parent_exit(callback: Callable[[], object]) -> threading.Thread:
    """Call ``callback()`` once this process's stdin reaches its end (the starter closed it, or died), from a daemon
    thread started here. The raw descriptor is read, not ``sys.stdin``: no buffered reader's lock to trip on at
    interpreter exit."""

    def watch() -> None:
        try:
            while os.read(0, 4096):
                pass
        except OSError:  # no stdin at all: as good as closed
            pass
        callback()

    thread = threading.Thread(target=watch, name="lifeline-parent-watch", daemon=True)
    thread.start()
    return thread
