"""What every family of resolvers shares: the backend of a request, and the resolvers of Hasura's
table fields as Prefect Server 1.x had them (a list with ``where``, ``order_by``, ``limit``,
``offset`` and ``distinct_on``; its ``<table>_aggregate``; a record's nested list; a table the
stand-in keeps nothing in), and of an operation the stand-in declines."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..exceptions import Declined
from ..models import PrefectCloudBackend


def backend_of(info: Any) -> PrefectCloudBackend:
    return info.context.backend


def list_resolver(table: str) -> Callable[..., list]:
    def resolve(_root: Any, info: Any, where=None, order_by=None, limit=None, offset=None, distinct_on=None):
        return backend_of(info).query(table, where, order_by, limit, offset, distinct_on=distinct_on)

    return resolve


def aggregate_resolver(table: str, records_of: Callable[[Any, Any], list] | None = None) -> Callable[..., dict]:
    """``<table>_aggregate``: Hasura's ``{aggregate {count}, nodes}`` over the rows a list field
    with the same arguments would give (``distinct_on`` included: ``flows_aggregate(distinct_on:
    name)`` counts a project's flows, not their versions)."""

    def resolve(root: Any, info: Any, where=None, order_by=None, limit=None, offset=None, distinct_on=None) -> dict:
        backend = backend_of(info)
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


def nested(table: str, records_of: Callable[[Any, Any], list], default_order: dict) -> Callable[..., list]:
    """A list field of a record that takes Hasura arguments (``flow_run.states(where: ...)``)."""

    def resolve(record: Any, info: Any, where=None, order_by=None, limit=None, offset=None, distinct_on=None) -> list:
        backend = backend_of(info)
        among = records_of(backend, record)
        return backend.query(
            table, where, order_by or default_order, limit, offset, among=among, distinct_on=distinct_on
        )

    return resolve


def declined(reason: str) -> Callable[..., Any]:
    def resolve(_root: Any, info: Any, input: dict) -> Any:
        raise Declined(reason)

    return resolve


def none_kept(_root: Any, info: Any, **_arguments: Any) -> list:
    """A table the stand-in keeps nothing in (task tag limits, agent configs): Hasura's empty list."""
    return []
