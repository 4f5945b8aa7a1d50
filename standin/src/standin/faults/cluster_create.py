"""What ``cluster_error`` and ``cluster_pending`` faults do to dask-saturn's cluster create
(``POST /api/dask_clusters``), the one request a fault changes beyond its answer.

The request pipeline leaves the matched fault in the handler (``faults/hook.py``), and Saturn's
``ClustersHandler`` hands the create to :meth:`~.models.Fault.create_cluster`, which calls
:func:`create_cluster` here: the Saturn code never names a fault's action, and the models keep
no test-only path.
"""

from __future__ import annotations


async def create_cluster(action: str, errors: list[str], backend, spec) -> tuple:
    """The cluster and the status to answer, for a fault of ``action`` on ``backend`` (a
    ``saturn.models.SaturnBackend``) asked for ``spec``:

    - ``cluster_error``: a cluster recorded as failed with ``errors``, nothing started (what Saturn
      answers when it could not start one);
    - ``cluster_pending``: the cluster started as usual, answered as still ``"pending"``.
    """
    if action == "cluster_error":
        cluster = backend.add_cluster(spec, status="error", errors=errors)
        return cluster, cluster.status
    if action == "cluster_pending":
        return await backend.create_cluster(spec), "pending"
    raise ValueError(f"a {action!r} fault does not create clusters")  # the room pins these two to the create
