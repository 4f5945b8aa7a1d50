"""The custom scalars of ``schema.graphql`` bound to Python: ``JSON`` as it is, ``UUID``/``uuid``
checked and normalised as Postgres did in Prefect Server 1.x (its error texts), ``timestamptz`` as
a timezone-aware ``datetime`` (naive means UTC)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from graphql import GraphQLError, GraphQLSchema, ValueNode
from graphql.language import StringValueNode
from graphql.utilities import value_from_ast_untyped


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


def bind_scalars(schema: GraphQLSchema) -> None:
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
