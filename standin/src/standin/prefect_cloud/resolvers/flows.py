"""Resolvers of projects, flows and their versions, tasks and edges: what ``flow.register`` and
``prefect register`` send, and what the CLI and ``FlowView`` read back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..exceptions import InvalidInput
from ..models import decompress
from .tables import aggregate_resolver, backend_of, list_resolver, nested, resolve_aggregate_count


def resolve_flow_by_pk(_root: Any, info: Any, id: str):
    return backend_of(info).flow_by_id(id)


def resolve_create_project(_root: Any, info: Any, input: dict) -> dict:
    project = backend_of(info).create_project(
        name=input["name"],
        description=input.get("description"),
        tenant_id=input.get("tenant_id"),
    )
    return {"id": project.id}


def _create_flow(info: Any, input: dict, serialized_flow: Any) -> dict:
    flow = backend_of(info).create_flow(
        project_id=input["project_id"],
        serialized_flow=serialized_flow,
        # as Prefect Server: absent means True, an explicit null means False
        set_schedule_active=bool(input.get("set_schedule_active", True)),
        version_group_id=input.get("version_group_id"),
        idempotency_key=input.get("idempotency_key"),
        description=input.get("description"),
    )
    return {"id": flow.id}


def resolve_create_flow(_root: Any, info: Any, input: dict) -> dict:
    return _create_flow(info, input, input["serialized_flow"])


def resolve_create_flow_from_compressed_string(_root: Any, info: Any, input: dict) -> dict:
    try:
        serialized_flow = decompress(input["serialized_flow"])
    except Exception:
        raise InvalidInput("Unable to decompress serialized flow") from None
    return _create_flow(info, input, serialized_flow)


def resolve_register_tasks(_root: Any, info: Any, input: dict) -> dict:
    backend_of(info).register_tasks(input["flow_id"], input["serialized_tasks"])
    return {"success": True}


def resolve_register_edges(_root: Any, info: Any, input: dict) -> dict:
    backend_of(info).register_edges(input["flow_id"], input["serialized_edges"])
    return {"success": True}


def resolve_set_schedule_active(_root: Any, info: Any, input: dict) -> dict:
    return {"success": backend_of(info).set_schedule_active(input["flow_id"])}


def resolve_flow_project(flow: Any, info: Any):
    return backend_of(info).project_by_id(flow.project_id)


def resolve_flow_flow_group(flow: Any, info: Any):
    return backend_of(info).flow_group_by_id(flow.flow_group_id)


def resolve_flow_tasks(flow: Any, info: Any, order_by=None) -> list:
    return backend_of(info).query("tasks", {"flow_id": {"_eq": flow.id}}, order_by or {"slug": "asc"})


def resolve_flow_edges(flow: Any, info: Any) -> list:
    return backend_of(info).edges_of(flow.id)


def resolve_flow_settings(flow: Any, info: Any) -> dict:
    """The flow group's settings (``heartbeat_enabled`` and the rest): always an object, as
    the flow-run process calls ``settings.get(...)`` on it."""
    group = backend_of(info).flow_group_by_id(flow.flow_group_id)
    return dict(group.settings) if group is not None else {}


def resolve_delete_project(_root: Any, info: Any, input: dict) -> dict:
    return {"success": backend_of(info).delete_project(input["project_id"])}


#: The fields of projects, flows, tasks, edges, by (type, field) of ``schema.graphql``.
RESOLVERS: dict[tuple[str, str], Callable[..., Any]] = {
    ("Query", "project"): list_resolver("projects"),
    ("Query", "flow"): list_resolver("flows"),
    ("Query", "flow_by_pk"): resolve_flow_by_pk,
    ("Query", "flow_aggregate"): aggregate_resolver("flows"),
    ("Query", "task"): list_resolver("tasks"),
    ("Query", "task_by_pk"): lambda _root, info, id: backend_of(info).tasks.get(id),
    ("flow_aggregate_fields", "count"): resolve_aggregate_count,
    ("project", "flows"): nested("flows", lambda b, project: b.related(project, "flows"), {}),
    ("project", "flows_aggregate"): aggregate_resolver("flows", lambda b, project: b.related(project, "flows")),
    ("task", "flow"): lambda task, info: backend_of(info).flows.get(task.flow_id),
    ("Mutation", "delete_project"): resolve_delete_project,
    ("Mutation", "create_project"): resolve_create_project,
    ("Mutation", "create_flow"): resolve_create_flow,
    ("Mutation", "create_flow_from_compressed_string"): resolve_create_flow_from_compressed_string,
    ("Mutation", "register_tasks"): resolve_register_tasks,
    ("Mutation", "register_edges"): resolve_register_edges,
    ("Mutation", "set_schedule_active"): resolve_set_schedule_active,
    ("flow", "project"): resolve_flow_project,
    ("flow", "flow_group"): resolve_flow_flow_group,
    ("flow", "tasks"): resolve_flow_tasks,
    ("flow", "edges"): resolve_flow_edges,
    ("flow", "settings"): resolve_flow_settings,
}
