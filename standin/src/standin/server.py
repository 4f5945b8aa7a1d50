"""The stand-in's server: Saturn's REST API and Prefect Cloud's GraphQL API on one tornado
application, on 127.0.0.1, and the platform's background services (Saturn's agent, the
scheduler, the zombie killer: ``services/``) on the same event loop.

It runs in a process of its own (see ``client/process.py``), as the real platforms run elsewhere:
its log lines, its Dask schedulers, its flow runs and its memory stay out of the notebook's kernel.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from dataclasses import dataclass, field

import tornado.httpserver

from .client.protocol import DEFAULT_HEARTBEAT_SECONDS, GRAPHQL_PATH, saturn_environ
from .faults import FaultSet, request_hook
from .faults.urls import url_patterns as fault_urls
from .prefect_cloud.models import PrefectCloudBackend
from .prefect_cloud.urls import url_patterns as prefect_cloud_urls
from .saturn.clusters import cluster_starter
from .saturn.models import SaturnBackend
from .saturn.urls import url_patterns as saturn_urls
from .services.agent import SaturnAgent
from .services.scheduler import Scheduler
from .services.zombie_killer import ZombieKiller
from .store import Store
from .ui.urls import cookie_secret
from .ui.urls import url_patterns as ui_urls
from .web import SERVER_MAX_BODY, Application, NotFoundHandler

log = logging.getLogger("standin")

HOST = "127.0.0.1"  # never beyond loopback


@dataclass
class Platform:
    """Everything the stand-in emulates, apart from HTTP: both backends, the fault room, the
    store and the services."""

    saturn: SaturnBackend
    prefect_cloud: PrefectCloudBackend
    #: Test-only fault injection (``faults/``): empty unless a test arms some.
    faults: FaultSet = field(default_factory=FaultSet)
    #: Where the state is kept (nowhere, for a notebook's private stand-in).
    store: Store = field(default_factory=Store)
    #: Seconds between a flow run's heartbeats (``services/agent.py``).
    heartbeat: float = DEFAULT_HEARTBEAT_SECONDS
    agent: SaturnAgent | None = None

    @classmethod
    def create(
        cls,
        saturn_token: str,
        prefect_api_key: str,
        username: str,
        dask_scheduler: str | None = None,
        faults: FaultSet | None = None,
        store: Store | None = None,
        heartbeat: float = DEFAULT_HEARTBEAT_SECONDS,
    ) -> Platform:
        """``dask_scheduler``: the address of the user's own Dask cluster to hand out, instead of
        starting a ``LocalCluster`` per request. ``faults``: armed faults (tests only). ``store``:
        where the state lasts (``make standin``)."""
        faults = faults if faults is not None else FaultSet()
        store = store or Store()
        return cls(
            saturn=SaturnBackend(
                token=saturn_token,
                username=username,
                start_cluster=cluster_starter(dask_scheduler, faults),
                store=store,
            ),
            prefect_cloud=PrefectCloudBackend(api_key=prefect_api_key, store=store),
            faults=faults,
            store=store,
            heartbeat=heartbeat,
        )

    async def run_services(self, url: str) -> list[asyncio.Task]:
        """Start Saturn's agent, the scheduler and the zombie killer on this event loop; runs a
        previous stand-in left in flight end Failed first."""
        loop = asyncio.get_running_loop()
        self.agent = SaturnAgent(
            self.prefect_cloud,
            self.saturn,
            url + GRAPHQL_PATH,
            saturn_environ(url, self.saturn.token),
            heartbeat=self.heartbeat,
        )
        for run_id in self.agent.reap_orphans():
            log.warning("flow run %s was in flight when the stand-in stopped: marked Failed", run_id)
        scheduler = Scheduler(self.prefect_cloud)
        killer = ZombieKiller(self.prefect_cloud, self.agent, self.heartbeat)

        def changed() -> None:  # from any thread: wake the services on the loop's
            loop.call_soon_threadsafe(self.agent.wake)
            loop.call_soon_threadsafe(scheduler.wake)

        self.prefect_cloud.changed = changed
        return [asyncio.ensure_future(service.run()) for service in (self.agent, scheduler, killer)]

    async def close(self) -> None:
        if self.agent is not None:
            await self.agent.stop()
        await self.saturn.close_all()
        self.store.close()


def make_app(platform: Platform) -> Application:
    """Saturn's routes, Prefect Cloud's and its pages (``ui/``), the test-only fault room's control
    endpoint, and JSON 404s for every other path. The fault room's request hook is the one hook the
    request pipeline calls (``core/responses.py``, step 4; body limits: its step 1)."""
    return Application(
        saturn_urls(platform.saturn)
        + prefect_cloud_urls(platform.prefect_cloud)
        + ui_urls(platform.prefect_cloud)
        + fault_urls(platform.faults, platform.saturn.token),
        request_hooks=[request_hook(platform.faults)],
        cookie_secret=cookie_secret(platform.prefect_cloud.api_key),
        default_handler_class=NotFoundHandler,
    )


async def serve(platform: Platform, stop: asyncio.Event, port: int = 0, on_ready=None, any_port: bool = False) -> None:
    """Serve until ``stop`` is set, then stop the services and close every cluster the platform
    started. ``any_port``: when ``port`` is taken, take a free one instead of failing."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((HOST, port))
    except OSError:
        if not (any_port and port):
            raise
        log.warning("port %d is taken: listening on a free port instead", port)
        sock.bind((HOST, 0))
    sock.listen(128)
    sock.setblocking(False)
    # tornado's own bound on a body; each API route sets its own once its headers are in (core/responses.py)
    server = tornado.httpserver.HTTPServer(make_app(platform), max_body_size=SERVER_MAX_BODY)
    server.add_sockets([sock])
    url = f"http://{HOST}:{sock.getsockname()[1]}"
    log.info("stand-in listening on %s", url)
    services = await platform.run_services(url)
    try:
        if on_ready is not None:
            on_ready(url)
        await stop.wait()
    finally:
        server.stop()
        for service in services:
            service.cancel()
        await platform.close()
        await server.close_all_connections()
        log.info("stand-in stopped")
