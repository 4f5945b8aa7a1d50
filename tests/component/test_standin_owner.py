"""The stand-in a notebook's ``connect()`` starts, and everything it starts, end with the process
that started it, whether that exits or is killed (``tests/programs/standin_owner.py`` is that
process; the stand-in's own tests of its client are ``standin/tests/component/test_process.py``)."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest

from standin.testing import processes
from support import programs


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
