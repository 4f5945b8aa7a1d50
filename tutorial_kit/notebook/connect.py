"""Decide where the tutorial runs: the real Saturn Cloud, or the local stand-in.

On Saturn Cloud (both ``SATURN_BASE_URL`` and ``SATURN_TOKEN`` set) nothing is started, and the environment is
left as the platform set it but for ``PATH`` (the venv's scripts first) and the Prefect config keys a shell
pointed at the shared stand-in left (they would stop ``prefect auth login``). Anywhere else a stand-in process
is started and this kernel's ``os.environ`` is pointed at it, BEFORE ``prefect`` is imported, because prefect
reads ``PREFECT__CLOUD__API`` and ``PREFECT__HOME_DIR`` once, at import.

Offline, ``STANDIN_DASK_SCHEDULER=tcp://HOST:PORT`` makes the stand-in hand out the user's own
Dask cluster (a running ``dask scheduler`` with ``dask worker``s) instead of starting a
``LocalCluster``; it is checked here, before anything starts.

Offline, each run gets a Prefect home of its own (``prefect_home.py``). The private stand-ins' log,
``.standin/standin.log``, stays shared: each appends whole lines to it.

The stand-in's client (``standin.client``, which imports lifeline) is imported when it is installed (to find a
shared stand-in) and needed offline only: on Saturn Cloud (``environment.yml``) it is not installed, and nothing of
it is needed.
"""

from __future__ import annotations

import atexit
import os
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..exceptions import PlatformConfigError
from ..paths import STANDIN_HOME

if TYPE_CHECKING:
    from lifeline.homes import Home
    from standin.client import SharedStandIn, StandIn

SATURN_VARS = ("SATURN_BASE_URL", "SATURN_TOKEN")


@dataclass
class Connection:
    mode: str  # "saturn", "standin" (a private one, started here) or "shared" (make standin)
    standin: StandIn | SharedStandIn | None = None
    #: Offline: this run's own Prefect home (auth.toml), removed by close().
    prefect_home: Home | None = None

    def close(self) -> None:
        if self.mode == "standin":
            from standin.client.dask_saturn import forget_clusters_of

            # this process's SaturnCluster objects would ask the stopped stand-in for their status when
            # finalized at exit, and print a ConnectionError's traceback: see standin.client.dask_saturn
            forget_clusters_of(self.standin.url)
            self.standin.stop()
        if self.prefect_home is not None:
            self.prefect_home.release()

    @property
    def running(self) -> bool:
        if self.mode == "standin":
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
            from standin.client import SCHEDULER_VAR

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
    client = _standin_client(required=not saturn_vars_set)
    shared = None if client is None else client.SharedStandIn.find(client.shared_home(STANDIN_HOME))
    if saturn_vars_set and not _env_points_at(shared):
        _current = _connect_saturn(client)
        return _current
    dask_scheduler = _offline_dask_scheduler()
    if "prefect" in sys.modules:
        raise PlatformConfigError(
            "prefect was imported before connect(): restart the kernel and run the notebook from the top"
        )
    from .prefect_home import prefect_home_for_this_run

    prefect_home = prefect_home_for_this_run()
    if shared is not None:
        _current = _connect_shared(shared, dask_scheduler, prefect_home)
    else:
        _current = _connect_private(username, dask_scheduler, prefect_home)
    return _current


def _standin_client(required: bool):
    """``standin.client``; when it is not installed, None if not ``required`` (on Saturn Cloud), else a one-line
    :class:`PlatformConfigError` that says how to install it."""
    try:
        import standin.client
    except ModuleNotFoundError as exc:
        if (exc.name or "").partition(".")[0] not in ("standin", "lifeline"):
            raise
        if not required:
            return None
        raise PlatformConfigError(
            f"not on Saturn Cloud ({' and '.join(SATURN_VARS)} are unset), and the local stand-in of Saturn and "
            "Prefect Cloud is not installed here: in the repo, make run sets it up, or pip install -r "
            "requirements/standin.txt -e ./lifeline -e ./standin"
        ) from None
    return standin.client


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


def _connect_saturn(client) -> Connection:
    """On Saturn Cloud: start nothing, and drop what would stop the tutorial's ``prefect auth
    login`` (Prefect config keys left by a shell that was pointed at the shared stand-in). Where the
    stand-in is installed, its scheduler variable is named as ignored; where it is not, nothing reads it."""
    for key in _PREFECT_CONFIG_KEYS:
        os.environ.pop(key, None)
    if client is not None and os.environ.get(client.SCHEDULER_VAR):
        warnings.warn(
            f"{client.SCHEDULER_VAR} is ignored on Saturn Cloud: the platform starts the Dask cluster", stacklevel=3
        )
    return Connection("saturn")


def _offline_dask_scheduler() -> str | None:
    """The user's Dask scheduler for the stand-in (``standin.client.SCHEDULER_VAR``), or None; checked
    before anything starts, so that a bad value fails first.  Warns when only dask's own
    ``DASK_SCHEDULER_ADDRESS`` is set, which a user may expect to work and the stand-in ignores."""
    from standin.client import SCHEDULER_VAR, SchedulerAddressError, dask_scheduler_from_env

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


def _connect_shared(shared: SharedStandIn, dask_scheduler: str | None, prefect_home: Home) -> Connection:
    """Use the shared stand-in (``make standin``), which is not ours to stop: closing the
    connection only removes this run's Prefect home.  It hands out its own Dask clusters, so
    the user's scheduler is ignored, with a warning."""
    from standin.client import SCHEDULER_VAR

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


def _connect_private(username: str, dask_scheduler: str | None, prefect_home: Home) -> Connection:
    """Start a stand-in of this run's own, stopped (with this run's Prefect home removed) when
    the process exits; if it does not start, the Prefect home just made is removed at once."""
    from standin.client import StandIn

    try:
        standin = StandIn.start(username=username, home=STANDIN_HOME, dask_scheduler=dask_scheduler)
    except BaseException:
        prefect_home.release()
        raise
    connection = Connection("standin", standin, prefect_home)
    atexit.register(connection.close)
    _point_at(standin.environ(), prefect_home)
    return connection


#: Prefect's key and tenant as configuration. A shell pointed at the shared stand-in (``standin env``) sets
#: the first two (the auth token is an older Prefect's setting, in the way the same); ``prefect auth login``
#: refuses to run while they are set ("Your API key is set in the Prefect config instead of with the CLI"),
#: and the notebook logs in with the CLI, as the tutorial does, with PREFECT_USER_TOKEN: on Saturn Cloud too.
_PREFECT_CONFIG_KEYS = ("PREFECT__CLOUD__API_KEY", "PREFECT__CLOUD__TENANT_ID", "PREFECT__CLOUD__AUTH_TOKEN")


def _point_at(environ: dict[str, str], prefect_home: Home) -> None:
    """Point this process's environment at a stand-in, with this run's own Prefect home."""
    for key in _PREFECT_CONFIG_KEYS:
        os.environ.pop(key, None)
    os.environ.update(environ, PREFECT__HOME_DIR=str(prefect_home.path))


def _ensure_env_scripts_on_path() -> None:
    # A kernel started from a virtualenv's python without activating it does not have the
    # env's scripts on PATH, so the tutorial's `!prefect auth login` would not find prefect.
    scripts = str(Path(sys.executable).parent)
    if scripts not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = scripts + os.pathsep + os.environ.get("PATH", "")
