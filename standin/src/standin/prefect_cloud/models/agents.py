"""The agents: their registration, and the queue they poll for runs to start.

The semantics are Prefect Server's (``prefect_server/api/agents.py``, ``api/runs.py``):

- ``runs_in_queue`` (``get_runs_in_queue``): runs due (Scheduled-like, ``state_start_time`` up to
  ``before``) or Running with such a task run, oldest first, whose labels are all among the
  agent's, and, if the agent has labels, that have some.

Every agent that registered is kept with its last query (its pages: Prefect Cloud's agents page,
and Saturn's "Prefect Cloud Agent" page). An agent the platform runs itself (Saturn's) also has a
log here: the lines it wrote, the newest :data:`AGENT_LOG_LINES` of them, as a pod's log that
Saturn's page showed. Not stored: a restarted stand-in starts its agent again, as a new pod with a
new log.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from . import states
from .base import BackendBase, new_id
from .records import Agent

#: At most this many run ids per ``get_runs_in_queue`` answer (Prefect Server's default).
QUEUE_LIMIT = 10
#: An agent is healthy while its last query is this recent (prefect's own check, in
#: ``prefect run --watch``: ``check_for_compatible_agents(since_minutes=1)``).
HEALTHY_WITHIN = timedelta(minutes=1)
#: The agent log keeps this many lines per agent, the newest.
AGENT_LOG_LINES = 1000


@dataclass(frozen=True)
class AgentLogLine:
    timestamp: datetime
    level: str  # "INFO", "WARNING", "ERROR"
    message: str


class AgentsMixin(BackendBase):
    def __init__(self, *args, **kwargs):
        self._agent_logs: dict[str, deque[AgentLogLine]] = {}  # agent id -> its newest lines, oldest first
        super().__init__(*args, **kwargs)

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

    def is_healthy(self, agent: Agent) -> bool:
        return agent.last_queried is not None and self.clock() - agent.last_queried <= HEALTHY_WITHIN

    def agents_by_last_query(self) -> list[Agent]:
        """Every agent that registered, the one that queried last first."""
        with self._lock:
            return sorted(self.agents.values(), key=lambda a: a.last_queried or a.created, reverse=True)

    # -- an agent's own log ------------------------------------------------------------------
    def write_agent_log(self, agent_id: str, level: str, message: str) -> AgentLogLine:
        """A line of an agent's log; the oldest goes once it has :data:`AGENT_LOG_LINES`."""
        line = AgentLogLine(self.clock(), level, message)
        with self._lock:
            self._agent_logs.setdefault(agent_id, deque(maxlen=AGENT_LOG_LINES)).append(line)
        return line

    def count_agent_log(self, agent_id: str) -> int:
        return len(self._agent_logs.get(agent_id, ()))

    def newest_agent_log(self, agent_id: str, offset: int = 0, limit: int | None = None) -> list[AgentLogLine]:
        """A page of an agent's log, newest first: ``limit`` lines after the ``offset`` newest."""
        with self._lock:
            lines = reversed(self._agent_logs.get(agent_id, ()))
            return list(itertools.islice(lines, offset, None if limit is None else offset + limit))
