"""The executable GraphQL schema of the stand-in: SDL from ``schema.graphql``, its scalars
(``scalars.py``) and the resolvers that read and change a ``PrefectCloudBackend`` taken from the
context (``resolvers/``), built once.

Everything is parsed, validated and executed by graphql-core. ``execute_graphql``
is the one entry point; it returns the response body and whether the failure (if
any) happened before execution (bad syntax, unknown fields, bad variables), which
the HTTP layer answers with 400, as Apollo-based Prefect Cloud did; errors raised
while resolving (``exceptions.PrefectCloudError``) come back next to ``data`` with
status 200, which is what prefect's client reads their text from.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache
from importlib import resources

from graphql import (
    GraphQLError,
    GraphQLSchema,
    build_schema,
    execute_sync,
    parse,
    validate,
)

from .exceptions import PrefectCloudError
from .models import AuthInfo, PrefectCloudBackend
from .resolvers import all_resolvers
from .scalars import bind_scalars

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


def sdl() -> str:
    return resources.files(__package__).joinpath("schema.graphql").read_text(encoding="utf-8")


@cache
def build_executable_schema() -> GraphQLSchema:
    """The schema with scalars and resolvers bound (built once; it holds no state:
    resolvers find the backend in ``info.context``)."""
    schema = build_schema(sdl())
    bind_scalars(schema)
    for (type_name, field_name), resolver in all_resolvers().items():
        schema.type_map[type_name].fields[field_name].resolve = resolver
    return schema


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
