"""The one request pipeline of the stand-in: :class:`APIHandler`, the base of every handler of
both emulated APIs and of the fault room's control endpoint. It works like moto's
``moto/core/responses.py`` (``BaseResponse``).

Every route runs the same steps in the same order, once its body is in and before the route's own
method runs, and so before anything changes (:meth:`APIHandler.run_pipeline`). Each step that
fails raises an :class:`~.exceptions.APIError`:

1. **size**: a body over the route's ``body_limit`` gets 413. tornado reads the body within its
   own per-request bound (``HTTP1Connection.set_max_body_size``), which ``prepare()`` sets to
   :func:`hard_limit` of the route's limit once the headers are in: a body up to that bound is read
   whole before the 413, so that the client, still sending it, reads the answer; a
   ``Content-Length`` past it is refused in ``prepare()``, from the headers, unread; a chunked body
   past it (no length to check in advance) is cut by tornado itself.
2. **method**: a method the route's handler does not define gets 405 with ``Allow``. This comes
   before the token, so that ``GET /graphql`` from a browser says "use POST" instead of "no key".
3. **token**: ``authenticate()``, which each API defines: Saturn's ``token <SATURN_TOKEN>``
   (401), Prefect's ``Bearer <key>`` (an ``UNAUTHENTICATED`` GraphQL error, which is HTTP 200:
   see ``prefect_cloud/responses.py``).
4. **hooks**: ``run_request_hooks()`` calls each of the application's ``request_hooks`` once,
   with the handler. The pipeline knows no hook by name: the test-only fault room registers one
   (``faults/hook.py``, mounted by ``server.make_app``), which may raise an error of the route's
   API, or leave a fault in ``self.fault`` for the one route that can act on it.
5. **content type**: a JSON route takes ``application/json`` or no type at all (dask-saturn
   sends none). Any other type gets 415.
6. **JSON body**: when there is a body (or the route needs one), it must be a JSON object,
   or the answer is 400.

Every handler streams its body (tornado's ``stream_request_body``: ``prepare()`` runs once the
headers are in), so that size comes first; each HTTP method a route defines is wrapped, when its
class is made, to run the steps first, and the methods it does not define run them too (and so
answer 413 before 405).

Errors go through one path. Whatever raises an ``APIError`` (a step, a handler, a model), tornado
hands it to the public :meth:`APIHandler.write_error`, which answers in the wire shape of the
route's API (:meth:`APIHandler.error_body`). Any other exception is a bug in the stand-in: it
gets a 500 in the same shape, and its traceback goes to the log.
"""

from __future__ import annotations

import functools
import hmac
import http.client
import inspect
import json

import tornado.web

from .exceptions import (
    APIError,
    BadRequest,
    InternalServerError,
    MethodNotAllowed,
    PayloadTooLarge,
    UnsupportedMediaType,
    code_for,
)

#: The largest request body any API route accepts (JSON and GraphQL requests).
API_BODY_LIMIT = 1 * 2**20
#: The largest flow that prefect-saturn's Webhook storage may upload (a cloudpickled flow
#: carries its closures): Saturn's flow content route (``saturn/responses.py``).
FLOW_CONTENT_LIMIT = 32 * 2**20
#: Content types a JSON route accepts; "" is none, which is what dask-saturn sends.
JSON_CONTENT_TYPES = ("", "application/json")


#: The methods tornado answers (``RequestHandler.SUPPORTED_METHODS``), as a handler names them.
VERBS = tuple(method.lower() for method in tornado.web.RequestHandler.SUPPORTED_METHODS)


def hard_limit(limit: int) -> int:
    """Bodies up to this size are read (and dropped) before a 413; larger ones are not read."""
    return 2 * limit


def pipeline_first(method):
    """``method`` (a route's ``get``, ``post``, ...) with the pipeline's steps run before it."""

    @functools.wraps(method)
    async def run(self, *args, **kwargs):
        self.run_pipeline()
        answer = method(self, *args, **kwargs)
        if inspect.isawaitable(answer):
            await answer

    return run


def json_object(body: bytes) -> dict:
    """The request body as a JSON object; ``ValueError`` says what is wrong in a few words, which
    each route puts after its own ``invalid_body`` text."""
    try:
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"invalid JSON: {exc}") from None
    except RecursionError:  # json's decoder gives up on thousands of nested [ or {
        raise ValueError("invalid JSON: nested too deeply") from None
    if not isinstance(value, dict):
        raise ValueError("not a JSON object")
    return value


def reason_phrase(message: str, limit: int = 200) -> str:
    """``message`` as an HTTP reason phrase: printable ASCII on one line, at most ``limit`` chars.

    Every error answer carries its message in the status line as well as in the JSON body:
    prefect-saturn and prefect's Webhook storage only call ``raise_for_status()``, whose text is
    the status line and the URL, so without it a user would read "401 Client Error: Unauthorized"
    and not which token to fix.
    """
    text = "".join(c if " " <= c <= "~" else "?" for c in " ".join(str(message).split()))
    return text if len(text) <= limit else text[: limit - 3] + "..."


@tornado.web.stream_request_body
class APIHandler(tornado.web.RequestHandler):
    """Base of every stand-in handler: the pipeline (``run_pipeline``), and JSON answers, errors
    included. A subclass names its API (``api``), says how its token is checked
    (``authenticate``) and, if its API has another error shape, how errors look (``error_body``)."""

    #: The fault room's name for this route's API ("saturn", "prefect"); None: no fault applies.
    api: str | None = None
    #: The error a missing or wrong token gets, which the ``unauthorized`` fault answers too.
    unauthorized: type[APIError]
    #: The largest body this route accepts (step 1).
    body_limit = API_BODY_LIMIT
    #: False for a route whose body is not JSON: steps 5 and 6 are then skipped.
    json_route = True
    #: True for a route that cannot do without a body: steps 5 and 6 run even on an empty one.
    body_required = False
    #: What a step-6 400 says, before the parser's reason.
    invalid_body = "request body must be a JSON object"
    #: What a 405 says (None: "Method Not Allowed").
    method_not_allowed_message: str | None = None
    #: The Content-Type of a JSON answer, errors included (tornado's own, unless an API has another).
    json_content_type = "application/json; charset=UTF-8"
    #: What a step-4 hook left for this route to act on (the fault room: ``ClustersHandler``).
    fault = None
    _json: dict | None = None
    _body: bytes | bytearray = b""
    _body_in = False

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        for verb in VERBS:
            if verb in vars(cls):
                setattr(cls, verb, pipeline_first(vars(cls)[verb]))

    # -- the body ----------------------------------------------------------------------------------
    def prepare(self) -> None:
        """The headers are in: tornado's own bound on this request's body (step 1), and a
        ``Content-Length`` past it refused now, unread."""
        bound = hard_limit(self.body_limit)
        declared = self.request.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > bound:
            # Answered now (and the connection closed: see write_error). With its bound left below
            # the length, tornado would answer its own bare 400 after ours.
            self.request.connection.set_max_body_size(int(declared))
            raise PayloadTooLarge(self.body_limit)
        self.request.connection.set_max_body_size(bound)
        self._body = bytearray()

    def data_received(self, chunk: bytes) -> None:
        if len(self._body) <= self.body_limit:  # past the limit it is dropped: step 1 refuses it
            self._body += chunk

    # -- the pipeline ----------------------------------------------------------------------------
    def run_pipeline(self) -> None:
        """Steps 1-6 (see the module), once the body is in."""
        self._body_in = True
        self.request.body = bytes(self._body)
        self.check_body_size()
        self.check_method()
        self.authenticate()
        self.run_request_hooks()
        if self.json_route and (self.request.body or self.body_required):
            self.check_content_type()
            self._json = self.parse_json()

    def unanswered_method(self, *args, **kwargs) -> None:
        """What a method the route does not define runs: the steps, which refuse it (at step 1 or 2)."""
        self.run_pipeline()

    get = head = post = delete = patch = put = options = unanswered_method

    def check_body_size(self) -> None:
        """Step 1: the body as tornado delivered it, bounded by its own limit (see ``prepare``)."""
        if len(self._body) > self.body_limit:
            raise PayloadTooLarge(self.body_limit)

    @classmethod
    def allowed_methods(cls) -> tuple[str, ...]:
        """The methods this route answers: those its handler class defines."""
        return tuple(m for m in cls.SUPPORTED_METHODS if getattr(cls, m.lower()) is not APIHandler.unanswered_method)

    def check_method(self) -> None:
        """Step 2."""
        if self.request.method not in self.allowed_methods():
            raise MethodNotAllowed(self.allowed_methods(), self.method_not_allowed_message)

    def authenticate(self) -> None:
        """Step 3: raise the API's own error for a missing or wrong key. Each route defines it."""
        raise NotImplementedError(f"{type(self).__name__} does not say how it checks a token")

    def authorization_is(self, expected: str) -> bool:
        """Whether the ``Authorization`` header is exactly ``expected`` (compared in constant time)."""
        given = self.request.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode(), expected.encode())

    def run_request_hooks(self) -> None:
        """Step 4: the application's ``request_hooks`` (``web.Application``), in order, each with
        this handler, after the token check and before the content type and the JSON are checked
        (steps 5 and 6)."""
        for hook in self.settings.get("request_hooks", ()):
            hook(self)

    def fault_operations(self) -> tuple[str, ...]:
        """The operations this request asks for, for hooks that match on them: none, except for
        GraphQL (its root fields)."""
        return ()

    def check_content_type(self) -> None:
        """Step 5."""
        content_type = self.request.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if content_type not in JSON_CONTENT_TYPES:
            raise UnsupportedMediaType(f"Content-Type {content_type!r} is not supported: send JSON (application/json)")

    def parse_json(self) -> dict:
        """Step 6."""
        try:
            return json_object(self.request.body)
        except ValueError as exc:
            raise BadRequest(f"{self.invalid_body}: {exc}") from None

    def json_body(self) -> dict:
        """The request's JSON object, as step 6 read it (empty when there was no body)."""
        return self._json or {}

    # -- answers ---------------------------------------------------------------------------------
    def write_json(self, payload, status: int | None = None, reason: str | None = None) -> None:
        if status is not None:
            self.set_status(status, reason=reason)
        self.set_header("Content-Type", self.json_content_type)
        self.finish(json.dumps(payload, default=str))

    @staticmethod
    def error_body(error: APIError) -> dict:
        """The JSON body of an error answer: REST's ``{"message": ...}`` (Saturn's, which
        dask-saturn raises as ``ValueError(message)``). An API with another shape overrides it."""
        return {"message": error.message}

    def reason(self, error: APIError) -> str | None:
        """The status line's reason phrase for ``error``: its message (see :func:`reason_phrase`);
        None, the standard phrase, for a status under 400. An API whose client shows the message
        another way overrides it."""
        return reason_phrase(error.message) if error.status >= 400 else None

    def write_error(self, status_code: int, **kwargs) -> None:
        """tornado's public hook for every error answer: status, reason phrase, the error's
        headers, and the body in this route's shape."""
        error = self.api_error(status_code, kwargs.get("exc_info"))
        self.set_status(error.status, reason=self.reason(error))
        if not self._body_in:
            # Answered from the headers (a body too large, a path or method no route has): tornado
            # closes the connection after the answer rather than read the body, and says nothing.
            self.set_header("Connection", "close")
        for name, value in error.headers.items():
            self.set_header(name, value)
        self.write_json(self.error_body(error))

    def api_error(self, status_code: int, exc_info) -> APIError:
        """The :class:`APIError` behind an error answer. It is the exception itself when it is
        one. Otherwise it is what tornado raised (a method it does not know, a body it could not
        parse), or a bug."""
        exc = exc_info[1] if exc_info else None
        if isinstance(exc, APIError):
            return exc
        if status_code == 405:
            return MethodNotAllowed(self.allowed_methods(), self.method_not_allowed_message)
        if status_code >= 500:
            return InternalServerError()
        reason = exc.reason if isinstance(exc, tornado.web.HTTPError) and exc.reason else None
        return APIError(
            reason or http.client.responses.get(status_code, "Error"), status=status_code, code=code_for(status_code)
        )

    def log_exception(self, typ, value, tb) -> None:
        """An :class:`APIError` is an answer, not a failure: no log line and no traceback. Any
        other exception is logged by tornado (with its traceback, unless it is an HTTPError)."""
        if not isinstance(value, APIError):
            super().log_exception(typ, value, tb)
