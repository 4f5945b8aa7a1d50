"""The stand-in process and everything it starts end with the process that started it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest
from conftest import MARK, clean_env, marked_processes, wait_until_gone

from tutorial_kit.exceptions import PlatformConfigError
from tutorial_kit.notebook import connect as connect_module

# Starts a stand-in and a 2-worker cluster through dask-saturn, then waits to be stopped or killed.
OWNER = textwrap.dedent("""
    import os, sys, time
    from tutorial_kit.notebook.connect import connect
    connect("owner")
    from dask_saturn import SaturnCluster
    cluster = SaturnCluster(n_workers=2)
    print("ready", flush=True)
    if sys.argv[1] == "exit":
        sys.exit(0)          # a normal exit: atexit stops the stand-in
    time.sleep(120)          # wait for SIGKILL
""")


def start_owner(mode: str, mark: str) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", OWNER, mode], env=clean_env(**{MARK: mark}), stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "ready"
    return proc


@pytest.mark.parametrize("mode", ["exit", "sigkill"])
def test_nothing_outlives_the_owner(mode, mark):
    proc = start_owner(mode, mark)
    # the stand-in, its 2 worker processes (and multiprocessing helpers) are running now
    assert len(marked_processes(mark)) >= 4
    if mode == "sigkill":
        proc.send_signal(signal.SIGKILL)  # no atexit: the stand-in sees its stdin close
    proc.wait(timeout=60)
    proc.stdout.close()
    assert not wait_until_gone(mark, timeout=30)


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
    monkeypatch.setattr(connect_module.StandIn, "start", lambda **kw: started.append(kw))
    before = {k: v for k, v in os.environ.items() if k != "PATH"}
    connection = connect_module.connect("u")
    assert connection.mode == "saturn" and connection.standin is None and not started
    assert {k: v for k, v in os.environ.items() if k != "PATH"} == before


def test_standin_environment_points_the_libraries_at_it(standin):
    env = standin.environ()
    assert env["SATURN_BASE_URL"] == env["BASE_URL"] == standin.url and not env["BASE_URL"].endswith("/")
    assert env["PREFECT__CLOUD__API"] == standin.url + "/graphql"
    assert "PREFECT__HOME_DIR" not in env  # one owner: connect() gives each run its own home
    assert env["SATURN_TOKEN"] != env["PREFECT_USER_TOKEN"] and len(env["SATURN_TOKEN"]) == 32
    log = standin.log_path.read_text()
    assert env["SATURN_TOKEN"] not in log and env["PREFECT_USER_TOKEN"] not in log


def test_a_standin_that_cannot_start_is_a_clear_error(tmp_path, monkeypatch):
    from tutorial_kit.exceptions import StandInError
    from tutorial_kit.launcher.process import StandIn

    monkeypatch.setattr(sys, "executable", "/bin/false")  # the stand-in's interpreter exits at once
    with pytest.raises(StandInError, match=r"did not start .*exit code 1.*standin\.log"):
        StandIn.start(username="u", home=tmp_path, timeout=10)
