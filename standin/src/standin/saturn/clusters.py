"""How the emulated Saturn gets a Dask cluster. Two adapters to the backend's ``RunningCluster``:

- ``start_local_cluster``: a REAL ``distributed.LocalCluster`` with one worker process per
  requested worker (times ``nprocs``), bound to loopback. The stand-in owns it: it scales and
  stops it.
- ``attach_external_cluster``: a Dask cluster the user runs (``dask scheduler`` and
  ``dask worker``s, on this machine or others), named by ``STANDIN_DASK_SCHEDULER``. The stand-in
  hands out its address and reads its state, and never scales or stops it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import time
from urllib.parse import urlsplit

from ..client.protocol import SCHEDULER_VAR
from .cluster_options import ClusterSpec

log = logging.getLogger("standin.saturn")

#: distributed's settings for the LocalClusters the stand-in starts, set in the stand-in's process by
#: :func:`cluster_starter` (the one place they are set):
#: - ``forkserver``: each worker process is forked from one server process that imported dask,
#:   distributed, numpy and pandas once (distributed's own preload list), instead of a fresh
#:   interpreter importing them per worker (``spawn``): a cluster starts and closes in a fraction of the
#:   time (docs/benchmarks.md#a-runs-fixed-costs). The server outlives the cluster, so later clusters start warm.
#: - no statistical profiling: the stand-in's clusters show no dashboard, so nothing reads it.
LOCAL_CLUSTER_CONFIG = {
    "distributed.worker.multiprocessing-method": "forkserver",
    "distributed.worker.profile.enabled": False,
}


#: What the fork server imports before it forks a worker (with ``warm_worker_processes``): distributed's
#: own list (dask, distributed, numpy, pandas, ...) is what ``distributed`` and ``dask.dataframe`` import;
#: with ``dask.dataframe`` and ``pyarrow`` too, a fresh worker's first read of the sample is faster
#: (docs/benchmarks.md#a-runs-fixed-costs). The server holds no more threads with them than with
#: distributed's list (the Nanny's BLAS settings keep them few), so forking stays as safe.
WORKER_PRELOAD = ["distributed", "dask.dataframe", "pyarrow"]


def warm_worker_processes() -> None:
    """Start the fork server the workers of the LocalClusters are forked from, ahead of the first
    cluster: the agent calls this when it submits its first run (in a thread: the server imports
    :data:`WORKER_PRELOAD` while the run's own process starts). Without it, the
    first cluster starts the server, with distributed's shorter list. Nothing in a stand-in that
    hands out the user's cluster (no forkserver method set).

    The server's environment is what the workers start with: a Nanny puts its
    ``distributed.nanny.pre-spawn-environ`` (and PYTHONHASHSEED) into this process's environment
    before it starts its first worker, which is also when it would start the server; here they are
    put in first, so that the workers read them at their start as they would (malloc, BLAS threads).
    The server starts with the first process started from the ``forkserver`` context: one that
    exits at once."""
    import dask.config

    if dask.config.get("distributed.worker.multiprocessing-method", None) != "forkserver":
        return
    import multiprocessing

    from ..shims.distributed import worker_spawn_environ

    os.environ.update(worker_spawn_environ())
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(WORKER_PRELOAD)
    first = context.Process(target=os.getpid, name="standin-forkserver-start")
    first.start()
    first.join()


class LocalDaskCluster:
    """Adapts ``LocalCluster`` to the backend's ``RunningCluster`` protocol (async scale/close)."""

    owned = True

    def __init__(self, cluster):
        self._cluster = cluster

    @property
    def scheduler_address(self) -> str:
        return self._cluster.scheduler_address

    @property
    def dashboard_link(self) -> str:
        return self._cluster.dashboard_link

    async def scheduler_info(self) -> dict:
        """The scheduler's ``identity()``, read now: the same answer as a cluster the user runs
        (``LocalCluster.scheduler_info`` is a copy its watcher updates only as workers come and go)."""
        return self._cluster.scheduler.identity()

    async def scale(self, n: int) -> None:
        self._cluster.scale(n)
        await self._cluster  # distributed's own wait: the workers started or stopped to match the new size

    async def close(self) -> None:
        await self._cluster.close()


async def start_local_cluster(spec: ClusterSpec, faults=None) -> LocalDaskCluster:
    """``faults``: the stand-in's ``FaultSet``; its ``kill_worker`` faults (test-only) act on
    this cluster's worker processes."""
    from distributed import LocalCluster  # heavy import, only when a cluster is asked for

    cluster = await LocalCluster(
        n_workers=spec.worker_processes,
        threads_per_worker=spec.nthreads,
        processes=True,
        host="127.0.0.1",
        # No bokeh here: without it the dashboard only logs a warning per start.
        dashboard_address=None,
        silence_logs=logging.WARNING,
        asynchronous=True,
    )
    if faults is not None:
        cluster.scheduler.add_plugin(faults.scheduler_plugin(cluster))
    return LocalDaskCluster(cluster)


# -- the user's own cluster ----------------------------------------------------------------------
class ExternalDaskCluster:
    """A Dask cluster the user runs. ``owned`` is False: the backend never scales it, and
    ``close()`` only lets go of it. This class has no way to stop a scheduler or a worker: it
    talks to the scheduler with one read-only call, ``identity``."""

    owned = False

    def __init__(self, address: str, timeout: float, dashboard_link: str = ""):
        self.scheduler_address = address  # as the user gave it: reachable from the user's machine
        self.dashboard_link = dashboard_link
        self._timeout = timeout

    async def scheduler_info(self) -> dict:
        """The scheduler's ``identity()``, read now (bounded by the connect timeout)."""
        return await _identity(self.scheduler_address, self._timeout)

    async def scale(self, n: int) -> None:
        raise RuntimeError(
            f"the stand-in does not scale the Dask cluster at {self.scheduler_address}: it is not its own"
        )

    async def close(self) -> None:
        """Let go of the cluster. It keeps running: it is the user's. (No connection is held.)"""


async def _identity(address: str, timeout: float) -> dict:
    from distributed.comm import connect
    from distributed.core import send_recv

    # Connect first, then ask, each bounded on its own. A refused connection is retried by dask
    # until ``timeout`` and then raises OSError; a server that accepts and stays silent hangs in
    # dask's handshake, which the outer bound (a second later, so the two never race) cuts off.
    comm = await asyncio.wait_for(connect(address, timeout=timeout), timeout + 1)
    try:
        # a server that accepts the connection but is not a scheduler never answers
        return await asyncio.wait_for(send_recv(comm, op="identity"), timeout)
    finally:
        comm.abort()


def _why(exc: Exception) -> str:
    if isinstance(exc, TimeoutError) and not str(exc):  # our wait_for: connected, then silence
        return "something accepted the connection but did not answer as a Dask scheduler"
    if isinstance(exc, OSError):  # refused, unknown host, unreachable: distributed retried until the timeout
        return re.sub(r"after (\d+\.\d+) s", lambda m: f"after {float(m[1]):.0f} s", str(exc))
    # e.g. a server of another protocol, whose first bytes distributed reads as a frame length
    return f"what answered is not a Dask scheduler ({type(exc).__name__}: {exc})"


def _running_workers(info: dict) -> int:
    return sum(1 for w in info.get("workers", {}).values() if w.get("status", "running") == "running")


async def attach_external_cluster(address: str, timeout: float | None = None) -> ExternalDaskCluster:
    """Check that the scheduler at ``address`` answers and has at least one running worker,
    waiting at most about ``timeout`` seconds in all (default: dask's
    ``distributed.comm.timeouts.connect``, 30 s), so that a wrong address or an empty cluster is
    a clear error here, not a flow that waits forever for workers."""
    import dask.config
    import distributed  # noqa: F401  (loads distributed's defaults into dask's config)
    from dask.utils import parse_timedelta

    if timeout is None:
        timeout = parse_timedelta(dask.config.get("distributed.comm.timeouts.connect"), default="seconds")
    deadline = time.monotonic() + timeout

    async def identity() -> dict:
        try:
            return await _identity(address, max(deadline - time.monotonic(), 0.5))
        except Exception as exc:
            raise RuntimeError(
                f"no Dask scheduler answered at {address} ({SCHEDULER_VAR}) within {timeout:g} s: "
                f"{_why(exc)}. Start one with `dask scheduler`, or fix {SCHEDULER_VAR}"
            ) from None

    info = await identity()
    while _running_workers(info) == 0:
        if time.monotonic() >= deadline:
            raise RuntimeError(
                f"the Dask scheduler at {address} ({SCHEDULER_VAR}) has no running worker after {timeout:g} s: "
                f"start some with `dask worker {address}`"
            )
        await asyncio.sleep(0.25)
        info = await identity()
    port = info.get("services", {}).get("dashboard")
    host = urlsplit(address).netloc.rsplit(":", 1)[0]
    log.info(
        "using the Dask cluster at %s (%s) with %d worker(s); the stand-in will neither scale nor stop it",
        address,
        SCHEDULER_VAR,
        _running_workers(info),
    )
    return ExternalDaskCluster(address, timeout, f"http://{host}:{port}/status" if port else "")


def cluster_starter(dask_scheduler: str | None, faults=None):
    """The backend's ``start_cluster``: a LocalCluster per request, or the user's cluster.
    ``faults`` (test-only) reach the LocalClusters only: the user's cluster is never touched."""
    if dask_scheduler is None:
        import dask.config

        # For the whole process, not around the start alone: a Nanny reads the method again when it
        # starts a worker later (a scale-up, a restart after a worker died).
        dask.config.set(LOCAL_CLUSTER_CONFIG)

        async def start(spec: ClusterSpec) -> LocalDaskCluster:
            return await start_local_cluster(spec, faults)

        return start

    async def attach(spec: ClusterSpec) -> ExternalDaskCluster:  # the spec is not applied: not ours to size
        return await attach_external_cluster(dask_scheduler)

    return attach
