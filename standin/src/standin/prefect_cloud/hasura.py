"""Hasura's ``where`` and ``order_by`` semantics, evaluated over the stand-in's records.

Prefect Cloud 1.x served its read API through Hasura: every list field takes a ``where``
(``<table>_bool_exp``) and an ``order_by``, and prefect's client builds its queries from them
(``flow(where: {name: {_eq: N}, project: {name: {_eq: P}}})``, the agent's
``flow_run(where: {_or: [..., {task_runs: {state_start_time: {_lte: T}}}]})``). The GraphQL layer
passes those dicts through unchanged; this module decides which records match and in what order,
so that the models never see GraphQL.

Relations come from a ``related(record, name)`` callable: it returns the related record (an
object relation, e.g. ``flow_run.flow``), a list of records (an array relation, e.g.
``flow_run.task_runs``: the condition holds when ANY of them matches, as Hasura's EXISTS), or
raises ``KeyError`` when ``name`` is not a relation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .exceptions import InvalidInput

#: ``related(record, name)``: the related record, a list of them, or KeyError.
Related = Callable[[Any, str], Any]


def _compare(op: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def compare(value: Any, operand: Any) -> bool:
        if value is None:
            return False
        try:
            return op(value, operand)
        except TypeError:
            return False

    return compare


COMPARISON_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "_eq": lambda value, operand: value is not None and value == operand,
    "_neq": lambda value, operand: value is not None and value != operand,
    "_in": lambda value, operand: value is not None and value in operand,
    "_nin": lambda value, operand: value is not None and value not in operand,
    "_gt": _compare(lambda a, b: a > b),
    "_gte": _compare(lambda a, b: a >= b),
    "_lt": _compare(lambda a, b: a < b),
    "_lte": _compare(lambda a, b: a <= b),
}

_NO_RELATION = object()


def _field_value(record: Any, name: str) -> Any:
    if not hasattr(record, name):
        raise InvalidInput(f"field {name!r} not found in type: {type(record).__name__.lower()}_bool_exp")
    return getattr(record, name)


def _relation(record: Any, name: str, related: Related | None) -> Any:
    if related is None:
        return _NO_RELATION
    try:
        return related(record, name)
    except KeyError:
        return _NO_RELATION


def matches(record: Any, where: Mapping | None, related: Related | None = None) -> bool:
    """Does ``record`` satisfy a Hasura ``where`` (``*_bool_exp``) dict?

    Supports ``_and`` (a list, or one object: GraphQL list coercion), ``_or``, ``_not``,
    relations (see the module docstring) and, per column, ``_eq _neq _in _nin _gt _gte _lt _lte
    _is_null``. As in Hasura, a comparison whose operand is null is ignored (counts as true), and
    so is an empty ``{}``; use ``_is_null`` to test for null.
    """
    if not where:
        return True
    return all(_holds(record, key, condition, related) for key, condition in where.items())


def _holds(record: Any, key: str, condition: Any, related: Related | None) -> bool:
    if key == "_and":
        parts = [condition] if isinstance(condition, Mapping) else condition or []
        return all(matches(record, part, related) for part in parts)
    if key == "_or":
        return condition is None or any(matches(record, part, related) for part in condition)
    if key == "_not":
        return condition is None or not matches(record, condition, related)
    relation = _relation(record, key, related)
    if relation is not _NO_RELATION:
        if condition is None:
            return True
        if isinstance(relation, list):  # an array relation: EXISTS
            return any(matches(item, condition, related) for item in relation)
        return relation is not None and matches(relation, condition, related)
    return _column_holds(_field_value(record, key), condition or {})


def _column_holds(value: Any, condition: Mapping) -> bool:
    for op, operand in condition.items():
        if op == "_is_null":
            if operand is not None and (value is None) != bool(operand):
                return False
            continue
        if op not in COMPARISON_OPERATORS:
            raise InvalidInput(f"Unsupported comparison operator {op!r}.")
        if operand is None:
            continue
        if op in ("_in", "_nin"):
            operand = list(operand)
        if not COMPARISON_OPERATORS[op](value, operand):
            return False
    return True


def _path_value(record: Any, path: tuple, related: Related | None) -> Any:
    for name in path[:-1]:
        record = _relation(record, name, related)
        if record is _NO_RELATION or isinstance(record, list):
            raise InvalidInput(f"{name!r} is not an object relation that can be ordered by.")
        if record is None:
            return None
    return _field_value(record, path[-1])


def _order_specs(order_by: Any) -> list[tuple[tuple, str]]:
    specs: list[tuple[tuple, str]] = []

    def collect(spec: Mapping, prefix: tuple) -> None:
        for key, direction in spec.items():
            if isinstance(direction, Mapping):
                collect(direction, prefix + (key,))
            elif direction is not None:
                specs.append((prefix + (key,), str(direction)))

    for spec in [order_by] if isinstance(order_by, Mapping) else order_by:
        collect(spec, ())
    return specs


def sort_records(records: list, order_by: Any, related: Related | None = None) -> list:
    """Order records by a Hasura ``order_by`` (a dict or a list of dicts).

    Directions: asc, desc and their ``_nulls_first`` / ``_nulls_last`` variants; as in
    Postgres, nulls sort last for asc and first for desc unless told otherwise.
    """
    if not order_by:
        return list(records)
    result = list(records)
    for path, direction in reversed(_order_specs(order_by)):  # stable sorts, least significant first
        descending = direction.startswith("desc")
        nulls_first = direction.endswith("nulls_first") or (descending and not direction.endswith("nulls_last"))
        keyed = [(_path_value(r, path, related), r) for r in result]
        present = sorted((kr for kr in keyed if kr[0] is not None), key=lambda kr: kr[0], reverse=descending)
        absent = [r for value, r in keyed if value is None]
        ordered = [r for _, r in present]
        result = absent + ordered if nulls_first else ordered + absent
    return result


def _distinct(rows: list, columns: list[str], order_by: Any) -> list:
    """Postgres's ``DISTINCT ON (columns)``: the first row (in ``order_by``'s order) of each
    combination of values. As Hasura, refused unless ``order_by`` starts with those columns."""
    if order_by:
        leading = [path[0] for path, _ in _order_specs(order_by)][: len(columns)]
        if sorted(leading) != sorted(columns):
            raise InvalidInput('"distinct_on" columns must match initial "order_by" columns')
    seen: set = set()
    kept = []
    for row in rows:
        key = tuple(_field_value(row, column) for column in columns)
        if key not in seen:
            seen.add(key)
            kept.append(row)
    return kept


def select(
    records, where=None, order_by=None, limit=None, offset=None, related: Related | None = None, distinct_on=None
) -> list:
    """``records`` filtered, ordered, made distinct and paged as a Hasura list field does."""
    rows = sort_records([r for r in records if matches(r, where, related)], order_by, related)
    if distinct_on:
        rows = _distinct(rows, [distinct_on] if isinstance(distinct_on, str) else list(distinct_on), order_by)
    if offset:
        rows = rows[offset:]
    if limit is not None:
        rows = rows[: max(limit, 0)]
    return rows
