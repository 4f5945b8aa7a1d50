"""Start and stop the stand-in process from the notebook's kernel (or any Python process).

The stand-in learns its two secrets through its environment and hands back only its URL; the
caller puts URL and secrets into its own ``os.environ``, where the unmodified client libraries
look for them (``SATURN_BASE_URL``, ``BASE_URL``, ``SATURN_TOKEN``, ``PREFECT__CLOUD__API``...).
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import subprocess
import sys
import time
from pathlib import Path

from lifeline import child

from .exceptions import SchedulerAddressError, StandInError
from .protocol import (
    GRAPHQL_PATH,
    LOG_FILE,
    PREFECT_API_KEY_VAR,
    SATURN_TOKEN_VAR,
    SCHEDULER_EXAMPLE,
    SCHEDULER_VAR,
    check_scheduler_address,
    new_secret,
    saturn_environ,
)
from .tickets import ui_endpoint


class StandIn:
    """A running stand-in process. ``stop()`` ends it and every cluster it started."""

    def __init__(
        self,
        proc: subprocess.Popen,
        url: str,
        saturn_token: str,
        prefect_api_key: str,
        home: Path,
        log_path: Path,
        dask_scheduler: str | None = None,
    ):
        self.proc = proc
        #: The user's Dask cluster this stand-in hands out, or None: it starts a LocalCluster per request.
        self.dask_scheduler = dask_scheduler
        self.url = url
        self._saturn_token = saturn_token
        self._prefect_api_key = prefect_api_key
        self.home = home
        self.log_path = log_path

    @classmethod
    def start(
        cls,
        username: str,
        home: Path,
        timeout: float = 60.0,
        dask_scheduler: str | None = None,
        env: dict[str, str] | None = None,
    ) -> StandIn:
        """Start the stand-in and wait (at most ``timeout`` s) until it answers.

        ``dask_scheduler``: the address of the user's own Dask cluster (``tcp://HOST:PORT``),
        which the stand-in then hands out instead of starting a ``LocalCluster`` per request; see
        :func:`dask_scheduler_from_env`. It is checked before anything starts. ``env``: more
        variables for the stand-in (e.g. ``STANDIN_HEARTBEAT_SECONDS``, ``STANDIN_FAULTS`` in tests).
        """
        argv = [sys.executable, "-m", "standin", "--username", username]
        if dask_scheduler is not None:
            dask_scheduler = check_dask_scheduler(dask_scheduler)
            argv += ["--dask-scheduler", dask_scheduler]  # not a secret: argv is fine
        home.mkdir(parents=True, exist_ok=True)
        log_path = home / LOG_FILE
        saturn_token, prefect_api_key = new_secret(), new_secret()
        env = dict(os.environ, **(env or {}), **{SATURN_TOKEN_VAR: saturn_token, PREFECT_API_KEY_VAR: prefect_api_key})
        with open(log_path, "ab") as log:
            # lifeline's child: our end of its stdin closing (even by our death) stops the stand-in. Its own session:
            # ipykernel's shutdown SIGTERMs the children in its process group and polls them while they linger
            # unreaped; our atexit stop() is faster and closes the clusters first.
            proc = child.start(argv, stdout=subprocess.PIPE, stderr=log, env=env, cwd=home)
        try:
            url = cls._read_url(proc, timeout, log_path)
        except BaseException:
            child.stop(proc, timeout=0)
            proc.stdout.close()
            raise
        return cls(proc, url, saturn_token, prefect_api_key, home, log_path, dask_scheduler)

    @staticmethod
    def _read_url(proc: subprocess.Popen, timeout: float, log_path: Path) -> str:
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as sel:
            sel.register(proc.stdout, selectors.EVENT_READ)
            while time.monotonic() < deadline:
                if sel.select(timeout=max(0.0, deadline - time.monotonic())):
                    line = proc.stdout.readline()
                    if not line:  # it closed its stdout: it is exiting; wait (briefly) for its exit code
                        with contextlib.suppress(subprocess.TimeoutExpired):
                            proc.wait(timeout=5)
                        break
                    return json.loads(line)["url"]
        raise StandInError(
            f"the local stand-in did not start within {timeout:.0f} s (exit code {proc.poll()}); see {log_path}"
        )

    def environ(self) -> dict[str, str]:
        """What the client libraries read, pointing at this stand-in. Not ``PREFECT__HOME_DIR``:
        each run's Prefect home (its auth.toml) is the caller's, set by ``connect``."""
        return client_environ(self.url, self._saturn_token, self._prefect_api_key)

    @property
    def running(self) -> bool:
        return self.proc.poll() is None

    def stop(self, timeout: float = 30.0) -> None:
        """Ask the stand-in to stop (close its stdin), wait for it to close its clusters, and kill it with whatever
        it started if it has not exited within ``timeout`` seconds (lifeline's stop)."""
        child.stop(self.proc, timeout)
        self.proc.stdout.close()


def client_environ(url: str, saturn_token: str, prefect_api_key: str) -> dict[str, str]:
    """The variables the unmodified client libraries read, pointing at the stand-in at ``url``."""
    return {
        **saturn_environ(url, saturn_token),
        "PREFECT__BACKEND": "cloud",
        "PREFECT__CLOUD__API": url + GRAPHQL_PATH,
        # the URLs prefect prints ("Flow URL", a run's) open the stand-in's pages (tickets.py)
        "PREFECT__SERVER__UI__ENDPOINT": ui_endpoint(url, prefect_api_key),
        "PREFECT_USER_TOKEN": prefect_api_key,
    }


def check_dask_scheduler(value: str, variable: str = SCHEDULER_VAR) -> str:
    """``value`` as a scheduler address, or a one-line :class:`SchedulerAddressError` that names
    ``variable`` and shows an example."""
    try:
        return check_scheduler_address(value)
    except ValueError as exc:
        raise SchedulerAddressError(
            f"{variable} must be a Dask scheduler address like {SCHEDULER_EXAMPLE}, got {value!r}: {exc}"
        ) from None


def dask_scheduler_from_env(environ=None) -> str | None:
    """The checked address in ``STANDIN_DASK_SCHEDULER``, or None when it is unset or empty."""
    value = (os.environ if environ is None else environ).get(SCHEDULER_VAR, "").strip()
    return check_dask_scheduler(value) if value else None
