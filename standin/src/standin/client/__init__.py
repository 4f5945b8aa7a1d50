"""The stand-in's public client: what a notebook's kernel, a test, a benchmark or a shell imports
to start or find a stand-in, and the names both sides agree on. Nothing here imports the emulator
(the rest of ``standin``): a client never loads tornado or graphql-core.

- ``process.py``: :class:`StandIn`, a private stand-in in a process of its own, stopped with its parent;
- ``shared.py``: :class:`SharedStandIn`, the shared one (``make standin``), and the ``export`` lines for a shell;
- ``tickets.py``: the login URLs of its pages;
- ``dask_saturn.py``: dask-saturn's shim, which tells a process's ``SaturnCluster`` objects that the
  stand-in they were made with has closed their clusters;
- ``protocol.py``: variable names, paths, bounds and defaults, each defined once;
- ``exceptions.py``: :class:`StandInError` and :class:`SchedulerAddressError`.
"""

from .exceptions import SchedulerAddressError, StandInError
from .process import StandIn, check_dask_scheduler, client_environ, dask_scheduler_from_env
from .protocol import MAX_WORKERS, SCHEDULER_VAR
from .shared import SharedStandIn, shared_home
from .tickets import TICKET_IN_URL

__all__ = [
    "MAX_WORKERS",
    "SCHEDULER_VAR",
    "TICKET_IN_URL",
    "SchedulerAddressError",
    "SharedStandIn",
    "StandIn",
    "StandInError",
    "check_dask_scheduler",
    "client_environ",
    "dask_scheduler_from_env",
    "shared_home",
]
