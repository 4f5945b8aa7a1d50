"""HTTP layer of the emulated Saturn Cloud REST API: parse requests, call the backend,
answer in the shapes dask-saturn 0.4.4 and prefect-saturn 0.6.0 read back.

Every error is JSON ``{"message": ...}`` (what dask-saturn raises as ``ValueError``), and its
message is also the status line's reason phrase (what ``raise_for_status()`` shows to users of
prefect-saturn and of prefect's Webhook storage; see ``web.reason_phrase``). A request is checked
in this order, before anything changes: body size, token (401), injected faults (``faults.py``,
test-only), content type (415: a JSON route takes ``application/json`` or no type, as dask-saturn
sends none), JSON body (400: when there is one, it must be an object).
"""

from __future__ import annotations

import hmac
import http.client
import json

import tornado.web

from ..faults import FaultSet
from ..web import FLOW_CONTENT_LIMIT, JSONHandler, json_object, reason_phrase
from .exceptions import InjectedError, InvalidRequest, SaturnError, Unauthorized, UnsupportedMediaType
from .models import IMAGE, SIZES, ClusterSpec, SaturnBackend


class SaturnHandler(JSONHandler):
    """Checks ``Authorization: token <SATURN_TOKEN>`` and turns model errors into the
    ``{"message": ...}`` bodies the clients read."""

    #: False for a route whose body is not JSON (the flow content upload).
    json_route = True

    def initialize(self, backend: SaturnBackend, faults: FaultSet | None = None) -> None:
        self.backend = backend
        self.faults = faults if faults is not None else FaultSet()
        self.fault = None  # a fault the route itself answers (cluster_error, cluster_pending)
        self._json = None

    def prepare(self) -> None:
        self.check_body_size()
        given = self.request.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), f"token {self.backend.token}".encode()):
            raise Unauthorized()
        fault = self.faults.take("saturn", self.request.method, self.request.path)
        if fault is not None:
            if fault.action == "unauthorized":
                raise Unauthorized()
            if fault.action == "error":
                status = fault.status or 500
                raise InjectedError(status, fault.message or http.client.responses.get(status, "Error"))
            self.fault = fault
        if self.json_route and self.request.body:
            content_type = self.request.headers.get("Content-Type", "").split(";")[0].strip().lower()
            if content_type not in ("", "application/json"):
                raise UnsupportedMediaType(f"Content-Type {content_type!r} is not supported: send JSON (application/json)")
            try:
                self._json = json_object(self.request.body)
            except ValueError as exc:
                raise InvalidRequest(f"request body must be a JSON object: {exc}") from None

    def json_body(self) -> dict:
        return self._json or {}

    def reply(self, payload) -> None:
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(payload, default=str))

    def write_error(self, status_code: int, **kwargs) -> None:
        exc = kwargs.get("exc_info", (None, None))[1]
        message = exc.message if isinstance(exc, SaturnError) else self._reason
        self.reply({"message": message})

    def _handle_request_exception(self, e: BaseException) -> None:
        if isinstance(e, SaturnError):  # expected: answer with its status, no traceback in the log
            self.send_error(e.status, exc_info=(type(e), e, e.__traceback__), reason=reason_phrase(e.message))
            return
        super()._handle_request_exception(e)


class ClusterOptionsHandler(SaturnHandler):
    def get(self) -> None:
        self.reply({"server_options": {"size": [{"name": n, "display": d} for n, d in SIZES.items()]}})


class ClustersHandler(SaturnHandler):
    async def post(self) -> None:
        spec = ClusterSpec.from_request(self.json_body())
        if self.fault is not None and self.fault.action == "cluster_error":  # test-only: starts nothing
            cluster = self.backend.failed_cluster(spec, self.fault.errors)
        else:
            cluster = await self.backend.create_cluster(spec)
        status = cluster.status
        if self.fault is not None and self.fault.action == "cluster_pending":  # test-only: started, says pending
            status = "pending"
        self.reply({"status": status, "id": cluster.id, "warnings": cluster.warnings, "errors": cluster.errors})


class ClusterResetHandler(SaturnHandler):
    async def post(self) -> None:
        await self.backend.reset()
        self.reply({})


class ClusterHandler(SaturnHandler):
    def get(self, cluster_id: str) -> None:
        self.reply({"id": cluster_id, "status": self.backend.cluster(cluster_id).status})


class ClusterInfoHandler(SaturnHandler):
    def get(self, cluster_id: str) -> None:
        self.reply(self.backend.cluster(cluster_id).info())


class ClusterCSRHandler(SaturnHandler):
    def post(self, cluster_id: str) -> None:
        self.backend.cluster(cluster_id)
        # The stand-in's schedulers listen on loopback in plain TCP, as inside Saturn.
        raise InvalidRequest(
            "the local stand-in serves Dask clusters over plain TCP only: set SATURN_IS_INTERNAL=true"
        )


class ClusterActionHandler(SaturnHandler):
    GET_ACTIONS = ("status", "scheduler_info")

    async def get(self, cluster_id: str, action: str) -> None:
        if action not in self.GET_ACTIONS:  # the method is wrong for this path, whatever the id
            raise tornado.web.HTTPError(405)
        cluster = self.backend.cluster(cluster_id)
        if action == "status":
            self.reply({"status": cluster.status})
        else:
            self.reply(await self.backend.scheduler_info(cluster_id))

    async def post(self, cluster_id: str, action: str) -> None:
        body = self.json_body()
        if action in self.GET_ACTIONS:
            raise tornado.web.HTTPError(405)
        if action == "scale":
            await self.backend.scale(cluster_id, body.get("n"))
        elif action == "adapt":
            # Adaptive scaling is not emulated: keep the cluster within the asked bounds.
            minimum, maximum = body.get("minimum"), body.get("maximum")
            if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in (minimum, maximum)) \
                    or minimum > maximum:
                raise InvalidRequest("adapt needs whole numbers 0 <= minimum <= maximum")
            await self.backend.scale(cluster_id, maximum, f"adapt(minimum={minimum}, maximum={maximum})")
        elif action == "close":
            await self.backend.close_cluster(cluster_id)
        else:
            raise tornado.web.HTTPError(405)
        self.reply({})


class FlowsHandler(SaturnHandler):
    def put(self) -> None:
        body = self.json_body()
        flow, version_id = self.backend.upsert_flow(
            name=body.get("name"),
            prefect_cloud_project_name=body.get("prefect_cloud_project_name"),
            flow_hash=body.get("flow_hash"),
            instance_size=body.get("instance_size"),
        )
        self.reply({"id": flow.id, "flow_version_id": version_id, "image": IMAGE})


class FlowRunJobSpecHandler(SaturnHandler):
    def get(self, flow_id: str) -> None:
        self.reply(self.backend.run_job_spec(flow_id))


class FlowContentHandler(SaturnHandler):
    body_limit = FLOW_CONTENT_LIMIT
    json_route = False  # the cloudpickled flow, as prefect's Webhook storage uploads it

    def post(self, flow_id: str, version_id: str) -> None:
        self.backend.store_content(flow_id, version_id, self.request.body)
        self.reply({})

    def get(self, flow_id: str, version_id: str) -> None:
        self.set_header("Content-Type", "application/octet-stream")
        self.finish(self.backend.content(flow_id, version_id))


class ServerSizesHandler(SaturnHandler):
    def get(self) -> None:
        self.reply({"sizes": dict(SIZES)})
