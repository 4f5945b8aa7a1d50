"""Resolvers of the KV store (``prefect kv``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .tables import backend_of, list_resolver


def resolve_set_key_value(_root: Any, info: Any, input: dict) -> dict:
    return {"id": backend_of(info).set_key_value(input["key"], input["value"]).id}


def resolve_delete_key_value(_root: Any, info: Any, input: dict) -> dict:
    return {"success": backend_of(info).delete_key_value(input["key_value_id"])}


#: The fields of the KV store, by (type, field) of ``schema.graphql``.
RESOLVERS: dict[tuple[str, str], Callable[..., Any]] = {
    ("Query", "key_value"): list_resolver("key_values"),
    ("Mutation", "set_key_value"): resolve_set_key_value,
    ("Mutation", "delete_key_value"): resolve_delete_key_value,
}
