"""The records of the emulated Prefect Cloud 1.x: one dataclass per table of Prefect Server's
database (``prefect_server/database/orm.py``), with the columns prefect's client reads.

Plain data: no behaviour, no HTTP. The backend keeps them in dicts keyed by id and writes each
one it changes to the store (``standin.store``); the GraphQL layer reads their attributes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


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
    description: str | None = None


@dataclass
class FlowGroup:
    id: str
    tenant_id: str
    name: str  # the version group id
    created: datetime
    settings: dict = field(default_factory=dict)
    labels: list | None = None
    schedule: dict | None = None
    default_parameters: dict | None = None
    run_config: dict | None = None
    description: str | None = None


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
    description: str | None = None
    core_version: str | None = None
    storage: dict | None = None
    run_config: dict | None = None
    environment: dict | None = None
    parameters: list = field(default_factory=list)
    schedule: dict | None = None
    settings: dict = field(default_factory=dict)


@dataclass
class Task:
    id: str
    tenant_id: str
    flow_id: str
    slug: str
    created: datetime
    name: str | None = None
    type: str | None = None
    tags: list = field(default_factory=list)
    max_retries: int = 0
    retry_delay: str | None = None
    trigger: str | None = None
    cache_key: str | None = None
    auto_generated: bool = False
    mapped: bool = False
    is_reference_task: bool = False
    is_root_task: bool = False
    is_terminal_task: bool = False
    description: str | None = None
    serialized: dict = field(default_factory=dict)


@dataclass
class Edge:
    id: str
    tenant_id: str
    flow_id: str
    upstream_task_id: str
    downstream_task_id: str
    created: datetime
    key: str | None = None
    mapped: bool = False
    flattened: bool = False


@dataclass
class StateFields:
    """What Prefect Server derives from a run's current serialized state (its database trigger
    copies them onto the run row), shared by flow runs and task runs."""

    version: int = 0
    state: str | None = None  # the state's class name: "Scheduled", "Running", ...
    serialized_state: dict | None = None
    state_message: str | None = None
    state_start_time: datetime | None = None  # when a Scheduled / Retrying / Queued state is due
    state_timestamp: datetime | None = None
    start_time: datetime | None = None  # the first Running state
    end_time: datetime | None = None  # the finished state
    heartbeat: datetime | None = None


@dataclass
class FlowRun(StateFields):
    id: str = ""
    tenant_id: str = ""
    flow_id: str = ""
    name: str = ""
    created: datetime | None = None
    updated: datetime | None = None
    labels: list = field(default_factory=list)
    parameters: dict = field(default_factory=dict)
    context: dict = field(default_factory=dict)
    run_config: dict | None = None
    scheduled_start_time: datetime | None = None
    idempotency_key: str | None = None
    auto_scheduled: bool = False
    agent_id: str | None = None


@dataclass
class TaskRun(StateFields):
    id: str = ""
    tenant_id: str = ""
    flow_run_id: str = ""
    task_id: str = ""
    map_index: int = -1
    name: str | None = None
    cache_key: str | None = None
    created: datetime | None = None
    updated: datetime | None = None


@dataclass
class RunState:
    """One entry of a run's state history (``flow_run_state`` / ``task_run_state``)."""

    id: str
    tenant_id: str
    run_id: str  # the flow run's or task run's id
    version: int
    state: str
    message: str | None
    timestamp: datetime
    start_time: datetime | None
    serialized_state: dict
    created: datetime


@dataclass
class FlowRunState(RunState):
    @property
    def flow_run_id(self) -> str:
        return self.run_id


@dataclass
class TaskRunState(RunState):
    @property
    def task_run_id(self) -> str:
        return self.run_id


@dataclass
class Log:
    id: str
    tenant_id: str
    flow_run_id: str
    timestamp: datetime
    created: datetime
    level: str
    message: str
    name: str | None = None
    task_run_id: str | None = None
    info: dict | None = None
    #: Arrival order: logs of one timestamp keep the order they were written in.
    seq: int = 0


@dataclass
class Agent:
    id: str
    tenant_id: str
    name: str | None
    type: str | None
    labels: list
    created: datetime
    last_queried: datetime | None = None
    core_version: str | None = None
    agent_config_id: str | None = None


@dataclass
class KeyValue:
    """One entry of Prefect Cloud's KV store (``prefect kv``, ``prefect.backend.kv_store``)."""

    id: str
    tenant_id: str
    key: str
    value: object
    created: datetime
    updated: datetime


@dataclass
class TaskRunArtifact:
    """An artifact a task run published (``prefect.backend.artifacts``): a link or markdown."""

    id: str
    tenant_id: str
    task_run_id: str
    kind: str
    data: dict
    created: datetime
    updated: datetime
