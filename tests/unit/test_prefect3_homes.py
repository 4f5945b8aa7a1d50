"""Which home a companion run's Prefect 3 server gets (tutorial_kit.prefect3.server.claim_home): two servers on one
SQLite database lock each other out and run each other's deployments, so a home is held by one server at a time."""

from __future__ import annotations

import os

from tutorial_kit.prefect3.server import LOCK_FILE, RUN_HOMES, claim_home, lock_home


def test_the_first_run_gets_the_home_and_a_second_at_once_gets_one_of_its_own(tmp_path):
    home, first_fd, first_removed = claim_home(tmp_path)
    try:
        own, second_fd, second_removed = claim_home(tmp_path)
        os.close(second_fd)
    finally:
        os.close(first_fd)
    assert (home, first_removed) == (tmp_path, False)
    assert (own, second_removed) == (tmp_path / RUN_HOMES / f"run-{os.getpid()}", True)
    assert (tmp_path / LOCK_FILE).exists()


def test_the_home_is_free_again_once_its_lock_is_closed(tmp_path):
    _, fd, _ = claim_home(tmp_path)
    assert lock_home(tmp_path) is None
    os.close(fd)
    fd = lock_home(tmp_path)
    assert fd is not None
    os.close(fd)


def test_homes_of_runs_that_died_are_removed_and_a_live_runs_home_is_kept(tmp_path):
    dead = tmp_path / RUN_HOMES / "run-123"
    (dead / "storage").mkdir(parents=True)
    live = tmp_path / RUN_HOMES / "run-456"
    live_fd = lock_home(live)
    home_fd = lock_home(tmp_path)  # the home is in use: the next claim looks at the runs' homes
    try:
        _, fd, _ = claim_home(tmp_path)
        os.close(fd)
    finally:
        os.close(home_fd)
        os.close(live_fd)
    assert not dead.exists()
    assert live.exists()
