"""The Prefect 3 companion's tests: a shared Prefect 3 server in the background (``python -m
tutorial_kit.prefect3.server``, as ``make prefect3-server`` runs it) on a folder of the test's own, and the companion
run as a user runs it, with its own venv's papermill (.venv-prefect3/)."""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from standin.testing.processes import MARK, assert_none_left, clean_env
from standin.testing.waiting import wait_for
from tutorial_kit.paths import PREFECT3_BIN, PREFECT3_HOME_VAR, PREFECT3_NOTEBOOK, REPO_ROOT
from tutorial_kit.prefect3.server import SHARED_FILE_VAR

#: Seconds for a server to answer: a fresh database's migration is slow on a busy 2-core machine.
SERVER_START_SECONDS = 120


def prefect3_env(home: Path, address_file: Path, **extra) -> dict:
    """A user's environment, its companion's server state in ``home`` and its shared server's address file at
    ``address_file`` (a missing file: each run starts a server of its own; the shared server's: runs use it)."""
    return clean_env(**{SHARED_FILE_VAR: str(address_file), PREFECT3_HOME_VAR: str(home)}, **extra)


@contextlib.contextmanager
def shared_server(folder: Path) -> Iterator[SimpleNamespace]:
    """A shared Prefect 3 server on ``folder``: ``.home``, ``.address_file``, ``.api_url``; stopped (its Ctrl-C) at the
    end, with nothing left running and its address file removed."""
    if not (PREFECT3_BIN / "python").exists():
        pytest.fail("no .venv-prefect3: make test sets it up (make .venv-prefect3/.installed)")
    address_file = folder / "shared-server.json"
    mark = f"prefect3-server-{uuid.uuid4().hex}"  # folder names repeat across xdist's workers
    env = prefect3_env(folder, address_file, **{MARK: mark})
    with open(folder / "server.out", "wb") as log:
        proc = subprocess.Popen(
            [str(PREFECT3_BIN / "python"), "-m", "tutorial_kit.prefect3.server"], env=env, stdout=log, stderr=log
        )
    try:
        wait_for(lambda: address_file.exists() or proc.poll() is not None, SERVER_START_SECONDS, "shared server up")
        assert proc.poll() is None, (folder / "server.out").read_text()
        yield SimpleNamespace(
            home=folder, address_file=address_file, api_url=json.loads(address_file.read_text())["api_url"]
        )
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(60)  # its Ctrl-C: it stops the server, killing it after tutorial_kit.prefect3.server.STOP_SECONDS
        assert_none_left(mark, what="the shared Prefect 3 server left processes")
    assert not address_file.exists()


def run_companion(folder: Path, mark: str, server, *params: str, notebook=PREFECT3_NOTEBOOK, timeout=300, home=None):
    """The companion under papermill, on ``server`` (None: a server of the run's own, its state in ``home``, by default
    ``folder``); its result and its output notebook (in ``folder``)."""
    if server is None:
        home, address_file = home or folder, folder / "no-shared-server.json"
    else:
        home, address_file = server.home, server.address_file
    out = folder / "out.ipynb"
    done = subprocess.run(
        [str(PREFECT3_BIN / "papermill"), "--no-progress-bar", str(notebook), str(out), *params],
        cwd=REPO_ROOT,
        env=prefect3_env(home, address_file, **{MARK: mark}),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return done, out
