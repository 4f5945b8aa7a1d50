"""Homes (folders of state) held by one run at a time, and per-run homes swept once their run is gone.

The one liveness rule: a run holds an ``flock`` on its home's :data:`LOCK_FILE` for as long as it lives (the lock is
the kernel's, on an open file: it ends when every process that holds the descriptor has ended, however it ended).
So a home whose lock anyone can take is no live run's, and a pid recycled since, or a run in another pid namespace,
changes nothing.

A per-run home appears under its name (``run-<pid>-<random>``) already locked: it is made and locked under a hidden
name and then renamed, so that a run sweeping at the same time never takes a home being made for a dead one.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

#: Locked by the run that holds the home.
LOCK_FILE = ".lock"
#: Per-run homes are named ``run-<pid>-<random>``; the pid is for a reader, the lock decides.
RUN_PREFIX = "run-"
#: A per-run home while it is being made (not swept: it is not locked yet).
_MAKING_PREFIX = ".making-"


@dataclass
class Home:
    """A home this process holds: ``fd`` is its lock's open descriptor. ``own`` homes (per-run) are this run's alone
    and are removed by :meth:`release`; a shared home (:func:`claim`'s first choice) is kept for later runs."""

    path: Path
    fd: int
    own: bool

    def release(self) -> None:
        """Remove the home if it is this run's own, then give up its lock. Calling it again does nothing."""
        if self.fd < 0:
            return
        if self.own:
            shutil.rmtree(self.path, ignore_errors=True)
        os.close(self.fd)
        self.fd = -1


def lock(folder: Path) -> int | None:
    """Take ``folder``'s lock (the folder is made when missing): the lock's open descriptor (not inherited by child
    processes unless passed on), or None when another run holds it."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    if not _flock(fd):
        os.close(fd)
        return None
    return fd


def claim(home: Path, runs: str = "runs") -> Home:
    """``home`` itself when no run holds it (it keeps its state for later runs), else a home of this run's own under
    ``home/runs`` (see :func:`run_home`)."""
    fd = lock(home)
    if fd is not None:
        return Home(home, fd, own=False)
    return run_home(home / runs)


def run_home(homes: Path) -> Home:
    """A new home of this run's own under ``homes`` (made 0700), locked; first removes the homes of runs that are
    gone. :meth:`Home.release` removes it."""
    homes.mkdir(mode=0o700, parents=True, exist_ok=True)
    sweep(homes)
    making = Path(tempfile.mkdtemp(prefix=_MAKING_PREFIX, dir=homes))  # 0700
    fd = lock(making)
    final = homes / (RUN_PREFIX + f"{os.getpid()}-" + making.name.removeprefix(_MAKING_PREFIX))
    os.rename(making, final)
    return Home(final, fd, own=True)


def sweep(homes: Path) -> list[Path]:
    """Remove the per-run homes under ``homes`` whose run is gone (their lock can be taken, or they have none);
    returns them."""
    removed = []
    for folder in homes.glob(RUN_PREFIX + "*"):
        try:
            fd = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CLOEXEC)
        except FileNotFoundError:  # never locked: no run of this rule holds it
            fd = None
        except OSError:
            continue
        try:
            if fd is None or _flock(fd):
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder)
        finally:
            if fd is not None:
                os.close(fd)
    return removed


def _flock(fd: int) -> bool:
    with contextlib.suppress(BlockingIOError):
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    return False
