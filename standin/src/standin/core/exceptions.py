"""The one error type of the stand-in's APIs, :class:`APIError`, and the errors the request
pipeline itself answers with (``responses.py``). Like moto's ``moto/core/exceptions.py``.

An :class:`APIError` is an answer the stand-in means to give: an HTTP ``status``, a
machine-readable ``code`` and a ``message`` for people. Each API's own errors derive from it
(``saturn/exceptions.py``, ``prefect_cloud/exceptions.py``; the fault room's ``FaultSpecError`` is a
bad spec, not an answer), so the
models raise them without knowing any HTTP machinery, and the pipeline turns every one into the
wire shape of the API that was called, in one place (``APIHandler.write_error``).

Not called ``StandInError``: ``client.StandInError`` is the error the caller
of the stand-in gets when it cannot be started, not an answer to a client.
"""

from __future__ import annotations

import http.client


def code_for(status: int) -> str:
    """The code of an error answer that has none of its own (an injected fault, a tornado
    ``HTTPError``): what the GraphQL shape puts in ``extensions.code``."""
    return "INTERNAL_SERVER_ERROR" if status >= 500 else "BAD_REQUEST"


class APIError(Exception):
    """An error answer: ``status``, ``code`` and ``message``, as class defaults that a subclass
    names once, or per instance."""

    status = 400
    code = "BAD_REQUEST"
    message = "Bad Request"
    #: Response headers the answer needs (e.g. ``Allow`` on a 405); never changed in place.
    headers: dict[str, str] = {}

    def __init__(self, message: str | None = None, *, status: int | None = None, code: str | None = None):
        if message is not None:
            self.message = message
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


class BadRequest(APIError):
    """A body the route cannot read: not JSON, not an object, or (GraphQL) without a query."""


class UnsupportedMediaType(APIError):
    status = 415
    code = "UNSUPPORTED_MEDIA_TYPE"


class PayloadTooLarge(APIError):
    """A body over its route's limit."""

    status = 413
    code = "PAYLOAD_TOO_LARGE"

    def __init__(self, limit: int):
        super().__init__(f"Request body too large: at most {limit:,} bytes")


class MethodNotAllowed(APIError):
    """A method the route does not answer; ``Allow`` lists the ones it does."""

    status = 405
    code = "METHOD_NOT_ALLOWED"
    message = http.client.responses[405]

    def __init__(self, allowed: tuple[str, ...], message: str | None = None):
        super().__init__(message)
        self.headers = {"Allow": ", ".join(allowed)}


class NoSuchEndpoint(APIError):
    """A path no route matches (any method)."""

    status = 404
    code = "NOT_FOUND"

    def __init__(self, path: str):
        super().__init__(f"No such endpoint: {path}")


class InternalServerError(APIError):
    """What a bug in the stand-in answers (its traceback goes to the stand-in's log)."""

    status = 500
    code = "INTERNAL_SERVER_ERROR"
    message = http.client.responses[500]
