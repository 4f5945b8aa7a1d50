"""Resolvers of flow runs and task runs: creating a run, its states, task runs, logs, heartbeats,
names and cancellation, as a flow-run process, ``prefect run`` and the views call them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .tables import aggregate_resolver, backend_of, list_resolver, nested, resolve_aggregate_count


def resolve_flow_run_by_pk(_root: Any, info: Any, id: str):
    return backend_of(info).flow_runs.get(id)


def resolve_task_run_by_pk(_root: Any, info: Any, id: str):
    return backend_of(info).task_runs.get(id)


def task_run_info(task_run) -> dict:
    """A task run as ``get_task_run_info`` and ``get_or_create_task_run_info`` answer it."""
    return {
        "id": task_run.id,
        "version": task_run.version,
        "state": task_run.state,
        "serialized_state": task_run.serialized_state,
    }


def resolve_get_task_run_info(_root: Any, info: Any, task_run_id: str) -> dict:
    return task_run_info(backend_of(info).task_run(task_run_id))


def resolve_create_flow_run(_root: Any, info: Any, input: dict) -> dict:
    run = backend_of(info).create_flow_run(
        input.get("flow_id"),
        version_group_id=input.get("version_group_id"),
        parameters=input.get("parameters"),
        context=input.get("context"),
        scheduled_start_time=input.get("scheduled_start_time"),
        flow_run_name=input.get("flow_run_name"),
        labels=input.get("labels"),
        run_config=input.get("run_config"),
        idempotency_key=input.get("idempotency_key"),
    )
    return {"id": run.id}


def resolve_set_flow_run_states(_root: Any, info: Any, input: dict) -> dict:
    backend = backend_of(info)
    agent_id = info.context.agent_id
    answers = []
    for item in input["states"]:
        entry = backend.set_flow_run_state(item["flow_run_id"], item["state"], item.get("version"), agent_id=agent_id)
        answers.append({"id": entry.flow_run_id, "status": "SUCCESS", "message": None})
    return {"states": answers}


def resolve_set_task_run_states(_root: Any, info: Any, input: dict) -> dict:
    backend = backend_of(info)
    answers = []
    for item in input["states"]:
        entry = backend.set_task_run_state(item["task_run_id"], item["state"], item.get("version"))
        answers.append({"id": entry.task_run_id, "status": "SUCCESS", "message": None})
    return {"states": answers}


def resolve_get_or_create_task_run_info(_root: Any, info: Any, input: dict) -> dict:
    task_run = backend_of(info).get_or_create_task_run(input["flow_run_id"], input["task_id"], input.get("map_index"))
    return task_run_info(task_run)


def resolve_write_run_logs(_root: Any, info: Any, input: dict) -> dict:
    backend_of(info).write_run_logs(input["logs"])
    return {"success": True}


def resolve_update_flow_run_heartbeat(_root: Any, info: Any, input: dict) -> dict:
    backend_of(info).update_flow_run_heartbeat(input["flow_run_id"])
    return {"success": True}


def resolve_cancel_flow_run(_root: Any, info: Any, input: dict) -> dict:
    backend = backend_of(info)
    backend.cancel_flow_run(input["flow_run_id"])
    return {"state": backend.flow_run(input["flow_run_id"]).state}


def resolve_set_flow_run_name(_root: Any, info: Any, input: dict) -> dict:
    backend_of(info).rename("flow_runs", input["flow_run_id"], input["name"])
    return {"success": True}


def resolve_set_task_run_name(_root: Any, info: Any, input: dict) -> dict:
    backend_of(info).rename("task_runs", input["task_run_id"], input["name"])
    return {"success": True}


#: The fields of flow runs and task runs, by (type, field) of ``schema.graphql``.
RESOLVERS: dict[tuple[str, str], Callable[..., Any]] = {
    ("Query", "flow_run"): list_resolver("flow_runs"),
    ("Query", "flow_run_by_pk"): resolve_flow_run_by_pk,
    ("Query", "task_run"): list_resolver("task_runs"),
    ("Query", "task_run_by_pk"): resolve_task_run_by_pk,
    ("Query", "flow_run_aggregate"): aggregate_resolver("flow_runs"),
    ("Query", "task_run_aggregate"): aggregate_resolver("task_runs"),
    ("Query", "get_task_run_info"): resolve_get_task_run_info,
    ("flow_run_aggregate_fields", "count"): resolve_aggregate_count,
    ("task_run_aggregate_fields", "count"): resolve_aggregate_count,
    ("Mutation", "create_flow_run"): resolve_create_flow_run,
    ("Mutation", "set_flow_run_states"): resolve_set_flow_run_states,
    ("Mutation", "set_task_run_states"): resolve_set_task_run_states,
    ("Mutation", "get_or_create_task_run_info"): resolve_get_or_create_task_run_info,
    ("Mutation", "write_run_logs"): resolve_write_run_logs,
    ("Mutation", "update_flow_run_heartbeat"): resolve_update_flow_run_heartbeat,
    ("Mutation", "cancel_flow_run"): resolve_cancel_flow_run,
    ("Mutation", "set_flow_run_name"): resolve_set_flow_run_name,
    ("Mutation", "set_task_run_name"): resolve_set_task_run_name,
    ("flow_run", "flow"): lambda run, info: backend_of(info).flows.get(run.flow_id),
    ("flow_run", "states"): nested("flow_run_states", lambda b, run: b.states_of(run.id), {"timestamp": "asc"}),
    ("flow_run", "logs"): nested("logs", lambda b, run: b.logs_of(run.id), {}),
    ("flow_run", "task_runs"): nested("task_runs", lambda b, run: b.task_runs_of(run.id), {}),
    ("task_run", "flow_run"): lambda task_run, info: backend_of(info).flow_runs.get(task_run.flow_run_id),
    ("task_run", "task"): lambda task_run, info: backend_of(info).tasks.get(task_run.task_id),
    ("task_run", "states"): nested("task_run_states", lambda b, run: b.states_of(run.id), {"timestamp": "asc"}),
}
