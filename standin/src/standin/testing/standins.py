"""Stand-ins for a test, what the tests read of the fault room (its log lines and names), and a test
process kept away from a developer's shared stand-in."""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import tempfile
import uuid
from pathlib import Path

from ..client import StandIn
from ..client.protocol import SHARED_HOME_VAR
from .processes import MARK, assert_none_left

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


def fault_log(name: str, log: Path) -> list[str]:
    """The lines of the stand-in's ``log`` about the fault ``name`` (names are unique per test)."""
    return [line.split(" WARNING ", 1)[-1] for line in log.read_text().splitlines() if f"fault {name}" in line]


def unique_name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


_ISOLATED_HOME: Path | None = None


def isolate_from_shared_standins() -> Path:
    """Point this process, and all it starts, at a shared stand-in's home of its own, where none runs
    unless a test starts one: a developer's running shared stand-in (``make standin``) must never
    serve the tests. Once per process (each test suite's conftest calls it); the folder, removed
    at exit."""
    global _ISOLATED_HOME
    if _ISOLATED_HOME is None:
        _ISOLATED_HOME = Path(tempfile.mkdtemp(prefix="no-shared-standin-"))
        atexit.register(shutil.rmtree, _ISOLATED_HOME, ignore_errors=True)
        os.environ[SHARED_HOME_VAR] = str(_ISOLATED_HOME)
    return _ISOLATED_HOME
