"""Resolvers of the tenant and its one user: who the caller is (``auth_info``, ``tenant``), the
stand-in's one API key, and what it declines as Prefect Cloud declined what a user's role did not
allow: secrets, task concurrency limits, more API keys."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from ..exceptions import NotFound
from ..models import AuthInfo
from .tables import backend_of, declined, list_resolver, none_kept


def resolve_auth_info(_root: Any, info: Any) -> AuthInfo:
    return info.context.auth


def resolve_auth_api_key(_root: Any, info: Any, where=None, limit=None, offset=None) -> list:
    """The stand-in's one key, described (its secret is never part of an answer)."""
    backend = backend_of(info)
    key = {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"standin-api-key:{backend.tenant_id}")),
        "name": "the stand-in's key (PREFECT_USER_TOKEN)",
        "user_id": backend.user_id,
        "created": backend.tenant.created,
        "expires_at": None,
    }
    return [key][offset or 0 :][: limit if limit is not None else None]


def resolve_hello(_root: Any, info: Any) -> str:
    return "👋"


def resolve_secret_value(_root: Any, info: Any, name: str):
    raise NotFound(
        f"No secret named {name!r}: the stand-in keeps no secrets. A flow run that asks for one "
        "lacks an environment variable (BASE_URL or SATURN_TOKEN for Saturn's Webhook storage)."
    )


#: The fields of the tenant and its key, by (type, field) of ``schema.graphql``.
RESOLVERS: dict[tuple[str, str], Callable[..., Any]] = {
    ("Query", "auth_info"): resolve_auth_info,
    ("Query", "tenant"): list_resolver("tenants"),
    ("Query", "hello"): resolve_hello,
    ("Query", "secret_value"): resolve_secret_value,
    ("Query", "task_tag_limit"): none_kept,
    ("Query", "auth_api_key"): resolve_auth_api_key,
    ("Mutation", "set_secret"): declined(
        "The stand-in keeps no secrets: set it as an environment variable of the flow run instead."
    ),
    ("Mutation", "update_task_tag_limit"): declined("The stand-in enforces no task concurrency limits."),
    ("Mutation", "delete_task_tag_limit"): declined("The stand-in enforces no task concurrency limits."),
    ("Mutation", "create_api_key"): declined(
        "The stand-in has one API key, the one it started with (PREFECT_USER_TOKEN): it makes no others."
    ),
    ("Mutation", "delete_api_key"): declined(
        "The stand-in has one API key, the one it started with (PREFECT_USER_TOKEN): it revokes none."
    ),
}
