"""Projects, flows (versioned in flow groups), tasks and edges: what ``flow.register`` creates.

The semantics follow the open-source Prefect Server (``prefect_server.api.flows``), which
Prefect Cloud 1.x shared:

- a flow is versioned inside a *version group*; without an explicit ``version_group_id`` the
  group of the newest flow with the same project and name is reused, else a new one (a uuid4
  string) is started;
- each version group has one *flow group* (``FlowGroup.name`` is the version group id) whose id is
  what ``flow_by_pk { flow_group_id }`` returns;
- versions count 1, 2, 3 ... per version group, and registering a new version archives every
  other unarchived version of the group (and deletes their scheduled runs);
- an ``idempotency_key`` equal to the group's last one returns the current version instead of
  creating a new one.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterable
from typing import Any

from ..exceptions import InvalidInput, NotFound, UniquenessViolation
from .base import BackendBase, new_id
from .records import Edge, Flow, FlowGroup, Project, Task


def _flow_name(serialized_flow: Any) -> str:
    """The name of a serialized flow, checked before anything is written: a flow is versioned
    by its project and name, so one without a name cannot be registered."""
    if not isinstance(serialized_flow, dict):
        raise InvalidInput("serialized_flow must be a JSON object.")
    name = serialized_flow.get("name")
    if not isinstance(name, str) or not name:
        raise InvalidInput("The serialized flow has no name.")
    return name


class FlowsMixin(BackendBase):
    # -- projects ----------------------------------------------------------------

    def create_project(self, name: str, description: str | None = None, tenant_id: str | None = None) -> Project:
        if not isinstance(name, str) or not name.strip():
            raise InvalidInput("A project needs a non-empty name.")
        if tenant_id is not None and tenant_id != self.tenant_id:
            raise NotFound(f"Tenant {tenant_id} not found.")
        with self._write():
            if any(p.name == name for p in self.projects.values()):
                raise UniquenessViolation(f"a project named {name!r} already exists in this tenant")
            project = Project(
                id=new_id(),
                tenant_id=self.tenant_id,
                name=name,
                description=description,
                created=self.clock(),
            )
            return self._save(project)

    def project_by_id(self, project_id: str) -> Project | None:
        return self.projects.get(project_id)

    def delete_project(self, project_id: str) -> bool:
        """Delete a project and, as Prefect Server's foreign keys cascade, its flows, their
        tasks, edges and runs (and a flow group left without a version); False when there is no
        such project (``api.projects.delete_project``: no row affected)."""
        with self._write():
            project = self.projects.get(project_id)
            if project is None:
                return False
            doomed = [f for f in self.flows.values() if f.project_id == project.id]
            for flow in doomed:
                for run in [r for r in self.flow_runs.values() if r.flow_id == flow.id]:
                    self.drop_flow_run(run)
                for record in [*self.tasks_of(flow.id), *self.edges_of(flow.id), flow]:
                    self._drop(record)
            for group_id in {f.flow_group_id for f in doomed}:
                if not any(f.flow_group_id == group_id for f in self.flows.values()) and group_id in self.flow_groups:
                    self._drop(self.flow_groups[group_id])
            self._drop(project)
            return True

    # -- flows -------------------------------------------------------------------

    def flow_by_id(self, flow_id: str) -> Flow | None:
        return self.flows.get(flow_id)

    def flow_group_by_id(self, flow_group_id: str) -> FlowGroup | None:
        return self.flow_groups.get(flow_group_id)

    def _flow_or_404(self, flow_id: str) -> Flow:
        flow = self.flows.get(flow_id)
        if flow is None:
            raise NotFound(f"Flow {flow_id} not found.")
        return flow

    def create_flow(
        self,
        project_id: str,
        serialized_flow: dict,
        set_schedule_active: bool = True,
        version_group_id: str | None = None,
        idempotency_key: str | None = None,
        description: str | None = None,
    ) -> Flow:
        """Register a new flow version (see the module docstring for versioning).

        ``serialized_flow`` is ``flow.serialize()`` as a dict; prefect 1.4.1 pops its
        ``tasks`` and ``edges`` and sends them with ``register_tasks`` /
        ``register_edges``, but any it still holds are registered here, as older
        clients expected.
        """
        name = _flow_name(serialized_flow)
        serialized_flow = copy.deepcopy(serialized_flow)

        with self._write():
            project = self.projects.get(project_id) if project_id else None
            if project is None:
                raise NotFound("Invalid project.")
            version_group_id = version_group_id or self._version_group_of(project, name)
            group = next((g for g in self.flow_groups.values() if g.name == version_group_id), None)
            current = self._idempotent_version(group, idempotency_key)
            if current is not None:
                return current
            new_group = group is None
            previous_key = None if group is None else group.settings.get("idempotency_key")
            group = self._group_for_new_version(group, version_group_id, idempotency_key)
            activate = set_schedule_active and (
                serialized_flow.get("schedule") is not None or group.schedule is not None
            )
            flow = self._new_version(project, group, name, serialized_flow, description)
            try:
                self._register_serialized_tasks_and_edges(flow, serialized_flow)
            except Exception:
                self._undo_registration(flow, group, new_group, previous_key)
                raise
            if activate:
                with contextlib.suppress(InvalidInput):  # as Prefect Server: do not fail the registration for it
                    self.set_schedule_active(flow.id)
            self._archive_other_versions(flow)
            return flow

    def _version_group_of(self, project: Project, name: str) -> str:
        """The version group of a flow registered without one: that of the newest flow of the
        same project and name, so that registering a flow again makes its next version, else a
        new group."""
        previous = self.query(
            "flows",
            {"project_id": {"_eq": project.id}, "name": {"_eq": name}},
            order_by=[{"created": "desc"}, {"version": "desc"}],
            limit=1,
        )
        return previous[0].version_group_id if previous else new_id()

    def _idempotent_version(self, group: FlowGroup | None, idempotency_key: str | None) -> Flow | None:
        """The group's current (unarchived, newest) version when ``idempotency_key`` is the one
        the group was last registered with: the same flow registered again is not a new
        version.  None when a new version is to be made."""
        if group is None or not idempotency_key or group.settings.get("idempotency_key") != idempotency_key:
            return None
        current = self.query(
            "flows",
            {
                "version_group_id": {"_eq": group.name},
                "archived": {"_eq": False},
            },
            order_by={"version": "desc"},
            limit=1,
        )
        return current[0] if current else None

    def _group_for_new_version(
        self, group: FlowGroup | None, version_group_id: str, idempotency_key: str | None
    ) -> FlowGroup:
        """The flow group that the new version joins, saved with ``idempotency_key`` as its last
        key (so that the next registration can be recognised as a repeat): ``group``, or a new
        one with Prefect Cloud's default settings for the first version of a version group."""
        if group is None:
            group = FlowGroup(
                id=new_id(),
                tenant_id=self.tenant_id,
                name=version_group_id,
                created=self.clock(),
                settings={
                    "heartbeat_enabled": True,
                    "lazarus_enabled": True,
                    "version_locking_enabled": False,
                    "idempotency_key": idempotency_key,
                },
            )
        else:
            group.settings["idempotency_key"] = idempotency_key
        return self._save(group)

    def _new_version(
        self, project: Project, group: FlowGroup, name: str, serialized_flow: dict, description: str | None
    ) -> Flow:
        """The saved :class:`Flow` of the group's next version (one more than its highest,
        archived versions included, so that a version number is never reused)."""
        version_group_id = group.name
        version = 1 + max(
            (f.version for f in self.flows.values() if f.version_group_id == version_group_id),
            default=0,
        )
        flow = Flow(
            id=new_id(),
            tenant_id=self.tenant_id,
            project_id=project.id,
            flow_group_id=group.id,
            version_group_id=version_group_id,
            name=name,
            version=version,
            created=self.clock(),
            serialized_flow=serialized_flow,
            description=description,
            core_version=serialized_flow.get("__version__"),
            storage=serialized_flow.get("storage"),
            run_config=serialized_flow.get("run_config"),
            environment=serialized_flow.get("environment"),
            parameters=list(serialized_flow.get("parameters") or []),
            schedule=serialized_flow.get("schedule"),
        )
        return self._save(flow)

    def _register_serialized_tasks_and_edges(self, flow: Flow, serialized_flow: dict) -> None:
        """The tasks and edges that ``serialized_flow`` still holds (clients older than prefect
        1.4.1 send them there rather than with ``register_tasks`` / ``register_edges``)."""
        if serialized_flow.get("tasks"):
            self.register_tasks(flow.id, serialized_flow["tasks"])
        if serialized_flow.get("edges"):
            self.register_edges(flow.id, serialized_flow["edges"])

    def _undo_registration(self, flow: Flow, group: FlowGroup, new_group: bool, previous_key: str | None) -> None:
        """All or nothing: take a failed registration's flow, tasks and edges (and its group, if
        it made one, else the group's new key) back out of memory; the store's transaction
        (:meth:`_write`) rolls them back in the store as the error leaves it."""
        del self.flows[flow.id]
        for table in (self.tasks, self.edges):
            for rid in [rid for rid, r in table.items() if r.flow_id == flow.id]:
                del table[rid]
        if new_group:
            del self.flow_groups[group.id]
        else:
            group.settings["idempotency_key"] = previous_key

    def _archive_other_versions(self, flow: Flow) -> None:
        """Archive every other unarchived version of ``flow``'s group, as Prefect Server does:
        the newest version is the one that runs (and takes over the schedule)."""
        for other in list(self.flows.values()):
            if other.version_group_id == flow.version_group_id and other.id != flow.id and not other.archived:
                self.archive_flow(other.id)

    def archive_flow(self, flow_id: str) -> bool:
        """Archive one flow version and delete its auto-scheduled runs that have not started, as
        Prefect Server does (``api.flows.archive_flow``): a new version takes over the schedule."""
        with self._write():
            flow = self.flows.get(flow_id)
            if flow is None:
                return False
            flow.archived = True
            self._save(flow)
            self.delete_scheduled_runs(flow.id)
            return True

    def set_schedule_active(self, flow_id: str) -> bool:
        """Turn a flow's schedule on; False when there is no such flow.

        As Prefect Server: refused when the schedule's clocks (plus the flow group's
        default parameters) leave a required parameter without a value. Its runs are then
        created by the scheduler (``services/scheduler.py``).
        """
        with self._write():
            flow = self.flows.get(flow_id)
            if flow is None:
                return False
            group = self.flow_groups.get(flow.flow_group_id)
            required = {p.get("name") for p in flow.parameters if isinstance(p, dict) and p.get("required")}
            if flow.schedule is not None and required:
                missing = required.difference((group.default_parameters if group else None) or {})
                clocks = (flow.schedule or {}).get("clocks") or []
                if not all(missing <= set((c.get("parameter_defaults") or {}).keys()) for c in clocks):
                    raise InvalidInput("Can not schedule a flow that has required parameters.")
            flow.is_schedule_active = True
            self._save(flow)
        self.changed()  # the scheduler plans its runs
        return True

    # -- tasks and edges ---------------------------------------------------------

    def tasks_of(self, flow_id: str) -> list[Task]:
        return self.query("tasks", {"flow_id": {"_eq": flow_id}}, order_by={"slug": "asc"})

    def edges_of(self, flow_id: str) -> list[Edge]:
        return self.query("edges", {"flow_id": {"_eq": flow_id}}, order_by={"created": "asc"})

    def register_tasks(self, flow_id: str, tasks: Iterable[dict]) -> list[Task]:
        """Add serialized tasks (``flow.serialize()["tasks"]`` items) to a flow.

        All or nothing: a task without a slug, or whose slug the flow already has,
        rejects the whole batch. An empty batch is fine (prefect sends one).
        """
        if not isinstance(tasks, (list, tuple)):
            raise InvalidInput("serialized_tasks must be a JSON list.")
        with self._write():
            flow = self._flow_or_404(flow_id)
            taken = {t.slug for t in self.tasks.values() if t.flow_id == flow.id}
            for item in tasks:
                if not isinstance(item, dict) or not isinstance(item.get("slug"), str):
                    raise InvalidInput("Each serialized task needs a string slug.")
                if item["slug"] in taken:
                    raise UniquenessViolation(f"task slug {item['slug']!r} is already registered for flow {flow.id}")
                taken.add(item["slug"])
            created = []
            for item in tasks:
                trigger = item.get("trigger")
                if isinstance(trigger, dict):
                    trigger = trigger.get("fn")
                task = Task(
                    id=new_id(),
                    tenant_id=self.tenant_id,
                    flow_id=flow.id,
                    slug=item["slug"],
                    created=self.clock(),
                    name=item.get("name"),
                    type=item.get("type"),
                    tags=list(item.get("tags") or []),
                    max_retries=item.get("max_retries") or 0,
                    retry_delay=item.get("retry_delay"),
                    trigger=trigger,
                    cache_key=item.get("cache_key"),
                    auto_generated=bool(item.get("auto_generated")),
                    description=item.get("description"),
                    serialized=copy.deepcopy(item),
                )
                self._save(task)
                created.append(task)
            self._refresh_task_flags(flow)
            return created

    def register_edges(self, flow_id: str, edges: Iterable[dict]) -> list[Edge]:
        """Add serialized edges (``{"upstream_task": {"slug"}, "downstream_task":
        {"slug"}, "key", "mapped", "flattened"}``) between already registered tasks."""
        if not isinstance(edges, (list, tuple)):
            raise InvalidInput("serialized_edges must be a JSON list.")
        with self._write():
            flow = self._flow_or_404(flow_id)
            by_slug = {t.slug: t.id for t in self.tasks.values() if t.flow_id == flow.id}

            def task_id(ref: Any) -> str:
                slug = ref.get("slug") if isinstance(ref, dict) else ref
                if slug not in by_slug:
                    raise InvalidInput(f"Edge refers to unknown task slug {slug!r}.")
                return by_slug[slug]

            resolved = []
            for item in edges:
                if not isinstance(item, dict):
                    raise InvalidInput("Each serialized edge must be a JSON object.")
                resolved.append((task_id(item.get("upstream_task")), task_id(item.get("downstream_task")), item))
            created = []
            for upstream, downstream, item in resolved:
                edge = Edge(
                    id=new_id(),
                    tenant_id=self.tenant_id,
                    flow_id=flow.id,
                    upstream_task_id=upstream,
                    downstream_task_id=downstream,
                    created=self.clock(),
                    key=item.get("key"),
                    mapped=bool(item.get("mapped")),
                    flattened=bool(item.get("flattened")),
                )
                self._save(edge)
                created.append(edge)
            self._refresh_task_flags(flow)
            return created

    def _refresh_task_flags(self, flow: Flow) -> None:
        """Root / terminal / reference / mapped flags, as Prefect Server computes them."""
        tasks = [t for t in self.tasks.values() if t.flow_id == flow.id]
        edges = [e for e in self.edges.values() if e.flow_id == flow.id]
        with_upstream = {e.downstream_task_id for e in edges}
        with_downstream = {e.upstream_task_id for e in edges}
        mapped = {e.downstream_task_id for e in edges if e.mapped}
        references = {
            r.get("slug") if isinstance(r, dict) else r for r in flow.serialized_flow.get("reference_tasks") or []
        }
        for task in tasks:
            task.is_root_task = task.id not in with_upstream
            task.is_terminal_task = task.id not in with_downstream
            task.mapped = task.id in mapped
            task.is_reference_task = task.slug in references if references else task.is_terminal_task
            self._save(task)
