"""Offline, each run (each process that calls ``connect``) gets a Prefect 1 home of its own
(``PREFECT__HOME_DIR``), under :data:`PREFECT_HOMES`, so that runs at the same time never share ``auth.toml``:
``prefect auth login`` rewrites that whole file (read, add its section, write), so two logins at once lose one
another's section, and the run that lost it fails with "You have not set an API key".

The home is a lifeline per-run home (``lifeline.homes``): private (0700), held by this run for as long as it lives,
removed when the run ends, and swept by the next run when the run died without ending. ``auth.toml`` is created 0600
before prefect writes to it (prefect keeps the mode of a file it rewrites).
"""

from __future__ import annotations

import os

from lifeline import homes

from ..paths import STANDIN_HOME

#: Offline Prefect homes, one per run.
PREFECT_HOMES = STANDIN_HOME / "prefect"


def prefect_home_for_this_run(root=PREFECT_HOMES) -> homes.Home:
    """A private Prefect home for this run under ``root``, with an empty ``auth.toml`` of mode 0600 in it; homes of
    runs that are gone are removed first. Its ``release()`` removes it."""
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(root, 0o700)  # it may predate this rule
    (root / "auth.toml").unlink(missing_ok=True)  # the single shared file of earlier versions: keys of stopped runs
    home = homes.run_home(root)
    os.close(os.open(home.path / "auth.toml", os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    return home
