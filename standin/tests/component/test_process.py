"""The stand-in process and everything it starts end with the process that started it."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest

from support import processes, programs


def start_owner(mode: str, mark: str) -> subprocess.Popen:
    """``tests/programs/standin_owner.py``: a stand-in and a 2-worker cluster through dask-saturn, then
    waits to exit or be killed."""
    proc = subprocess.Popen(
        [sys.executable, str(programs.PROGRAMS / "standin_owner.py"), mode],
        env=processes.clean_env(**{processes.MARK: mark}),
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().strip() == "ready"
    return proc


@pytest.mark.parametrize("mode", ["exit", "sigkill"])
def test_nothing_outlives_the_owner(mode, mark):
    proc = start_owner(mode, mark)
    # the stand-in, its 2 worker processes (and multiprocessing helpers) are running now
    assert len(processes.marked_processes(mark)) >= 4
    if mode == "sigkill":
        proc.send_signal(signal.SIGKILL)  # no atexit: the stand-in sees its stdin close
    proc.wait(timeout=60)
    proc.stdout.close()
    assert not processes.wait_until_gone(mark, timeout=30)


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
