"""The emulated state of Prefect Cloud 1.x: no HTTP, no GraphQL.

One :class:`PrefectCloudBackend` is one tenant, the API key it accepts, and everything in it,
split by record family as moto splits a large service:

- ``records.py``: the dataclasses (one per table of Prefect Server's database);
- ``base.py``: the tables, relations, Hasura-style queries and write-through persistence;
- ``flows.py``: projects, flows and their versions, tasks, edges (``flow.register``);
- ``flow_runs.py``: flow runs, heartbeats, cancellation; ``task_runs.py``: task runs;
  ``run_states.py``: the state history both share; ``run_index.py``: the pages' indexes of runs;
  ``run_names.py``: a new run's name;
- ``agents.py``: agents and the queue they poll;
- ``logs.py``: the runs' logs;
- ``key_values.py``: the KV store; ``artifacts.py``: task run artifacts;
- ``states.py``: Prefect's serialized states, read and written without importing prefect.
"""

from __future__ import annotations

import base64
import gzip
import json
from typing import Any

from .agents import AgentsMixin
from .artifacts import ArtifactsMixin
from .base import Clock, new_id, utcnow
from .flow_runs import FlowRunsMixin
from .flows import FlowsMixin
from .key_values import KeyValuesMixin
from .logs import LogsMixin
from .records import (  # re-exported: what the GraphQL layer and tests name
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
from .run_index import RunIndexMixin
from .run_states import RunStatesMixin
from .task_runs import TaskRunsMixin


class PrefectCloudBackend(
    FlowsMixin,
    FlowRunsMixin,
    TaskRunsMixin,
    RunStatesMixin,
    RunIndexMixin,
    AgentsMixin,
    LogsMixin,
    KeyValuesMixin,
    ArtifactsMixin,
):
    """One emulated Prefect Cloud 1.x tenant and everything registered and run in it."""

    def _load(self) -> None:
        super()._load()
        self._log_seq = max((log.seq for log in self.logs.values()), default=0)


def decompress(string: str) -> Any:
    """Inverse of ``prefect.utilities.graphql.compress``: base64 -> gzip -> JSON.

    Re-implemented (three lines) rather than imported so that the stand-in server does not
    import all of prefect, and with it prefect's config and logging set-up.
    """
    return json.loads(gzip.decompress(base64.b64decode(string)).decode())


__all__ = [
    "Agent",
    "AuthInfo",
    "Clock",
    "Edge",
    "Flow",
    "FlowGroup",
    "FlowRun",
    "FlowRunState",
    "KeyValue",
    "Log",
    "PrefectCloudBackend",
    "Project",
    "Task",
    "TaskRun",
    "TaskRunArtifact",
    "TaskRunState",
    "Tenant",
    "decompress",
    "new_id",
    "utcnow",
]
