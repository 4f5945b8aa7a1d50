"""What a stand-in and the processes that start it or talk to it agree on: the names of the
variables, paths, bounds and defaults both sides use, each defined once, here. The client
(``process.py``, ``shared.py``, ``tickets.py``) and the emulator (the rest of ``standin``) both
import this module, which imports only the standard library.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit


def new_secret() -> str:
    """A new Saturn token or Prefect API key of a stand-in."""
    return secrets.token_hex(16)


#: The stand-in's log file, in its home (a private stand-in's home, or the shared one's folder).
LOG_FILE = "standin.log"
#: The stand-in's two secrets, handed to its process through these variables (never argv, which
#: any user can read in ``ps``), which the stand-in removes from its environment at once.
SATURN_TOKEN_VAR = "STANDIN_SATURN_TOKEN"
PREFECT_API_KEY_VAR = "STANDIN_PREFECT_API_KEY"
TOKEN_VARS = (SATURN_TOKEN_VAR, PREFECT_API_KEY_VAR)
#: The shared stand-in's folder, when not ``.standin/shared`` (the tests use their own).
SHARED_HOME_VAR = "STANDIN_SHARED_HOME"
#: Seconds between a flow run's heartbeats (see :data:`DEFAULT_HEARTBEAT_SECONDS`).
HEARTBEAT_SECONDS_VAR = "STANDIN_HEARTBEAT_SECONDS"
#: Prefect's default is 30 s; a stand-in's runs last seconds, so a hung run is found sooner: after
#: ``standin.services.agent.ZOMBIE_AFTER_BEATS`` of these missed.
DEFAULT_HEARTBEAT_SECONDS = 5.0
#: Test-only: faults armed from the stand-in's start, a JSON list (``standin.faults``).
FAULTS_VAR = "STANDIN_FAULTS"
#: The emulated Saturn user of a shared stand-in started without ``--username`` (``make standin USERNAME=...``
#: gives one). The stand-in's own: a notebook run on the shared stand-in works as its user, whatever its parameter.
DEFAULT_USERNAME = "standin-user"
#: Where Prefect Cloud's GraphQL API is served (``PREFECT__CLOUD__API`` is the stand-in's URL + this).
GRAPHQL_PATH = "/graphql"
#: The test-only fault room's control endpoint (``standin.faults``; ``standin.testing.faults.FaultRoom`` calls it).
FAULTS_CONTROL_PATH = "/_standin/faults"
#: The setting that points the stand-in at the user's own Dask cluster. Not ``DASK_SCHEDULER_ADDRESS``:
#: dask reads every ``DASK_*`` variable as its own config, and that one is ``scheduler-address``,
#: which ``Client()`` and ``dask worker`` use when given no address.
SCHEDULER_VAR = "STANDIN_DASK_SCHEDULER"
SCHEDULER_EXAMPLE = "tcp://10.0.0.5:8786"
#: The stand-in's capacity: the most worker processes it starts for one cluster (``n_workers`` times ``nprocs``, or
#: a scale), so that a typo such as 10**9 is a 400, not a stand-in that hangs starting workers on this machine, where
#: each is a process with pandas loaded. It is the stand-in's limit, not a notebook's rule: the tutorial's notebooks
#: bound their ``n_workers`` parameter themselves (``tutorial_kit/notebook/parameters.py``), within this.
MAX_WORKERS = 32


def check_scheduler_address(address: str) -> str:
    """``address`` if it is a plain-TCP scheduler address ``tcp://HOST:PORT``; otherwise a
    ``ValueError`` whose message says what is wrong with it (without naming any variable)."""
    if "://" not in address:
        raise ValueError("it has no scheme")
    try:
        parts = urlsplit(address)
        port = parts.port
    except ValueError as exc:  # a port that is not a number, or out of range
        raise ValueError(f"its port is invalid ({exc})") from None
    if parts.scheme != "tcp":
        raise ValueError(
            f"its scheme is {parts.scheme}://, and only tcp:// works here: the stand-in's clients "
            "connect without TLS (SATURN_IS_INTERNAL=true)"
        )
    if not parts.hostname:
        raise ValueError("it has no host")
    if port is None:
        raise ValueError("it has no port (a scheduler listens on 8786 unless told otherwise)")
    if port == 0:
        raise ValueError("its port is invalid (0 means any free port, which no client can connect to)")
    if parts.path not in ("", "/") or parts.query or parts.fragment or "@" in parts.netloc:
        raise ValueError("it has more than scheme, host and port")
    return address.rstrip("/")


def saturn_environ(url: str, saturn_token: str) -> dict[str, str]:
    """The variables dask-saturn and prefect-saturn read to reach Saturn at ``url``: what Saturn
    puts in a Jupyter server or a flow run's pod."""
    return {
        "SATURN_BASE_URL": url,  # dask-saturn
        "BASE_URL": url,  # prefect-saturn (no trailing slash)
        "SATURN_TOKEN": saturn_token,
        # Plain TCP to the scheduler, as inside Saturn; external mode would ask for TLS certificates.
        "SATURN_IS_INTERNAL": "true",
    }
