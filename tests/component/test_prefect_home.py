"""Each notebook run gets a private Prefect home under ``.standin/prefect/`` (``auth.toml`` mode 0600),
and the homes of runs that died without ending are swept: ``prefect_home_for_this_run`` against live
and dead process ids. Whole runs' secrets: tests/e2e/test_secrets.py."""

from __future__ import annotations

import os
import stat
import subprocess
import sys


def test_each_run_gets_a_private_prefect_home_and_dead_runs_are_swept(tmp_path):
    from tutorial_kit.notebook.connect import prefect_home_for_this_run

    homes = tmp_path / "prefect"
    homes.mkdir(mode=0o755)
    (homes / "auth.toml").write_text('["127.0.0.1-1234"]\napi_key = "old"\n')  # the shared file of earlier versions
    gone = subprocess.Popen([sys.executable, "--version"], stdout=subprocess.DEVNULL)
    gone.wait()
    for pid in (gone.pid, os.getppid()):  # a run that died without ending, and a live one
        (homes / f"run-{pid}").mkdir()
        (homes / f"run-{pid}" / "auth.toml").write_text("")
    home = prefect_home_for_this_run(homes)
    assert home == homes / f"run-{os.getpid()}"
    assert sorted(p.name for p in homes.iterdir()) == sorted([f"run-{os.getppid()}", f"run-{os.getpid()}"])
    assert stat.S_IMODE(homes.stat().st_mode) == 0o700 and stat.S_IMODE(home.stat().st_mode) == 0o700
    auth = home / "auth.toml"
    assert auth.read_text() == "" and stat.S_IMODE(auth.stat().st_mode) == 0o600
    # prefect rewrites the file in place (Path.write_text): the mode stays
    auth.write_text('["127.0.0.1-5678"]\napi_key = "k"\n')
    assert stat.S_IMODE(auth.stat().st_mode) == 0o600
