"""The kit's one whole-number check, for a value that counts something (workers, processes, rows):
an ``int`` (not a ``bool``, which Python counts as one) of at least a minimum, else one line that
says so, in the error class of the caller's choice. The stand-in has its own
(``standin.core.numbers``): the two distributions do not import each other (the import contracts,
pyproject.toml), and the companion's venv has no stand-in."""

from __future__ import annotations


def check_whole_number(name: str, value, minimum: int = 1, error: type[Exception] = ValueError, advice: str = ""):
    """``value`` when it is a whole number of at least ``minimum``; else ``error`` with
    ``"{name} must be a whole number of at least {minimum}, got {value!r}"`` and ``advice`` after it."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise error(f"{name} must be a whole number of at least {minimum}, got {value!r}{advice}")
    return value
