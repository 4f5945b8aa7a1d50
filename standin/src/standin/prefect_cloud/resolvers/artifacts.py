"""Resolvers of task run artifacts (``prefect.backend.artifacts``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .tables import backend_of, list_resolver


def resolve_create_task_run_artifact(_root: Any, info: Any, input: dict) -> dict:
    artifact = backend_of(info).create_task_run_artifact(input["task_run_id"], input["kind"], input["data"])
    return {"id": artifact.id}


def resolve_update_task_run_artifact(_root: Any, info: Any, input: dict) -> dict:
    return {"success": backend_of(info).update_task_run_artifact(input["task_run_artifact_id"], input["data"])}


def resolve_delete_task_run_artifact(_root: Any, info: Any, input: dict) -> dict:
    return {"success": backend_of(info).delete_task_run_artifact(input["task_run_artifact_id"])}


#: The fields of task run artifacts, by (type, field) of ``schema.graphql``.
RESOLVERS: dict[tuple[str, str], Callable[..., Any]] = {
    ("Query", "task_run_artifact"): list_resolver("task_run_artifacts"),
    ("task_run_artifact", "task_run"): lambda artifact, info: backend_of(info).task_runs.get(artifact.task_run_id),
    ("Mutation", "create_task_run_artifact"): resolve_create_task_run_artifact,
    ("Mutation", "update_task_run_artifact"): resolve_update_task_run_artifact,
    ("Mutation", "delete_task_run_artifact"): resolve_delete_task_run_artifact,
}
