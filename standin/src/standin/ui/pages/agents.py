"""The agents: Prefect Cloud's agents page (every agent that registered with the backend) and
Saturn Cloud's "Prefect Cloud Agent" page (the agent Saturn runs for the user, the runs it
submitted and its log)."""

from __future__ import annotations

from ...prefect_cloud.models.agents import AGENT_LOG_LINES, HEALTHY_WITHIN
from ...services.agent import AGENT_NAME as SATURN_AGENT_NAME
from ...services.agent import AGENT_TYPE as SATURN_AGENT_TYPE
from .base import PageHandler

#: How recent an agent's last query must be for it to count as healthy, as the pages say it.
HEALTHY_WITHIN_SECONDS = int(HEALTHY_WITHIN.total_seconds())


class AgentsHandler(PageHandler):
    """Prefect Cloud's agents page: every agent that registered, the one that queried last first."""

    def get(self, slug: str) -> None:
        self.tenant_or_404(slug)
        backend = self.backend
        agents = backend.agents_by_last_query()
        self.render(
            "agents.html",
            agents=self.page(
                "page",
                len(agents),
                lambda offset, limit: [
                    (agent, backend.is_healthy(agent), backend.count_runs_of_agents([agent.id]))
                    for agent in agents[offset : offset + limit]
                ],
                "agents",
            ),
            healthy_within=HEALTHY_WITHIN_SECONDS,
            saturn_agent=(SATURN_AGENT_NAME, SATURN_AGENT_TYPE),
            **self.common(),
        )


class SaturnAgentHandler(PageHandler):
    """Saturn Cloud's "Prefect Cloud Agent" page: the agent Saturn runs for the user (every
    registration of it: each start of the stand-in starts it again), the runs it submitted, newest
    first, and the log of its current start."""

    def get(self) -> None:
        backend = self.backend
        registrations = [
            a for a in backend.agents_by_last_query() if (a.name, a.type) == (SATURN_AGENT_NAME, SATURN_AGENT_TYPE)
        ]
        ids = [a.id for a in registrations]
        agent = max(registrations, key=lambda a: a.created) if registrations else None
        runs = self.page(
            "runs",
            backend.count_runs_of_agents(ids),
            lambda offset, limit: [
                (run, backend.flows[run.flow_id]) for run in backend.runs_of_agents(ids, offset, limit)
            ],
            "runs",
        )
        log = self.page(
            "log",
            backend.count_agent_log(agent.id) if agent else 0,
            lambda offset, limit: backend.newest_agent_log(agent.id, offset, limit) if agent else [],
            "log lines",
        )
        self.render(
            "saturn_agent.html",
            agent=agent,
            healthy=agent is not None and backend.is_healthy(agent),
            runs=runs,
            log=log,
            log_lines=AGENT_LOG_LINES,
            healthy_within=HEALTHY_WITHIN_SECONDS,
            **self.common(),
        )
