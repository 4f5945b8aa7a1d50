"""The emulated state of Prefect Cloud 1.x: no HTTP, no GraphQL.

``PrefectCloudBackend`` holds one tenant, the API key it accepts, and the projects,
flow groups, flows, tasks and edges registered into it. The semantics follow the
open-source Prefect Server (``prefect_server.api.flows`` / ``graphql.flows``), which
Prefect Cloud 1.x shared:

- a flow is versioned inside a *version group*; without an explicit
  ``version_group_id`` the group of the newest flow with the same project and name is
  reused, else a new one (a uuid4 string) is started;
- each version group has one *flow group* (``FlowGroup.name`` is the version group id)
  whose id is what ``flow_by_pk { flow_group_id }`` returns;
- versions count 1, 2, 3 ... per version group, and registering a new version
  archives every other unarchived version of the group;
- an ``idempotency_key`` equal to the group's last one returns the current version
  instead of creating a new one.

Layout, so that flow runs, logs and persistence can be added later without a rewrite:
every record is a plain dataclass kept in a dict keyed by its id (``TABLES`` names
the dicts), every mutation happens under ``self._lock`` (re-entrant), and all
timestamps come from one injectable ``clock``. ``query(table, where, order_by, ...)``
filters any table with the Hasura-style ``where`` dicts the GraphQL layer passes
through unchanged (see ``matches``).
"""

from __future__ import annotations

import base64
import copy
import gzip
import hmac
import json
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Mapping, Optional

from .exceptions import InvalidInput, NotFound, Unauthenticated, UniquenessViolation

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def new_id() -> str:
    return str(uuid.uuid4())


def decompress(string: str) -> Any:
    """Inverse of ``prefect.utilities.graphql.compress``: base64 -> gzip -> JSON.

    Re-implemented (three lines) rather than imported so that the stand-in server
    does not import all of prefect, and with it prefect's config and logging set-up.
    """
    return json.loads(gzip.decompress(base64.b64decode(string)).decode())


# ----------------------------------------------------------------------------------
# Records
# ----------------------------------------------------------------------------------


@dataclass
class Tenant:
    id: str
    name: str
    slug: str
    created: datetime


@dataclass
class AuthInfo:
    """What ``auth_info`` answers for a valid key (not stored)."""

    tenant_id: str
    user_id: str


@dataclass
class Project:
    id: str
    tenant_id: str
    name: str
    created: datetime
    description: Optional[str] = None


@dataclass
class FlowGroup:
    id: str
    tenant_id: str
    name: str  # the version group id
    created: datetime
    settings: dict = field(default_factory=dict)
    labels: Optional[list] = None
    schedule: Optional[dict] = None
    default_parameters: Optional[dict] = None
    run_config: Optional[dict] = None
    description: Optional[str] = None


@dataclass
class Flow:
    id: str
    tenant_id: str
    project_id: str
    flow_group_id: str
    version_group_id: str
    name: str
    version: int
    created: datetime
    serialized_flow: dict
    archived: bool = False
    is_schedule_active: bool = False
    description: Optional[str] = None
    core_version: Optional[str] = None
    storage: Optional[dict] = None
    run_config: Optional[dict] = None
    environment: Optional[dict] = None
    parameters: list = field(default_factory=list)
    schedule: Optional[dict] = None
    settings: dict = field(default_factory=dict)


@dataclass
class Task:
    id: str
    tenant_id: str
    flow_id: str
    slug: str
    created: datetime
    name: Optional[str] = None
    type: Optional[str] = None
    tags: list = field(default_factory=list)
    max_retries: int = 0
    retry_delay: Optional[str] = None
    trigger: Optional[str] = None
    cache_key: Optional[str] = None
    auto_generated: bool = False
    mapped: bool = False
    is_reference_task: bool = False
    is_root_task: bool = False
    is_terminal_task: bool = False
    serialized: dict = field(default_factory=dict)


@dataclass
class Edge:
    id: str
    tenant_id: str
    flow_id: str
    upstream_task_id: str
    downstream_task_id: str
    created: datetime
    key: Optional[str] = None
    mapped: bool = False
    flattened: bool = False


# ----------------------------------------------------------------------------------
# Hasura-style filtering and ordering over records
# ----------------------------------------------------------------------------------


def _cmp(op: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def compare(value: Any, operand: Any) -> bool:
        if value is None:
            return False
        try:
            return op(value, operand)
        except TypeError:
            return False

    return compare


COMPARISON_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "_eq": lambda value, operand: value is not None and value == operand,
    "_neq": lambda value, operand: value is not None and value != operand,
    "_in": lambda value, operand: value is not None and value in operand,
    "_nin": lambda value, operand: value is not None and value not in operand,
    "_gt": _cmp(lambda a, b: a > b),
    "_gte": _cmp(lambda a, b: a >= b),
    "_lt": _cmp(lambda a, b: a < b),
    "_lte": _cmp(lambda a, b: a <= b),
}

# relation name -> function(record) -> related record (or None)
Related = Callable[[Any, str], Any]


def _field_value(record: Any, name: str) -> Any:
    if not hasattr(record, name):
        raise InvalidInput(
            f"field {name!r} not found in type: {type(record).__name__.lower()}_bool_exp"
        )
    return getattr(record, name)


def matches(record: Any, where: Optional[Mapping], related: Optional[Related] = None) -> bool:
    """Does ``record`` satisfy a Hasura ``where`` (``*_bool_exp``) dict?

    Supports ``_and``, ``_or``, ``_not``, nested object relations (through
    ``related(record, name)``, which returns the related record, or raises KeyError
    when ``name`` is not a relation) and, per column, ``_eq _neq _in _nin _gt _gte
    _lt _lte _is_null``. As in Hasura, a comparison whose operand is null is ignored
    (counts as true); use ``_is_null`` to test for null.
    """
    if not where:
        return True
    for key, condition in where.items():
        if key == "_and":
            if not all(matches(record, sub, related) for sub in condition or []):
                return False
        elif key == "_or":
            if condition is not None and not any(
                matches(record, sub, related) for sub in condition
            ):
                return False
        elif key == "_not":
            if condition is not None and matches(record, condition, related):
                return False
        else:
            relation = _relation(record, key, related)
            if relation is not _NO_RELATION:
                if condition is None:
                    continue
                if relation is None or not matches(relation, condition, related):
                    return False
                continue
            value = _field_value(record, key)
            for op, operand in (condition or {}).items():
                if op == "_is_null":
                    if operand is None:
                        continue
                    if (value is None) != bool(operand):
                        return False
                    continue
                if op not in COMPARISON_OPERATORS:
                    raise InvalidInput(f"Unsupported comparison operator {op!r}.")
                if operand is None:
                    continue
                if op in ("_in", "_nin"):
                    operand = list(operand)
                if not COMPARISON_OPERATORS[op](value, operand):
                    return False
    return True


_NO_RELATION = object()


def _relation(record: Any, name: str, related: Optional[Related]) -> Any:
    if related is None:
        return _NO_RELATION
    try:
        return related(record, name)
    except KeyError:
        return _NO_RELATION


def _path_value(record: Any, path: tuple, related: Optional[Related]) -> Any:
    for name in path[:-1]:
        record = _relation(record, name, related)
        if record is _NO_RELATION:
            raise InvalidInput(f"{name!r} is not a relation that can be ordered by.")
        if record is None:
            return None
    return _field_value(record, path[-1])


def sort_records(
    records: list, order_by: Any, related: Optional[Related] = None
) -> list:
    """Order records by a Hasura ``order_by`` (a dict or a list of dicts).

    Directions: asc, desc and their ``_nulls_first`` / ``_nulls_last`` variants; as in
    Postgres, nulls sort last for asc and first for desc unless told otherwise.
    """
    if not order_by:
        return list(records)
    if isinstance(order_by, Mapping):
        order_by = [order_by]
    specs: list[tuple[tuple, str]] = []

    def collect(spec: Mapping, prefix: tuple) -> None:
        for key, direction in spec.items():
            if isinstance(direction, Mapping):
                collect(direction, prefix + (key,))
            elif direction is not None:
                specs.append((prefix + (key,), str(direction)))

    for spec in order_by:
        collect(spec, ())

    result = list(records)
    for path, direction in reversed(specs):  # stable sorts, least significant first
        descending = direction.startswith("desc")
        if direction.endswith("nulls_first"):
            nulls_first = True
        elif direction.endswith("nulls_last"):
            nulls_first = False
        else:
            nulls_first = descending
        keyed = [(_path_value(r, path, related), r) for r in result]
        present = [kr for kr in keyed if kr[0] is not None]
        absent = [kr[1] for kr in keyed if kr[0] is None]
        present.sort(key=lambda kr: kr[0], reverse=descending)
        ordered = [kr[1] for kr in present]
        result = absent + ordered if nulls_first else ordered + absent
    return result


# ----------------------------------------------------------------------------------
# The backend
# ----------------------------------------------------------------------------------


class PrefectCloudBackend:
    """One emulated Prefect Cloud 1.x tenant and everything registered into it."""

    #: the dicts (id -> record) that make up the state, in dependency order
    TABLES = ("tenants", "projects", "flow_groups", "flows", "tasks", "edges")

    def __init__(
        self,
        api_key: str,
        tenant_name: str = "local",
        tenant_slug: str = "local",
        *,
        tenant_id: Optional[str] = None,
        user_id: Optional[str] = None,
        clock: Optional[Clock] = None,
    ):
        if not api_key:
            raise ValueError("PrefectCloudBackend needs a non-empty api_key")
        self.api_key = api_key
        self.clock: Clock = clock or utcnow
        self._lock = threading.RLock()
        self.user_id = user_id or new_id()
        tenant = Tenant(
            id=tenant_id or new_id(),
            name=tenant_name,
            slug=tenant_slug,
            created=self.clock(),
        )
        self.tenant_id = tenant.id
        self.tenants: dict[str, Tenant] = {tenant.id: tenant}
        self.projects: dict[str, Project] = {}
        self.flow_groups: dict[str, FlowGroup] = {}
        self.flows: dict[str, Flow] = {}
        self.tasks: dict[str, Task] = {}
        self.edges: dict[str, Edge] = {}

    @property
    def tenant(self) -> Tenant:
        return self.tenants[self.tenant_id]

    # -- auth --------------------------------------------------------------------

    def authenticate(self, api_key: Optional[str], tenant_id: Optional[str] = None) -> AuthInfo:
        """Check an API key (and the tenant the client asks for, if any).

        Raises ``Unauthenticated`` for a missing or wrong key, and for a tenant id the
        key does not belong to (the client sends ``X-PREFECT-TENANT-ID`` once it knows
        one, e.g. from ``auth.toml``; a stale one from an earlier stand-in is refused).
        """
        if not api_key or not hmac.compare_digest(
            api_key.encode("utf-8"), self.api_key.encode("utf-8")
        ):
            raise Unauthenticated()
        if tenant_id and tenant_id != self.tenant_id:
            raise Unauthenticated(
                f"Unauthenticated: the API key is not valid for tenant {tenant_id!r}."
            )
        return AuthInfo(tenant_id=self.tenant_id, user_id=self.user_id)

    # -- generic queries ---------------------------------------------------------

    def related(self, record: Any, name: str) -> Any:
        """Object relations usable in ``where`` and ``order_by``; KeyError otherwise."""
        if name == "project" and isinstance(record, Flow):
            return self.projects.get(record.project_id)
        if name == "flow_group" and isinstance(record, Flow):
            return self.flow_groups.get(record.flow_group_id)
        if name == "tenant" and hasattr(record, "tenant_id"):
            return self.tenants.get(record.tenant_id)
        if name == "flow" and isinstance(record, (Task, Edge)):
            return self.flows.get(record.flow_id)
        raise KeyError(name)

    def query(
        self,
        table: str,
        where: Optional[Mapping] = None,
        order_by: Any = None,
        limit: Optional[int] = None,
        offset: Optional[int] = None,
    ) -> list:
        """Records of ``table`` (one of ``TABLES``) matching a Hasura-style query."""
        if table not in self.TABLES:
            raise ValueError(f"unknown table {table!r}")
        with self._lock:
            rows = [r for r in getattr(self, table).values() if matches(r, where, self.related)]
            rows = sort_records(rows, order_by, self.related)
        if offset:
            rows = rows[offset:]
        if limit is not None:
            rows = rows[: max(limit, 0)]
        return rows

    # -- projects ----------------------------------------------------------------

    def create_project(
        self, name: str, description: Optional[str] = None, tenant_id: Optional[str] = None
    ) -> Project:
        if not isinstance(name, str) or not name.strip():
            raise InvalidInput("A project needs a non-empty name.")
        if tenant_id is not None and tenant_id != self.tenant_id:
            raise NotFound(f"Tenant {tenant_id} not found.")
        with self._lock:
            if any(p.name == name for p in self.projects.values()):
                raise UniquenessViolation(
                    f"a project named {name!r} already exists in this tenant"
                )
            project = Project(
                id=new_id(),
                tenant_id=self.tenant_id,
                name=name,
                description=description,
                created=self.clock(),
            )
            self.projects[project.id] = project
            return project

    def find_projects(self, name: str) -> list[Project]:
        return self.query("projects", {"name": {"_eq": name}})

    def project_by_id(self, project_id: str) -> Optional[Project]:
        with self._lock:
            return self.projects.get(project_id)

    # -- flows -------------------------------------------------------------------

    def flow_by_id(self, flow_id: str) -> Optional[Flow]:
        with self._lock:
            return self.flows.get(flow_id)

    def flow_group_by_id(self, flow_group_id: str) -> Optional[FlowGroup]:
        with self._lock:
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
        version_group_id: Optional[str] = None,
        idempotency_key: Optional[str] = None,
        description: Optional[str] = None,
    ) -> Flow:
        """Register a new flow version (see the module docstring for versioning).

        ``serialized_flow`` is ``flow.serialize()`` as a dict; prefect 1.4.1 pops its
        ``tasks`` and ``edges`` and sends them with ``register_tasks`` /
        ``register_edges``, but any it still holds are registered here, as older
        clients expected.
        """
        if not isinstance(serialized_flow, dict):
            raise InvalidInput("serialized_flow must be a JSON object.")
        name = serialized_flow.get("name")
        if not isinstance(name, str) or not name:
            raise InvalidInput("The serialized flow has no name.")
        serialized_flow = copy.deepcopy(serialized_flow)

        with self._lock:
            project = self.projects.get(project_id) if project_id else None
            if project is None:
                raise NotFound("Invalid project.")

            if not version_group_id:
                previous = self.query(
                    "flows",
                    {"project_id": {"_eq": project.id}, "name": {"_eq": name}},
                    order_by=[{"created": "desc"}, {"version": "desc"}],
                    limit=1,
                )
                version_group_id = previous[0].version_group_id if previous else new_id()

            group = next(
                (g for g in self.flow_groups.values() if g.name == version_group_id), None
            )
            new_group = group is None
            previous_key = None if group is None else group.settings.get("idempotency_key")
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
                self.flow_groups[group.id] = group
            else:
                last_key = group.settings.get("idempotency_key")
                if idempotency_key and last_key == idempotency_key:
                    current = self.query(
                        "flows",
                        {
                            "version_group_id": {"_eq": version_group_id},
                            "archived": {"_eq": False},
                        },
                        order_by={"version": "desc"},
                        limit=1,
                    )
                    if current:
                        return current[0]
                group.settings["idempotency_key"] = idempotency_key

            version = 1 + max(
                (f.version for f in self.flows.values() if f.version_group_id == version_group_id),
                default=0,
            )
            if serialized_flow.get("schedule") is None and group.schedule is None:
                set_schedule_active = False

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
            self.flows[flow.id] = flow

            try:
                if serialized_flow.get("tasks"):
                    self.register_tasks(flow.id, serialized_flow["tasks"])
                if serialized_flow.get("edges"):
                    self.register_edges(flow.id, serialized_flow["edges"])
            except Exception:
                # all or nothing: undo this registration
                del self.flows[flow.id]
                for table in (self.tasks, self.edges):
                    for rid in [rid for rid, r in table.items() if r.flow_id == flow.id]:
                        del table[rid]
                if new_group:
                    del self.flow_groups[group.id]
                else:
                    group.settings["idempotency_key"] = previous_key
                raise

            if set_schedule_active:
                try:
                    self.set_schedule_active(flow.id)
                except InvalidInput:
                    pass  # as Prefect Server: do not fail the registration for it

            for other in list(self.flows.values()):
                if (
                    other.version_group_id == version_group_id
                    and other.id != flow.id
                    and not other.archived
                ):
                    self.archive_flow(other.id)
            return flow

    def archive_flow(self, flow_id: str) -> bool:
        """Archive one flow version (a later issue cancels its scheduled runs here)."""
        with self._lock:
            flow = self.flows.get(flow_id)
            if flow is None:
                return False
            flow.archived = True
            return True

    def set_schedule_active(self, flow_id: str) -> bool:
        """Turn a flow's schedule on; False when there is no such flow.

        As Prefect Server: refused when the schedule's clocks (plus the flow group's
        default parameters) leave a required parameter without a value. The stand-in
        does not create scheduled runs (yet).
        """
        with self._lock:
            flow = self.flows.get(flow_id)
            if flow is None:
                return False
            group = self.flow_groups.get(flow.flow_group_id)
            required = {
                p.get("name")
                for p in flow.parameters
                if isinstance(p, dict) and p.get("required")
            }
            if flow.schedule is not None and required:
                missing = required.difference((group.default_parameters if group else None) or {})
                clocks = (flow.schedule or {}).get("clocks") or []
                if not all(missing <= set((c.get("parameter_defaults") or {}).keys()) for c in clocks):
                    raise InvalidInput("Can not schedule a flow that has required parameters.")
            flow.is_schedule_active = True
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
        with self._lock:
            flow = self._flow_or_404(flow_id)
            taken = {t.slug for t in self.tasks.values() if t.flow_id == flow.id}
            for item in tasks:
                if not isinstance(item, dict) or not isinstance(item.get("slug"), str):
                    raise InvalidInput("Each serialized task needs a string slug.")
                if item["slug"] in taken:
                    raise UniquenessViolation(
                        f"task slug {item['slug']!r} is already registered for flow {flow.id}"
                    )
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
                    serialized=copy.deepcopy(item),
                )
                self.tasks[task.id] = task
                created.append(task)
            self._refresh_task_flags(flow)
            return created

    def register_edges(self, flow_id: str, edges: Iterable[dict]) -> list[Edge]:
        """Add serialized edges (``{"upstream_task": {"slug"}, "downstream_task":
        {"slug"}, "key", "mapped", "flattened"}``) between already registered tasks."""
        if not isinstance(edges, (list, tuple)):
            raise InvalidInput("serialized_edges must be a JSON list.")
        with self._lock:
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
                resolved.append(
                    (task_id(item.get("upstream_task")), task_id(item.get("downstream_task")), item)
                )
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
                self.edges[edge.id] = edge
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
            r.get("slug") if isinstance(r, dict) else r
            for r in flow.serialized_flow.get("reference_tasks") or []
        }
        for task in tasks:
            task.is_root_task = task.id not in with_upstream
            task.is_terminal_task = task.id not in with_downstream
            task.mapped = task.id in mapped
            task.is_reference_task = (
                task.slug in references if references else task.is_terminal_task
            )
