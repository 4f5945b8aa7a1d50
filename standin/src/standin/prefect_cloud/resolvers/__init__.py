"""The resolvers of ``schema.graphql``, one module per family of its types (as the models are
split), each with its ``RESOLVERS`` table: ``account.py``, ``flows.py``, ``runs.py``, ``agents.py``,
``artifacts.py``, ``key_values.py``; what they share is ``tables.py``. They find the backend in
``info.context`` (``schema.Context``) and hold no state."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import account, agents, artifacts, flows, key_values, runs

FAMILIES = (account, flows, runs, agents, artifacts, key_values)


def all_resolvers() -> dict[tuple[str, str], Callable[..., Any]]:
    """Every family's resolvers, by (type, field); a field claimed by two families is a bug."""
    merged: dict[tuple[str, str], Callable[..., Any]] = {}
    for family in FAMILIES:
        twice = merged.keys() & family.RESOLVERS.keys()
        if twice:
            raise RuntimeError(f"{family.__name__} resolves {sorted(twice)} again")
        merged.update(family.RESOLVERS)
    return merged
