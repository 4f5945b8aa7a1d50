"""HTTP layer of the emulated Saturn Cloud REST API: parse requests, call the backend,
answer in the shapes dask-saturn 0.4.4 and prefect-saturn 0.6.0 read back.

Every request goes through the stand-in's one pipeline first (``core/responses.py``: size,
method, token, test-only faults, content type, JSON body); this module only says what is
Saturn's in it: the token (``Authorization: token <SATURN_TOKEN>``, else 401) and the fault room's
name for this API (``"saturn"``). Errors keep the pipeline's default shape, ``{"message": ...}``
(what dask-saturn raises as ``ValueError``), with the message also as the status line's reason
phrase (what ``raise_for_status()`` shows to users of prefect-saturn and of prefect's Webhook
storage).
"""

from __future__ import annotations

from ..core.numbers import is_whole_number
from ..core.responses import FLOW_CONTENT_LIMIT, APIHandler
from .cluster_options import SIZES, ClusterSpec
from .exceptions import InvalidRequest, Unauthorized
from .job_template import IMAGE, run_job_spec
from .models import SaturnBackend


class SaturnHandler(APIHandler):
    """A route of Saturn's API: checks ``Authorization: token <SATURN_TOKEN>``."""

    api = "saturn"
    unauthorized = Unauthorized
    json_content_type = "application/json"  # as the stand-in always answered Saturn's clients

    def initialize(self, backend: SaturnBackend) -> None:
        self.backend = backend

    def authenticate(self) -> None:
        if not self.authorization_is(f"token {self.backend.token}"):
            raise self.unauthorized()


class ClusterOptionsHandler(SaturnHandler):
    def get(self) -> None:
        self.write_json({"server_options": {"size": [{"name": n, "display": d} for n, d in SIZES.items()]}})


class ClustersHandler(SaturnHandler):
    """The one route that a fault acts on beyond its answer: a ``cluster_error`` or
    ``cluster_pending`` fault (test-only), which the pipeline left in ``self.fault``, creates the
    cluster its own way (``Fault.create_cluster``, in the fault room: see ``faults/__init__.py``)."""

    async def post(self) -> None:
        spec = ClusterSpec.from_request(self.json_body())
        if self.fault is not None:
            cluster, status = await self.fault.create_cluster(self.backend, spec)
        else:
            cluster = await self.backend.create_cluster(spec)
            status = cluster.status
        self.write_json({"status": status, "id": cluster.id, "warnings": cluster.warnings, "errors": cluster.errors})


class ClusterResetHandler(SaturnHandler):
    async def post(self) -> None:
        await self.backend.reset()
        self.write_json({})


class ClusterHandler(SaturnHandler):
    def get(self, cluster_id: str) -> None:
        self.write_json({"id": cluster_id, "status": self.backend.cluster(cluster_id).status})


class ClusterInfoHandler(SaturnHandler):
    def get(self, cluster_id: str) -> None:
        self.write_json(self.backend.cluster(cluster_id).info())


class ClusterCSRHandler(SaturnHandler):
    def post(self, cluster_id: str) -> None:
        self.backend.cluster(cluster_id)
        # The stand-in's schedulers listen on loopback in plain TCP, as inside Saturn.
        raise InvalidRequest("the local stand-in serves Dask clusters over plain TCP only: set SATURN_IS_INTERNAL=true")


class ClusterReadHandler(SaturnHandler):
    """``GET .../status`` and ``GET .../scheduler_info``."""

    async def get(self, cluster_id: str, read: str) -> None:
        cluster = self.backend.cluster(cluster_id)
        if read == "status":
            self.write_json({"status": cluster.status})
        else:
            self.write_json(await self.backend.scheduler_info(cluster_id))


class ClusterActionHandler(SaturnHandler):
    """``POST .../scale``, ``.../adapt`` and ``.../close``."""

    async def post(self, cluster_id: str, action: str) -> None:
        body = self.json_body()
        if action == "scale":
            await self.backend.scale(cluster_id, body.get("n"))
        elif action == "adapt":
            # Adaptive scaling is not emulated: keep the cluster within the asked bounds.
            minimum, maximum = body.get("minimum"), body.get("maximum")
            if not all(is_whole_number(v) and v >= 0 for v in (minimum, maximum)) or minimum > maximum:
                raise InvalidRequest("adapt needs whole numbers 0 <= minimum <= maximum")
            await self.backend.scale(cluster_id, maximum, f"adapt(minimum={minimum}, maximum={maximum})")
        else:  # close: the only other path this route matches (urls.py)
            await self.backend.close_cluster(cluster_id)
        self.write_json({})


class FlowsHandler(SaturnHandler):
    def put(self) -> None:
        body = self.json_body()
        flow, version_id = self.backend.upsert_flow(
            name=body.get("name"),
            prefect_cloud_project_name=body.get("prefect_cloud_project_name"),
            flow_hash=body.get("flow_hash"),
            instance_size=body.get("instance_size"),
        )
        self.write_json({"id": flow.id, "flow_version_id": version_id, "image": IMAGE})


class FlowRunJobSpecHandler(SaturnHandler):
    def get(self, flow_id: str) -> None:
        self.write_json(run_job_spec(self.backend.flow(flow_id)))


class FlowContentHandler(SaturnHandler):
    body_limit = FLOW_CONTENT_LIMIT
    json_route = False  # the cloudpickled flow, as prefect's Webhook storage uploads it

    def post(self, flow_id: str, version_id: str) -> None:
        self.backend.store_content(flow_id, version_id, self.request.body)
        self.write_json({})

    def get(self, flow_id: str, version_id: str) -> None:
        self.set_header("Content-Type", "application/octet-stream")
        self.finish(self.backend.content(flow_id, version_id))


class ServerSizesHandler(SaturnHandler):
    def get(self) -> None:
        self.write_json({"sizes": dict(SIZES)})
