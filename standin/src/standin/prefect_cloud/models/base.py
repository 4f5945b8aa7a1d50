"""The core of the emulated Prefect Cloud: its tables, the tenant and its key, the relations
between records, Hasura-style queries over them, and their persistence.

Every record lives in a dict keyed by its id (``TABLES`` names them); every change happens
inside :meth:`BackendBase._write` (the re-entrant lock, and one store transaction: a change of
several records is saved whole), and every timestamp comes from one injectable ``clock``.
``changed`` is a callback the stand-in's services set to be woken at once when a run is created
or changes state, or a flow's schedule is turned on (the agent's and the scheduler's pick-up).
"""

from __future__ import annotations

import contextlib
import hmac
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from ...store import Store
from ..exceptions import Unauthenticated
from ..hasura import select
from .records import (
    Agent,
    AuthInfo,
    Edge,
    Flow,
    FlowGroup,
    FlowRun,
    FlowRunState,
    KeyValue,
    Log,
    Project,
    Task,
    TaskRun,
    TaskRunArtifact,
    TaskRunState,
    Tenant,
)

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return str(uuid.uuid4())


class BackendBase:
    """One emulated Prefect Cloud 1.x tenant: the state, no API."""

    #: table name -> record class, in dependency order (the order they load in)
    TABLES: dict[str, type] = {
        "tenants": Tenant,
        "projects": Project,
        "flow_groups": FlowGroup,
        "flows": Flow,
        "tasks": Task,
        "edges": Edge,
        "flow_runs": FlowRun,
        "task_runs": TaskRun,
        "flow_run_states": FlowRunState,
        "task_run_states": TaskRunState,
        "logs": Log,
        "agents": Agent,
        "key_values": KeyValue,
        "task_run_artifacts": TaskRunArtifact,
    }

    def __init__(
        self,
        api_key: str,
        tenant_name: str = "local",
        tenant_slug: str = "local",
        *,
        tenant_id: str | None = None,
        user_id: str | None = None,
        clock: Clock | None = None,
        store: Store | None = None,
    ):
        if not api_key:
            raise ValueError("PrefectCloudBackend needs a non-empty api_key")
        self.api_key = api_key
        self.clock: Clock = clock or utcnow
        self.store = store or Store()
        self._lock = threading.RLock()
        self.user_id = user_id or new_id()
        #: called (with no argument) after a flow run is created or changes state, or a schedule is turned on
        self.changed: Callable[[], None] = lambda: None
        for table in self.TABLES:
            setattr(self, table, {})
        # indexes: what a run's page and the flow-run process read again and again
        self._states_of: dict[str, list] = {}  # run id -> its states, oldest first
        self._logs_of: dict[str, list] = {}  # flow run id -> its logs, in arrival order
        self._task_runs_of: dict[str, list] = {}  # flow run id -> its task runs
        self._load()
        if not self.tenants:
            with self._write():
                self._save(Tenant(id=tenant_id or new_id(), name=tenant_name, slug=tenant_slug, created=self.clock()))
        self.tenant_id = next(iter(self.tenants))

    # -- persistence -------------------------------------------------------------------------
    def _load(self) -> None:
        for table, cls in self.TABLES.items():
            for record in self.store.load(cls):
                self._index(table, record)

    def _index(self, table: str, record: Any) -> None:
        getattr(self, table)[record.id] = record
        if table in ("flow_run_states", "task_run_states"):
            self._states_of.setdefault(record.run_id, []).append(record)
        elif table == "logs":
            self._logs_of.setdefault(record.flow_run_id, []).append(record)
        elif table == "task_runs":
            self._task_runs_of.setdefault(record.flow_run_id, []).append(record)

    @contextlib.contextmanager
    def _write(self) -> Iterator[None]:
        """The lock and one store transaction around a change."""
        with self._lock, self.store.transaction():
            yield

    def _save(self, record: Any) -> Any:
        """Add or update ``record`` (under :meth:`_write`) in memory and in the store."""
        table = self._table_of(type(record))
        if record.id not in getattr(self, table):
            self._index(table, record)
        self.store.put(record)
        return record

    def _drop(self, record: Any) -> None:
        table = self._table_of(type(record))
        getattr(self, table).pop(record.id, None)
        for index in (
            self._states_of.get(getattr(record, "run_id", None)),
            self._logs_of.get(getattr(record, "flow_run_id", None)) if table == "logs" else None,
            self._task_runs_of.get(getattr(record, "flow_run_id", None)) if table == "task_runs" else None,
        ):
            if index is not None and record in index:
                index.remove(record)
        self.store.delete(record)

    def _table_of(self, cls: type) -> str:
        for table, table_cls in self.TABLES.items():
            if table_cls is cls:
                return table
        raise ValueError(f"no table holds {cls.__name__} records")

    # -- tenant and key ----------------------------------------------------------------------
    @property
    def tenant(self) -> Tenant:
        return self.tenants[self.tenant_id]

    def authenticate(self, api_key: str | None, tenant_id: str | None = None) -> AuthInfo:
        """Check an API key (and the tenant the client asks for, if any).

        Raises ``Unauthenticated`` for a missing or wrong key, and for a tenant id the key does
        not belong to (the client sends ``X-PREFECT-TENANT-ID`` once it knows one, e.g. from
        ``auth.toml``; a stale one from an earlier stand-in is refused).
        """
        if not api_key or not hmac.compare_digest(api_key.encode("utf-8"), self.api_key.encode("utf-8")):
            raise Unauthenticated()
        if tenant_id and tenant_id != self.tenant_id:
            raise Unauthenticated(f"Unauthenticated: the API key is not valid for tenant {tenant_id!r}.")
        return AuthInfo(tenant_id=self.tenant_id, user_id=self.user_id)

    # -- relations and queries -----------------------------------------------------------------
    #: The relations that ``where`` and ``order_by`` may follow, besides ``tenant`` (any record
    #: with a ``tenant_id``): name -> (the record classes that have it, the related record of one
    #: record, or a list of them for an array relation).  A table rather than a chain of ifs: each
    #: relation is one line, with the classes that have it in plain sight.
    _RELATIONS: dict[str, tuple[type | tuple[type, ...], Callable[[Any, Any], Any]]] = {
        "project": (Flow, lambda backend, r: backend.projects.get(r.project_id)),
        "flow_group": (Flow, lambda backend, r: backend.flow_groups.get(r.flow_group_id)),
        "flow": ((Task, Edge, FlowRun), lambda backend, r: backend.flows.get(r.flow_id)),
        "flow_runs": (Flow, lambda backend, r: [run for run in backend.flow_runs.values() if run.flow_id == r.id]),
        "task_runs": (FlowRun, lambda backend, r: list(backend._task_runs_of.get(r.id, ()))),
        "states": ((FlowRun, TaskRun), lambda backend, r: list(backend._states_of.get(r.id, ()))),
        "logs": (FlowRun, lambda backend, r: list(backend._logs_of.get(r.id, ()))),
        "flow_run": ((TaskRun, Log), lambda backend, r: backend.flow_runs.get(r.flow_run_id)),
        "task": (TaskRun, lambda backend, r: backend.tasks.get(r.task_id)),
        "flows": (Project, lambda backend, r: [f for f in backend.flows.values() if f.project_id == r.id]),
        "task_run": (
            (Log, TaskRunArtifact),
            lambda backend, r: backend.task_runs.get(r.task_run_id) if r.task_run_id else None,
        ),
    }

    def related(self, record: Any, name: str) -> Any:
        """Relations usable in ``where`` and ``order_by``: a record, a list (array relation,
        EXISTS in ``where``), or KeyError when ``name`` is not a relation of ``record``."""
        if name == "tenant" and hasattr(record, "tenant_id"):
            return self.tenants.get(record.tenant_id)
        relation = self._RELATIONS.get(name)
        if relation is not None and isinstance(record, relation[0]):
            return relation[1](self, record)
        raise KeyError(name)

    def query(
        self,
        table: str,
        where: Mapping | None = None,
        order_by: Any = None,
        limit: int | None = None,
        offset: int | None = None,
        among=None,
        distinct_on=None,
    ) -> list:
        """Records of ``table`` (one of ``TABLES``), or of ``among``, matching a Hasura-style query."""
        if table not in self.TABLES:
            raise ValueError(f"unknown table {table!r}")
        with self._lock:
            records = getattr(self, table).values() if among is None else among
            return select(list(records), where, order_by, limit, offset, self.related, distinct_on)
