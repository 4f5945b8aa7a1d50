"""Point the companion's kernel at a Prefect 3 server, BEFORE ``prefect`` is imported (it reads ``PREFECT_API_URL``
and ``PREFECT_HOME`` when its settings load): the shared one of ``make prefect3-server`` when it answers, else one
started for this run and stopped when the kernel exits. Without ``PREFECT_API_URL`` every Prefect process would
start a temporary server of its own, with no UI.

:meth:`Prefect3Connection.close` (at exit) stops in the order that works: the deployment's ``serve`` processes
first, then the server this run started.
"""

from __future__ import annotations

import atexit
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..paths import PREFECT3_HOME
from .serve import ServeProcess
from .server import PrefectServer, client_environ, find_shared


@dataclass
class Prefect3Connection:
    mode: str  # "started" (a server of this run's own) or "shared" (make prefect3-server)
    api_url: str
    #: PREFECT_HOME of the server and of its clients (which must share it: a persisted result is a file under it):
    #: PREFECT3_HOME, or a run's own home when another server held PREFECT3_HOME (lifeline.homes.claim)
    home: Path
    server: PrefectServer | None = None
    serving: list[ServeProcess] = field(default_factory=list)

    @property
    def ui_url(self) -> str:
        """The server's UI (its pages for a run: ``/runs/flow-run/<id>``)."""
        return self.api_url.removesuffix("/api")

    def environ(self) -> dict[str, str]:
        return client_environ(self.home, self.api_url)

    def serve(self, entrypoint: str, flow_name: str, name: str) -> ServeProcess:
        """Start the ``serve`` process of deployment ``name`` (stopped by :meth:`close`)."""
        log_path = self.home / "serve.log"
        serving = ServeProcess.start(entrypoint, flow_name, name, self.environ(), log_path)
        self.serving.append(serving)
        return serving

    def close(self) -> None:
        while self.serving:
            self.serving.pop().stop()
        if self.server is not None:
            self.server.stop()

    def __str__(self) -> str:
        if self.mode == "shared":
            return "Using the shared Prefect 3 server (make prefect3-server), which keeps flows, runs and results."
        return "Started a Prefect 3 server for this run, on 127.0.0.1: it stops with the kernel."


_current: Prefect3Connection | None = None


def connect() -> Prefect3Connection:
    """This kernel's connection; calling it again (re-running the cell) returns the same one."""
    global _current
    if _current is not None and (_current.server is None or _current.server.running):
        return _current
    if "prefect" in sys.modules:
        raise RuntimeError(
            "prefect was imported before connect(): restart the kernel and run the notebook from the top"
        )
    shared = find_shared()
    if shared is not None:
        _current = Prefect3Connection("shared", shared, PREFECT3_HOME)
    else:
        server = PrefectServer.start(PREFECT3_HOME)
        _current = Prefect3Connection("started", server.api_url, server.home, server)
    atexit.register(_current.close)
    os.environ.update(_current.environ())
    return _current
