"""A flow run's page: its state history, its timeline, its task runs (mapped children grouped under
their task) and its logs; it reloads itself while the run is not finished."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import tornado.web

from ...prefect_cloud.models import PrefectCloudBackend
from ...prefect_cloud.models import states as prefect_states
from ..pictures import timeline
from .base import PAGE_SIZE, PageHandler

#: Seconds between two loads of a run's page while the run is not finished.
REFRESH_SECONDS = 2


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
        drawn = timeline.timeline_svg(task_groups, run.start_time, run.end_time, backend.clock())
        task_rows = task_groups[::-1]
        self.render(
            "flow_run.html",
            run=run,
            timeline=drawn,
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


def tasks_of(backend: PrefectCloudBackend, run) -> list:
    """``(task, parent task run, [mapped children])`` in the order the tasks ran (a mapped task by
    its first child), those that have not run last, by slug."""
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
