"""Decide where the tutorial runs: the real Saturn Cloud, or the local stand-in.

On Saturn Cloud (both ``SATURN_BASE_URL`` and ``SATURN_TOKEN`` set) nothing is started and the
environment is left as the platform set it. Anywhere else a stand-in process is started and
this kernel's ``os.environ`` is pointed at it, BEFORE ``prefect`` is imported, because prefect
reads ``PREFECT__CLOUD__API`` and ``PREFECT__HOME_DIR`` once, at import.

Offline, ``STANDIN_DASK_SCHEDULER=tcp://HOST:PORT`` makes the stand-in hand out the user's own
Dask cluster (a running ``dask scheduler`` with ``dask worker``s) instead of starting a
``LocalCluster``; it is checked here, before anything starts.

Offline, each run (each process that calls :func:`connect`) gets a Prefect home of its own,
``.standin/prefect/run-<pid>/``, so that runs at the same time never share ``auth.toml``:
``prefect auth login`` rewrites that whole file (read, add its section, write), so two logins at
once lose one another's section, and the run that lost it fails with "You have not set an API
key". The folder is private (0700) and ``auth.toml`` is created 0600 before prefect writes to it
(prefect keeps the mode of a file it rewrites); the folder is removed when the run ends, and
folders of runs that died without ending are removed by the next run. The stand-in's log,
``.standin/standin.log``, stays shared: every stand-in appends whole lines to it.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

import psutil

from standin.client import (
    SCHEDULER_VAR,
    SchedulerAddressError,
    SharedStandIn,
    StandIn,
    dask_scheduler_from_env,
    shared_home,
)
from standin.client.dask_saturn import forget_clusters_of

from ..exceptions import PlatformConfigError
from ..paths import STANDIN_HOME

#: Offline Prefect homes, one per run (``PREFECT__HOME_DIR``): see :func:`prefect_home_for_this_run`.
PREFECT_HOMES = STANDIN_HOME / "prefect"
_RUN_PREFIX = "run-"
SATURN_VARS = ("SATURN_BASE_URL", "SATURN_TOKEN")


@dataclass
class Connection:
    mode: str  # "saturn", "standin" (a private one, started here) or "shared" (make standin)
    standin: StandIn | SharedStandIn | None = None
    #: Offline: this run's own Prefect home (auth.toml), removed by close().
    prefect_home: Path | None = None

    def close(self) -> None:
        if isinstance(self.standin, StandIn):
            # this process's SaturnCluster objects would ask the stopped stand-in for their status when
            # finalized at exit, and print a ConnectionError's traceback: see standin.client.dask_saturn
            forget_clusters_of(self.standin.url)
            self.standin.stop()
        if self.prefect_home is not None:
            shutil.rmtree(self.prefect_home, ignore_errors=True)

    @property
    def running(self) -> bool:
        if isinstance(self.standin, StandIn):
            return self.standin.running
        return self.standin is None or self.standin.answers()

    def __str__(self) -> str:
        if self.mode == "saturn":
            return "Running on Saturn Cloud: using the real Saturn and Prefect Cloud APIs."
        if self.mode == "shared":
            return (
                "Not on Saturn Cloud: using the shared stand-in of the Saturn and Prefect Cloud APIs "
                "(make standin), which keeps flows and runs."
            )
        text = "Not on Saturn Cloud: started the local stand-in of the Saturn and Prefect Cloud APIs."
        if self.standin is not None and self.standin.dask_scheduler:
            text += (
                f"\nIts Dask cluster is yours, at {self.standin.dask_scheduler} ({SCHEDULER_VAR}): "
                "it is neither scaled nor stopped."
            )
        return text


_current: Connection | None = None


def connect(username: str) -> Connection:
    """Return the platform connection for this process, starting the stand-in if needed.

    Calling it again (re-running the cell) returns the same connection.
    """
    global _current
    if _current is not None and _current.running:
        return _current
    saturn_vars_set = _saturn_vars_set()
    _ensure_env_scripts_on_path()
    shared = SharedStandIn.find(shared_home(STANDIN_HOME))
    if saturn_vars_set and not _env_points_at(shared):
        _current = _connect_saturn()
        return _current
    dask_scheduler = _offline_dask_scheduler()
    if "prefect" in sys.modules:
        raise PlatformConfigError(
            "prefect was imported before connect(): restart the kernel and run the notebook from the top"
        )
    prefect_home = prefect_home_for_this_run()
    if shared is not None:
        _current = _connect_shared(shared, dask_scheduler, prefect_home)
    else:
        _current = _connect_private(username, dask_scheduler, prefect_home)
    return _current


def _saturn_vars_set() -> bool:
    """True if both :data:`SATURN_VARS` are set, False if neither; one alone is a mistake worth
    stopping for, since it would otherwise silently run offline."""
    present = [v for v in SATURN_VARS if os.environ.get(v)]
    if len(present) == 1:
        missing = next(v for v in SATURN_VARS if v not in present)
        raise PlatformConfigError(
            f"{present[0]} is set but {missing} is not: set both to use Saturn Cloud, or neither to run offline"
        )
    return bool(present)


def _env_points_at(shared: SharedStandIn | None) -> bool:
    """Whether ``SATURN_BASE_URL`` is the shared stand-in's: a shell that ``python -m standin env``
    pointed at it looks like Saturn Cloud, and is not."""
    return shared is not None and os.environ["SATURN_BASE_URL"].rstrip("/") == shared.url


def _connect_saturn() -> Connection:
    """On Saturn Cloud: start nothing, and drop what would stop the tutorial's ``prefect auth
    login`` (Prefect config keys left by a shell that was pointed at the shared stand-in)."""
    for key in _PREFECT_CONFIG_KEYS:
        os.environ.pop(key, None)
    if os.environ.get(SCHEDULER_VAR):
        warnings.warn(f"{SCHEDULER_VAR} is ignored on Saturn Cloud: the platform starts the Dask cluster", stacklevel=3)
    return Connection("saturn")


def _offline_dask_scheduler() -> str | None:
    """The user's Dask scheduler for the stand-in (:data:`SCHEDULER_VAR`), or None; checked
    before anything starts, so that a bad value fails first.  Warns when only dask's own
    ``DASK_SCHEDULER_ADDRESS`` is set, which a user may expect to work and the stand-in ignores."""
    try:
        dask_scheduler = dask_scheduler_from_env()
    except SchedulerAddressError as exc:
        raise PlatformConfigError(str(exc)) from None
    if dask_scheduler is None and os.environ.get("DASK_SCHEDULER_ADDRESS"):
        warnings.warn(
            f"DASK_SCHEDULER_ADDRESS is dask's own setting and the stand-in does not read it: it starts a "
            f"LocalCluster. To run on your Dask cluster, set {SCHEDULER_VAR} instead",
            stacklevel=3,
        )
    return dask_scheduler


def _connect_shared(shared: SharedStandIn, dask_scheduler: str | None, prefect_home: Path) -> Connection:
    """Use the shared stand-in (``make standin``), which is not ours to stop: closing the
    connection only removes this run's Prefect home.  It hands out its own Dask clusters, so
    the user's scheduler is ignored, with a warning."""
    if dask_scheduler is not None:
        warnings.warn(
            f"{SCHEDULER_VAR} is ignored: the shared stand-in (make standin) hands out its own "
            "Dask clusters; start it with --dask-scheduler",
            stacklevel=3,
        )
    connection = Connection("shared", shared, prefect_home)
    atexit.register(connection.close)
    _point_at(shared.environ(), prefect_home)
    return connection


def _connect_private(username: str, dask_scheduler: str | None, prefect_home: Path) -> Connection:
    """Start a stand-in of this run's own, stopped (with this run's Prefect home removed) when
    the process exits; if it does not start, the Prefect home just made is removed at once."""
    try:
        standin = StandIn.start(username=username, home=STANDIN_HOME, dask_scheduler=dask_scheduler)
    except BaseException:
        shutil.rmtree(prefect_home, ignore_errors=True)
        raise
    connection = Connection("standin", standin, prefect_home)
    atexit.register(connection.close)
    _point_at(standin.environ(), prefect_home)
    return connection


#: Prefect's key and tenant as configuration. A shell pointed at the shared stand-in (``standin env``)
#: sets them; ``prefect auth login`` refuses to run while they are set ("Your API key is set in the
#: Prefect config instead of with the CLI"), and the notebook logs in with the CLI, as the tutorial
#: does, with PREFECT_USER_TOKEN: on Saturn Cloud too.
_PREFECT_CONFIG_KEYS = ("PREFECT__CLOUD__API_KEY", "PREFECT__CLOUD__TENANT_ID", "PREFECT__CLOUD__AUTH_TOKEN")


def _point_at(environ: dict[str, str], prefect_home: Path) -> None:
    """Point this process's environment at a stand-in, with this run's own Prefect home."""
    for key in _PREFECT_CONFIG_KEYS:
        os.environ.pop(key, None)
    os.environ.update(environ, PREFECT__HOME_DIR=str(prefect_home))


def prefect_home_for_this_run(homes: Path = PREFECT_HOMES) -> Path:
    """A private Prefect home for this process, ``homes/run-<pid>``, with an empty ``auth.toml``
    of mode 0600 in it; first removes the folders of runs whose process is gone."""
    homes.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(homes, 0o700)  # it may predate this rule
    _remove_dead_runs(homes)
    home = homes / f"{_RUN_PREFIX}{os.getpid()}"
    shutil.rmtree(home, ignore_errors=True)  # a previous stand-in of this process: its keys are dead
    home.mkdir(mode=0o700)
    os.close(os.open(home / "auth.toml", os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    return home


def _remove_dead_runs(homes: Path) -> None:
    legacy = homes / "auth.toml"  # the single shared file of earlier versions: only keys of stopped stand-ins
    legacy.unlink(missing_ok=True)
    for folder in homes.glob(f"{_RUN_PREFIX}*"):
        pid = folder.name[len(_RUN_PREFIX) :]
        if pid.isdigit() and int(pid) != os.getpid() and not psutil.pid_exists(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _ensure_env_scripts_on_path() -> None:
    # A kernel started from a virtualenv's python without activating it does not have the
    # env's scripts on PATH, so the tutorial's `!prefect auth login` would not find prefect.
    scripts = str(Path(sys.executable).parent)
    if scripts not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = scripts + os.pathsep + os.environ.get("PATH", "")
