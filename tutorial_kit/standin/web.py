"""HTTP pieces both emulated APIs share: request size limits, and JSON errors for what no route
answers.

Every answer of the stand-in is JSON, errors included (tornado's own pages are HTML):

- **Size limits.** A request body may hold at most :data:`API_BODY_LIMIT` (1 MiB) on every route,
  except the flow content prefect-saturn's Webhook storage uploads (:data:`FLOW_CONTENT_LIMIT`,
  32 MiB: a cloudpickled flow carries its closures). A larger ``Content-Length`` is refused from
  the headers, before the body is read, with 413 and a JSON error: a body of up to twice the
  limit is read and dropped first (so that the client, still sending it, reads the answer), a
  larger one is answered at once and the connection closed. A chunked body (no
  ``Content-Length``) is buffered up to twice the limit and refused with the same 413 when over
  the limit; beyond twice the limit tornado itself cuts the connection (its plain-text 400).
- **Unknown paths** get 404 and **unknown methods** 405, as JSON in the shape of the API the path
  belongs to (``{"message"}`` for Saturn's REST, ``{"errors": [...]}`` for GraphQL).
"""

from __future__ import annotations

import json
import logging

import tornado.web

log = logging.getLogger("tutorial_kit.standin")

#: The largest request body any API route accepts (JSON and GraphQL requests).
API_BODY_LIMIT = 1 * 2**20
#: The largest flow that prefect-saturn's Webhook storage may upload (a cloudpickled flow).
FLOW_CONTENT_LIMIT = 32 * 2**20


def json_object(body: bytes) -> dict:
    """The request body as a JSON object; ``ValueError`` says what is wrong in a few words, which
    each API puts in its own error shape."""
    try:
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"invalid JSON: {exc}") from None
    except RecursionError:  # json's decoder gives up on thousands of nested [ or {
        raise ValueError("invalid JSON: nested too deeply") from None
    if not isinstance(value, dict):
        raise ValueError("not a JSON object")
    return value


def hard_limit(limit: int) -> int:
    """Bodies up to this size are read (and dropped) before a 413; larger ones are not read."""
    return 2 * limit


#: tornado's own server-wide bound, above every route's hard limit.
SERVER_MAX_BODY = hard_limit(FLOW_CONTENT_LIMIT)


def reason_phrase(message: str, limit: int = 200) -> str:
    """``message`` as an HTTP reason phrase: printable ASCII on one line, at most ``limit`` chars.

    Saturn's error answers carry their message in the status line as well as in the JSON body:
    prefect-saturn and prefect's Webhook storage only call ``raise_for_status()``, whose text is
    the status line and the URL, so without it a user would read "401 Client Error: Unauthorized"
    and not which token to fix.
    """
    text = "".join(c if " " <= c <= "~" else "?" for c in " ".join(str(message).split()))
    return text if len(text) <= limit else text[: limit - 3] + "..."


class AnyMethod:
    """``SUPPORTED_METHODS`` that admits every method, so a handler answers them all itself."""

    def __contains__(self, method) -> bool:
        return True


class JSONHandler(tornado.web.RequestHandler):
    """Base of every stand-in handler: JSON errors (``error_body``), and the size limits."""

    #: The largest body this route accepts; see the module docstring.
    body_limit = API_BODY_LIMIT

    @staticmethod
    def error_body(message: str, code: str) -> dict:
        return {"message": message}

    def send_json(self, status: int, body: dict, reason: str | None = None) -> None:
        self.set_status(status, reason=reason)
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.finish(json.dumps(body, default=str))

    def check_body_size(self) -> None:
        """A chunked body has no Content-Length to check early: check what tornado buffered."""
        if len(self.request.body) > self.body_limit:
            raise tornado.web.HTTPError(413, reason=too_large_message(self.body_limit))

    def write_error(self, status_code: int, **kwargs) -> None:
        code = "INTERNAL_SERVER_ERROR" if status_code >= 500 else _CODES.get(status_code, "BAD_REQUEST")
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.finish(json.dumps(self.error_body(self._reason or "Internal Server Error", code)))


_CODES = {401: "UNAUTHENTICATED", 404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 413: "PAYLOAD_TOO_LARGE",
          415: "UNSUPPORTED_MEDIA_TYPE"}


def too_large_message(limit: int) -> str:
    return f"Request body too large: at most {limit:,} bytes"


@tornado.web.stream_request_body
class PayloadTooLargeHandler(JSONHandler):
    """Answers 413, whatever the method, to a request whose Content-Length is over its route's
    limit; routed to by :class:`Application` from the headers, so the body is never kept."""

    SUPPORTED_METHODS = AnyMethod()

    def initialize(self, limit: int, length: int, error_body) -> None:
        self.limit, self.length, self.error_body = limit, length, error_body

    def prepare(self) -> None:
        if self.length > hard_limit(self.limit):
            # Not worth reading: answer now, and close the connection after the answer (which
            # tornado does, without saying so unless told: the client must not reuse it).
            self.request.connection.set_max_body_size(self.length)
            self.set_header("Connection", "close")
            self._refuse()

    def data_received(self, chunk: bytes) -> None:
        pass  # dropped

    def _refuse(self, *args) -> None:
        message = too_large_message(self.limit)
        self.send_json(413, self.error_body(message, "PAYLOAD_TOO_LARGE"), reason=reason_phrase(message))

    get = post = put = patch = delete = head = options = _refuse

    def __getattr__(self, name: str):  # any other method tornado looks up once the body is read
        if name.islower() and name.isidentifier() and not name.startswith("_"):
            return self._refuse
        raise AttributeError(name)


class NotFoundHandler(JSONHandler):
    """What answers a path that no route matches: 404 with a JSON error, whatever the method."""

    SUPPORTED_METHODS = AnyMethod()

    def prepare(self) -> None:
        raise tornado.web.HTTPError(404, reason=reason_phrase(f"No such endpoint: {self.request.path}"))


class Application(tornado.web.Application):
    """Picks each request's handler from its headers, and refuses an oversized body there, before
    reading it (see the module docstring)."""

    def find_handler(self, request, **kwargs):
        delegate = super().find_handler(request, **kwargs)
        handler_class = getattr(delegate, "handler_class", None)
        limit = getattr(handler_class, "body_limit", API_BODY_LIMIT)
        connection = getattr(request, "connection", None)
        if connection is not None:
            connection.set_max_body_size(hard_limit(limit))  # bounds a chunked body too
        try:
            length = int(request.headers.get("Content-Length", ""))
        except ValueError:  # none (or malformed: tornado answers that itself)
            return delegate
        if length > limit:
            error_body = getattr(handler_class, "error_body", JSONHandler.error_body)
            return self.get_handler_delegate(
                request, PayloadTooLargeHandler, {"limit": limit, "length": length, "error_body": error_body}
            )
        return delegate
