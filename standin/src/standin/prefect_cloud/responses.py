"""HTTP layer of the Prefect Cloud 1.x stand-in: one tornado handler for /graphql.

What prefect 1.4.1's ``Client`` sends: ``POST`` with a JSON body ``{"query": str,
"variables": str}`` (``variables`` is ``json.dumps(variables)``, so ``"null"`` when
there are none), ``Authorization: Bearer <api key>``, ``X-PREFECT-TENANT-ID`` once it
knows its tenant, ``X-PREFECT-CORE-VERSION``.

Status codes, chosen from how the client reads them (``Client._send_request`` /
``Client.graphql``):

- 200 for everything that reaches authentication or execution, including a wrong or
  missing key: the body's ``errors`` carry ``extensions.code = "UNAUTHENTICATED"``,
  which the client turns into ``AuthorizationError`` (``prefect auth login`` prints
  "Unauthorized. Invalid Prefect Cloud API key."). A 401 would make
  ``raise_for_status`` throw a bare ``requests.HTTPError`` that the CLI does not
  catch (a traceback, not prefect's message).
- 400 for GraphQL request errors (syntax, validation, bad variables) with the usual
  ``{"errors": [...]}`` body; the client formats those into a ``ClientError`` naming
  each code and message. 400 also for a body that is not JSON or has no query.
- 405 for other methods, 404 for other paths, 413 for a body over ``API_BODY_LIMIT``
  (``core/responses.py``), 415 for a content type other than ``application/json``; 500 (JSON)
  only for a bug in the stand-in, or
  when a test injects it (``faults/``: prefect retries a 500 at once, then after 2, 4, 8, 16
  and 32 s, so a fault that should not cost a minute is ``"times": 1``).

The 413, 405, the key check, injected faults, the 415 and a body that is not a JSON object come
from the stand-in's one request pipeline (``core/responses.py``), in that order, the same for
every API: a request with both a wrong key and a bad body gets the ``UNAUTHENTICATED`` answer.
This module says what is GraphQL's in it: the key check, the operations a fault may name (the
query's root fields), and the error shape, ``{"errors": [{"message", "extensions": {"code"}}]}``
with ``"data": null`` when the answer is a 200; then it reads the query and runs it.

The answer to an ``UNAUTHENTICATED`` error names ``PREFECT_USER_TOKEN``, the variable the
tutorial logs in with: prefect puts the errors' text into its ``AuthorizationError``.
"""

from __future__ import annotations

import json
import uuid

from graphql import GraphQLError, OperationDefinitionNode, parse

from ..core.exceptions import APIError, BadRequest
from ..core.responses import APIHandler, json_object
from .exceptions import PrefectCloudError, Unauthenticated
from .models import PrefectCloudBackend
from .schema import execute_graphql


def root_fields(query: str) -> tuple[str, ...]:
    """The root fields a GraphQL document asks for (what a fault's ``operation`` matches);
    none when it does not parse."""
    try:
        document = parse(query)
    except GraphQLError:
        return ()
    return tuple(
        selection.name.value
        for definition in document.definitions
        if isinstance(definition, OperationDefinitionNode)
        for selection in definition.selection_set.selections
        if hasattr(selection, "name")
    )


class GraphQLHandler(APIHandler):
    """``POST /graphql``: the whole of Prefect Cloud's API."""

    api = "prefect"
    unauthorized = Unauthenticated
    body_required = True  # a POST without a body is a request without a query
    invalid_body = "POST body must be a JSON object with a 'query' string"
    method_not_allowed_message = "Send GraphQL requests with POST."

    def initialize(self, backend: PrefectCloudBackend) -> None:
        self.backend = backend

    @staticmethod
    def error_body(error: APIError) -> dict:
        """GraphQL's error shape. A 200 is an answer that got as far as the key check or
        execution, so it has ``data`` (null), as prefect reads it; a request error has none."""
        extensions = error.extensions if isinstance(error, PrefectCloudError) else {"code": error.code}
        errors = [{"message": error.message, "extensions": extensions}]
        return {"data": None, "errors": errors} if error.status == 200 else {"errors": errors}

    def reason(self, error: APIError) -> str | None:
        """The standard phrase on a 400: for a 400, prefect's ``ClientError`` prints the status
        line and then the body's errors, so the message in both would say it twice."""
        return None if error.status == 400 else super().reason(error)

    # -- the pipeline's steps, GraphQL's way ---------------------------------------

    def authenticate(self) -> None:
        self.auth = self.backend.authenticate(self._api_key(), tenant_id=self._tenant_header())

    def fault_operations(self) -> tuple[str, ...]:
        """The query's root fields, read from the body before the pipeline's JSON step (faults
        come first), so a body that is not a GraphQL request names none. Test-only: asked only
        while a fault names an operation."""
        try:
            query = json_object(self.request.body).get("query")
        except ValueError:
            return ()
        return root_fields(query) if isinstance(query, str) else ()

    def _api_key(self) -> str:
        header = self.request.headers.get("Authorization")
        if not header:
            raise Unauthenticated()
        scheme, _, token = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("Malformed Authorization header (check PREFECT_USER_TOKEN)")
        return token.strip()

    def _tenant_header(self) -> str | None:
        value = self.request.headers.get("X-Prefect-Tenant-Id")
        if not value:
            return None
        try:
            return str(uuid.UUID(value.strip()))
        except ValueError:
            raise Unauthenticated(f"Unauthenticated: invalid tenant id {value!r}.") from None

    def _graphql_request(self) -> tuple[str, dict | None, str | None]:
        """(query, variables, operationName) from the JSON object the pipeline read."""
        payload = self.json_body()
        query = payload.get("query")
        if not isinstance(query, str) or not query.strip():
            raise BadRequest("POST body missing query: must provide a 'query' string.")
        variables = payload.get("variables")
        if isinstance(variables, str):  # prefect sends json.dumps(variables)
            try:
                variables = json.loads(variables) if variables.strip() else None
            except ValueError as exc:
                raise BadRequest(f"'variables' is a string but not valid JSON: {exc}") from None
            except RecursionError:
                raise BadRequest("'variables' is a string but not valid JSON: nested too deeply") from None
        if variables is not None and not isinstance(variables, dict):
            raise BadRequest("'variables' must be a JSON object (or a string holding one).")
        operation_name = payload.get("operationName")
        if operation_name is not None and not isinstance(operation_name, str):
            raise BadRequest("'operationName' must be a string.")
        return query, variables, operation_name

    # -- methods -----------------------------------------------------------------

    def post(self) -> None:
        query, variables, operation_name = self._graphql_request()
        outcome = execute_graphql(
            self.backend,
            query,
            variables,
            operation_name,
            auth=self.auth,
            agent_id=self.request.headers.get("X-Prefect-Agent-Id"),
        )
        self.write_json(outcome.body, status=400 if outcome.request_error else 200)
