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
- 405 for other methods, 404 for other paths, 413 for a body over 1 MiB (``web.py``), 415 for
  a content type other than ``application/json``; 500 (JSON) only for a bug in the stand-in, or
  when a test injects it (``faults.py``: prefect retries a 500 at once, then after 2, 4, 8, 16
  and 32 s, so a fault that should not cost a minute is ``"times": 1``).

The answer to an ``UNAUTHENTICATED`` error names ``PREFECT_USER_TOKEN``, the variable the
tutorial logs in with: prefect puts the errors' text into its ``AuthorizationError``.
"""

from __future__ import annotations

import http.client
import json
import logging
import uuid
from typing import Any, Optional

from graphql import GraphQLError, OperationDefinitionNode, parse

from ..faults import FaultSet
from ..web import JSONHandler, json_object, reason_phrase
from .exceptions import Unauthenticated
from .models import PrefectCloudBackend
from .schema import execute_graphql

logger = logging.getLogger(__name__)


def _error_body(message: str, code: str) -> dict:
    return {"errors": [{"message": message, "extensions": {"code": code}}]}


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


class GraphQLHandler(JSONHandler):
    backend: PrefectCloudBackend

    def initialize(self, backend: PrefectCloudBackend, faults: FaultSet | None = None) -> None:
        self.backend = backend
        self.faults = faults if faults is not None else FaultSet()

    @staticmethod
    def error_body(message: str, code: str) -> dict:
        return _error_body(message, code)

    # -- helpers -----------------------------------------------------------------

    def _send(self, status: int, body: dict, reason: Optional[str] = None) -> None:
        self.send_json(status, body, reason=reason)

    def _api_key(self) -> str:
        header = self.request.headers.get("Authorization")
        if not header:
            raise Unauthenticated()
        scheme, _, token = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("Malformed Authorization header (check PREFECT_USER_TOKEN)")
        return token.strip()

    def _tenant_header(self) -> Optional[str]:
        value = self.request.headers.get("X-Prefect-Tenant-Id")
        if not value:
            return None
        try:
            return str(uuid.UUID(value.strip()))
        except ValueError:
            raise Unauthenticated(f"Unauthenticated: invalid tenant id {value!r}.") from None

    def _payload(self) -> tuple[str, Optional[dict], Optional[str]]:
        """(query, variables, operationName) from the body; ValueError says what is wrong."""
        try:
            payload: Any = json_object(self.request.body or b"")
        except ValueError as exc:
            raise ValueError(f"POST body must be a JSON object with a 'query' string: {exc}") from None
        query = payload.get("query")
        if not isinstance(query, str) or not query.strip():
            raise ValueError("POST body missing query: must provide a 'query' string.")
        variables = payload.get("variables")
        if isinstance(variables, str):  # prefect sends json.dumps(variables)
            try:
                variables = json.loads(variables) if variables.strip() else None
            except ValueError as exc:
                raise ValueError(f"'variables' is a string but not valid JSON: {exc}") from None
            except RecursionError:
                raise ValueError("'variables' is a string but not valid JSON: nested too deeply") from None
        if variables is not None and not isinstance(variables, dict):
            raise ValueError("'variables' must be a JSON object (or a string holding one).")
        operation_name = payload.get("operationName")
        if operation_name is not None and not isinstance(operation_name, str):
            raise ValueError("'operationName' must be a string.")
        return query, variables, operation_name

    # -- methods -----------------------------------------------------------------

    def post(self) -> None:
        self.check_body_size()
        content_type = self.request.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if content_type not in ("", "application/json"):
            message = f"Content-Type {content_type!r} is not supported: send JSON (application/json)"
            self._send(415, _error_body(message, "UNSUPPORTED_MEDIA_TYPE"), reason=reason_phrase(message))
            return
        try:
            query, variables, operation_name = self._payload()
        except ValueError as exc:
            self._send(400, _error_body(str(exc), "BAD_REQUEST"))
            return

        fault = None
        if self.faults:  # test-only (faults.py)
            operations = root_fields(query) if self.faults.wants_operations() else ()
            fault = self.faults.take("prefect", "POST", self.request.path, operations)
        if fault is not None and fault.action == "error":
            status = fault.status or 500
            message = fault.message or http.client.responses.get(status, "Error")
            code = "INTERNAL_SERVER_ERROR" if status >= 500 else "BAD_REQUEST"
            self._send(status, _error_body(message, code), reason=reason_phrase(message))
            return

        try:
            if fault is not None and fault.action == "unauthorized":
                raise Unauthenticated()
            auth = self.backend.authenticate(self._api_key(), tenant_id=self._tenant_header())
        except Unauthenticated as exc:
            self._send(
                200,
                {"data": None, "errors": [{"message": str(exc), "extensions": exc.extensions}]},
            )
            return

        outcome = execute_graphql(self.backend, query, variables, operation_name, auth=auth,
                                  agent_id=self.request.headers.get("X-Prefect-Agent-Id"))
        self._send(400 if outcome.request_error else 200, outcome.body)

    def get(self) -> None:
        self.set_header("Allow", "POST")
        self._send(405, _error_body("Send GraphQL requests with POST.", "METHOD_NOT_ALLOWED"))

