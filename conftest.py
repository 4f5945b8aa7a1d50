"""The tutorial's fixtures and hooks, for its tests (``tests/``) and nbval's run of ``notebooks/``.
The stand-in's own suite (``standin/tests/``, which ``make test`` runs too: pyproject.toml's
testpaths) has its own conftest.py, and runs from its own folder as well. The helpers these tests
share are modules of ``tests/support/`` (``from support import notebooks``) and the stand-in's
testing helpers (``standin.testing``), whose fixtures the tests below ask for are exposed here.

Levels. Each test folder has its levels as subfolders (tests/ and standin/tests/ all three, lifeline/tests/
unit and component), and each test is marked with its level
(``pytest -m "not e2e"``, ``make test-fast``; ``standin.testing.levels`` owns them): here, the
tests outside ``standin/tests/`` (whose conftest.py marks its own), and nbval's cells of
``notebooks/``, which are e2e.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from standin.testing import levels
from standin.testing.browser import browser_page, chromium, outside_requests, screenshot  # noqa: F401  (fixtures)
from standin.testing.fixtures import mark, prefect_env, saturn_env, saturn_env_for, standin  # noqa: F401  (fixtures)
from standin.testing.processes import ctrl_c_reaches_children
from standin.testing.standins import isolate_from_shared_standins
from tutorial_kit.prefect3.server import SHARED_FILE_VAR
from tutorial_kit.shims.pytest import RerunWholeFiles

#: The levels, the slowest first: the order in which the test processes take the files.
LONGEST_FIRST = ("e2e", "component", "unit")
#: The stand-in's own suite, whose conftest.py marks its tests.
STANDIN_SUITE = Path(__file__).parent / "standin" / "tests"

ctrl_c_reaches_children()

# A developer's running shared stand-in (`make standin`) must never serve the tests; the same for the
# companion's shared Prefect 3 server (make prefect3-server): an address file that never exists.
os.environ[SHARED_FILE_VAR] = str(isolate_from_shared_standins() / "prefect3-shared-server.json")


# -- hooks -----------------------------------------------------------------------------------------
def level_of(item) -> str:
    """The level of a test: the folder under its ``tests/`` folder (nbval's cells of notebooks/ are e2e)."""
    return "e2e" if Path(str(item.path)).suffix == ".ipynb" else levels.level_of(item)


@pytest.hookimpl(tryfirst=True)  # before -m selects: `pytest -m browser` (make screenshots) and -m "not e2e" find them
def pytest_collection_modifyitems(items):
    """Every test outside the stand-in's suite is marked with its level (its folder), and every test
    that uses a browser page ``browser``. Then the longest first: each file goes to a test process whole
    (``--dist loadfile``), in this order, so the end-to-end files start at once and the short ones fill
    the gaps at the end, instead of one process running a long file alone while the others wait."""
    ours = [item for item in items if not Path(str(item.path)).is_relative_to(STANDIN_SUITE)]
    levels.mark_levels(ours, level_of)
    items.sort(key=lambda item: LONGEST_FIRST.index(level_of(item)))


def pytest_configure(config):
    levels.register_marks(config)
    # --lf reruns a notebook's cells all, in order, when one of them failed: nbval runs the cells of a
    # notebook one after another in one kernel, so a cell alone would miss what the cells before it made
    config.pluginmanager.register(RerunWholeFiles(".ipynb"), "notebook-lastfailed")
