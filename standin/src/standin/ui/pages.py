"""The pages of the emulated Prefect Cloud UI, rendered on the server from the backend's records
(tornado templates, no JavaScript): what the tutorial's users looked at in Prefect Cloud.

- ``/ui/<slug>/``: the tenant's projects and their flows;
- ``/ui/<slug>/flow/<flow group id>``: a flow (the URL ``flow.register`` prints): its runs, newest
  first, its versions, and **Quick Run**, which creates a run as ``prefect run`` does (the agent
  then runs it) and goes to its page;
- ``/ui/<slug>/flow-run/<id>``: a run (the URL ``prefect run`` prints): its state history, its task
  runs (mapped children grouped under their task), its logs; it refreshes itself until the run ends;
- ``/ui/<slug>/agents``: Prefect Cloud's agents page: every agent that registered with the
  backend (Saturn's, and any a user starts, e.g. ``prefect agent local start``), its labels and
  its last query;
- ``/ui/saturn/prefect-cloud-agent``: Saturn Cloud's "Prefect Cloud Agent" page: the agent Saturn
  runs for the user, its status, the runs it submitted and its log.

What grows with the history (runs, logs, task runs, agents) is shown a page at a time, newest
first, with the total (``?page=N``; :data:`PAGE_SIZE` rows): each page asks the backend for its
rows only (a slice of an index, and a count), so a page costs the same after 10,000 runs as after
ten (``benchmarks/pages.py``).

Access, the way Jupyter does it: a session cookie (signed, HttpOnly, SameSite=Strict) that a
ticket in the URL prefect prints sets (``tickets.py``), or that the login page sets from the key
itself. Without it, every page is the login page (401), and no data. Every change (Quick Run, log
in) is a POST that carries tornado's XSRF token, checked here. No key is ever written into a page.
"""

from __future__ import annotations

import hmac
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import tornado.web
from tornado.httputil import url_concat

from ..client.tickets import UI_PATH, check
from ..prefect_cloud.models import PrefectCloudBackend
from ..prefect_cloud.models import states as prefect_states
from ..prefect_cloud.models.agents import AGENT_LOG_LINES
from ..services.agent import AGENT_NAME as SATURN_AGENT_NAME
from ..services.agent import AGENT_TYPE as SATURN_AGENT_TYPE
from . import pictures

#: The session cookie's name; its value is signed with the application's ``cookie_secret``.
COOKIE = "standin-ui"
#: Seconds between two loads of a run's page while the run is not finished.
REFRESH_SECONDS = 2
TEMPLATES = Path(__file__).parent / "templates"
#: Rows per page of every table that grows with the history; the one owner of the page size.
PAGE_SIZE = 50
SATURN_AGENT_PATH = UI_PATH + "/saturn/prefect-cloud-agent"


@dataclass
class Page:
    """One page of a table, newest first: its rows, its number (from 1) and the total."""

    rows: list
    number: int
    total: int
    parameter: str  # the query parameter that names the page: "page"
    #: the page's link to page ``n`` (the same URL, with the page's parameter set to ``n``)
    href: Callable[[int], str]
    what: str = "rows"  # what the rows are, plural: "runs"
    size: int = PAGE_SIZE

    @property
    def count(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def first(self) -> int:
        """The position (from 1) of the page's first row among all of them, newest first."""
        return (self.number - 1) * self.size + 1


class PageHandler(tornado.web.RequestHandler):
    """HTML pages behind the session cookie; errors as a small HTML page."""

    def initialize(self, backend: PrefectCloudBackend) -> None:
        self.backend = backend

    def get_template_path(self) -> str:
        return str(TEMPLATES)

    def get_current_user(self):
        return self.get_signed_cookie(COOKIE, max_age_days=1) is not None or None

    def prepare(self) -> None:
        self.set_header("Cache-Control", "no-store")
        self.set_header("X-Frame-Options", "DENY")
        self.set_header("Referrer-Policy", "no-referrer")  # a ticket in the URL goes no further
        if not self.current_user:
            self.login_page(reason=None, status=401)

    def login_page(self, reason: str | None, status: int) -> None:
        self.set_status(status)
        next_page = self.request.path if self.request.path.startswith(UI_PATH + "/") else UI_PATH + "/"
        self.render("login.html", reason=reason, next_page=next_page, **self.common())
        self.finish()

    def common(self) -> dict:
        return {
            "ui": UI_PATH,
            "tenant": self.backend.tenant,
            "saturn_agent_path": SATURN_AGENT_PATH,
            "when": when,
            "duration": duration,
            "state_styles": pictures.STATE_STYLES,
            "pager": lambda page: self.render_string("pager.html", page=page),
        }

    def page(self, parameter: str, total: int, rows: Callable[[int, int], list], what: str) -> Page:
        """The page the request asks for (``?<parameter>=N``, 1 if absent) of a table of ``total``
        rows, newest first; ``rows(offset, limit)`` reads that page's rows only."""
        text = self.get_query_argument(parameter, "1")
        if not text.isdigit() or int(text) < 1:
            raise tornado.web.HTTPError(400, reason=f"{parameter} must be a page number from 1, not {text!r}")
        number = int(text)
        last = max(1, -(-total // PAGE_SIZE))
        if number > last:
            raise tornado.web.HTTPError(
                404, reason=f"No page {number} of {what}: {total} {what} make {last} page{'s' * (last > 1)}"
            )
        others = {k: self.get_query_argument(k) for k in self.request.query_arguments if k != parameter}
        return Page(
            rows=rows((number - 1) * PAGE_SIZE, PAGE_SIZE),
            number=number,
            total=total,
            parameter=parameter,
            href=lambda n: url_concat(self.request.path, {**others, parameter: str(n)} if n > 1 else others),
            what=what,
        )

    def start_session(self) -> None:
        self.set_signed_cookie(
            COOKIE, secrets.token_hex(8), expires_days=None, httponly=True, samesite="Strict", path=UI_PATH
        )

    def write_error(self, status_code: int, **kwargs) -> None:
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        self.finish(
            f"<!doctype html><title>{status_code}</title><p>{status_code}: "
            f"{tornado.escape.xhtml_escape(self._reason)}</p><p><a href='{UI_PATH}/'>Projects</a></p>"
        )

    def tenant_or_404(self, slug: str):
        if slug != self.backend.tenant.slug:
            raise tornado.web.HTTPError(404, reason=f"No tenant {slug!r} here")
        return self.backend.tenant


class LoginHandler(PageHandler):
    """``GET /ui/login``: the login page. ``POST``: the key (``PREFECT_USER_TOKEN``) starts a session."""

    def prepare(self) -> None:
        self.set_header("Cache-Control", "no-store")

    def get(self) -> None:
        self.login_page(reason=None, status=200)

    def post(self) -> None:
        self.check_xsrf_cookie()
        key = self.get_body_argument("key", "")
        next_page = self.get_body_argument("next", UI_PATH + "/")
        if not hmac.compare_digest(key.encode(), self.backend.api_key.encode()):
            self.login_page(reason="That is not the key of this stand-in", status=403)
            return
        self.start_session()
        self.redirect(next_page if next_page.startswith(UI_PATH + "/") else UI_PATH + "/", status=303)


class TicketHandler(PageHandler):
    """``GET /ui/login/<ticket>/<page>``: the URLs prefect prints. A valid ticket starts a session
    and sends the browser on to ``/ui/<page>``, so that the ticket leaves the address bar."""

    def prepare(self) -> None:
        self.set_header("Cache-Control", "no-store")
        self.set_header("Referrer-Policy", "no-referrer")

    def get(self, value: str, page: str) -> None:
        problem = check(self.backend.api_key, value)
        if problem is not None:
            self.login_page(reason=problem.capitalize(), status=403)
            return
        self.start_session()
        self.redirect(f"{UI_PATH}/{page}", status=303)


class HomeHandler(PageHandler):
    def get(self) -> None:
        self.redirect(f"{UI_PATH}/{self.backend.tenant.slug}/")


class ProjectsHandler(PageHandler):
    def get(self, slug: str) -> None:
        self.tenant_or_404(slug)
        backend = self.backend
        projects = []
        for project in sorted(backend.projects.values(), key=lambda p: p.name):
            current = sorted(
                (f for f in backend.flows.values() if f.project_id == project.id and not f.archived),
                key=lambda f: f.name,
            )
            flows = []
            for flow in current:
                last = backend.runs_of_group(flow.flow_group_id, 0, 1)
                flows.append((flow, backend.count_runs_of_group(flow.flow_group_id), last[0] if last else None))
            projects.append((project, flows))
        self.render("projects.html", projects=projects, **self.common())


class FlowHandler(PageHandler):
    def get(self, slug: str, group_id: str) -> None:
        self.tenant_or_404(slug)
        backend = self.backend
        versions = versions_of(backend, group_id)
        flow = versions[0]
        runs = self.page(
            "page",
            backend.count_runs_of_group(group_id),
            lambda offset, limit: [
                (run, backend.flows[run.flow_id].version) for run in backend.runs_of_group(group_id, offset, limit)
            ],
            "runs",
        )
        self.render(
            "flow.html",
            flow=flow,
            versions=versions,
            project=self.backend.projects[flow.project_id],
            runs=runs,
            labels=self.backend.labels_of_a_new_run(flow),
            schematic=pictures.schematic_svg(self.backend.tasks_of(flow.id), self.backend.edges_of(flow.id)),
            history=pictures.history_svg(
                backend.runs_of_group(group_id, 0, pictures.HISTORY_RUNS),
                self.backend.clock(),
                lambda run: f"{UI_PATH}/{slug}/flow-run/{run.id}",
            ),
            **self.common(),
        )


class QuickRunHandler(PageHandler):
    """``POST``: a run of the flow group's current version, created as ``prefect run --name ...``
    creates it (default labels and parameters, a fresh idempotency key), then its page."""

    def post(self, slug: str, group_id: str) -> None:
        self.check_xsrf_cookie()
        self.tenant_or_404(slug)
        current = [f for f in versions_of(self.backend, group_id) if not f.archived]
        if not current:
            raise tornado.web.HTTPError(409, reason="every version of this flow is archived: nothing to run")
        run = self.backend.create_flow_run(
            current[0].id, parameters={}, context={}, idempotency_key=secrets.token_hex(16)
        )
        self.redirect(f"{UI_PATH}/{slug}/flow-run/{run.id}", status=303)


class FlowRunHandler(PageHandler):
    def get(self, slug: str, run_id: str) -> None:
        self.tenant_or_404(slug)
        backend = self.backend
        run = backend.flow_runs.get(run_id)
        if run is None:
            raise tornado.web.HTTPError(404, reason=f"No flow run {run_id}")
        flow = backend.flows[run.flow_id]
        # task runs: a row per task (its mapped children grouped under it); the timeline draws them all,
        # whatever page of them the table shows (newest first)
        task_groups = tasks_of(backend, run)
        timeline = pictures.timeline_svg(task_groups, run.start_time, run.end_time, backend.clock())
        task_rows = task_groups[::-1]
        self.render(
            "flow_run.html",
            run=run,
            timeline=timeline,
            flow=flow,
            project=backend.projects[flow.project_id],
            states=backend.states_of(run.id),
            tasks=self.page("tasks", len(task_rows), lambda offset, limit: task_rows[offset : offset + limit], "tasks"),
            task_run_count=len(backend.task_runs_of(run.id)),
            page_size=PAGE_SIZE,
            logs=self.page(
                "logs",
                backend.count_logs_of(run.id),
                lambda offset, limit: backend.newest_logs_of(run.id, offset, limit),
                "log lines",
            ),
            finished=prefect_states.is_finished(run.state),
            refresh=REFRESH_SECONDS,
            parameters=json.dumps(run.parameters, sort_keys=True),
            summary=summary,
            **self.common(),
        )


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
            **self.common(),
        )


# -- what the pages show ---------------------------------------------------------------------------
def versions_of(backend: PrefectCloudBackend, group_id: str) -> list:
    """The flow group's versions, newest first; 404 when there is none."""
    versions = sorted(
        (f for f in backend.flows.values() if f.flow_group_id == group_id), key=lambda f: f.version, reverse=True
    )
    if not versions:
        raise tornado.web.HTTPError(404, reason=f"No flow {group_id}")
    return versions


def tasks_of(backend: PrefectCloudBackend, run) -> list:
    """``(task, parent task run, [mapped children])`` in the order the tasks ran (a mapped task by
    its first child), those that have not run last, by name."""
    by_task: dict[str, list] = {}
    for task_run in backend.task_runs_of(run.id):
        by_task.setdefault(task_run.task_id, []).append(task_run)
    rows = []
    for task_id, task_runs in by_task.items():
        parent = next((t for t in task_runs if t.map_index == -1), task_runs[0])
        children = sorted((t for t in task_runs if t.map_index >= 0), key=lambda t: t.map_index)
        rows.append((backend.tasks[task_id], parent, children))
    never = datetime.max.replace(tzinfo=UTC)
    return sorted(
        rows, key=lambda row: (min((t.start_time or never for t in (row[1], *row[2])), default=never), row[0].slug)
    )


def summary(children: list) -> str:
    counts: dict[str, int] = {}
    for child in children:
        counts[child.state] = counts.get(child.state, 0) + 1
    return ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))


def when(moment: datetime | None, precise: bool = False) -> str:
    if moment is None:
        return ""
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] if precise else moment.strftime("%Y-%m-%d %H:%M:%S")


def duration(start: datetime | None, end: datetime | None) -> str:
    if start is None:
        return ""
    if end is None:
        return "running"
    return f"{(end - start).total_seconds():.1f} s"
