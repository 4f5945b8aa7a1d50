"""The test suite's fixtures and hooks, for every test folder: ``tests/`` (the tutorial),
``standin/tests/`` (the stand-in) and nbval's run of ``notebooks/``. The helpers they share are
modules of ``tests/support/`` (``from support import processes``).

Levels. Each test folder has three, one subfolder each, and each test is marked with its level
(``pytest -m "not e2e"``, ``make test-fast``):

- ``unit/``: functions and models in the test process: no process started, no cluster, no server;
- ``component/``: a stand-in process, a loopback server, a Dask cluster in the test process, or a
  subprocess of a command-line tool (prefect, make, the package's own);
- ``e2e/``: the notebook run (papermill, nbval, JupyterLab in a browser), flow runs executed by the
  agent, and the user's own Dask cluster. nbval's run of ``notebooks/`` is e2e too.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import uuid
from pathlib import Path

import pytest

from standin.client import StandIn
from standin.client.protocol import SHARED_HOME_VAR
from support import programs
from support.browser import browser_page, chromium, outside_requests, screenshot  # noqa: F401  (fixtures, for every test file)
from support.clocks import StillClock
from support.processes import assert_none_left
from support.standins import PREFECT_CLOUD_KEY
from tutorial_kit.shims.pytest import RerunWholeFiles

#: The levels, by folder (see the module's docstring).
LEVELS = ("unit", "component", "e2e")

# A developer's running shared stand-in (`make standin`) must never serve the tests: point every
# test process (and what it starts) at a folder of its own, where none runs unless a test starts it.
os.environ[SHARED_HOME_VAR] = tempfile.mkdtemp(prefix="no-shared-standin-")
atexit.register(shutil.rmtree, os.environ[SHARED_HOME_VAR], ignore_errors=True)
# The same for the companion's shared Prefect 3 server (make prefect3-server): an address file that never exists.
os.environ["PREFECT3_SHARED_SERVER_FILE"] = os.path.join(os.environ[SHARED_HOME_VAR], "prefect3-shared-server.json")


# -- fixtures --------------------------------------------------------------------------------------
@pytest.fixture
def mark():
    """A fresh marker; the test fails if any process carrying it outlives the test."""
    value = uuid.uuid4().hex
    yield value
    assert_none_left(value)


@pytest.fixture(scope="module")
def standin(tmp_path_factory):
    """A real stand-in process for the module's tests."""
    s = StandIn.start(username="tester", home=tmp_path_factory.mktemp("standin"))
    yield s
    s.stop()
    assert not s.running


@pytest.fixture(scope="module")
def shell(standin, tmp_path_factory):
    """The environment of a shell pointed at the module's ``standin``, with a Prefect home of its own."""
    return programs.shell_env(standin, tmp_path_factory.mktemp("prefect-home"))


@pytest.fixture
def saturn_env_for(monkeypatch, tmp_path):
    """Point this process's dask-saturn, prefect-saturn and prefect at a stand-in, for the test:
    ``saturn_env_for(running=standin)`` at one that runs; ``saturn_env_for(ADDRESS)`` at a new one
    that hands out the Dask scheduler at ADDRESS (stopped after the test). Returns the stand-in."""
    started = []

    def point(dask_scheduler: str | None = None, *, running=None):
        standin = running
        if standin is None:
            home = tmp_path / f"standin{len(started)}"
            standin = StandIn.start(username="tester", home=home, dask_scheduler=dask_scheduler)
            started.append(standin)
        for key, value in standin.environ().items():
            monkeypatch.setenv(key, value)
        return standin

    yield point
    for standin in started:
        standin.stop()
        assert not standin.running


@pytest.fixture
def saturn_env(standin, saturn_env_for):
    """The module's stand-in, this process pointed at it: its environment."""
    return saturn_env_for(running=standin).environ()


@pytest.fixture
def prefect_env(saturn_env):
    """``saturn_env``, with this process's prefect pointed at the module's stand-in as well: prefect reads
    its configuration once, when it is imported, so the variables reach it only if it was imported after
    them. prefect's own ``set_temporary_config`` gives it the stand-in's API and key for the test (what
    ``prefect auth login`` gives a user), so that prefect-saturn can ask Prefect Cloud for the tenant."""
    from prefect.utilities.configuration import set_temporary_config

    config = {
        "backend": "cloud",
        "cloud.api": saturn_env["PREFECT__CLOUD__API"],
        "cloud.api_key": saturn_env["PREFECT_USER_TOKEN"],
    }
    with set_temporary_config(config):
        yield saturn_env


@pytest.fixture
def clock():
    """A clock for the stand-in's models that moves only when told (``clock.now += ...``)."""
    return StillClock()


@pytest.fixture
def cloud_backend():
    """The emulated Prefect Cloud's backend (models, no HTTP), with the tenant ``Tutorial``."""
    from standin.prefect_cloud.models import PrefectCloudBackend

    return PrefectCloudBackend(PREFECT_CLOUD_KEY, tenant_name="Tutorial", tenant_slug="tutorial")


# -- hooks -----------------------------------------------------------------------------------------
def level_of(item) -> str:
    """The level of a test: the folder under its ``tests/`` folder (nbval's cells of notebooks/ are e2e)."""
    path = Path(str(item.path))
    if path.suffix == ".ipynb":
        return "e2e"
    parts = path.parts
    level = parts[parts.index("tests") + 1] if "tests" in parts[:-2] else None
    if level not in LEVELS:
        raise pytest.UsageError(f"{item.nodeid}: a test lives in tests/unit/, tests/component/ or tests/e2e/")
    return level


@pytest.hookimpl(tryfirst=True)  # before -m selects: `pytest -m browser` (make screenshots) and -m "not e2e" find them
def pytest_collection_modifyitems(items):
    """Every test is marked with its level (its folder), and every test that uses a browser page
    ``browser``."""
    for item in items:
        item.add_marker(getattr(pytest.mark, level_of(item)))
        if "browser_page" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


def pytest_configure(config):
    # --lf reruns a notebook's cells all, in order, when one of them failed: nbval runs the cells of a
    # notebook one after another in one kernel, so a cell alone would miss what the cells before it made
    config.pluginmanager.register(RerunWholeFiles(".ipynb"), "notebook-lastfailed")
