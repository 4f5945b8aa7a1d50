"""The stand-in's tornado ``Application``: the routes, and what answers a path that none matches.

- **Size limits** are tornado's own (``HTTPServer(max_body_size=...)`` and, per request,
  ``HTTP1Connection.set_max_body_size``): :data:`SERVER_MAX_BODY` bounds a request until its
  headers are in, and one that no route matches; each API route then sets its own bound from its
  ``body_limit`` (the flow upload's is higher), where a ``Content-Length`` past it is refused with
  413 before the body is read (the request pipeline, ``core/responses.py``, step 1).
- **Unknown paths** get 404 as JSON (``{"message"}``), whatever the method.
- **Request hooks** are the application's ``request_hooks`` setting, which the pipeline calls
  once per request (``core/responses.py``, step 4); the test-only fault room is one.
"""

from __future__ import annotations

import tornado.web

from .core.exceptions import NoSuchEndpoint
from .core.responses import API_BODY_LIMIT, APIHandler, hard_limit

#: tornado's own server-wide bound on a body: what a path no route matches may send; each API
#: route sets its own (the flow content's is higher).
SERVER_MAX_BODY = hard_limit(API_BODY_LIMIT)


class AnyMethod:
    """``SUPPORTED_METHODS`` that admits every method, so a handler answers them all itself."""

    def __contains__(self, method) -> bool:
        return True


class NotFoundHandler(APIHandler):
    """What answers a path that no route matches: 404 with a JSON error, whatever the method."""

    SUPPORTED_METHODS = AnyMethod()

    def prepare(self) -> None:
        raise NoSuchEndpoint(self.request.path)


class Application(tornado.web.Application):
    """The routes and their settings. ``request_hooks``: callables each request's pipeline calls
    with its handler (``core/responses.py``, step 4)."""

    def __init__(self, handlers, request_hooks=(), **settings):
        super().__init__(handlers, request_hooks=tuple(request_hooks), **settings)
