"""Checks of the notebook's parameters, run before anything is started: a bad value must
fail in a second with a message naming it, not after a cluster has spun up.

The rules, and where they come from:

- ``n_workers``: a whole number from 1 to :data:`MAX_WORKERS`.
- ``username``: a Saturn Cloud user name, as Saturn's API accepts it for an owner
  (:data:`USERNAME_PATTERN`, from the ``owner`` parameter of Saturn's OpenAPI description):
  1 to :data:`MAX_USERNAME_LENGTH` lowercase ASCII letters, digits and single hyphens, starting and ending with a letter
  or digit. Saturn uses it in URLs and Kubernetes names, so ``J.Doe`` or ``jdoe_1`` do not exist there.
- ``project``: a Prefect Cloud project name. Prefect Cloud accepts free text (its docs create
  ``"Hello, World!"``), so the rule only refuses what cannot be meant: an empty or blank name, a
  control or invisible character (a newline, a tab, a zero-width space: anything
  ``str.isprintable`` refuses), spaces at either end (Prefect matches names exactly, so
  ``"taxi "`` would be a second project next to ``"taxi"``), more than
  :data:`MAX_PROJECT_NAME_LENGTH` characters.
- ``data_url``: opened and checked by :mod:`tutorial_kit.notebook.trips` (scheme, existence, and the columns the
  read reads, with its dtypes: the notebook's ``COLUMNS`` and ``DTYPES``, which its caller passes).
- ``scheduler_address`` (the companion's): None, or the address of a Dask scheduler that answers now.

A value papermill read as a number (``-p project 2024``) gets a hint to pass it as text (``-r``).
"""

from __future__ import annotations

import re
import socket
from urllib.parse import urlsplit

from ..exceptions import ParameterError
from ..whole_numbers import check_whole_number

#: The largest ``n_workers`` the notebooks accept. Offline, each worker is a process of this machine with pandas
#: loaded, and this many are already far more than a laptop's cores can use; on Saturn Cloud each worker is an
#: instance that is billed while it runs. The tutorial's month is read in fewer blocks than that (the read cell's
#: ``BLOCKSIZE``), so beyond it most workers would sit idle: a larger value is far more likely a typo (30 for 3, 300)
#: than a need. Raise it here if your data and account need more (offline, the stand-in starts at most its own
#: ``standin.client.protocol.MAX_WORKERS`` worker processes for a cluster).
MAX_WORKERS = 32

#: The longest Saturn Cloud user name (Saturn's API, as GitHub's user names).
MAX_USERNAME_LENGTH = 39
#: Saturn Cloud user names: the ``identity`` part of the ``owner`` pattern in Saturn's API
#: (``[a-z\d](?:[a-z\d]|-(?=[a-z\d])){0,38}``, the same rule as GitHub's user names), its length from the bound above.
USERNAME_PATTERN = re.compile(rf"[a-z\d](?:[a-z\d]|-(?=[a-z\d])){{0,{MAX_USERNAME_LENGTH - 1}}}")

#: Prefect Cloud documents no limit; 255 is the usual bound of a name column, and a longer
#: name is a paste gone wrong.
MAX_PROJECT_NAME_LENGTH = 255


def check_parameters(project, username, n_workers, data_url, columns, dtypes) -> None:
    """Raise :class:`ParameterError` for the first invalid parameter; ``data_url``'s data is checked for
    ``columns`` with ``dtypes``, what the notebook's read reads."""
    check_project(project)
    check_username(username)
    check_n_workers(n_workers)
    check_data_url(data_url, columns, dtypes)


def _require_text(name: str, value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # papermill's -p turns "2024" into the number 2024
        raise ParameterError(
            f"{name} must be text, got the number {value!r}: papermill reads -p values that look like "
            f"numbers as numbers; pass -r {name} {value!r} to keep it as text"
        )
    raise ParameterError(f"{name} must be a non-empty string, got {value!r}: pass -p {name} NAME")


def check_project(project) -> None:
    _require_text("project", project)
    if not project.strip():
        raise ParameterError(f"project must be a non-empty string, got {project!r}: pass -p project NAME")
    bad = next(((i, c) for i, c in enumerate(project) if not c.isprintable()), None)
    if bad is not None:
        raise ParameterError(
            f"project {project!r} holds a control or invisible character ({bad[1]!r} at position {bad[0]}): "
            "a Prefect Cloud project name is one line of visible text"
        )
    if project != project.strip():
        raise ParameterError(
            f"project {project!r} starts or ends with a space: Prefect Cloud matches project names exactly, "
            f"so it would be another project than {project.strip()!r}; pass -p project {project.strip()!r}"
        )
    if len(project) > MAX_PROJECT_NAME_LENGTH:
        raise ParameterError(
            f"project is {len(project)} characters long, more than {MAX_PROJECT_NAME_LENGTH}: "
            f"{project[:40]!r}... is not a project name"
        )


def check_username(username) -> None:
    _require_text("username", username)
    if not username.strip():
        raise ParameterError(f"username must be a non-empty string, got {username!r}: pass -p username NAME")
    if USERNAME_PATTERN.fullmatch(username):
        return
    if len(username) > MAX_USERNAME_LENGTH:
        why = f"it is {len(username)} characters long, more than {MAX_USERNAME_LENGTH}"
    elif (bad := next((c for c in username if c not in "abcdefghijklmnopqrstuvwxyz0123456789-"), None)) is not None:
        why = f"{bad!r} is not allowed"
        if username.lower() != username and USERNAME_PATTERN.fullmatch(username.lower()):
            why += f"; Saturn user names are lowercase: {username.lower()!r}"
    elif username.startswith("-") or username.endswith("-"):
        why = "it starts or ends with a hyphen"
    else:
        why = "it has two hyphens in a row"
    raise ParameterError(
        f"username {username!r} is not a Saturn Cloud user name ({why}): use 1 to {MAX_USERNAME_LENGTH} "
        "lowercase letters, digits and single hyphens, starting and ending with a letter or digit"
    )


def check_n_workers(n_workers) -> None:
    check_whole_number("n_workers", n_workers, error=ParameterError, advice=": pass -p n_workers 3")
    if n_workers > MAX_WORKERS:
        raise ParameterError(
            f"n_workers must be at most {MAX_WORKERS} (MAX_WORKERS in tutorial_kit/notebook/parameters.py), "
            f"got {n_workers}: each worker is a process here or a billed instance on Saturn Cloud; "
            "pass -p n_workers 3"
        )


#: Seconds a scheduler has to answer (a TCP connection, then dask's handshake): one that does not is not running.
SCHEDULER_ANSWER_SECONDS = 5.0
SCHEDULER_EXAMPLE = "tcp://10.0.0.5:8786"


def check_scheduler_address(scheduler_address) -> None:
    """None (each run starts a LocalCluster), or the address of a running Dask scheduler: its scheme, host and port,
    then a connection and dask's handshake (a ``Client``, with dask's own TLS settings for ``tls://``, closed at
    once), so that a scheduler that is down fails here, in one line, before a Prefect server starts."""
    if scheduler_address is None:
        return
    _require_text("scheduler_address", scheduler_address)
    hint = f"pass -p scheduler_address {SCHEDULER_EXAMPLE}, or leave it unset for a LocalCluster"
    try:
        parts = urlsplit(scheduler_address)
        host, port = parts.hostname, parts.port
    except ValueError as exc:
        raise ParameterError(f"scheduler_address {scheduler_address!r} is not an address ({exc}): {hint}") from None
    if "://" not in scheduler_address or not host or not port:
        raise ParameterError(
            f"scheduler_address {scheduler_address!r} is not a scheduler address (SCHEME://HOST:PORT): {hint}"
        )
    try:
        socket.create_connection((host, port), timeout=SCHEDULER_ANSWER_SECONDS).close()
        from distributed import Client

        Client(scheduler_address, timeout=SCHEDULER_ANSWER_SECONDS, set_as_default=False).close()
    except (OSError, TimeoutError, ValueError) as exc:
        why = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ParameterError(
            f"scheduler_address {scheduler_address!r} does not answer ({why}): start your scheduler and its workers, "
            "or leave scheduler_address unset for a LocalCluster"
        ) from None


def check_data_url(data_url, columns, dtypes) -> None:
    """Open the data and check it for ``columns`` with ``dtypes`` (header, first and last rows, or Parquet
    footer): a missing file, an unsupported scheme or unusable data fails here, before any cluster starts."""
    from .trips import inspect_trips

    inspect_trips(data_url, columns, dtypes)
