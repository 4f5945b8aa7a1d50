"""The stand-in process as its client starts it: the environment it hands out, and a start that fails.
That it and everything it starts end with the process that started it, however that ends, is
tested through the tutorial's ``connect()`` (the repo's ``tests/component/test_standin_owner.py``)."""

from __future__ import annotations

import sys

import pytest


def test_standin_environment_points_the_libraries_at_it(standin):
    env = standin.environ()
    assert env["SATURN_BASE_URL"] == env["BASE_URL"] == standin.url and not env["BASE_URL"].endswith("/")
    assert env["PREFECT__CLOUD__API"] == standin.url + "/graphql"
    assert "PREFECT__HOME_DIR" not in env  # one owner: connect() gives each run its own home
    assert env["SATURN_TOKEN"] != env["PREFECT_USER_TOKEN"] and len(env["SATURN_TOKEN"]) == 32
    log = standin.log_path.read_text()
    assert env["SATURN_TOKEN"] not in log and env["PREFECT_USER_TOKEN"] not in log


def test_a_standin_that_cannot_start_is_a_clear_error(tmp_path, monkeypatch):
    from standin.client import StandIn, StandInError

    monkeypatch.setattr(sys, "executable", "/bin/false")  # the stand-in's interpreter exits at once
    with pytest.raises(StandInError, match=r"did not start .*exit code 1.*standin\.log"):
        StandIn.start(username="u", home=tmp_path, timeout=10)
