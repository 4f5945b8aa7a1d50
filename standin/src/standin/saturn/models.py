"""State of the emulated Saturn Cloud: the user's resource, with its Dask clusters (one for the Jupyter server,
one per flow run),
and the flows prefect-saturn registers, with the flow bytes its Webhook storage uploads.

Nothing here knows about HTTP (that is ``responses.py``). Clusters are REAL: asked for one, the
backend gets it through an injectable ``start_cluster`` coroutine (``clusters.py``): a
``distributed.LocalCluster`` with one worker process per worker process asked for, which the
stand-in owns, or the user's own Dask cluster, which it does not own and so never scales or
stops. The unit tests pass their own. Each flow run's cluster is its own
(``prefectcloudflowrun_id``), as each run ran in a pod of its own.

What a request asks of a cluster is ``cluster_options.py``; a scheduler's identity as JSON,
``scheduler_identity.py``; the Kubernetes Job template of a flow, ``job_template.py``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import logging
import threading
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from ..client.protocol import MAX_WORKERS
from ..core.numbers import is_whole_number
from ..store import Store
from .cluster_options import SIZES, ClusterSpec
from .exceptions import ClusterStartFailed, ClusterUnavailable, InvalidRequest, NotFound
from .scheduler_identity import json_safe

log = logging.getLogger("standin.saturn")


class RunningCluster(Protocol):
    """What the backend needs of a started cluster (see the adapters in ``clusters.py``)."""

    scheduler_address: str
    dashboard_link: str
    #: False for a cluster the user runs: the backend never scales it, and closing it only lets go of it.
    owned: bool

    async def scheduler_info(self) -> dict: ...  # pragma: no cover - protocol
    async def scale(self, n: int) -> None: ...  # pragma: no cover - protocol
    async def close(self) -> None: ...  # pragma: no cover - protocol


ClusterStarter = Callable[["ClusterSpec"], Awaitable[RunningCluster]]


@dataclass
class DaskCluster:
    id: str
    spec: ClusterSpec
    created: datetime.datetime
    status: str = "pending"  # pending -> ready -> closed | error
    running: RunningCluster | None = None
    errors: list[str] = field(default_factory=list)
    #: Warnings for the latest create request (dask-saturn logs them), e.g. a size not applied.
    warnings: list[str] = field(default_factory=list)
    owned: bool = True  # set from the started cluster

    def info(self) -> dict:
        if self.running is None:
            raise NotFound(f"Dask cluster {self.id} is not running (status: {self.status})")
        return {
            "scheduler_address": self.running.scheduler_address,
            "dashboard_link": self.running.dashboard_link or "",
        }


@dataclass
class SaturnFlow:
    """A flow as prefect-saturn registers it: one record per flow group (``flow_hash``)."""

    id: str
    name: str
    prefect_cloud_project_name: str
    flow_hash: str
    instance_size: str | None
    versions: list[str] = field(default_factory=list)  # flow_version_ids, oldest first


_CONTENT = "saturn.flow-content"


def _new_id() -> str:
    return uuid.uuid4().hex


class SaturnBackend:
    """One Saturn user's resource: one Dask cluster for its Jupyter server, as on Saturn, where "only one
    dask cluster can be associated with a particular resource", and one for each flow run (dask-saturn sends
    the run's id)."""

    def __init__(
        self,
        token: str,
        username: str,
        start_cluster: ClusterStarter,
        clock: Callable[[], datetime.datetime] = lambda: datetime.datetime.now(datetime.UTC),
        store: Store | None = None,
    ):
        self.token = token
        self.username = username
        self._start_cluster = start_cluster
        self._clock = clock
        #: Flows and their uploaded contents last (``make standin``); clusters do not: they are
        #: processes of the stand-in, and end with it.
        self.store = store or Store()
        self.clusters: dict[str, DaskCluster] = {}
        self.flows: dict[str, SaturnFlow] = {flow.id: flow for flow in self.store.load(SaturnFlow)}
        #: (flow id, flow version id) -> the cloudpickled flow prefect's Webhook storage uploaded
        self.contents: dict[tuple[str, str], bytes] = {
            tuple(key.split("/", 1)): data for key, data in self.store.blobs(_CONTENT).items()
        }
        self._lock = threading.Lock()
        self._cluster_lock = asyncio.Lock()

    # -- Dask clusters -------------------------------------------------------------------
    def current_cluster(self, flow_run_id: str | None = None) -> DaskCluster | None:
        """The resource's running cluster: the Jupyter server's (``flow_run_id`` None), or the
        one a Prefect flow run asked for (dask-saturn sends ``prefectcloudflowrun_id`` from
        Saturn 2021.08.16): each run of a flow gets its own, as each ran in a pod of its own."""
        for cluster in self.clusters.values():
            if cluster.status in ("pending", "ready") and cluster.spec.prefectcloudflowrun_id == flow_run_id:
                return cluster
        return None

    def add_cluster(self, spec: ClusterSpec, status: str = "pending", errors: tuple[str, ...] = ()) -> DaskCluster:
        """A new record of the resource's cluster, ``spec`` asked for, in ``status``; starts nothing."""
        cluster = DaskCluster(id=_new_id(), spec=spec, created=self._clock(), status=status, errors=list(errors))
        self.clusters[cluster.id] = cluster
        return cluster

    async def create_cluster(self, spec: ClusterSpec) -> DaskCluster:
        """Start the resource's cluster, or hand back the running one scaled to ``spec``.

        Blocks until the cluster is ready: dask-saturn polls a pending cluster with 5-60 s
        sleeps, so answering "ready" at once keeps the tutorial fast.
        """
        async with self._cluster_lock:
            cluster = self.current_cluster(spec.prefectcloudflowrun_id)
            if cluster is not None:
                if not cluster.owned:
                    cluster.warnings = await self._not_scaled(cluster, spec.worker_processes)
                elif cluster.spec.worker_processes != spec.worker_processes:
                    await cluster.running.scale(spec.worker_processes)
                cluster.spec = spec
                return cluster
            cluster = self.add_cluster(spec)
            try:
                cluster.running = await self._start_cluster(spec)
            except Exception as exc:  # reported to the client as Saturn does: status "error"
                cluster.status = "error"
                cluster.errors.append(f"Dask cluster failed to start: {exc}")
                raise ClusterStartFailed(cluster.errors[-1]) from exc
            cluster.owned = cluster.running.owned
            if not cluster.owned:
                cluster.warnings = await self._not_scaled(cluster, spec.worker_processes)
            cluster.status = "ready"
            return cluster

    async def _not_scaled(self, cluster: DaskCluster, n: int, asked: str | None = None) -> list[str]:
        """Log that a size asked of a cluster the stand-in does not own is not applied; return
        the warning for the client when the asked size (``n`` workers) differs from the cluster's."""
        try:
            have = len((await cluster.running.scheduler_info()).get("workers", {}))
        except Exception as exc:
            log.warning(
                "Dask cluster %s: cannot count the workers at %s: %s",
                cluster.id,
                cluster.running.scheduler_address,
                exc,
            )
            have = None
        message = (
            f"{asked or f'n_workers={n}'} is not applied: the stand-in hands out your own Dask cluster at "
            f"{cluster.running.scheduler_address}, which it neither scales nor stops; it has "
            f"{'an unknown number of' if have is None else have} worker(s)"
        )
        log.log(logging.INFO if have == n else logging.WARNING, "Dask cluster %s: %s", cluster.id, message)
        return [] if have == n else [message]

    def cluster(self, cluster_id: str) -> DaskCluster:
        try:
            return self.clusters[cluster_id]
        except KeyError:
            raise NotFound(f"No Dask cluster with id {cluster_id}") from None

    async def scale(self, cluster_id: str, n: int, asked: str | None = None) -> None:
        """Scale an owned cluster to ``n`` workers of its ``nprocs`` worker processes each. A
        cluster the stand-in does not own keeps its size; the request still succeeds (logged), as
        a cluster at its limit would."""
        if not is_whole_number(n) or n < 0:
            raise InvalidRequest(f"n must be a whole number of at least 0, got {n!r}")
        if n > MAX_WORKERS:
            raise InvalidRequest(f"n must be at most {MAX_WORKERS} worker processes, got {n}")
        cluster = self.cluster(cluster_id)
        cluster.info()  # raises if not running
        spec = dataclasses.replace(cluster.spec, n_workers=n)
        if spec.worker_processes > MAX_WORKERS:
            raise InvalidRequest(f"n x nprocs must be at most {MAX_WORKERS} worker processes, got {n} x {spec.nprocs}")
        if not cluster.owned:
            await self._not_scaled(cluster, spec.worker_processes, asked or f"scale({n})")
            return
        await cluster.running.scale(spec.worker_processes)
        cluster.spec = spec  # asked for again at this size, it is not scaled again

    async def scheduler_info(self, cluster_id: str) -> dict:
        """The scheduler's ``identity()``, in JSON-safe form (see :func:`json_safe`)."""
        cluster = self.cluster(cluster_id)
        cluster.info()  # raises NotFound when not running
        try:
            return json_safe(await cluster.running.scheduler_info())
        except Exception as exc:
            raise ClusterUnavailable(
                f"cannot read the Dask scheduler at {cluster.running.scheduler_address}: {exc}"
            ) from exc

    async def close_cluster(self, cluster_id: str) -> None:
        """Close the Saturn cluster. An owned cluster stops; the user's own cluster is only let
        go of and keeps running, with its workers."""
        cluster = self.cluster(cluster_id)
        running, cluster.running = cluster.running, None
        cluster.status = "closed"
        if running is not None:
            await running.close()
            if not cluster.owned:
                log.info(
                    "Dask cluster %s closed: let go of your Dask cluster at %s, which keeps running",
                    cluster.id,
                    running.scheduler_address,
                )

    async def close_all(self) -> None:
        """Close every running cluster: the stand-in must leave no worker process behind."""
        for cluster_id in list(self.clusters):
            await self.close_cluster(cluster_id)

    async def close_clusters_of_run(self, flow_run_id: str) -> list[str]:
        """Close the clusters a flow run asked for and left running (its process died, or it
        was cancelled before its cleanup ran); their ids."""
        doomed = [
            c.id
            for c in self.clusters.values()
            if c.status in ("pending", "ready") and c.spec.prefectcloudflowrun_id == flow_run_id
        ]
        for cluster_id in doomed:
            await self.close_cluster(cluster_id)
        return doomed

    async def reset(self) -> None:
        current = self.current_cluster()
        if current is not None:
            await self.close_cluster(current.id)

    # -- prefect-saturn flows ------------------------------------------------------------
    def upsert_flow(
        self, name: str, prefect_cloud_project_name: str, flow_hash: str, instance_size: str | None
    ) -> tuple[SaturnFlow, str]:
        """Create or update the flow group ``flow_hash`` and open a new flow version, as
        Saturn does on every ``register_flow_with_saturn``."""
        for value, what in (
            (name, "name"),
            (prefect_cloud_project_name, "prefect_cloud_project_name"),
            (flow_hash, "flow_hash"),
        ):
            if value is None or value == "":
                raise InvalidRequest(f"{what} is required")
            if not isinstance(value, str):
                raise InvalidRequest(f"{what} must be a string, got {value!r}")
        if instance_size is not None and (not isinstance(instance_size, str) or instance_size not in SIZES):
            raise InvalidRequest(f"instance_size {instance_size!r} is not one of {sorted(SIZES)}")
        with self._lock:
            flow = next((f for f in self.flows.values() if f.flow_hash == flow_hash), None)
            if flow is None:
                flow = SaturnFlow(_new_id(), name, prefect_cloud_project_name, flow_hash, instance_size)
                self.flows[flow.id] = flow
            flow.instance_size = instance_size
            version_id = _new_id()
            flow.versions.append(version_id)
            self.store.put(flow)
            return flow, version_id

    def flow(self, flow_id: str) -> SaturnFlow:
        try:
            return self.flows[flow_id]
        except KeyError:
            raise NotFound(f"No flow with id {flow_id}") from None

    def _version(self, flow_id: str, version_id: str) -> SaturnFlow:
        flow = self.flow(flow_id)
        if version_id not in flow.versions:
            raise NotFound(f"Flow {flow_id} has no version {version_id}")
        return flow

    def store_content(self, flow_id: str, version_id: str, content: bytes) -> None:
        if not content:
            raise InvalidRequest("empty flow content")
        with self._lock:
            self._version(flow_id, version_id)
            self.store.put_blob(_CONTENT, f"{flow_id}/{version_id}", content)
            self.contents[(flow_id, version_id)] = content

    def content(self, flow_id: str, version_id: str) -> bytes:
        self._version(flow_id, version_id)
        try:
            return self.contents[(flow_id, version_id)]
        except KeyError:
            raise NotFound(f"Flow {flow_id} version {version_id} has no stored content") from None
