"""The ``kill_worker`` fault, carried out: a Dask ``SchedulerPlugin`` that SIGKILLs the worker
process running a matching task, on a ``LocalCluster`` the stand-in started.

It acts inside the cluster, not on a request, so it is the one fault the request pipeline never
sees: ``saturn/clusters.py`` installs it in each ``LocalCluster`` it starts (through
``FaultSet.scheduler_plugin``), and never in a cluster the user runs. Imported only then, as it
imports ``distributed``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal

from distributed.diagnostics.plugin import SchedulerPlugin

log = logging.getLogger("standin.faults")


class KillWorker(SchedulerPlugin):
    """Watches tasks start (``processing``); for one that an armed ``kill_worker`` fault names,
    kills its worker process ``delay`` seconds later if the task is still running there, and
    only if that process is one of this stand-in's own workers."""

    name = "standin-faults"

    def __init__(self, faults, cluster):
        self.faults, self.cluster = faults, cluster

    def transition(self, key, start, finish, *args, **kwargs):
        if finish != "processing":
            return
        fault = self.faults.take_task(str(key))
        if fault is None:
            return
        ts = self.cluster.scheduler.tasks.get(key)
        address = ts.processing_on.address if ts is not None and ts.processing_on else None
        asyncio.get_running_loop().call_later(fault.delay, self._kill, fault, key, address)

    def _kill(self, fault, key, address):
        ts = self.cluster.scheduler.tasks.get(key)
        ws = ts.processing_on if ts is not None and ts.state == "processing" else None
        if ws is None or ws.address != address:
            self.faults.give_back(fault)  # the task was done (or moved) already: try the next one
            return
        ours = {n.process.pid for n in self.cluster.workers.values() if getattr(n, "process", None) and n.process.pid}
        if ws.pid not in ours:  # never anything but a worker process this stand-in started
            self.faults.give_back(fault)
            log.error(
                "fault %s: worker %s (pid %s) is not a process of this stand-in: not killed",
                fault.name,
                ws.address,
                ws.pid,
            )
            return
        os.kill(ws.pid, signal.SIGKILL)
        log.warning(
            "fault %s: killed Dask worker %s (pid %d) while it ran task %s (hit %d)",
            fault.name,
            ws.address,
            ws.pid,
            key,
            fault.hits,
        )
