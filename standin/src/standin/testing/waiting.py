"""The one way a test waits: on a condition, polled, with a deadline, never a fixed sleep (the
machine is shared, so how long anything takes varies)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class WaitTimedOut(AssertionError):
    """The condition did not hold within the deadline: a test failure that says what was awaited."""


def wait_for(condition: Callable[[], T], timeout: float, what: str, every: float = 0.1) -> T:
    """Call ``condition`` every ``every`` seconds until it returns something true, and return that;
    fail with ``what`` (and how long was waited) once ``timeout`` seconds have passed."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise WaitTimedOut(f"{what}: not within {timeout:g} s")
        time.sleep(every)
