"""The stand-in's own suite: its fixtures and hooks, so that it runs from its own folder (``cd
standin && python -m pytest``, configured by ``standin/pyproject.toml``) as well as in the repo's
``make test``. The helpers are the stand-in's testing helpers (``standin.testing``); the programs
its tests run as files are in ``programs/``.

Each test is marked with its level by its folder (``unit/``, ``component/``, ``e2e/``:
``standin.testing.levels``), here, for this folder's tests only.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from standin.testing import levels
from standin.testing.browser import browser_page, chromium, outside_requests, screenshot  # noqa: F401  (fixtures)
from standin.testing.fixtures import (  # noqa: F401  (fixtures, for every test file)
    clock,
    cloud_backend,
    mark,
    prefect_env,
    saturn_env,
    saturn_env_for,
    shell,
    standin,
)
from standin.testing.processes import ctrl_c_reaches_children
from standin.testing.standins import isolate_from_shared_standins

SUITE = Path(__file__).parent

isolate_from_shared_standins()
ctrl_c_reaches_children()


def pytest_configure(config):
    levels.register_marks(config)


@pytest.hookimpl(tryfirst=True)  # before -m selects: `pytest -m browser` (make screenshots) and -m "not e2e" find them
def pytest_collection_modifyitems(items):
    """Every test of this folder is marked with its level, and every one that uses a browser page ``browser``."""
    levels.mark_levels([item for item in items if Path(str(item.path)).is_relative_to(SUITE)])
