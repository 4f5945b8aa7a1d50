"""The pages of the emulated Prefect Cloud UI, rendered on the server from the backend's records
(tornado templates, no JavaScript): what the tutorial's users looked at in Prefect Cloud.

- ``/ui/<slug>/``: the tenant's projects and their flows;
- ``/ui/<slug>/flow/<flow group id>``: a flow (the URL ``flow.register`` prints): its runs, newest
  first, its versions, and **Quick Run**, which creates a run as ``prefect run`` does (the agent
  then runs it) and goes to its page;
- ``/ui/<slug>/flow-run/<id>``: a run (the URL ``prefect run`` prints): its state history, its task
  runs (mapped children grouped under their task), its logs; it refreshes itself until the run ends.

Access, the way Jupyter does it: a session cookie (signed, HttpOnly, SameSite=Strict) that a
ticket in the URL prefect prints sets (``tickets.py``), or that the login page sets from the key
itself. Without it, every page is the login page (401), and no data. Every change (Quick Run, log
in) is a POST that carries tornado's XSRF token, checked here. No key is ever written into a page.
"""

from __future__ import annotations

import heapq
import hmac
import json
import secrets
from datetime import UTC, datetime
from pathlib import Path

import tornado.web

from ..client.tickets import UI_PATH, check
from ..prefect_cloud.models import PrefectCloudBackend
from ..prefect_cloud.models import states as prefect_states
from . import pictures

#: The session cookie's name; its value is signed with the application's ``cookie_secret``.
COOKIE = "standin-ui"
#: Seconds between two loads of a run's page while the run is not finished.
REFRESH_SECONDS = 2
TEMPLATES = Path(__file__).parent / "templates"


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
            "when": when,
            "duration": duration,
            "state_styles": pictures.STATE_STYLES,
        }

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
                runs = runs_of_group(backend, flow.flow_group_id)
                flows.append((flow, len(runs), runs[0][0] if runs else None))
            projects.append((project, flows))
        self.render("projects.html", projects=projects, **self.common())


class FlowHandler(PageHandler):
    def get(self, slug: str, group_id: str) -> None:
        self.tenant_or_404(slug)
        versions = versions_of(self.backend, group_id)
        flow = versions[0]
        self.render(
            "flow.html",
            flow=flow,
            versions=versions,
            project=self.backend.projects[flow.project_id],
            runs=runs_of_group(self.backend, group_id),
            labels=self.backend.labels_of_a_new_run(flow),
            schematic=pictures.schematic_svg(self.backend.tasks_of(flow.id), self.backend.edges_of(flow.id)),
            history=pictures.history_svg(
                recent_runs(self.backend, group_id, pictures.HISTORY_RUNS),
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
        # every task run, whatever page of them the table shows
        timeline = pictures.timeline_svg(tasks_of(backend, run), run.start_time, run.end_time, backend.clock())
        self.render(
            "flow_run.html",
            run=run,
            timeline=timeline,
            flow=flow,
            project=backend.projects[flow.project_id],
            states=backend.states_of(run.id),
            tasks=tasks_of(backend, run),
            logs=backend.logs_of(run.id),
            finished=prefect_states.is_finished(run.state),
            refresh=REFRESH_SECONDS,
            parameters=json.dumps(run.parameters, sort_keys=True),
            summary=summary,
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


def runs_of_group(backend: PrefectCloudBackend, group_id: str) -> list:
    """``(run, version)`` of every run of the group's versions, newest first."""
    versions = {f.id: f.version for f in backend.flows.values() if f.flow_group_id == group_id}
    runs = [(r, versions[r.flow_id]) for r in backend.flow_runs.values() if r.flow_id in versions]
    return sorted(runs, key=lambda rv: rv[0].created, reverse=True)


def recent_runs(backend: PrefectCloudBackend, group_id: str, count: int) -> list:
    """The group's ``count`` newest runs, newest first (the history chart's), without sorting them all."""
    versions = {f.id for f in backend.flows.values() if f.flow_group_id == group_id}
    return heapq.nlargest(
        count, (r for r in backend.flow_runs.values() if r.flow_id in versions), key=lambda r: r.created
    )


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
