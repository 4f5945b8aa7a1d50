"""Prefect Cloud's zombie killer: a flow run that claims to be running but whose process has
stopped heart-beating ends ``Failed``, with an ERROR log that says so, and what is left of its
process is killed and its Dask clusters closed (``prefect_server/services/towel/zombie_killer.py``).

The flow-run process sends a heartbeat every ``STANDIN_HEARTBEAT_SECONDS`` seconds (the
agent sets the interval); a run is a zombie after :data:`~.agent.ZOMBIE_AFTER_BEATS` missed ones.
It looks at ``Running`` and ``Cancelling`` runs (a run the agent has only submitted has no process
that reports yet: the agent itself sees that process die), of flows whose group has not turned
heartbeats off (``settings.heartbeat_enabled``). What it does goes into the agent's log too: the
process it kills is the agent's (Saturn's agent page shows it).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from ..prefect_cloud.models import PrefectCloudBackend
from .agent import ZOMBIE_AFTER_BEATS, SaturnAgent

NAME = "ZombieKiller"


class ZombieKiller:
    def __init__(self, prefect: PrefectCloudBackend, agent: SaturnAgent, heartbeat: float):
        self.prefect, self.agent = prefect, agent
        self.heartbeat = heartbeat
        self.timeout = heartbeat * ZOMBIE_AFTER_BEATS

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat)
            await self.reap_once()

    async def reap_once(self) -> list[str]:
        cutoff = self.prefect.clock() - timedelta(seconds=self.timeout)
        zombies = []
        for run in list(self.prefect.flow_runs.values()):
            if run.state not in ("Running", "Cancelling") or run.heartbeat is None or run.heartbeat > cutoff:
                continue
            group = self.prefect.flow_groups.get(self.prefect.flows[run.flow_id].flow_group_id)
            if group is not None and group.settings.get("heartbeat_enabled") is False:
                continue
            entry = self.agent.running.get(run.id)
            process = f" (its process, PID {entry.pid}, was killed)" if entry is not None else ""
            message = (
                f"No heartbeat detected from the flow run for {self.timeout:g} s{process}; marking the run as failed."
            )
            self.prefect.fail_flow_run(run.id, message, NAME)
            # in the agent's log (and the stand-in's): the process it kills is the agent's
            self.agent.say(logging.WARNING, f"flow run {run.id} ({run.name}): the zombie killer: {message}")
            await self.agent.kill(run.id, "was killed by the zombie killer")
            zombies.append(run.id)
        return zombies
