"""Resolvers of the agents: registering one, and the queue of runs it polls."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .tables import backend_of, list_resolver, none_kept


def resolve_register_agent(_root: Any, info: Any, input: dict) -> dict:
    agent = backend_of(info).register_agent(
        input.get("type"), input.get("name"), input.get("labels"), agent_config_id=input.get("agent_config_id")
    )
    return {"id": agent.id}


def resolve_get_runs_in_queue(_root: Any, info: Any, input: dict) -> dict:
    ids = backend_of(info).runs_in_queue(input.get("labels") or [], input.get("before"), info.context.agent_id)
    return {"flow_run_ids": ids}


#: The fields of agents, by (type, field) of ``schema.graphql``.
RESOLVERS: dict[tuple[str, str], Callable[..., Any]] = {
    ("Query", "agent"): list_resolver("agents"),
    ("Query", "agent_config"): none_kept,
    ("Mutation", "register_agent"): resolve_register_agent,
    ("Mutation", "get_runs_in_queue"): resolve_get_runs_in_queue,
}
