"""How the emulated Saturn starts a Dask cluster: a REAL ``distributed.LocalCluster`` with one
worker process per requested worker (times ``nprocs``), bound to loopback."""

from __future__ import annotations

import logging

from .models import ClusterSpec


class LocalDaskCluster:
    """Adapts ``LocalCluster`` to the backend's ``RunningCluster`` protocol (async scale/close)."""

    def __init__(self, cluster):
        self._cluster = cluster

    @property
    def scheduler_address(self) -> str:
        return self._cluster.scheduler_address

    @property
    def dashboard_link(self) -> str:
        return self._cluster.dashboard_link

    @property
    def scheduler_info(self) -> dict:
        return self._cluster.scheduler_info

    async def scale(self, n: int) -> None:
        self._cluster.scale(n)
        await self._cluster._correct_state()

    async def close(self) -> None:
        await self._cluster.close()


async def start_local_cluster(spec: ClusterSpec) -> LocalDaskCluster:
    from distributed import LocalCluster  # heavy import, only when a cluster is asked for

    cluster = await LocalCluster(
        n_workers=spec.n_workers * spec.nprocs,
        threads_per_worker=spec.nthreads,
        processes=True,
        host="127.0.0.1",
        # No bokeh here: without it the dashboard only logs a warning per start.
        dashboard_address=None,
        silence_logs=logging.WARNING,
        asynchronous=True,
    )
    return LocalDaskCluster(cluster)
