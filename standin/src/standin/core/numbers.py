"""The one whole-number check of the stand-in, for both APIs and the fault room. The tutorial's
kit has its own (``tutorial_kit.whole_numbers``): the stand-in imports nothing of the kit.

A JSON number reaches Python as an ``int`` or a ``float``, and ``true``/``false`` as a ``bool``,
which Python counts as an ``int``. Every field the stand-in takes as a whole number (a cluster's
``n_workers``, a scale's ``n``, a log's numeric level, a fault's ``times``) means the same by it:
an ``int`` that is not a ``bool``. A float, even ``2.0``, is not one: dask-saturn, prefect and the
tests send integers, so a float there is a mistake worth naming.
"""

from __future__ import annotations


def is_whole_number(value: object) -> bool:
    """Whether ``value`` is a whole number as the stand-in's APIs take one (see the module)."""
    return isinstance(value, int) and not isinstance(value, bool)
