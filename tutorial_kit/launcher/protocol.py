"""What a stand-in and the processes that start it or talk to it agree on: the names of the
variables and paths both sides use, each defined once, here. Neither side's code is imported:
the launcher (``process.py``, ``shared.py``) and the emulator (``tutorial_kit/standin/``) both
import this module, which imports only the standard library.
"""

from __future__ import annotations

from urllib.parse import urlsplit

#: The stand-in's two secrets, handed to its process through these variables (never argv, which
#: any user can read in ``ps``), which the stand-in removes from its environment at once.
SATURN_TOKEN_VAR = "STANDIN_SATURN_TOKEN"
PREFECT_API_KEY_VAR = "STANDIN_PREFECT_API_KEY"
TOKEN_VARS = (SATURN_TOKEN_VAR, PREFECT_API_KEY_VAR)
#: Where Prefect Cloud's GraphQL API is served (``PREFECT__CLOUD__API`` is the stand-in's URL + this).
GRAPHQL_PATH = "/graphql"
#: The test-only fault room's control endpoint (``tutorial_kit/standin/faults/``).
FAULTS_CONTROL_PATH = "/_standin/faults"
#: The setting that points the stand-in at the user's own Dask cluster. Not ``DASK_SCHEDULER_ADDRESS``:
#: dask reads every ``DASK_*`` variable as its own config, and that one is ``scheduler-address``,
#: which ``Client()`` and ``dask worker`` use when given no address.
SCHEDULER_VAR = "STANDIN_DASK_SCHEDULER"
SCHEDULER_EXAMPLE = "tcp://10.0.0.5:8786"
#: The largest ``n_workers`` the notebook accepts, and the most worker processes the stand-in starts
#: for one cluster (``n_workers`` times ``nprocs``, or a scale: a typo such as 10**9 is a 400, not
#: a stand-in that hangs starting workers). Offline, each worker is a process of this machine of about
#: 130 MiB (measured with pandas loaded, before any data) that takes about 0.35 s of CPU to start on
#: this project's 2-core machine: 32 workers are about 4 GiB and 11 s of start-up, already far
#: more than 2 cores can use. On Saturn Cloud each worker is an instance that is billed while it
#: runs, and the tutorial's month has 11 CSV blocks of 64 MiB (8 Parquet row groups), so beyond
#: 32 workers most would sit idle: a larger value is far more likely a typo (30 for 3, 300) than
#: a need. Raise it here if your data and account need more.
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
