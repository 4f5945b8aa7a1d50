"""The shared stand-in: one long-lived stand-in per checkout that keeps its state (``make standin``).

On Prefect Cloud, flows, versions and runs accumulate: yesterday's scheduled run is there
today, and a ``prefect`` command in any shell talks to the same API. A notebook's private
stand-in lives and dies with its kernel; the shared one runs in the foreground of a terminal
until Ctrl-C or SIGTERM, keeps its state in SQLite (``state.sqlite``, see ``store.py``), and:

- every notebook run, papermill run and ``make run`` uses it while it runs (``connect()`` finds
  it through its discovery file, ``standin.json``), instead of starting a private stand-in;
- ``python -m standin env`` prints ``export`` lines that point a shell's ``prefect``
  CLI at it.

Its keys (the Saturn token and the Prefect API key) and its port are made once and kept in its
state, so that a restart, even after ``kill -9``, changes nothing a shell or a stored flow knows;
unless another process took the port meanwhile: it then listens on another, which ``env`` prints.
Its folder is private (0700) and its files 0600; its keys are never printed to its log or its
terminal, only by ``env``, into the shell that evaluates them.

The folder is ``.standin/shared/`` in the current folder (``make standin`` runs in the checkout),
or ``shared/`` under the folder the caller names (the tutorial's kit names the checkout's
``.standin``); ``STANDIN_SHARED_HOME`` names another (the tests use their own, so a developer's
running shared stand-in never serves ``make test``).
"""

from __future__ import annotations

import os
import shlex
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

from lifeline import address

from .process import client_environ
from .protocol import LOG_FILE, SHARED_HOME_VAR

DISCOVERY = "standin.json"
STATE = "state.sqlite"
LOG = LOG_FILE
#: Where ``prefect`` keeps its files for shells pointed at the shared stand-in (``env``).
PREFECT_HOME = "prefect-home"


def shared_home(root: Path | None = None, environ=os.environ) -> Path:
    """The shared stand-in's folder: ``$STANDIN_SHARED_HOME``, else ``shared/`` under ``root``
    (default: ``.standin`` in the current folder)."""
    return Path(environ.get(SHARED_HOME_VAR) or (root or Path.cwd() / ".standin") / "shared")


@dataclass(frozen=True)
class SharedStandIn:
    """A running shared stand-in, as its discovery file describes it."""

    url: str
    pid: int
    username: str
    tenant_id: str
    saturn_token: str
    prefect_api_key: str

    def environ(self) -> dict[str, str]:
        return client_environ(self.url, self.saturn_token, self.prefect_api_key)

    @classmethod
    def find(cls, home: Path | None = None) -> SharedStandIn | None:
        """The shared stand-in that runs now, or None (no discovery file, or a stale one: its
        process is gone, or does not answer)."""
        home = home or shared_home()

        def a_standin_that_answers(found: dict) -> bool:
            try:
                return cls(**found).answers()
            except TypeError:  # another format's file
                return False

        found = address.find(home / DISCOVERY, a_standin_that_answers)
        return None if found is None else cls(**found)

    def answers(self, timeout: float = 2.0) -> bool:
        if not address.alive(self.pid):
            return False
        try:
            with urllib.request.urlopen(self.url + "/api/dask_clusters/info", timeout=timeout):
                return True  # pragma: no cover - answers 401 without the token
        except urllib.error.HTTPError as exc:
            return exc.code == 401  # a stand-in (it wants its token), not some other server
        except OSError:
            return False

    def shell_exports(self, home: Path) -> str:
        """``export NAME=value`` lines that point a shell's ``prefect`` CLI (and dask-saturn,
        prefect-saturn) at this stand-in, with a Prefect home of their own."""
        values = dict(self.environ())
        values.update(
            PREFECT__CLOUD__API_KEY=self.prefect_api_key,
            PREFECT__CLOUD__TENANT_ID=self.tenant_id,
            PREFECT__HOME_DIR=str(home / PREFECT_HOME),
        )
        return "".join(f"export {name}={shlex.quote(value)}\n" for name, value in sorted(values.items()))


def write_discovery(home: Path, standin: SharedStandIn) -> None:
    """Atomically, 0600: it holds the keys (lifeline's address file)."""
    address.write(home / DISCOVERY, asdict(standin))


def remove_discovery(home: Path, pid: int) -> None:
    """Remove the discovery file if it is still ``pid``'s."""
    address.remove(home / DISCOVERY, pid)


def not_running_message(home: Path | None = None) -> str:
    home = home or shared_home()
    return (
        f"no shared stand-in is running (none answers from {home / DISCOVERY}): "
        "start one with `make standin` in another terminal"
    )
