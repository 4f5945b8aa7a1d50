"""The records of the emulated Prefect Cloud 1.x: one dataclass per table of Prefect Server's
database (``prefect_server/database/orm.py``), with the columns prefect's client reads.

Plain data: no behaviour, no HTTP. The backend keeps them in dicts keyed by id and writes each
one it changes to the store (``standin/store.py``); the GraphQL layer reads their attributes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Optional


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


@dataclass
class StateFields:
    """What Prefect Server derives from a run's current serialized state (its database trigger
    copies them onto the run row), shared by flow runs and task runs."""

    version: int = 0
    state: Optional[str] = None  # the state's class name: "Scheduled", "Running", ...
    serialized_state: Optional[dict] = None
    state_message: Optional[str] = None
    state_start_time: Optional[datetime] = None  # when a Scheduled / Retrying / Queued state is due
    state_timestamp: Optional[datetime] = None
    start_time: Optional[datetime] = None  # the first Running state
    end_time: Optional[datetime] = None  # the finished state
    heartbeat: Optional[datetime] = None


@dataclass
class FlowRun(StateFields):
    id: str = ""
    tenant_id: str = ""
    flow_id: str = ""
    name: str = ""
    created: Optional[datetime] = None
    updated: Optional[datetime] = None
    labels: list = field(default_factory=list)
    parameters: dict = field(default_factory=dict)
    context: dict = field(default_factory=dict)
    run_config: Optional[dict] = None
    scheduled_start_time: Optional[datetime] = None
    idempotency_key: Optional[str] = None
    auto_scheduled: bool = False
    agent_id: Optional[str] = None


@dataclass
class TaskRun(StateFields):
    id: str = ""
    tenant_id: str = ""
    flow_run_id: str = ""
    task_id: str = ""
    map_index: int = -1
    name: Optional[str] = None
    cache_key: Optional[str] = None
    created: Optional[datetime] = None
    updated: Optional[datetime] = None


@dataclass
class RunState:
    """One entry of a run's state history (``flow_run_state`` / ``task_run_state``)."""

    id: str
    tenant_id: str
    run_id: str  # the flow run's or task run's id
    version: int
    state: str
    message: Optional[str]
    timestamp: datetime
    start_time: Optional[datetime]
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
    name: Optional[str] = None
    task_run_id: Optional[str] = None
    info: Optional[dict] = None
    #: Arrival order: logs of one timestamp keep the order they were written in.
    seq: int = 0


@dataclass
class Agent:
    id: str
    tenant_id: str
    name: Optional[str]
    type: Optional[str]
    labels: list
    created: datetime
    last_queried: Optional[datetime] = None
    core_version: Optional[str] = None
    agent_config_id: Optional[str] = None
