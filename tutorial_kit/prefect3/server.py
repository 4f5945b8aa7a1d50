"""A real Prefect 3 server, from the ``prefect`` wheel, on 127.0.0.1: started for one notebook run and stopped with
it, or shared across runs (``python -m tutorial_kit.prefect3.server``, ``make prefect3-server``, in the foreground).

Its state stays in the repo: the SQLite database, the UI's files (which the server otherwise copies into
site-packages on its first start) and the clients' results are under ``PREFECT_HOME`` = :data:`PREFECT3_HOME`
(git-ignored). Settings it needs offline (measured, docs/prefect3.md): analytics off (else failed telemetry and a
"database is locked"), the UI told the API's real port (else it calls 4200).

A server for one run is a supervisor process (``python -m tutorial_kit.prefect3.server --supervise``) in a session of
its own, which starts ``prefect server start`` and stops it when its stdin closes: when :meth:`PrefectServer.stop`
closes it, or when the kernel that started it dies, however it dies. Processes that use the server (a deployment's
``serve``) must be stopped first: a ``serve`` process whose server is gone hangs until killed.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from ..paths import PREFECT3_HOME
from .processes import stop_by_stdin

#: Seconds to wait for ``/api/health``: a fresh database's migration takes 7-17 s quiet and 20-30 s on a busy
#: 2-core machine (docs/prefect3.md), and the tests start servers while other suites run.
STARTUP_SECONDS = 90.0
#: Seconds a server has to stop on SIGTERM before it is killed.
STOP_SECONDS = 20.0
#: The shared server's address file, written while ``make prefect3-server`` runs; the tests point
#: :data:`SHARED_FILE_VAR` elsewhere, so that a developer's shared server never serves them.
SHARED_FILE = "shared-server.json"
SHARED_FILE_VAR = "PREFECT3_SHARED_SERVER_FILE"
#: How many lines of the server's log a failed start shows.
LOG_TAIL_LINES = 15
#: Held (``flock``) by whichever server uses a home, for as long as it runs: two servers on one SQLite database
#: would lock each other out and mix their deployments (measured: two runs at once ran each other's flow runs).
LOCK_FILE = "server.lock"
#: A run that finds the home in use gets a home of its own here, removed when it ends.
RUN_HOMES = "runs"
_RUN_PREFIX = "run-"


class ServerStartError(RuntimeError):
    """The server did not answer in time; the message is one line plus the tail of its log."""


def lock_home(home: Path) -> int | None:
    """Take ``home``'s lock: its open descriptor, or None when another server holds it. The lock lasts while any
    process holds the descriptor (the supervisor inherits it), so it ends with the server, however it ends."""
    home.mkdir(parents=True, exist_ok=True)
    fd = os.open(home / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def claim_home(home: Path) -> tuple[Path, int, bool]:
    """A home for a server of this run, locked: ``home`` itself when no server uses it (it keeps its database, so a
    later start skips the first migration), else ``home/runs/run-<pid>`` (True: remove it when the run ends).
    Homes of runs that died are removed first."""
    if (fd := lock_home(home)) is not None:
        return home, fd, False
    runs = home / RUN_HOMES
    for stale in runs.glob(_RUN_PREFIX + "*"):
        if not stale.name.removeprefix(_RUN_PREFIX).isdigit() or (fd := lock_home(stale)) is None:
            continue  # a run of its own that still runs
        os.close(fd)
        shutil.rmtree(stale, ignore_errors=True)
    own = runs / f"{_RUN_PREFIX}{os.getpid()}"
    fd = lock_home(own)
    if fd is None:  # our own pid's folder, locked: cannot happen but by pid reuse within a live run
        raise ServerStartError(f"{own} is in use by another server")
    return own, fd, True


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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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

    def __init__(self, proc: subprocess.Popen, api_url: str, home: Path, log_path: Path, startup_seconds: float):
        #: This run's own home (``claim_home``'s ``runs/run-<pid>``), removed by :meth:`stop`.
        self.remove_home = False
        self.proc = proc
        self.api_url = api_url
        self.home = home
        self.log_path = log_path
        #: Seconds from the start to the first healthy answer.
        self.startup_seconds = startup_seconds

    @classmethod
    def start(cls, home: Path = PREFECT3_HOME, timeout: float = STARTUP_SECONDS) -> PrefectServer:
        """Start a server on ``home``, or on a home of this run's own when another server uses ``home``."""
        home, lock_fd, remove_home = claim_home(home)
        try:
            server = cls._start(home, lock_fd, timeout)
        finally:
            os.close(lock_fd)  # the supervisor holds the lock now (or nothing started)
        server.remove_home = remove_home
        return server

    @classmethod
    def _start(cls, home: Path, lock_fd: int, timeout: float) -> PrefectServer:
        port = free_port()
        log_path = home / "server.log"
        env = dict(os.environ, **server_environ(home, port))
        started = time.monotonic()
        with open(log_path, "ab") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "tutorial_kit.prefect3.server", "--supervise"],
                stdin=subprocess.PIPE,  # our end closing (even by our death) stops the server
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=home,
                start_new_session=True,  # the kernel's shutdown signals its own group; we stop this in order
                pass_fds=(lock_fd,),  # the home's lock, held as long as the supervisor runs
            )
        server = cls(proc, env["PREFECT_API_URL"], home, log_path, 0.0)
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
            time.sleep(0.25)
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
        """Close the supervisor's stdin (it stops the server) and wait; kill the group if it hangs."""
        stop_by_stdin(self.proc, timeout + 5)  # the supervisor's own wait for the server is ``timeout``
        if self.remove_home:
            shutil.rmtree(self.home, ignore_errors=True)


def shared_file(home: Path = PREFECT3_HOME) -> Path:
    return Path(os.environ.get(SHARED_FILE_VAR) or home / SHARED_FILE)


def find_shared(home: Path = PREFECT3_HOME) -> str | None:
    """The API URL of the shared server (``make prefect3-server``) when it runs and answers, else None."""
    try:
        api_url = json.loads(shared_file(home).read_text())["api_url"]
    except (OSError, ValueError, KeyError):
        return None
    return api_url if healthy(api_url) else None


def _run_server(stop_when) -> int:
    """Run ``prefect server start`` with the settings in this process's environment until ``stop_when()``
    returns, then stop it (SIGTERM, then SIGKILL after :data:`STOP_SECONDS`). Returns its exit code."""
    prefect = Path(sys.executable).with_name("prefect")
    server = subprocess.Popen(
        [str(prefect), "server", "start", "--host", "127.0.0.1", "--port", os.environ["PREFECT_SERVER_API_PORT"]]
    )
    try:
        stop_when(server)
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
    """The supervisor of a run's server: stops it when stdin closes, or when the server exits by itself."""

    def until_stdin_closes(server):
        while server.poll() is None:
            readable, _, _ = select.select([0], [], [], 0.5)
            if readable and not os.read(0, 4096):  # end of file: the starter closed it, or died
                return

    return _run_server(until_stdin_closes)


def shared(home: Path = PREFECT3_HOME) -> int:
    """The shared server, in the foreground until Ctrl-C (or SIGTERM); runs use it while its address file exists."""
    if (api_url := find_shared(home)) is not None:
        print(f"A shared Prefect 3 server already runs at {api_url}", file=sys.stderr)
        return 1
    # held, never closed: the lock lasts as long as this process
    if lock_home(home) is None:
        print(f"A companion run's server uses {home} now: start make prefect3-server once it ended", file=sys.stderr)
        return 1
    port = free_port()
    os.environ.update(server_environ(home, port))
    address_file = shared_file(home)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt))

    def until_interrupted(server):
        started = time.monotonic()
        while not healthy(os.environ["PREFECT_API_URL"]):
            if server.poll() is not None or time.monotonic() - started > STARTUP_SECONDS:
                raise ServerStartError(f"the shared Prefect 3 server did not start (exit code {server.poll()})")
            time.sleep(0.25)
        address_file.write_text(json.dumps({"api_url": os.environ["PREFECT_API_URL"]}) + "\n")
        ui_url = os.environ["PREFECT_API_URL"].removesuffix("/api")
        print(f"Shared Prefect 3 server ready in {time.monotonic() - started:.1f} s: UI at {ui_url} (Ctrl-C stops)")
        with contextlib.suppress(KeyboardInterrupt):
            server.wait()

    try:
        return _run_server(until_interrupted)
    finally:
        address_file.unlink(missing_ok=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tutorial_kit.prefect3.server", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--supervise", action="store_true", help=argparse.SUPPRESS)  # PrefectServer.start's
    args = parser.parse_args(argv)
    return supervise() if args.supervise else shared()


if __name__ == "__main__":
    sys.exit(main())
