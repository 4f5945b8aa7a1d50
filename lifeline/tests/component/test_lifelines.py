"""lifeline.child and lifeline.parent with real processes: a child that watches its stdin ends when its starter
closes the pipe, and when its starter is killed with SIGKILL; a child that ignores it is killed after the bounded
wait, with what it started; a run killed with SIGKILL leaves its home to the next run's sweep."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

from lifeline import child, homes

#: Seconds any of these processes gets to end; each ends in well under one once told.
BOUND = 10.0

#: A child that writes "stopping" to its stdout once its stdin closes, then exits 0.
WATCHER = textwrap.dedent(
    """
    import os, sys, threading
    from lifeline.parent import on_parent_exit
    done = threading.Event()
    on_parent_exit(done.set)
    print("watching", flush=True)
    done.wait()
    print("stopping", flush=True)
    """
)


def gone(pid: int, timeout: float = BOUND) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def test_closing_the_pipe_stops_a_watching_child_politely():
    proc = child.start([sys.executable, "-c", WATCHER], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline() == "watching\n"
    began = time.monotonic()
    child.stop(proc, timeout=BOUND)
    assert proc.returncode == 0 and proc.stdout.read() == "stopping\n"
    assert time.monotonic() - began < BOUND / 2  # it ended by itself, not at the bound
    assert os.getsid(0) != proc.pid  # it had a session of its own


def test_a_child_that_ignores_the_pipe_is_killed_with_what_it_started():
    grandchild = (
        "import subprocess, sys, time; p = subprocess.Popen(['sleep', '60']); print(p.pid, flush=True); time.sleep(60)"
    )
    proc = child.start([sys.executable, "-c", grandchild], stdout=subprocess.PIPE, text=True)
    sleeper = int(proc.stdout.readline())
    child.stop(proc, timeout=0.5)
    assert proc.returncode == -signal.SIGKILL
    assert gone(sleeper)


def test_a_starter_killed_with_sigkill_stops_its_child_and_its_home_is_swept(tmp_path):
    starter = textwrap.dedent(
        f"""
        import subprocess, sys
        from pathlib import Path
        from lifeline import child, homes
        home = homes.run_home(Path({str(tmp_path)!r}))
        proc = child.start([sys.executable, "-c", {WATCHER!r}], stdout=subprocess.DEVNULL)
        print(proc.pid, home.path, flush=True)
        sys.stdin.read()
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", starter], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    pid, home = proc.stdout.readline().split()
    assert homes.sweep(tmp_path) == []  # its run lives: its home is kept
    proc.send_signal(signal.SIGKILL)
    proc.wait(BOUND)
    assert gone(int(pid)), "the child outlived its starter"
    assert [str(p) for p in homes.sweep(tmp_path)] == [home]


def test_a_child_whose_polite_stop_hangs_kills_itself_and_its_session_after_the_bound():
    """A child told by its stdin to stop, whose stop hangs (a client whose server went away with the starter), is
    killed ``kill_after`` seconds later with what it started, even with its starter gone."""
    hanging = textwrap.dedent(
        """
        import subprocess, threading
        from lifeline.parent import on_parent_exit
        sleeper = subprocess.Popen(["sleep", "60"])
        print(sleeper.pid, flush=True)
        on_parent_exit(lambda: None, kill_after=0.5)  # its stop does nothing: it would hang forever
        threading.Event().wait()
        """
    )
    proc = child.start([sys.executable, "-c", hanging], stdout=subprocess.PIPE, text=True)
    sleeper = int(proc.stdout.readline())
    began = time.monotonic()
    proc.stdin.close()  # the starter's end closes; nobody kills it from outside
    assert proc.wait(BOUND) == -signal.SIGKILL
    assert time.monotonic() - began < BOUND / 2
    assert gone(sleeper)
    child.stop(proc, timeout=0)
