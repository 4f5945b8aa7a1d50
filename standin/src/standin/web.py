"""The stand-in's tornado ``Application``: which handler answers a request, chosen from its
headers alone. That is where an oversized body is refused (before it is read), and where a path
no route matches is answered. Both answers are JSON errors, rendered like every other error by
the request pipeline (``core/responses.py``).

- **Size limits.** A request body may hold at most ``API_BODY_LIMIT`` (1 MiB) on every route,
  except the flow content that prefect-saturn's Webhook storage uploads (``FLOW_CONTENT_LIMIT``,
  32 MiB). Both are set in ``core/responses.py``. A larger ``Content-Length`` is refused from the
  headers, before the body is read, with 413 and a JSON error. A body of up to twice the limit
  is read and dropped first, so that the client, which is still sending it, reads the answer. A
  larger one is answered at once and the connection closed. A chunked body (no
  ``Content-Length``) is buffered up to twice the limit and refused with the same 413 by the
  pipeline when it is over the limit. Beyond twice the limit, tornado itself cuts the
  connection (its plain-text 400).
- **Unknown paths** get 404 as JSON (``{"message"}``), whatever the method.
- **Request hooks** are the application's ``request_hooks`` setting, which the pipeline calls
  once per request (``core/responses.py``, step 4); the test-only fault room is one.
"""

from __future__ import annotations

import tornado.web

from .core.exceptions import NoSuchEndpoint, PayloadTooLarge
from .core.responses import API_BODY_LIMIT, FLOW_CONTENT_LIMIT, APIHandler, hard_limit

#: tornado's own server-wide bound, above every route's hard limit.
SERVER_MAX_BODY = hard_limit(FLOW_CONTENT_LIMIT)


class AnyMethod:
    """``SUPPORTED_METHODS`` that admits every method, so a handler answers them all itself."""

    def __contains__(self, method) -> bool:
        return True


@tornado.web.stream_request_body
class PayloadTooLargeHandler(APIHandler):
    """Answers 413, whatever the method, to a request whose Content-Length is over its route's
    limit, in that route's error shape. :class:`Application` routes such a request here from
    its headers, so the body is never kept."""

    SUPPORTED_METHODS = AnyMethod()

    def initialize(self, limit: int, length: int, error_body) -> None:
        self.limit, self.length, self.error_body = limit, length, error_body

    def prepare(self) -> None:
        if self.length > hard_limit(self.limit):
            # Not worth reading: answer now, and close the connection after the answer (which
            # tornado does, without saying so unless told: the client must not reuse it).
            self.request.connection.set_max_body_size(self.length)
            raise PayloadTooLarge(self.limit, close=True)

    def data_received(self, chunk: bytes) -> None:
        pass  # dropped

    def _refuse(self, *args) -> None:
        raise PayloadTooLarge(self.limit)

    get = post = put = patch = delete = head = options = _refuse

    def __getattr__(self, name: str):  # any other method tornado looks up once the body is read
        if name.islower() and name.isidentifier() and not name.startswith("_"):
            return self._refuse
        raise AttributeError(name)


class NotFoundHandler(APIHandler):
    """What answers a path that no route matches: 404 with a JSON error, whatever the method."""

    SUPPORTED_METHODS = AnyMethod()

    def prepare(self) -> None:
        raise NoSuchEndpoint(self.request.path)


class Application(tornado.web.Application):
    """Picks each request's handler from its headers, and refuses an oversized body there, before
    reading it (see the module docstring). ``request_hooks``: callables each request's pipeline
    calls with its handler (``core/responses.py``, step 4)."""

    def __init__(self, handlers, request_hooks=(), **settings):
        super().__init__(handlers, request_hooks=tuple(request_hooks), **settings)

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
            error_body = getattr(handler_class, "error_body", APIHandler.error_body)
            return self.get_handler_delegate(
                request, PayloadTooLargeHandler, {"limit": limit, "length": length, "error_body": error_body}
            )
        return delegate
