"""Stand-ins for a test, and what the tests read of the fault room: its log lines and names."""

from __future__ import annotations

import contextlib
import uuid
from pathlib import Path

from standin.client import StandIn
from tutorial_kit.paths import STANDIN_HOME

from .processes import MARK, assert_none_left

#: Where the notebook's stand-ins log (shared by every run of this checkout: read after an offset,
#: or grep by a name of the test's own).
STANDIN_LOG = STANDIN_HOME / "standin.log"
#: The API key of the ``cloud_backend`` fixture (the emulated Prefect Cloud's models, no HTTP).
PREFECT_CLOUD_KEY = "test-api-key-0123"
HEX = "[0-9a-f]+"
#: Saturn's flow storage: where prefect-saturn's Webhook storage uploads and downloads a flow.
CONTENT_PATH = f"/api/prefect_cloud/flows/{HEX}/{HEX}/content"
#: What a ``cluster_error`` fault answers cluster creation with.
CLUSTER_ERRORS = ["Insufficient capacity: no Medium nodes are available in us-east-2.", "Try again in a few minutes."]


@contextlib.contextmanager
def marked_standin(home: Path, mark: str, **env: str):
    """A stand-in whose processes (and all they start) carry ``mark``: none may outlive it."""
    standin = StandIn.start(username="tester", home=home, env={MARK: mark, **env})
    try:
        yield standin
    finally:
        standin.stop()
        assert_none_left(mark)


def fault_log(name: str, log: Path = STANDIN_LOG) -> list[str]:
    """The stand-in's log lines about the fault ``name`` (names are unique per test)."""
    return [line.split(" WARNING ", 1)[-1] for line in log.read_text().splitlines() if f"fault {name}" in line]


def unique_name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"
