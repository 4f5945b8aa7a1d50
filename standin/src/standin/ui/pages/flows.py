"""The tenant's projects and their flows, a flow's page (its runs, its versions, its pictures) and
its Quick Run."""

from __future__ import annotations

import secrets

import tornado.web

from ...client.tickets import UI_PATH
from ...prefect_cloud.models import PrefectCloudBackend
from ..pictures import history, schematic
from .base import PageHandler


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
            schematic=schematic.schematic_svg(self.backend.tasks_of(flow.id), self.backend.edges_of(flow.id)),
            history=history.history_svg(
                backend.runs_of_group(group_id, 0, history.HISTORY_RUNS),
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


def versions_of(backend: PrefectCloudBackend, group_id: str) -> list:
    """The flow group's versions, newest first; 404 when there is none."""
    versions = sorted(
        (f for f in backend.flows.values() if f.flow_group_id == group_id), key=lambda f: f.version, reverse=True
    )
    if not versions:
        raise tornado.web.HTTPError(404, reason=f"No flow {group_id}")
    return versions
