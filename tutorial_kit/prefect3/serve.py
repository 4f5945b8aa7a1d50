"""The companion's deployment: a ``serve`` process that registers the notebook's flow with the Prefect 3 server
and runs its flow runs, as Prefect 1's agent did.

Why a file and a process: Prefect 3 refuses to deploy a flow defined in a notebook ("Flows defined interactively
cannot be deployed"): a deployment names an entrypoint, ``FILE.py:function``, that the process running a flow run
imports. The notebook's flow cells write that file as they run (``%%writefile -a``);
``python -m tutorial_kit.prefect3.serve FILE.py:function NAME`` loads it and calls ``flow.serve(name=NAME)``. It is a
lifeline child (``lifeline.child``): it stops when its stdin closes (:meth:`ServeProcess.stop`, or the kernel's
death), before the server (a ``serve`` whose server is gone hangs until killed).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from lifeline import child
from lifeline.parent import on_parent_exit

from .server import log_tail

#: Seconds for a ``serve`` process to register its deployment and poll the server once.
READY_SECONDS = 90.0
#: Seconds it has to stop (Runner's own SIGTERM handling) before it is killed.
STOP_SECONDS = 20.0
#: Seconds the serve process has, once its stdin closed, to stop by itself (the Runner pauses its deployment and
#: cancels a run in progress: a few requests to the server) before it kills itself with its runs: a Runner whose
#: server is gone (a kernel killed with its server) hangs, and the kernel that would kill it may be dead.
SELF_STOP_SECONDS = 5.0
#: Seconds a flow run's process has to exit before the serve process is stopped: a run's process outlives the run's
#: final state (it sends its last logs), and a Runner told to stop while it runs cancels it, which turned a Completed
#: run Cancelled in the server's records.
RUN_EXIT_SECONDS = 10.0
#: Seconds between a run's batches of logs to the server (PREFECT_LOGGING_TO_API_BATCH_INTERVAL, 2 by default): the run
#: cell reads the run's logs once the run has ended, and a log line of its last two seconds would not be there yet.
LOG_BATCH_SECONDS = 0.1
#: How a LocalCluster of a run starts its worker processes (dask's ``distributed.worker.multiprocessing-method``,
#: "spawn" by default): forked from a fork server, they start sooner and close at once, where spawned ones each start
#: a new interpreter and take their time to end (``make bench`` measures the run: docs/benchmarks.md).
WORKER_START_METHOD = "forkserver"
#: Seconds between the runner's queries for scheduled runs (PREFECT_RUNNER_POLL_FREQUENCY, 10 by default): a run
#: waits for the next query before it starts. Prefect takes whole seconds here, so 1 is the least.
POLL_SECONDS = 1


class ServeError(RuntimeError):
    """The ``serve`` process did not register its deployment in time: one line, then its log's tail."""


def _api(api_url: str, path: str):
    try:
        with urllib.request.urlopen(api_url + path, timeout=5) as response:
            return json.load(response)
    except (OSError, ValueError):
        return None


class ServeProcess:
    """A running ``serve`` process for one deployment."""

    def __init__(self, proc: subprocess.Popen, deployment: str, log_path: Path):
        self.proc = proc
        #: ``flow-name/deployment-name``, as ``prefect deployment run`` takes it
        self.deployment = deployment
        self.log_path = log_path

    @classmethod
    def start(cls, entrypoint: str, flow_name: str, name: str, env: dict, log_path: Path, timeout=READY_SECONDS):
        """Start it and wait until the server has its deployment and it has polled for runs once."""
        started = datetime.now(UTC)
        with open(log_path, "ab") as log:
            proc = child.start(
                [sys.executable, "-m", "tutorial_kit.prefect3.serve", entrypoint, name],
                stdout=log,
                stderr=subprocess.STDOUT,
                env={
                    **os.environ,
                    **env,
                    "PREFECT_RUNNER_POLL_FREQUENCY": str(POLL_SECONDS),
                    "PREFECT_LOGGING_TO_API_BATCH_INTERVAL": str(LOG_BATCH_SECONDS),  # its flow runs inherit it
                    "DASK_DISTRIBUTED__WORKER__MULTIPROCESSING_METHOD": WORKER_START_METHOD,
                },
                cwd=env["PREFECT_HOME"],  # the deployment shows its entrypoint from here: flows/FILE.py:function
            )
        serving = cls(proc, f"{flow_name}/{name}", log_path)
        try:
            serving._wait_polled(env["PREFECT_API_URL"], started, timeout)
        except BaseException:
            serving.stop()
            raise
        return serving

    def _wait_polled(self, api_url: str, started: datetime, timeout: float) -> None:
        path = "/deployments/name/" + "/".join(urllib.parse.quote(p, safe="") for p in self.deployment.split("/"))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.proc.poll() is None:
            deployment = _api(api_url, path) or {}
            polled = deployment.get("last_polled")
            if polled and datetime.fromisoformat(polled) >= started:
                return
            time.sleep(0.1)
        tail = log_tail(self.log_path)
        state = f"exit code {self.proc.poll()}" if self.proc.poll() is not None else f"not polling in {timeout:.0f} s"
        raise ServeError(f"the serve process of {self.deployment} did not start ({state}); {self.log_path}:\n{tail}")

    @property
    def running(self) -> bool:
        return self.proc.poll() is None

    def stop(self, timeout: float = STOP_SECONDS) -> None:
        """Let its flow runs' processes exit (at most :data:`RUN_EXIT_SECONDS`), then stop it (lifeline's stop)."""
        import psutil

        with contextlib.suppress(psutil.Error):
            psutil.wait_procs(psutil.Process(self.proc.pid).children(), timeout=RUN_EXIT_SECONDS)
        child.stop(self.proc, timeout)


def _kill_descendants() -> None:
    import psutil

    for process in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.Error):
            process.kill()


def main(argv=None) -> int:
    entrypoint, name = (argv or sys.argv[1:])[:2]
    from prefect.flows import load_flow_from_entrypoint

    flow = load_flow_from_entrypoint(entrypoint, use_placeholder_flow=False)  # a broken file: its own error

    # The Runner's own SIGTERM handler stops it; one that hangs is killed after SELF_STOP_SECONDS, with its flow runs'
    # processes (which the Runner starts in sessions of their own) and their Dask workers.
    on_parent_exit(
        lambda: os.kill(os.getpid(), signal.SIGTERM), kill_after=SELF_STOP_SECONDS, before_kill=_kill_descendants
    )
    flow.serve(name=name, print_starting_message=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
