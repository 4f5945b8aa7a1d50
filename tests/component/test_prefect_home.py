"""Each notebook run gets a private Prefect home under ``.standin/prefect/`` (``auth.toml`` mode 0600), and the homes
of runs that ended without removing theirs are swept (``prefect_home_for_this_run``, on lifeline's per-run homes;
the lock rule itself, with a process killed: lifeline/tests/). Whole runs' secrets: tests/e2e/test_secrets.py."""

from __future__ import annotations

import os
import stat

from lifeline import homes as lifeline_homes
from tutorial_kit.notebook.prefect_home import prefect_home_for_this_run


def test_each_run_gets_a_private_prefect_home_and_gone_runs_are_swept(tmp_path):
    homes = tmp_path / "prefect"
    homes.mkdir(mode=0o755)
    (homes / "auth.toml").write_text('["127.0.0.1-1234"]\napi_key = "old"\n')  # the shared file of earlier versions
    live = lifeline_homes.run_home(homes)  # another run, still running
    gone = lifeline_homes.run_home(homes)
    os.close(gone.fd)  # a run that ended without removing its home
    try:
        home = prefect_home_for_this_run(homes)
        assert home.path.name.startswith(f"run-{os.getpid()}-")
        assert sorted(p.name for p in homes.iterdir()) == sorted([live.path.name, home.path.name])
        assert stat.S_IMODE(homes.stat().st_mode) == 0o700 and stat.S_IMODE(home.path.stat().st_mode) == 0o700
        auth = home.path / "auth.toml"
        assert auth.read_text() == "" and stat.S_IMODE(auth.stat().st_mode) == 0o600
        # prefect rewrites the file in place (Path.write_text): the mode stays
        auth.write_text('["127.0.0.1-5678"]\napi_key = "k"\n')
        assert stat.S_IMODE(auth.stat().st_mode) == 0o600
        home.release()
        assert not home.path.exists()
    finally:
        live.release()
