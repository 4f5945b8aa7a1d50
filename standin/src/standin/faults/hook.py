"""How the fault room joins the request pipeline: one request hook (``core/responses.py``, step 4),
which ``server.make_app`` mounts. The pipeline knows hooks, not faults: this module is the only
place where a request meets the room.

Faults ``error`` and ``unauthorized`` are answered here, in the shape of the API that was called.
The others need the Saturn cluster code to act: ``cluster_error`` and ``cluster_pending`` are left
in ``handler.fault``, which only ``saturn/responses.ClustersHandler`` reads (it hands the create to
the fault: ``cluster_create.py``).
"""

from __future__ import annotations

from .exceptions import InjectedError
from .models import FaultSet


def request_hook(faults: FaultSet):
    """The hook that applies ``faults`` to each request of either API (never to the control
    endpoint, whose ``api`` is None)."""

    def apply_faults(handler) -> None:
        if handler.api is None or not faults:
            return
        operations = handler.fault_operations() if faults.wants_operations() else ()
        fault = faults.take(handler.api, handler.request.method, handler.request.path, operations)
        if fault is None:
            return
        if fault.action == "unauthorized":  # exactly as for a wrong token
            raise handler.unauthorized()
        if fault.action == "error":
            raise InjectedError(fault.status, fault.message)
        handler.fault = fault

    return apply_faults
