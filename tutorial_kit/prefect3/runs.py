"""What the companion reads from ``prefect deployment run --watch``'s output."""

from __future__ import annotations

import re

#: ``Created flow run 'name'.`` is followed by ``└── UUID: <id>``.
_FLOW_RUN_ID = re.compile(r"UUID:\s*([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})")


def flow_run_id_in(output: str) -> str:
    """The id of the flow run that ``prefect deployment run`` created, from its output."""
    found = _FLOW_RUN_ID.search(output)
    if found is None:
        raise LookupError(f"no flow run id in prefect deployment run's output: {output.strip()[:300]!r}")
    return found.group(1)
