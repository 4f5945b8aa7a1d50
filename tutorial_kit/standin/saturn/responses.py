"""HTTP layer of the emulated Saturn Cloud REST API: parse requests, call the backend,
answer in the shapes dask-saturn 0.4.4 and prefect-saturn 0.6.0 read back."""

from __future__ import annotations

import hmac
import json

import tornado.web

from .exceptions import InvalidRequest, SaturnError, Unauthorized
from .models import IMAGE, SIZES, ClusterSpec, SaturnBackend


class SaturnHandler(tornado.web.RequestHandler):
    """Checks ``Authorization: token <SATURN_TOKEN>`` and turns model errors into the
    ``{"message": ...}`` bodies the clients read."""

    def initialize(self, backend: SaturnBackend) -> None:
        self.backend = backend

    def prepare(self) -> None:
        given = self.request.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), f"token {self.backend.token}".encode()):
            raise Unauthorized()

    def json_body(self) -> dict:
        if not self.request.body:
            return {}
        try:
            body = json.loads(self.request.body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise InvalidRequest(f"request body is not JSON: {exc}") from None
        if not isinstance(body, dict):
            raise InvalidRequest("request body must be a JSON object")
        return body

    def reply(self, payload) -> None:
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(payload, default=str))

    def write_error(self, status_code: int, **kwargs) -> None:
        exc = kwargs.get("exc_info", (None, None))[1]
        message = exc.message if isinstance(exc, SaturnError) else self._reason
        self.reply({"message": message})

    def _handle_request_exception(self, e: BaseException) -> None:
        if isinstance(e, SaturnError):  # expected: answer with its status, no traceback in the log
            self.send_error(e.status, exc_info=(type(e), e, e.__traceback__))
            return
        super()._handle_request_exception(e)


class ClusterOptionsHandler(SaturnHandler):
    def get(self) -> None:
        self.reply({"server_options": {"size": [{"name": n, "display": d} for n, d in SIZES.items()]}})


class ClustersHandler(SaturnHandler):
    async def post(self) -> None:
        cluster = await self.backend.create_cluster(ClusterSpec.from_request(self.json_body()))
        self.reply({"status": cluster.status, "id": cluster.id, "warnings": cluster.warnings, "errors": cluster.errors})


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
    async def get(self, cluster_id: str, action: str) -> None:
        cluster = self.backend.cluster(cluster_id)
        if action == "status":
            self.reply({"status": cluster.status})
        elif action == "scheduler_info":
            self.reply(await self.backend.scheduler_info(cluster_id))
        else:
            raise tornado.web.HTTPError(405)

    async def post(self, cluster_id: str, action: str) -> None:
        body = self.json_body()
        if action == "scale":
            await self.backend.scale(cluster_id, body.get("n"))
        elif action == "adapt":
            # Adaptive scaling is not emulated: keep the cluster within the asked bounds.
            minimum, maximum = body.get("minimum"), body.get("maximum")
            if not all(isinstance(v, int) and v >= 0 for v in (minimum, maximum)) or minimum > maximum:
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
    def post(self, flow_id: str, version_id: str) -> None:
        self.backend.store_content(flow_id, version_id, self.request.body)
        self.reply({})

    def get(self, flow_id: str, version_id: str) -> None:
        self.set_header("Content-Type", "application/octet-stream")
        self.finish(self.backend.content(flow_id, version_id))


class ServerSizesHandler(SaturnHandler):
    def get(self) -> None:
        self.reply({"sizes": dict(SIZES)})
