"""The tests' one bounded wait (``standin.testing.waiting``): it returns what the condition gave,
and fails, naming what was awaited, once the deadline has passed."""

import itertools

import pytest

from standin.testing.waiting import WaitTimedOut, wait_for


def test_returns_the_first_true_value_of_the_condition():
    calls = itertools.count()
    assert wait_for(lambda: next(calls) >= 3 and "ready", timeout=5, what="ready", every=0) == "ready"
    assert next(calls) == 4  # called until it held, and no more


def test_fails_with_what_was_awaited_once_the_deadline_passed():
    with pytest.raises(WaitTimedOut, match=r"^the gate: not within 0\.05 s$"):
        wait_for(lambda: None, timeout=0.05, what="the gate", every=0.01)
