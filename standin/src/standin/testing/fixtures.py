"""The fixtures of tests run against a stand-in, for a suite's conftest.py to expose (``from
standin.testing.fixtures import standin, ...``): the stand-in's own suite and the tutorial's."""

from __future__ import annotations

import uuid

import pytest

from ..client import StandIn
from . import programs
from .clocks import StillClock
from .processes import assert_none_left
from .standins import PREFECT_CLOUD_KEY


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
    from ..prefect_cloud.models import PrefectCloudBackend

    return PrefectCloudBackend(PREFECT_CLOUD_KEY, tenant_name="Tutorial", tenant_slug="tutorial")
