"""The stand-in's HTTP server: Saturn's REST API and Prefect Cloud's GraphQL API on one
tornado application, on 127.0.0.1 and a free port.

It runs in a process of its own (see ``process.py``), as the real platforms run elsewhere:
its log lines, its Dask scheduler and its memory stay out of the notebook's kernel.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from dataclasses import dataclass, field

import tornado.httpserver

from .faults import FaultSet
from .faults.urls import url_patterns as fault_urls
from .prefect_cloud.models import PrefectCloudBackend
from .prefect_cloud.urls import url_patterns as prefect_cloud_urls
from .saturn.clusters import cluster_starter
from .saturn.models import SaturnBackend
from .saturn.urls import url_patterns as saturn_urls
from .web import SERVER_MAX_BODY, Application, NotFoundHandler

log = logging.getLogger("tutorial_kit.standin")

HOST = "127.0.0.1"  # never beyond loopback


@dataclass
class Platform:
    """Everything the stand-in emulates, apart from HTTP: one object a later issue can
    extend with flow runs and save to disk."""

    saturn: SaturnBackend
    prefect_cloud: PrefectCloudBackend
    #: Test-only fault injection (``faults.py``): empty unless a test arms some.
    faults: FaultSet = field(default_factory=FaultSet)

    @classmethod
    def create(cls, saturn_token: str, prefect_api_key: str, username: str,
               dask_scheduler: str | None = None, faults: FaultSet | None = None) -> "Platform":
        """``dask_scheduler``: the address of the user's own Dask cluster to hand out, instead of
        starting a ``LocalCluster`` per request. ``faults``: armed faults (tests only)."""
        faults = faults if faults is not None else FaultSet()
        return cls(
            saturn=SaturnBackend(token=saturn_token, username=username,
                                 start_cluster=cluster_starter(dask_scheduler, faults)),
            prefect_cloud=PrefectCloudBackend(api_key=prefect_api_key),
            faults=faults,
        )

    async def close(self) -> None:
        await self.saturn.close_all()


def make_app(platform: Platform) -> Application:
    """Saturn's routes, Prefect Cloud's, the test-only fault room's control endpoint, and JSON
    404s for every other path. The fault room is also the application's ``faults`` setting, which
    the request pipeline asks once per request (``core/responses.py``; body limits: ``web.py``)."""
    return Application(
        saturn_urls(platform.saturn)
        + prefect_cloud_urls(platform.prefect_cloud)
        + fault_urls(platform.faults, platform.saturn.token),
        faults=platform.faults,
        default_handler_class=NotFoundHandler,
    )


async def serve(platform: Platform, stop: asyncio.Event, port: int = 0, on_ready=None) -> None:
    """Serve until ``stop`` is set, then close every cluster the platform started."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, port))
    sock.listen(128)
    sock.setblocking(False)
    # tornado's own bound, above every route's; each request gets its route's (web.Application)
    server = tornado.httpserver.HTTPServer(make_app(platform), max_body_size=SERVER_MAX_BODY)
    server.add_sockets([sock])
    url = f"http://{HOST}:{sock.getsockname()[1]}"
    log.info("stand-in listening on %s", url)
    try:
        if on_ready is not None:
            on_ready(url)
        await stop.wait()
    finally:
        server.stop()
        await platform.close()
        await server.close_all_connections()
        log.info("stand-in stopped")
