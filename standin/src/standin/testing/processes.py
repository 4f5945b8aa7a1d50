"""The environment of a user's machine, and processes traced by a marker.

Everything a run starts (papermill's kernel, the stand-in, the Dask scheduler's worker processes)
inherits its environment, so a process still carrying the marker after the run is a leak,
whoever its parent is now.
"""

from __future__ import annotations

import os
import signal

import psutil

from ..client.protocol import SCHEDULER_VAR, saturn_environ
from .waiting import WaitTimedOut, wait_for

#: The environment variable that marks a test's processes.
MARK = "TUTORIAL_TEST_RUN"
#: What points a process at Saturn Cloud (the variables the platform sets) or at a Dask cluster of the user's own.
SATURN_ENV = (*saturn_environ("", ""), SCHEDULER_VAR)


def ctrl_c_reaches_children() -> None:
    """Ctrl-C (SIGINT) handled by this process, so that the processes a test starts get it as a terminal gives it.

    A shell without job control (``make test &`` in a script, ``( make test & )``, nohup) starts a background command
    with SIGINT ignored, and an ignored signal stays ignored in every child: a test that presses Ctrl-C in ``prefect
    run --watch`` or a work pool's worker would press it in vain (measured: both failed that way, in a clean clone's
    ``make test`` started so). A signal this process handles is reset to its default in the programs it starts."""
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def clean_env(**extra) -> dict:
    """The environment of a user's machine off Saturn: no Saturn variables, no Prefect config."""
    env = {k: v for k, v in os.environ.items() if k not in SATURN_ENV and not k.startswith("PREFECT")}
    env.update(extra)
    return env


def marked_processes(mark: str) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter():
        try:
            if proc.environ().get(MARK) == mark:
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return found


def alive(mark: str) -> list[psutil.Process]:
    """The processes carrying ``mark`` that still run (not zombies)."""
    return [p for p in marked_processes(mark) if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]


def wait_until_gone(mark: str, timeout: float = 20.0) -> list[psutil.Process]:
    """Marked processes still alive after ``timeout`` seconds (none: all gone in time)."""
    try:
        wait_for(lambda: not alive(mark), timeout, "marked processes gone", every=0.2)
    except WaitTimedOut:
        return alive(mark)
    return []


def is_dask_worker(proc: psutil.Process) -> bool:
    """A Dask worker process of a stand-in's LocalCluster: a fork of the stand-in's multiprocessing fork
    server (``standin.saturn.clusters``), which itself is no worker and lives as long as its stand-in."""
    try:
        return _is_fork_server(proc) and _is_fork_server(proc.parent())
    except psutil.Error:
        return False


def _is_fork_server(proc: psutil.Process | None) -> bool:
    return proc is not None and "multiprocessing.forkserver" in " ".join(proc.cmdline())


def describe(procs) -> str:
    out = []
    for p in procs:
        try:
            out.append(f"{p.pid}: {' '.join(p.cmdline())[:120]}")
        except psutil.Error:
            out.append(str(p.pid))
    return "; ".join(out)


def assert_none_left(mark: str, timeout: float = 20.0, what: str = "processes left running") -> None:
    """Fail if a process carrying ``mark`` is still alive after ``timeout`` seconds (those are killed)."""
    left = wait_until_gone(mark, timeout)
    for p in left:
        p.kill()
    assert not left, f"{what}: {describe(left)}"
