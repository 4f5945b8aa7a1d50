"""A Dask scheduler's ``identity()`` as plain JSON: what dask-saturn's ``SaturnCluster.scheduler_info``
reads back with ``response.json()``, from the stand-in's ``GET .../scheduler_info``."""

from __future__ import annotations

import math


def json_safe(value):
    """``value`` (a scheduler's ``identity()``) as plain JSON: what dask-saturn's
    ``SaturnCluster.scheduler_info`` reads back with ``response.json()``.

    A scheduler's identity is msgpack-friendly, not JSON-friendly: for about one heartbeat after a
    task has run, ``workers.<address>.metrics.digests_total_since_heartbeat`` has tuple keys such as
    ``('execute', 'lambda', 'thread-cpu', 'seconds')``, which ``json.dumps`` refuses (the stand-in
    answered 500). Keys become strings (a tuple's parts joined with ``.``), tuples and sets become
    lists, non-finite floats (not JSON) become null, and anything else its ``str``.
    """
    if isinstance(value, dict):
        return {_json_key(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [json_safe(item) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, (str, int, float)):
        return value
    return str(value)


def _json_key(key) -> str:
    if isinstance(key, str):
        return key
    if isinstance(key, tuple):
        return ".".join(str(part) for part in key)
    return str(key)
