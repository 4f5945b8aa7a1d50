"""``connect()``, the notebook's first call, in the test process with the stand-in's start replaced:
which platform it picks from the environment, and the one-line errors of a half-set Saturn environment
and of a bad ``STANDIN_DASK_SCHEDULER``, before anything starts."""

from __future__ import annotations

import os
import sys
from types import SimpleNamespace

import pytest

from standin.client import StandIn
from standin.client.protocol import SCHEDULER_VAR
from tutorial_kit.exceptions import PlatformConfigError
from tutorial_kit.notebook import connect as connect_module


@pytest.fixture(autouse=True)
def path_kept(monkeypatch):
    """connect() puts the venv's scripts first on this process's PATH: put back after each test, or a
    later test of this process that runs ``make`` (test_lab.py) finds the venv's Python first, takes
    .venv-prefect3 for a venv of another Python, and makes it again from nothing."""
    monkeypatch.setenv("PATH", os.environ.get("PATH", ""))


def test_half_set_saturn_environment_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(connect_module, "_current", None)
    monkeypatch.setenv("SATURN_BASE_URL", "https://app.example.invalid")
    monkeypatch.delenv("SATURN_TOKEN", raising=False)
    with pytest.raises(PlatformConfigError, match="SATURN_BASE_URL is set but SATURN_TOKEN is not"):
        connect_module.connect("u")


def test_on_saturn_nothing_starts_and_the_environment_is_kept(monkeypatch):
    monkeypatch.setattr(connect_module, "_current", None)
    monkeypatch.setenv("SATURN_BASE_URL", "https://app.example.invalid")
    monkeypatch.setenv("SATURN_TOKEN", "from-the-platform")
    started = []
    monkeypatch.setattr(StandIn, "start", lambda **kw: started.append(kw))
    monkeypatch.setenv("PATH", os.environ.get("PATH", ""))  # connect() may add the venv's scripts
    before = {k: v for k, v in os.environ.items() if k != "PATH"}
    connection = connect_module.connect("u")
    assert connection.mode == "saturn" and connection.standin is None and not started
    assert {k: v for k, v in os.environ.items() if k != "PATH"} == before


def test_without_the_standin_installed_saturn_works_and_offline_says_how_to_install_it(monkeypatch):
    """environment.yml (Saturn Cloud) installs no part of the stand-in: the kit imports it on the offline path only."""
    monkeypatch.setattr(connect_module, "_current", None)
    for name in [m for m in sys.modules if m == "standin" or m.startswith("standin.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "standin", None)  # import standin fails as where it is not installed
    monkeypatch.setenv("SATURN_BASE_URL", "https://app.example.invalid")
    monkeypatch.setenv("SATURN_TOKEN", "from-the-platform")
    assert connect_module.connect("u").mode == "saturn"
    monkeypatch.setattr(connect_module, "_current", None)
    for var in ("SATURN_BASE_URL", "SATURN_TOKEN"):
        monkeypatch.delenv(var)
    with pytest.raises(PlatformConfigError) as error:
        connect_module.connect("u")
    message = str(error.value)
    assert "\n" not in message
    assert message.startswith("not on Saturn Cloud (SATURN_BASE_URL and SATURN_TOKEN are unset), and the local")
    assert "pip install -r requirements/standin.txt -e ./lifeline -e ./standin" in message


# -- bad values: one line, before anything starts -------------------------------------------------
@pytest.mark.parametrize(
    "value, problem",
    [
        ("10.0.0.5:8786", "it has no scheme"),
        ("tls://10.0.0.5:8786", "only tcp:// works here"),
        ("http://10.0.0.5:8787", "only tcp:// works here"),
        ("tcp://10.0.0.5", "it has no port"),
        ("tcp://:8786", "it has no host"),
        ("tcp://10.0.0.5:port", "its port is invalid"),
        ("tcp://10.0.0.5:99999", "its port is invalid"),
        ("tcp://10.0.0.5:0", "its port is invalid"),
        ("tcp://10.0.0.5:8786/status", "more than scheme, host and port"),
    ],
)
def test_bad_value_is_a_one_line_error_naming_the_variable(value, problem, monkeypatch):
    monkeypatch.setattr(connect_module, "_current", None)
    for var in ("SATURN_BASE_URL", "SATURN_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv(SCHEDULER_VAR, value)
    monkeypatch.setenv("PATH", os.environ.get("PATH", ""))  # connect() may add the venv's scripts
    started = []
    monkeypatch.setattr(StandIn, "start", lambda **kw: started.append(kw))
    with pytest.raises(PlatformConfigError) as error:
        connect_module.connect("u")
    message = str(error.value)
    assert message == (
        f"{SCHEDULER_VAR} must be a Dask scheduler address like tcp://10.0.0.5:8786, "
        f"got {value!r}: {message.split(': ', 1)[1]}"
    )
    assert problem in message and "\n" not in message
    assert not started


@pytest.mark.parametrize(
    "value, expected",
    [
        (" tcp://10.0.0.5:8786 ", "tcp://10.0.0.5:8786"),
        ("tcp://[::1]:8786/", "tcp://[::1]:8786"),
        ("tcp://dask-head.local:8786", "tcp://dask-head.local:8786"),
        ("", None),  # empty is unset, as for the Saturn variables: the stand-in starts LocalClusters
    ],
)
def test_good_values_reach_the_standin(value, expected, monkeypatch):
    monkeypatch.setattr(connect_module, "_current", None)
    for var in ("SATURN_BASE_URL", "SATURN_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv(SCHEDULER_VAR, value)
    monkeypatch.delitem(sys.modules, "prefect", raising=False)  # other tests import it
    started = []
    fake = SimpleNamespace(running=True, dask_scheduler=expected, environ=dict, stop=lambda: None)
    monkeypatch.setattr(StandIn, "start", lambda **kw: started.append(kw) or fake)
    monkeypatch.setattr(connect_module.atexit, "register", lambda f: None)
    connection = connect_module.connect("u")
    assert [kw["dask_scheduler"] for kw in started] == [expected]
    assert (f"Its Dask cluster is yours, at {expected}" in str(connection)) == (expected is not None)
    connection.prefect_home.release()
