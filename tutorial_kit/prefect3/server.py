"""A real Prefect 3 server, from the ``prefect`` wheel, on 127.0.0.1: started for one notebook run and stopped with
it, or shared across runs (``python -m tutorial_kit.prefect3.server``, ``make prefect3-server``, in the foreground).

Its state stays in the repo: the SQLite database, the UI's files (which the server otherwise copies into
site-packages on its first start) and the clients' results are under ``PREFECT_HOME`` = :data:`PREFECT3_HOME`
(git-ignored). Settings it needs offline: analytics off (else failed telemetry and a "database is locked"), the UI
told the API's real port (else it calls 4200).

A server for one run is a supervisor process (``python -m tutorial_kit.prefect3.server --supervise``), a lifeline
child (``lifeline.child``): it starts ``prefect server start`` and stops it when its stdin closes, when
:meth:`PrefectServer.stop` closes it or when the kernel that started it dies, however it dies. Processes that use the
server (a deployment's ``serve``) must be stopped first: a ``serve`` process whose server is gone hangs until killed.

One server uses a home at a time: two servers on one SQLite database would lock each other out and mix their
deployments (seen: two runs at once ran each other's flow runs). A server holds its home by lifeline's lock
(``lifeline.homes``), and a run that finds ``PREFECT3_HOME`` held gets a home of its own, removed when it ends.
The shared server's address file is lifeline's (``lifeline.address``), found only while that server answers.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from lifeline import address, child, homes
from lifeline.parent import on_parent_exit

from ..paths import PREFECT3_HOME
from . import template

#: Seconds to wait for ``/api/health``: a new database's migration (a home without the set-up's template) is slow on a
#: busy 2-core machine (``make bench`` times a server's start: docs/benchmarks.md), and the tests start servers while
#: other suites run.
STARTUP_SECONDS = 90.0
#: Seconds a server has to stop on SIGTERM before it is killed.
STOP_SECONDS = 20.0
#: The shared server's address file, written while ``make prefect3-server`` runs; the tests point
#: :data:`SHARED_FILE_VAR` elsewhere, so that a developer's shared server never serves them.
SHARED_FILE = "shared-server.json"
SHARED_FILE_VAR = "PREFECT3_SHARED_SERVER_FILE"
#: How many lines of the server's log a failed start shows.
LOG_TAIL_LINES = 15


class ServerStartError(RuntimeError):
    """The server did not answer in time; the message is one line plus the tail of its log."""


def server_environ(home: Path, port: int) -> dict[str, str]:
    """The variables for ``prefect server start`` and for its clients, with state under ``home``."""
    api_url = f"http://127.0.0.1:{port}/api"
    return {
        "PREFECT_HOME": str(home),
        "PREFECT_API_URL": api_url,
        "PREFECT_SERVER_API_HOST": "127.0.0.1",
        "PREFECT_SERVER_API_PORT": str(port),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_UI_API_URL": api_url,
        "PREFECT_SERVER_UI_STATIC_DIRECTORY": str(home / "ui"),
    }


def client_environ(home: Path, api_url: str) -> dict[str, str]:
    """What a client process (the kernel, ``prefect deployment run``, a ``serve`` process) needs."""
    return {"PREFECT_HOME": str(home), "PREFECT_API_URL": api_url, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}


def healthy(api_url: str, timeout: float = 2.0) -> bool:
    """Whether the server at ``api_url`` answers ``GET /health`` with ``true``."""
    try:
        with urllib.request.urlopen(api_url + "/health", timeout=timeout) as response:
            return response.read().strip() == b"true"
    except OSError:
        return False


def log_tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


class PrefectServer:
    """A Prefect 3 server this process started (through its supervisor); :meth:`stop` ends it."""

    def __init__(self, proc: subprocess.Popen, api_url: str, home: homes.Home, log_path: Path):
        self.proc = proc
        self.api_url = api_url
        #: The home it holds: ``PREFECT3_HOME``, or a home of this run's own (removed by :meth:`stop`).
        self.held = home
        self.home = home.path
        self.log_path = log_path
        #: Seconds from the start to the first healthy answer.
        self.startup_seconds = 0.0

    @classmethod
    def start(cls, home: Path = PREFECT3_HOME, timeout: float = STARTUP_SECONDS) -> PrefectServer:
        """Start a server on ``home``, or on a home of this run's own when another server holds ``home``."""
        held = homes.claim(home)
        template.seed(held.path)  # a new home: the set-up's migrated database instead of a migration now
        port = address.free_port()
        log_path = held.path / "server.log"
        env = dict(os.environ, **server_environ(held.path, port))
        started = time.monotonic()
        try:
            with open(log_path, "ab") as log:
                proc = child.start(
                    [sys.executable, "-m", "tutorial_kit.prefect3.server", "--supervise"],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env=env,
                    cwd=held.path,
                    pass_fds=(held.fd,),  # the home's lock, held as long as the supervisor runs, whoever ends first
                )
        except BaseException:
            held.release()
            raise
        server = cls(proc, env["PREFECT_API_URL"], held, log_path)
        try:
            server._wait_ready(started, timeout)
        except BaseException:
            server.stop()
            raise
        return server

    def _wait_ready(self, started: float, timeout: float) -> None:
        deadline = started + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            if healthy(self.api_url):
                self.startup_seconds = time.monotonic() - started
                return
            time.sleep(0.1)
        state = f"exit code {self.proc.poll()}" if self.proc.poll() is not None else f"no answer in {timeout:.0f} s"
        raise ServerStartError(
            f"the Prefect 3 server did not start ({state}); the end of {self.log_path}:\n{log_tail(self.log_path)}"
        )

    @property
    def running(self) -> bool:
        return self.proc.poll() is None

    def environ(self) -> dict[str, str]:
        return client_environ(self.home, self.api_url)

    def stop(self, timeout: float = STOP_SECONDS) -> None:
        """Close the supervisor's stdin (it stops the server) and wait; kill its session if it hangs. Then give up
        the home, removing it if it was this run's own."""
        child.stop(self.proc, timeout + 5)  # the supervisor's own wait for the server is STOP_SECONDS
        self.held.release()


def shared_file(home: Path = PREFECT3_HOME) -> Path:
    return Path(os.environ.get(SHARED_FILE_VAR) or home / SHARED_FILE)


def find_shared(home: Path = PREFECT3_HOME) -> str | None:
    """The API URL of the shared server (``make prefect3-server``) when it runs and answers, else None."""
    found = address.find(shared_file(home), lambda a: healthy(str(a.get("api_url"))))
    return None if found is None else found["api_url"]


def _run_server(until) -> int:
    """Run ``prefect server start`` with the settings in this process's environment until ``until(server)``
    returns, then stop it (SIGTERM, then SIGKILL after :data:`STOP_SECONDS`). Returns 0 when it stopped the server
    itself, else the server's own exit code."""
    prefect = Path(sys.executable).with_name("prefect")
    server = subprocess.Popen(
        [str(prefect), "server", "start", "--host", "127.0.0.1", "--port", os.environ["PREFECT_SERVER_API_PORT"]]
    )
    try:
        until(server)
    finally:
        stopped_here = server.poll() is None
        if stopped_here:
            server.terminate()
            try:
                server.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    return 0 if stopped_here else server.returncode


def supervise() -> int:
    """The supervisor of a run's server: stops it when its stdin closes (lifeline's parent watch), or ends when the
    server exits by itself."""
    parent_gone = threading.Event()

    def stop(server) -> None:
        parent_gone.set()
        server.terminate()
        try:
            server.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            server.kill()

    def until_parent_exits_or_server_ends(server):
        on_parent_exit(lambda: stop(server))
        server.wait()

    code = _run_server(until_parent_exits_or_server_ends)
    return 0 if parent_gone.is_set() else code


def shared(home: Path = PREFECT3_HOME) -> int:
    """The shared server, in the foreground until Ctrl-C (or SIGTERM); runs use it while its address file names it
    and it answers."""
    if (api_url := find_shared(home)) is not None:
        print(f"A shared Prefect 3 server already runs at {api_url}", file=sys.stderr)
        return 1
    # held, never closed: the lock lasts as long as this process
    if homes.lock(home) is None:
        print(f"A companion run's server uses {home} now: start make prefect3-server once it ended", file=sys.stderr)
        return 1
    template.seed(home)
    port = address.free_port()
    os.environ.update(server_environ(home, port))
    address_file = shared_file(home)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt))
    signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C stops it, even where its starter ignored it

    def until_interrupted(server):
        started = time.monotonic()
        while not healthy(os.environ["PREFECT_API_URL"]):
            if server.poll() is not None or time.monotonic() - started > STARTUP_SECONDS:
                raise ServerStartError(f"the shared Prefect 3 server did not start (exit code {server.poll()})")
            time.sleep(0.1)
        address.write(address_file, {"api_url": os.environ["PREFECT_API_URL"], "pid": os.getpid()})
        ui_url = os.environ["PREFECT_API_URL"].removesuffix("/api")
        print(f"Shared Prefect 3 server ready in {time.monotonic() - started:.1f} s: UI at {ui_url} (Ctrl-C stops)")
        with contextlib.suppress(KeyboardInterrupt):
            server.wait()

    try:
        return _run_server(until_interrupted)
    finally:
        address.remove(address_file)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tutorial_kit.prefect3.server", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--supervise", action="store_true", help=argparse.SUPPRESS)  # PrefectServer.start's
    args = parser.parse_args(argv)
    return supervise() if args.supervise else shared()


if __name__ == "__main__":
    sys.exit(main())
