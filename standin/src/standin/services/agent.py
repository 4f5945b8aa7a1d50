"""Saturn's Prefect agent, emulated: it runs each flow run of the emulated Prefect Cloud as
Saturn did, with ``prefect execute flow-run``, on this machine.

Saturn Cloud ran a Kubernetes-type Prefect agent labelled ``saturn-cloud`` in the customer's
installation; for each flow run it made a Kubernetes Job from the flow's job template, whose
container ran ``prefect execute flow-run`` with the agent's variables and the platform's own
(the platform notes beside the repo, ``../shared/docs/flow-runs-api.md``, "What Saturn's agent did").
This agent lives inside the
stand-in, where the platform lives, and talks to the backend directly instead of polling
``get_runs_in_queue`` over GraphQL: the backend wakes it when a run is created or changes (a run is
picked up at once, where a polling agent waits for its next poll: benchmarks/flow_runs.py), and it records itself as
an ``agent`` so that ``prefect run --watch`` sees one. Prefect Server's own agent query
(``get_runs_in_queue``) answers other agents the same way, with the same label rule.

For each run that is due and whose labels are all ``saturn-cloud`` (never an ``agentless-...``
run of ``prefect run --execute``, which runs itself), it:

1. sets ``Submitted("Submitted for execution")`` (wrapping the Scheduled state, as agents do);
2. starts ``python -m prefect execute flow-run`` from the stand-in's Python, in the stand-in's working folder, in a
   session of its own (the "pod": everything the run starts is one process group), with
   :meth:`SaturnAgent.environ`, and writes the agent's log line "Submitted for execution: PID: n";
3. when that process exits: a run left unfinished ends ``Failed`` with a message that names the
   process and how it ended (a ``Cancelling`` one ends ``Cancelled``); what is left of its
   process group is killed; and the Dask clusters the run asked Saturn for are closed.

:meth:`SaturnAgent.stop` (the stand-in stopping) kills the runs in flight and fails them with a
message; a stand-in killed with ``kill -9`` takes its runs' processes with it (``PR_SET_PDEATHSIG``),
and on its next start :meth:`SaturnAgent.reap_orphans` fails the runs it had in flight.

What it does, it says in its log (:meth:`SaturnAgent.say`): the stand-in's log, and the agent's
own log in the backend, which Saturn's "Prefect Cloud Agent" page shows (``ui/``): its start, each
submission with its PID, each process's end, each failure, what the zombie killer did.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..client.protocol import DEFAULT_HEARTBEAT_SECONDS, HEARTBEAT_SECONDS_VAR
from ..prefect_cloud.models import PrefectCloudBackend
from ..prefect_cloud.models import states as prefect_states
from ..saturn.clusters import warm_worker_processes
from ..saturn.job_template import FLOW_RUN_ENV, IMAGE
from ..saturn.models import SaturnBackend

log = logging.getLogger("standin.agent")

#: Saturn's agent label: prefect-saturn gives every flow's run config this label.
LABELS = ("saturn-cloud",)
AGENT_NAME = "saturn-agent"
AGENT_TYPE = "KubernetesAgent"  # what Saturn ran; the pages tell Saturn's agent by its name and type
#: The zombie killer gives up on a run after this many missed heartbeats.
ZOMBIE_AFTER_BEATS = 6
#: How often the agent looks at the queue when nothing wakes it: it keeps ``last_queried`` fresh
#: (``prefect run --watch`` calls an agent unhealthy that was silent for the backend's ``HEALTHY_WITHIN``).
IDLE_SECONDS = 10.0


def heartbeat_seconds(environ=os.environ) -> float:
    try:
        value = float(environ.get(HEARTBEAT_SECONDS_VAR) or DEFAULT_HEARTBEAT_SECONDS)
    except ValueError:
        raise ValueError(
            f"{HEARTBEAT_SECONDS_VAR} must be a number of seconds, got {environ.get(HEARTBEAT_SECONDS_VAR)!r}"
        ) from None
    if not 0.1 <= value <= 3600:
        raise ValueError(f"{HEARTBEAT_SECONDS_VAR} must be between 0.1 and 3600 seconds, got {value}")
    return value


@dataclass
class RunProcess:
    flow_run_id: str
    process: asyncio.subprocess.Process
    home: str  # the run's private PREFECT__HOME_DIR

    @property
    def pid(self) -> int:
        return self.process.pid


class SaturnAgent:
    """See the module docstring. ``platform_environ``: the Saturn variables that point at this
    stand-in (``client.protocol.saturn_environ``); the Prefect ones are each run's own (:meth:`environ`)."""

    def __init__(
        self,
        prefect: PrefectCloudBackend,
        saturn: SaturnBackend,
        api_url: str,
        platform_environ: dict[str, str],
        heartbeat: float = DEFAULT_HEARTBEAT_SECONDS,
        python: str = sys.executable,
        cwd: Path | None = None,
    ):
        self.prefect, self.saturn = prefect, saturn
        self.api_url = api_url
        self.platform_environ = dict(platform_environ)
        self.heartbeat = heartbeat
        self.python = python
        #: The runs' working folder: the stand-in's own (its caller's choice), as a pod has its own.
        self.cwd = cwd or Path.cwd()
        self.running: dict[str, RunProcess] = {}
        self.agent_id: str | None = None
        self._wake = asyncio.Event()
        self._stopping = False
        self._waiters: set[asyncio.Task] = set()
        self._warming: asyncio.Future | None = None

    # -- its registration and its log -----------------------------------------------------------
    def register(self) -> str:
        """Register with the backend, once (the first thing it does): its id."""
        if self.agent_id is None:
            self.agent_id = self.prefect.register_agent(AGENT_TYPE, AGENT_NAME, list(LABELS)).id
            self.say(
                logging.INFO,
                f"Agent {AGENT_NAME} started with labels {', '.join(LABELS)}; it runs each flow run "
                "with prefect execute flow-run",
            )
        return self.agent_id

    def say(self, level: int, message: str) -> None:
        """A line of the agent's log: the stand-in's log, and the agent's own in the backend."""
        log.log(level, message)
        if self.agent_id is not None:
            self.prefect.write_agent_log(self.agent_id, logging.getLevelName(level), message)

    # -- the loop ----------------------------------------------------------------------------
    def wake(self) -> None:
        """Called (from the event loop's thread) when a run is created or changes state."""
        self._wake.set()

    async def run(self) -> None:
        self.register()
        while not self._stopping:
            for flow_run_id in self.prefect.runs_in_queue(LABELS, agent_id=self.agent_id):
                if flow_run_id not in self.running:
                    await self.submit(flow_run_id)
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._idle_seconds())

    def _idle_seconds(self) -> float:
        due = self.prefect.next_due(LABELS)
        if due is None:
            return IDLE_SECONDS
        return min(IDLE_SECONDS, max(0.0, (due - self.prefect.clock()).total_seconds()))

    async def submit(self, flow_run_id: str) -> None:
        run = self.prefect.flow_run(flow_run_id)
        if run.state not in prefect_states.SCHEDULED_STATES:
            return
        self.prefect.set_flow_run_state(
            flow_run_id,
            prefect_states.serialized("Submitted", "Submitted for execution", inner=run.serialized_state),
            agent_id=self.agent_id,
        )
        home = tempfile.mkdtemp(prefix="flow-run-")
        try:
            process = await asyncio.create_subprocess_exec(
                self.python,
                "-c",
                _LAUNCH,
                cwd=self.cwd,
                env=self.environ(run, home),
                # its output goes where the stand-in's log goes (its stdout is its starter's pipe)
                stdin=asyncio.subprocess.DEVNULL,
                stdout=sys.stderr.fileno(),
                stderr=sys.stderr.fileno(),
                start_new_session=True,
            )
        except OSError as exc:
            message = f"Failed to start the flow-run process: {exc}"
            self.say(logging.ERROR, f"flow run {flow_run_id} ({run.name}): {message}; marking the run as failed.")
            self.prefect.write_run_logs(
                [{"flow_run_id": flow_run_id, "name": AGENT_NAME, "level": "ERROR", "message": message}]
            )
            self.prefect.set_flow_run_state(flow_run_id, prefect_states.serialized("Failed", message))
            return
        self._remember(flow_run_id, process.pid)
        self.prefect.write_run_logs(
            [
                {
                    "flow_run_id": flow_run_id,
                    "name": AGENT_NAME,
                    "level": "INFO",
                    "message": f"Submitted for execution: PID: {process.pid}",
                }
            ]
        )
        self.say(
            logging.INFO,
            f"flow run {flow_run_id} ({run.name}, flow {self.prefect.flows[run.flow_id].name}): "
            f"submitted for execution: PID: {process.pid}",
        )
        self._warm_worker_processes()
        entry = RunProcess(flow_run_id, process, home)
        self.running[flow_run_id] = entry
        waiter = asyncio.ensure_future(self._watch(entry))
        self._waiters.add(waiter)
        waiter.add_done_callback(self._waiters.discard)

    def _warm_worker_processes(self) -> None:
        """Once, with the first run: while its process starts and imports, the
        processes that the Dask workers of its cluster are forked from start too (a thread: they
        import numpy and pandas), so that its ``setup`` finds them warm."""
        if self._warming is None:
            self._warming = asyncio.ensure_future(asyncio.to_thread(warm_worker_processes))
            self._warming.add_done_callback(_log_failure)

    def environ(self, run, home: str) -> dict[str, str]:
        """The flow-run process's environment, as Saturn's Kubernetes agent built its Job's:
        the agent's own environment, the job template's, the run config's, then the variables
        every Prefect agent sets (highest precedence), plus the platform's for Webhook storage
        and ``SaturnCluster``."""
        flow = self.prefect.flows[run.flow_id]
        run_config = run.run_config or {}
        # a pod has none of the platform's or the notebook session's own variables
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT", "STANDIN_", "SATURN", "JPY_"))}
        env.update(FLOW_RUN_ENV)  # the job template's: dask-saturn closes its cluster on exit
        env.update({str(k): str(v) for k, v in (run_config.get("env") or {}).items()})
        env.update(self.platform_environ)
        env.update(
            {
                "PREFECT__BACKEND": "cloud",
                "PREFECT__CLOUD__API": self.api_url,
                "PREFECT__CLOUD__API_KEY": self.prefect.api_key,
                "PREFECT__CLOUD__AUTH_TOKEN": self.prefect.api_key,
                "PREFECT__CLOUD__TENANT_ID": self.prefect.tenant_id,
                "PREFECT__CLOUD__AGENT__LABELS": str(list(LABELS)),
                "PREFECT__CLOUD__USE_LOCAL_SECRETS": "false",
                "PREFECT__CLOUD__SEND_FLOW_RUN_LOGS": "true",
                "PREFECT__LOGGING__LOG_TO_CLOUD": "true",
                "PREFECT__LOGGING__LEVEL": (run_config.get("env") or {}).get("PREFECT__LOGGING__LEVEL", "INFO"),
                "PREFECT__CONTEXT__FLOW_RUN_ID": run.id,
                "PREFECT__CONTEXT__FLOW_ID": flow.id,
                "PREFECT__CONTEXT__IMAGE": run_config.get("image") or IMAGE,
                "PREFECT__ENGINE__FLOW_RUNNER__DEFAULT_CLASS": "prefect.engine.cloud.CloudFlowRunner",
                # dask-saturn sends the run's id with the cluster it asks for (from Saturn 2021.08.16),
                # so that each run gets a cluster of its own, which this agent closes after the run
                "SATURN_VERSION": "2021.08.16",
                # the run's own Prefect home: no ~/.prefect, nothing shared between runs
                "PREFECT__HOME_DIR": home,
                # Heartbeats from a thread of the flow-run process, every few seconds: its one process
                # is what this agent watches and kills (process mode's heartbeat subprocess would
                # outlive a killed run and keep it "alive"); cancellation and logs reach the API
                # within a second or two, where Saturn's runs took minutes.
                "PREFECT__CLOUD__HEARTBEAT_MODE": "thread",
                "PREFECT__CLOUD__HEARTBEAT_INTERVAL": str(self.heartbeat),
                "PREFECT__CLOUD__CHECK_CANCELLATION_INTERVAL": "1",
                "PREFECT__CLOUD__LOGGING_HEARTBEAT": "1",
            }
        )
        return env

    async def _watch(self, entry: RunProcess) -> None:
        code = await entry.process.wait()
        await self.finish(entry, _how(code, entry.pid))

    async def finish(self, entry: RunProcess, how: str, kill: bool = False) -> None:
        """After a run's process ended (or must end): kill what is left of its process group, fail
        the run if it never reported a final state, and close the clusters it asked for."""
        self.running.pop(entry.flow_run_id, None)
        _kill_group(entry.pid)
        if kill:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(entry.process.wait(), 10)
        run = self.prefect.flow_runs.get(entry.flow_run_id)
        # "flow run <id>: ..." as every line about a run: what a person (and a test) greps for
        which = f"flow run {entry.flow_run_id}"
        if run is not None and not prefect_states.is_finished(run.state):
            if run.state == "Cancelling":
                message = f"Flow run cancelled: its flow-run process (PID {entry.pid}) {how}"
                self.prefect.set_flow_run_state(run.id, prefect_states.serialized("Cancelled", message))
                self.say(logging.INFO, f"{which}: {message}")
            else:
                message = (
                    f"The flow-run process (PID {entry.pid}) {how} without reporting a final state; "
                    "marking the run as failed."
                )
                self.prefect.fail_flow_run(run.id, message, AGENT_NAME)
                self.say(logging.ERROR, f"{which}: {message}")
        else:
            state = run.state if run is not None else "deleted"
            self.say(logging.INFO, f"{which}: its flow-run process (PID {entry.pid}) {how}; the run is {state}")
        self._forget(entry.flow_run_id)
        closed = await self.saturn.close_clusters_of_run(entry.flow_run_id)
        if closed:
            self.say(logging.INFO, f"{which}: closed its Dask cluster(s) {', '.join(closed)}")
        _remove_tree(entry.home)

    async def kill(self, flow_run_id: str, how: str) -> None:
        entry = self.running.get(flow_run_id)
        if entry is not None:
            await self.finish(entry, how, kill=True)

    async def stop(self) -> None:
        """The stand-in stops: kill the runs in flight, and fail them saying why."""
        self._stopping = True
        self._wake.set()
        if self.running:
            self.say(logging.WARNING, f"Stopping with the stand-in: killing {len(self.running)} run(s) in flight")
        for entry in list(self.running.values()):
            await self.finish(entry, "was stopped with the stand-in", kill=True)
        for waiter in list(self._waiters):
            waiter.cancel()

    def reap_orphans(self) -> list[str]:
        """At start: runs a previous stand-in had in flight (it was killed) end Failed, and
        whatever is left of their process groups is killed."""
        self.register()
        reaped = []
        for run in list(self.prefect.flow_runs.values()):
            if run.state in ("Submitted", "Running", "Cancelling") and run.id not in self.running:
                pid = self._remembered(run.id)
                if pid is not None:
                    _kill_group(pid)
                where = f" (PID {pid})" if pid is not None else ""
                message = (
                    f"The stand-in restarted while this run was in flight: its flow-run process{where} "
                    "is gone; marking the run as failed."
                )
                self.prefect.fail_flow_run(run.id, message, AGENT_NAME)
                self.say(logging.WARNING, f"flow run {run.id} ({run.name}): {message}")
                self._forget(run.id)
                reaped.append(run.id)
        return reaped

    # the runs' processes, kept in the store: a restarted stand-in kills what a killed one left
    def _remember(self, flow_run_id: str, pid: int) -> None:
        self.prefect.store.set_meta(f"{_PROCESS_KEY}{flow_run_id}", str(pid))

    def _remembered(self, flow_run_id: str) -> int | None:
        value = self.prefect.store.get_meta(f"{_PROCESS_KEY}{flow_run_id}")
        return int(value) if value else None

    def _forget(self, flow_run_id: str) -> None:
        self.prefect.store.delete_meta(f"{_PROCESS_KEY}{flow_run_id}")


_PROCESS_KEY = "agent.flow-run-process."
#: ``python -c _LAUNCH`` becomes ``python -m prefect execute flow-run`` (same PID) after asking
#: Linux to kill it when the stand-in dies, even by ``kill -9`` (PR_SET_PDEATHSIG outlives exec).
#: Elsewhere it just runs prefect; a restarted stand-in reaps what is left (``reap_orphans``).
_LAUNCH = (
    "import ctypes, os, signal, sys\n"
    "try:\n"
    "    ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG\n"
    "except (OSError, AttributeError):\n"
    "    pass\n"
    "os.execv(sys.executable, [sys.executable, '-m', 'prefect', 'execute', 'flow-run'])\n"
)


def _log_failure(future: asyncio.Future) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.warning("could not start the Dask workers' fork server ahead of a cluster: %s", future.exception())


def _how(code: int, pid: int) -> str:
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"was killed by {name}"
    return f"exited with code {code}"


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def _remove_tree(path: str) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)
