"""lifeline.homes: one run at a time holds a home, a run that finds it held gets one of its own, and the homes of runs
that are gone are swept by the next run. Another run is another open file description of the lock (``flock`` locks
belong to those), in this process; a run in a process that dies: tests/component/test_lifelines.py."""

from __future__ import annotations

import os
import stat

from lifeline import homes


def test_the_first_run_gets_the_home_and_a_second_at_once_gets_one_of_its_own(tmp_path):
    first = homes.claim(tmp_path)
    second = homes.claim(tmp_path)
    try:
        assert (first.path, first.own) == (tmp_path, False)
        assert second.own and second.path.parent == tmp_path / "runs"
        assert second.path.name.startswith(f"run-{os.getpid()}-")
        assert stat.S_IMODE(second.path.stat().st_mode) == 0o700
        assert homes.lock(second.path) is None  # held
    finally:
        second.release()
        first.release()
    assert not second.path.exists()  # a run's own home goes with it
    assert (tmp_path / homes.LOCK_FILE).exists()  # the shared home stays, free again
    fd = homes.lock(tmp_path)
    assert fd is not None
    os.close(fd)


def test_homes_of_runs_that_are_gone_are_swept_and_a_live_runs_home_is_kept(tmp_path):
    live = homes.run_home(tmp_path)
    gone = homes.run_home(tmp_path)
    os.close(gone.fd)  # its run ended without releasing it
    (gone.path / "state").write_text("left")
    never_locked = tmp_path / "run-123"  # an older rule's home (today's appear under run-* already locked)
    never_locked.mkdir()
    try:
        mine = homes.run_home(tmp_path)
        mine.release()
        assert sorted(p.name for p in tmp_path.iterdir()) == [live.path.name]
    finally:
        live.release()


def test_release_twice_does_nothing_the_second_time(tmp_path):
    home = homes.run_home(tmp_path)
    home.release()
    home.release()
    assert not home.path.exists()
