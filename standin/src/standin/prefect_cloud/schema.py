"""The executable GraphQL schema of the stand-in: SDL from ``schema.graphql`` plus
resolvers that read and change a ``PrefectCloudBackend`` taken from the context.

Everything is parsed, validated and executed by graphql-core. ``execute_graphql``
is the one entry point; it returns the response body and whether the failure (if
any) happened before execution (bad syntax, unknown fields, bad variables), which
the HTTP layer answers with 400, as Apollo-based Prefect Cloud did; errors raised
while resolving (``exceptions.PrefectCloudError``) come back next to ``data`` with
status 200, which is what prefect's client reads their text from.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Any

from graphql import (
    GraphQLError,
    GraphQLSchema,
    ValueNode,
    build_schema,
    execute_sync,
    parse,
    validate,
)
from graphql.language import StringValueNode
from graphql.utilities import value_from_ast_untyped

from .exceptions import Declined, InvalidInput, NotFound, PrefectCloudError
from .models import AuthInfo, PrefectCloudBackend, decompress

logger = logging.getLogger(__name__)


@dataclass
class Context:
    """``info.context`` of every resolver."""

    backend: PrefectCloudBackend
    auth: AuthInfo
    #: ``X-PREFECT-AGENT-ID``: the agent that sends the request, if one does
    agent_id: str | None = None


@dataclass
class Outcome:
    """The JSON body to send and whether it reports a request error (HTTP 400)."""

    body: dict
    request_error: bool = False


# ----------------------------------------------------------------------------------
# scalars
# ----------------------------------------------------------------------------------


def _parse_uuid(value: Any) -> str:
    if isinstance(value, uuid.UUID):
        return str(value)
    if not isinstance(value, str):
        raise TypeError(f"invalid input syntax for type uuid: {value!r}")
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise ValueError(f"invalid input syntax for type uuid: {value!r}") from None


def _parse_timestamp(value: Any) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"invalid input syntax for type timestamptz: {value!r}") from None
    else:
        raise TypeError(f"invalid input syntax for type timestamptz: {value!r}")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _serialize_timestamp(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def _string_literal(parse_value: Callable[[Any], Any]) -> Callable[..., Any]:
    def parse_literal(node: ValueNode, _variables: dict | None = None) -> Any:
        if not isinstance(node, StringValueNode):
            raise GraphQLError("Expected a string literal.", node)
        return parse_value(node.value)

    return parse_literal


def _set_scalar(
    scalar: Any,
    serialize: Callable[[Any], Any],
    parse_value: Callable[[Any], Any],
    parse_literal: Callable[..., Any],
) -> None:
    scalar.serialize = serialize
    scalar.parse_value = parse_value
    scalar.parse_literal = parse_literal
    if hasattr(scalar, "coerce_input_value"):
        # graphql-core >= 3.3 copies these from serialize/parse_value at construction
        # and uses them instead; parse_literal is still used (coerce_input_literal is None)
        scalar.coerce_output_value = serialize
        scalar.coerce_input_value = parse_value


def _bind_scalars(schema: GraphQLSchema) -> None:
    _set_scalar(
        schema.type_map["JSON"],
        lambda value: value,
        lambda value: value,
        lambda node, variables=None: value_from_ast_untyped(node, variables),
    )
    for name in ("UUID", "uuid"):
        _set_scalar(schema.type_map[name], str, _parse_uuid, _string_literal(_parse_uuid))
    _set_scalar(
        schema.type_map["timestamptz"],
        _serialize_timestamp,
        _parse_timestamp,
        _string_literal(_parse_timestamp),
    )


# ----------------------------------------------------------------------------------
# resolvers
# ----------------------------------------------------------------------------------


def _backend(info: Any) -> PrefectCloudBackend:
    return info.context.backend


def _list_resolver(table: str) -> Callable[..., list]:
    def resolve(_root: Any, info: Any, where=None, order_by=None, limit=None, offset=None, distinct_on=None):
        return _backend(info).query(table, where, order_by, limit, offset, distinct_on=distinct_on)

    return resolve


def _aggregate_resolver(table: str, records_of: Callable[[Any, Any], list] | None = None) -> Callable[..., dict]:
    """``<table>_aggregate``: Hasura's ``{aggregate {count}, nodes}`` over the rows a list field
    with the same arguments would give (``distinct_on`` included: ``flows_aggregate(distinct_on:
    name)`` counts a project's flows, not their versions)."""

    def resolve(root: Any, info: Any, where=None, order_by=None, limit=None, offset=None, distinct_on=None) -> dict:
        backend = _backend(info)
        among = records_of(backend, root) if records_of else None
        rows = backend.query(table, where, order_by, limit, offset, among=among, distinct_on=distinct_on)
        return {"aggregate": rows, "nodes": rows}

    return resolve


def resolve_aggregate_count(rows: list, info: Any, columns=None, distinct=None) -> int:
    """``count(columns, distinct)``: rows, rows whose columns are not null, or their distinct values."""
    if not columns:
        return len(rows)
    values = [tuple(getattr(row, c) for c in columns) for row in rows]
    values = [v for v in values if all(part is not None for part in v)]
    return len(set(values)) if distinct else len(values)


def resolve_auth_info(_root: Any, info: Any) -> AuthInfo:
    return info.context.auth


def resolve_flow_by_pk(_root: Any, info: Any, id: str):
    return _backend(info).flow_by_id(id)


def resolve_create_project(_root: Any, info: Any, input: dict) -> dict:
    project = _backend(info).create_project(
        name=input["name"],
        description=input.get("description"),
        tenant_id=input.get("tenant_id"),
    )
    return {"id": project.id}


def _create_flow(info: Any, input: dict, serialized_flow: Any) -> dict:
    flow = _backend(info).create_flow(
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
    _backend(info).register_tasks(input["flow_id"], input["serialized_tasks"])
    return {"success": True}


def resolve_register_edges(_root: Any, info: Any, input: dict) -> dict:
    _backend(info).register_edges(input["flow_id"], input["serialized_edges"])
    return {"success": True}


def resolve_set_schedule_active(_root: Any, info: Any, input: dict) -> dict:
    return {"success": _backend(info).set_schedule_active(input["flow_id"])}


def resolve_flow_project(flow: Any, info: Any):
    return _backend(info).project_by_id(flow.project_id)


def resolve_flow_flow_group(flow: Any, info: Any):
    return _backend(info).flow_group_by_id(flow.flow_group_id)


def resolve_flow_tasks(flow: Any, info: Any, order_by=None) -> list:
    return _backend(info).query("tasks", {"flow_id": {"_eq": flow.id}}, order_by or {"slug": "asc"})


def resolve_flow_edges(flow: Any, info: Any) -> list:
    return _backend(info).edges_of(flow.id)


def resolve_flow_settings(flow: Any, info: Any) -> dict:
    """The flow group's settings (``heartbeat_enabled`` and the rest): always an object, as
    the flow-run process calls ``settings.get(...)`` on it."""
    group = _backend(info).flow_group_by_id(flow.flow_group_id)
    return dict(group.settings) if group is not None else {}


# -- flow runs -------------------------------------------------------------------------------
def resolve_flow_run_by_pk(_root: Any, info: Any, id: str):
    return _backend(info).flow_runs.get(id)


def resolve_task_run_by_pk(_root: Any, info: Any, id: str):
    return _backend(info).task_runs.get(id)


def _nested(table: str, records_of: Callable[[Any, Any], list], default_order: dict) -> Callable[..., list]:
    """A list field of a record that takes Hasura arguments (``flow_run.states(where: ...)``)."""

    def resolve(record: Any, info: Any, where=None, order_by=None, limit=None, offset=None, distinct_on=None) -> list:
        backend = _backend(info)
        among = records_of(backend, record)
        return backend.query(
            table, where, order_by or default_order, limit, offset, among=among, distinct_on=distinct_on
        )

    return resolve


def resolve_get_task_run_info(_root: Any, info: Any, task_run_id: str) -> dict:
    task_run = _backend(info).task_run(task_run_id)
    return {
        "id": task_run.id,
        "version": task_run.version,
        "state": task_run.state,
        "serialized_state": task_run.serialized_state,
    }


def resolve_delete_project(_root: Any, info: Any, input: dict) -> dict:
    return {"success": _backend(info).delete_project(input["project_id"])}


def resolve_create_task_run_artifact(_root: Any, info: Any, input: dict) -> dict:
    artifact = _backend(info).create_task_run_artifact(input["task_run_id"], input["kind"], input["data"])
    return {"id": artifact.id}


def resolve_update_task_run_artifact(_root: Any, info: Any, input: dict) -> dict:
    return {"success": _backend(info).update_task_run_artifact(input["task_run_artifact_id"], input["data"])}


def resolve_delete_task_run_artifact(_root: Any, info: Any, input: dict) -> dict:
    return {"success": _backend(info).delete_task_run_artifact(input["task_run_artifact_id"])}


def resolve_set_key_value(_root: Any, info: Any, input: dict) -> dict:
    return {"id": _backend(info).set_key_value(input["key"], input["value"]).id}


def resolve_delete_key_value(_root: Any, info: Any, input: dict) -> dict:
    return {"success": _backend(info).delete_key_value(input["key_value_id"])}


def resolve_auth_api_key(_root: Any, info: Any, where=None, limit=None, offset=None) -> list:
    """The stand-in's one key, described (its secret is never part of an answer)."""
    backend = _backend(info)
    key = {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"standin-api-key:{backend.tenant_id}")),
        "name": "the stand-in's key (PREFECT_USER_TOKEN)",
        "user_id": backend.user_id,
        "created": backend.tenant.created,
        "expires_at": None,
    }
    return [key][offset or 0 :][: limit if limit is not None else None]


def _declined(reason: str) -> Callable[..., Any]:
    def resolve(_root: Any, info: Any, input: dict) -> Any:
        raise Declined(reason)

    return resolve


def _none_kept(_root: Any, info: Any, **_arguments: Any) -> list:
    """A table the stand-in keeps nothing in (task tag limits, agent configs): Hasura's empty list."""
    return []


def resolve_hello(_root: Any, info: Any) -> str:
    return "👋"


def resolve_secret_value(_root: Any, info: Any, name: str):
    raise NotFound(
        f"No secret named {name!r}: the stand-in keeps no secrets. A flow run that asks for one "
        "lacks an environment variable (BASE_URL or SATURN_TOKEN for Saturn's Webhook storage)."
    )


def resolve_create_flow_run(_root: Any, info: Any, input: dict) -> dict:
    run = _backend(info).create_flow_run(
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
    backend = _backend(info)
    agent_id = info.context.agent_id
    answers = []
    for item in input["states"]:
        entry = backend.set_flow_run_state(item["flow_run_id"], item["state"], item.get("version"), agent_id=agent_id)
        answers.append({"id": entry.flow_run_id, "status": "SUCCESS", "message": None})
    return {"states": answers}


def resolve_set_task_run_states(_root: Any, info: Any, input: dict) -> dict:
    backend = _backend(info)
    answers = []
    for item in input["states"]:
        entry = backend.set_task_run_state(item["task_run_id"], item["state"], item.get("version"))
        answers.append({"id": entry.task_run_id, "status": "SUCCESS", "message": None})
    return {"states": answers}


def resolve_get_or_create_task_run_info(_root: Any, info: Any, input: dict) -> dict:
    task_run = _backend(info).get_or_create_task_run(input["flow_run_id"], input["task_id"], input.get("map_index"))
    return {
        "id": task_run.id,
        "version": task_run.version,
        "state": task_run.state,
        "serialized_state": task_run.serialized_state,
    }


def resolve_write_run_logs(_root: Any, info: Any, input: dict) -> dict:
    _backend(info).write_run_logs(input["logs"])
    return {"success": True}


def resolve_update_flow_run_heartbeat(_root: Any, info: Any, input: dict) -> dict:
    _backend(info).update_flow_run_heartbeat(input["flow_run_id"])
    return {"success": True}


def resolve_cancel_flow_run(_root: Any, info: Any, input: dict) -> dict:
    backend = _backend(info)
    backend.cancel_flow_run(input["flow_run_id"])
    return {"state": backend.flow_run(input["flow_run_id"]).state}


def resolve_set_flow_run_name(_root: Any, info: Any, input: dict) -> dict:
    _backend(info).rename("flow_runs", input["flow_run_id"], input["name"])
    return {"success": True}


def resolve_set_task_run_name(_root: Any, info: Any, input: dict) -> dict:
    _backend(info).rename("task_runs", input["task_run_id"], input["name"])
    return {"success": True}


def resolve_register_agent(_root: Any, info: Any, input: dict) -> dict:
    agent = _backend(info).register_agent(
        input.get("type"), input.get("name"), input.get("labels"), agent_config_id=input.get("agent_config_id")
    )
    return {"id": agent.id}


def resolve_get_runs_in_queue(_root: Any, info: Any, input: dict) -> dict:
    ids = _backend(info).runs_in_queue(input.get("labels") or [], input.get("before"), info.context.agent_id)
    return {"flow_run_ids": ids}


RESOLVERS: dict[tuple[str, str], Callable[..., Any]] = {
    ("Query", "auth_info"): resolve_auth_info,
    ("Query", "tenant"): _list_resolver("tenants"),
    ("Query", "project"): _list_resolver("projects"),
    ("Query", "flow"): _list_resolver("flows"),
    ("Query", "flow_by_pk"): resolve_flow_by_pk,
    ("Query", "flow_run"): _list_resolver("flow_runs"),
    ("Query", "flow_run_by_pk"): resolve_flow_run_by_pk,
    ("Query", "task_run"): _list_resolver("task_runs"),
    ("Query", "task_run_by_pk"): resolve_task_run_by_pk,
    ("Query", "agent"): _list_resolver("agents"),
    ("Query", "hello"): resolve_hello,
    ("Query", "secret_value"): resolve_secret_value,
    ("Query", "flow_aggregate"): _aggregate_resolver("flows"),
    ("Query", "flow_run_aggregate"): _aggregate_resolver("flow_runs"),
    ("Query", "task_run_aggregate"): _aggregate_resolver("task_runs"),
    ("Query", "task"): _list_resolver("tasks"),
    ("Query", "task_by_pk"): lambda _root, info, id: _backend(info).tasks.get(id),
    ("Query", "get_task_run_info"): resolve_get_task_run_info,
    ("Query", "task_run_artifact"): _list_resolver("task_run_artifacts"),
    ("Query", "key_value"): _list_resolver("key_values"),
    ("Query", "task_tag_limit"): _none_kept,
    ("Query", "agent_config"): _none_kept,
    ("Query", "auth_api_key"): resolve_auth_api_key,
    ("flow_aggregate_fields", "count"): resolve_aggregate_count,
    ("flow_run_aggregate_fields", "count"): resolve_aggregate_count,
    ("task_run_aggregate_fields", "count"): resolve_aggregate_count,
    ("project", "flows"): _nested("flows", lambda b, project: b.related(project, "flows"), {}),
    ("project", "flows_aggregate"): _aggregate_resolver("flows", lambda b, project: b.related(project, "flows")),
    ("task", "flow"): lambda task, info: _backend(info).flows.get(task.flow_id),
    ("task_run_artifact", "task_run"): lambda artifact, info: _backend(info).task_runs.get(artifact.task_run_id),
    ("Mutation", "delete_project"): resolve_delete_project,
    ("Mutation", "create_task_run_artifact"): resolve_create_task_run_artifact,
    ("Mutation", "update_task_run_artifact"): resolve_update_task_run_artifact,
    ("Mutation", "delete_task_run_artifact"): resolve_delete_task_run_artifact,
    ("Mutation", "set_key_value"): resolve_set_key_value,
    ("Mutation", "delete_key_value"): resolve_delete_key_value,
    ("Mutation", "set_secret"): _declined(
        "The stand-in keeps no secrets: set it as an environment variable of the flow run instead."
    ),
    ("Mutation", "update_task_tag_limit"): _declined("The stand-in enforces no task concurrency limits."),
    ("Mutation", "delete_task_tag_limit"): _declined("The stand-in enforces no task concurrency limits."),
    ("Mutation", "create_api_key"): _declined(
        "The stand-in has one API key, the one it started with (PREFECT_USER_TOKEN): it makes no others."
    ),
    ("Mutation", "delete_api_key"): _declined(
        "The stand-in has one API key, the one it started with (PREFECT_USER_TOKEN): it revokes none."
    ),
    ("Mutation", "create_project"): resolve_create_project,
    ("Mutation", "create_flow"): resolve_create_flow,
    ("Mutation", "create_flow_from_compressed_string"): resolve_create_flow_from_compressed_string,
    ("Mutation", "register_tasks"): resolve_register_tasks,
    ("Mutation", "register_edges"): resolve_register_edges,
    ("Mutation", "set_schedule_active"): resolve_set_schedule_active,
    ("Mutation", "create_flow_run"): resolve_create_flow_run,
    ("Mutation", "set_flow_run_states"): resolve_set_flow_run_states,
    ("Mutation", "set_task_run_states"): resolve_set_task_run_states,
    ("Mutation", "get_or_create_task_run_info"): resolve_get_or_create_task_run_info,
    ("Mutation", "write_run_logs"): resolve_write_run_logs,
    ("Mutation", "update_flow_run_heartbeat"): resolve_update_flow_run_heartbeat,
    ("Mutation", "cancel_flow_run"): resolve_cancel_flow_run,
    ("Mutation", "set_flow_run_name"): resolve_set_flow_run_name,
    ("Mutation", "set_task_run_name"): resolve_set_task_run_name,
    ("Mutation", "register_agent"): resolve_register_agent,
    ("Mutation", "get_runs_in_queue"): resolve_get_runs_in_queue,
    ("flow", "project"): resolve_flow_project,
    ("flow", "flow_group"): resolve_flow_flow_group,
    ("flow", "tasks"): resolve_flow_tasks,
    ("flow", "edges"): resolve_flow_edges,
    ("flow", "settings"): resolve_flow_settings,
    ("flow_run", "flow"): lambda run, info: _backend(info).flows.get(run.flow_id),
    ("flow_run", "states"): _nested("flow_run_states", lambda b, run: b.states_of(run.id), {"timestamp": "asc"}),
    ("flow_run", "logs"): _nested("logs", lambda b, run: b.logs_of(run.id), {}),
    ("flow_run", "task_runs"): _nested("task_runs", lambda b, run: b.task_runs_of(run.id), {}),
    ("task_run", "flow_run"): lambda task_run, info: _backend(info).flow_runs.get(task_run.flow_run_id),
    ("task_run", "task"): lambda task_run, info: _backend(info).tasks.get(task_run.task_id),
    ("task_run", "states"): _nested("task_run_states", lambda b, run: b.states_of(run.id), {"timestamp": "asc"}),
}


def sdl() -> str:
    return resources.files(__package__).joinpath("schema.graphql").read_text(encoding="utf-8")


@cache
def build_executable_schema() -> GraphQLSchema:
    """The schema with scalars and resolvers bound (built once; it holds no state:
    resolvers find the backend in ``info.context``)."""
    schema = build_schema(sdl())
    _bind_scalars(schema)
    for (type_name, field_name), resolver in RESOLVERS.items():
        schema.type_map[type_name].fields[field_name].resolve = resolver
    return schema


# ----------------------------------------------------------------------------------
# execution
# ----------------------------------------------------------------------------------


def format_error(error: GraphQLError, default_code: str) -> dict:
    formatted = dict(error.formatted)
    original = error.original_error
    if isinstance(original, PrefectCloudError):
        formatted["message"] = str(original)
        formatted["extensions"] = original.extensions
    elif original is not None and error.path is not None:
        # a resolver failed with something the models did not mean to raise
        logger.error("unexpected error in a resolver", exc_info=(type(original), original, original.__traceback__))
        formatted["extensions"] = {"code": "INTERNAL_SERVER_ERROR"}
    else:
        # parse / validation / variable errors (a scalar's ValueError included)
        formatted["extensions"] = {**formatted.get("extensions", {}), "code": default_code}
    return formatted


def execute_graphql(
    backend: PrefectCloudBackend,
    query: str,
    variables: dict | None = None,
    operation_name: str | None = None,
    auth: AuthInfo | None = None,
    agent_id: str | None = None,
) -> Outcome:
    """Parse, validate and execute one GraphQL request against ``backend``.

    ``auth`` is who the caller authenticated as (the HTTP layer checks the key);
    by default the backend's own tenant, for callers that are trusted.
    """
    schema = build_executable_schema()
    try:
        document = parse(query)
    except GraphQLError as error:
        return Outcome({"errors": [format_error(error, "GRAPHQL_PARSE_FAILED")]}, True)

    validation_errors = validate(schema, document)
    if validation_errors:
        return Outcome(
            {"errors": [format_error(e, "GRAPHQL_VALIDATION_FAILED") for e in validation_errors]},
            True,
        )

    if auth is None:
        auth = AuthInfo(tenant_id=backend.tenant_id, user_id=backend.user_id)
    result = execute_sync(
        schema,
        document,
        context_value=Context(backend=backend, auth=auth, agent_id=agent_id),
        variable_values=variables,
        operation_name=operation_name,
    )
    body: dict = {"data": result.data}
    if result.errors:
        body["errors"] = [format_error(e, "BAD_USER_INPUT") for e in result.errors]
    # Errors without a path (bad variables, unknown operation) stop the request
    # before any resolver runs: a request error. Otherwise data is there (maybe null).
    request_error = bool(result.errors) and result.data is None and all(e.path is None for e in result.errors)
    if request_error:
        body.pop("data")
    return Outcome(body, request_error)
