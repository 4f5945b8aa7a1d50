"""The agents: their registration, and the queue they poll for runs to start.

The semantics are Prefect Server's (``prefect_server/api/agents.py``, ``api/runs.py``):

- ``runs_in_queue`` (``get_runs_in_queue``): runs due (Scheduled-like, ``state_start_time`` up to
  ``before``) or Running with such a task run, oldest first, whose labels are all among the
  agent's, and, if the agent has labels, that have some.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from . import states
from .base import BackendBase, new_id
from .records import Agent

#: At most this many run ids per ``get_runs_in_queue`` answer (Prefect Server's default).
QUEUE_LIMIT = 10


class AgentsMixin(BackendBase):
    # -- the agents' queue -------------------------------------------------------------------
    def runs_in_queue(
        self, labels: Iterable[str] = (), before: datetime | None = None, agent_id: str | None = None
    ) -> list[str]:
        before = before or self.clock()
        labels = set(labels or ())
        with self._lock:
            due = []
            for run in self.flow_runs.values():
                if run.state in states.SCHEDULED_STATES:
                    when = run.state_start_time
                elif run.state == "Running":
                    when = min(
                        (
                            t.state_start_time
                            for t in self._task_runs_of.get(run.id, ())
                            if t.state in states.SCHEDULED_STATES and t.state_start_time is not None
                        ),
                        default=None,
                    )
                else:
                    continue
                if when is None or when > before:
                    continue
                if set(run.labels) - labels or (labels and not run.labels):
                    continue
                due.append((when, run.id))
            due.sort()
        if agent_id:
            self.touch_agent(agent_id)
        return [run_id for _, run_id in due[:QUEUE_LIMIT]]

    def next_due(self, labels: Iterable[str] = ()) -> datetime | None:
        """When the next run an agent with ``labels`` may take is due (None: nothing queued)."""
        labels = set(labels or ())
        with self._lock:
            return min(
                (
                    r.state_start_time
                    for r in self.flow_runs.values()
                    if r.state in states.SCHEDULED_STATES
                    and r.state_start_time is not None
                    and not (set(r.labels) - labels or (labels and not r.labels))
                ),
                default=None,
            )

    # -- agents ------------------------------------------------------------------------------
    def register_agent(
        self,
        type: str | None,
        name: str | None,
        labels: list | None = None,
        core_version: str | None = None,
        agent_config_id: str | None = None,
    ) -> Agent:
        with self._write():
            agent = Agent(
                id=new_id(),
                tenant_id=self.tenant_id,
                name=name,
                type=type,
                labels=sorted(labels or []),
                created=self._timestamp(),
                core_version=core_version,
                agent_config_id=agent_config_id,
            )
            agent.last_queried = agent.created
            return self._save(agent)

    def touch_agent(self, agent_id: str) -> None:
        with self._write():
            agent = self.agents.get(agent_id)
            if agent is not None:
                agent.last_queried = self.clock()
                self._save(agent)
