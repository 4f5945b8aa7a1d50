"""The stand-in's one request pipeline (``standin/src/standin/core/responses.py``), in process.

Every route runs the same steps in the same order: size, method, token, faults (test-only),
content type, JSON body. So a request that is wrong in two ways gets the answer of the earlier
step, whichever API it calls. Every error takes the wire shape of the API that was called, and
the fault room is asked exactly once per API request. What the real clients make of these
answers is tested in test_saturn_standin.py, test_prefect_cloud_standin.py and test_faults.py;
bad requests in bulk are in test_fuzz.py.
"""

from __future__ import annotations

import collections
import http.client
import inspect
import json

import pytest
import tornado.web

from standin.core.exceptions import APIError
from standin.core.responses import API_BODY_LIMIT, FLOW_CONTENT_LIMIT, APIHandler
from standin.faults import FaultSet
from standin.server import Platform, make_app, serve
from standin.testing import servers

SATURN_TOKEN, PREFECT_KEY = "saturn-token-0123", "prefect-key-0123"
NEVER = {"action": "error", "path": "/never/matches", "name": "never"}  # keeps the room non-empty


class CountingFaults(FaultSet):
    """A fault room that counts how often the pipeline asks it, per API."""

    def __init__(self):
        super().__init__()
        self.asked = collections.Counter()

    def take(self, api, method, path, operations=()):
        self.asked[api] += 1
        return super().take(api, method, path, operations)


@pytest.fixture(scope="module")
def standin():
    """``server.serve`` (what the stand-in process runs) in a thread, on 127.0.0.1."""
    faults = CountingFaults()
    platform = Platform.create(SATURN_TOKEN, PREFECT_KEY, "tester", faults=faults)
    with servers.asyncio_server(lambda ready, stop: serve(platform, stop, on_ready=ready)) as url:
        yield url, faults


@pytest.fixture
def faults(standin):
    _, faults = standin
    faults.clear()
    faults.arm(NEVER)
    faults.asked.clear()
    yield faults
    faults.clear()


class Answer(collections.namedtuple("Answer", "status reason headers body")):
    pass


def send(
    standin,
    method: str,
    path: str,
    headers: dict | None = None,
    body: bytes = b"",
    chunked: bool = False,
    declared: int | None = None,
) -> Answer:
    """One request on a fresh connection; ``declared``: send only the headers, with this
    Content-Length."""
    url, _ = standin
    conn = http.client.HTTPConnection("127.0.0.1", int(url.rsplit(":", 1)[1]), timeout=10)
    try:
        if declared is not None:
            conn.putrequest(method, path)
            for name, value in {**(headers or {}), "Content-Length": str(declared)}.items():
                conn.putheader(name, value)
            conn.endheaders()
        elif chunked:
            chunks = [body[i : i + 65536] for i in range(0, len(body), 65536)]
            conn.request(method, path, body=iter(chunks), headers=headers or {}, encode_chunked=True)
        else:
            conn.request(method, path, body=body or None, headers=headers or {})
        response = conn.getresponse()
        return Answer(response.status, response.reason, dict(response.getheaders()), json.loads(response.read()))
    finally:
        conn.close()


# One route of each kind: (path, a method it answers, good Authorization header, body it accepts)
SATURN = ("/api/prefect_cloud/flows", "PUT", f"token {SATURN_TOKEN}", b'{"name": "f"}')
GRAPHQL = ("/graphql", "POST", f"Bearer {PREFECT_KEY}", b'{"query": "{ auth_info { tenant_id } }"}')
CONTROL = ("/_standin/faults", "POST", f"token {SATURN_TOKEN}", b"[]")
ALLOW = {SATURN: "PUT", GRAPHQL: "POST", CONTROL: "GET, POST, DELETE"}
CONTENT_TYPE = {
    SATURN: "application/json",
    GRAPHQL: "application/json; charset=UTF-8",
    CONTROL: "application/json; charset=UTF-8",
}


def saturn_error(status: int, message: str) -> tuple:
    return status, message, {"message": message}


def graphql_error(status: int, message: str, code: str) -> tuple:
    """GraphQL's shape; a 200 (UNAUTHENTICATED) has ``data`` too. The standard status line on a
    200 and a 400 (prefect prints a 400's errors after it)."""
    errors = [{"message": message, "extensions": {"code": code}}]
    if status == 200:
        return status, "OK", {"data": None, "errors": errors}
    return status, "Bad Request" if status == 400 else message, {"errors": errors}


TOO_LARGE = f"Request body too large: at most {API_BODY_LIMIT:,} bytes"
WRONG_TYPE = "Content-Type 'text/plain' is not supported: send JSON (application/json)"
INJECTED = "Injected: the platform is down"
SATURN_401 = saturn_error(401, "Unauthorized: invalid or missing SATURN_TOKEN")
CONTROL_401 = saturn_error(401, "Unauthorized: the fault control endpoint needs the stand-in's own SATURN_TOKEN")
PREFECT_401 = graphql_error(
    200, "Unauthenticated: the API key is missing or invalid (check PREFECT_USER_TOKEN)", "UNAUTHENTICATED"
)


@pytest.mark.parametrize(
    "route,expected",
    [
        (
            SATURN,
            {
                "size, method": saturn_error(413, TOO_LARGE),
                "method, token": saturn_error(405, "Method Not Allowed"),
                "token, faults": SATURN_401,
                "token, content type": SATURN_401,
                "faults, content type": saturn_error(503, INJECTED),
                "faults, its last hit": saturn_error(503, INJECTED),
                "content type, JSON": saturn_error(415, WRONG_TYPE),
                "JSON": saturn_error(400, "request body must be a JSON object: not a JSON object"),
            },
        ),
        (
            GRAPHQL,
            {
                "size, method": graphql_error(413, TOO_LARGE, "PAYLOAD_TOO_LARGE"),
                "method, token": graphql_error(405, "Send GraphQL requests with POST.", "METHOD_NOT_ALLOWED"),
                "token, faults": PREFECT_401,
                "token, content type": PREFECT_401,
                "faults, content type": graphql_error(503, INJECTED, "INTERNAL_SERVER_ERROR"),
                "faults, its last hit": graphql_error(503, INJECTED, "INTERNAL_SERVER_ERROR"),
                "content type, JSON": graphql_error(415, WRONG_TYPE, "UNSUPPORTED_MEDIA_TYPE"),
                "JSON": graphql_error(
                    400, "POST body must be a JSON object with a 'query' string: not a JSON object", "BAD_REQUEST"
                ),
            },
        ),
        (
            CONTROL,
            {  # no fault ever applies here, and its body is a spec models.parse reads: no JSON steps
                "size, method": saturn_error(413, TOO_LARGE),
                "method, token": saturn_error(405, "Method Not Allowed"),
                "token, faults": CONTROL_401,
                "token, content type": CONTROL_401,
            },
        ),
    ],
    ids=["saturn", "graphql", "control"],
)
def test_a_request_wrong_in_two_ways_gets_the_earlier_steps_answer(standin, faults, route, expected):
    path, method, auth, good_body = route
    wrong_auth = auth.split()[0] + " wrong"
    faults.arm({"action": "error", "status": 503, "message": INJECTED, "path": path, "times": 2})
    cases = {  # in this order: the fault answers twice, then is spent ("token, faults" never reaches it)
        "size, method": ("PATCH", {"Authorization": auth}, b"{" + b" " * API_BODY_LIMIT + b"}", True),
        "method, token": ("PATCH", {}, b"", False),
        "token, faults": (method, {"Authorization": wrong_auth}, good_body, False),
        "token, content type": (method, {"Content-Type": "text/plain"}, good_body, False),
        "faults, content type": (method, {"Authorization": auth, "Content-Type": "text/plain"}, good_body, False),
        "faults, its last hit": (method, {"Authorization": auth}, good_body, False),
        "content type, JSON": (method, {"Authorization": auth, "Content-Type": "text/plain"}, b"[1]", False),
        "JSON": (method, {"Authorization": auth}, b"[1]", False),
    }
    got = {}
    for name in expected:
        verb, headers, body, chunked = cases[name]
        answer = send(standin, verb, path, headers, body, chunked)
        got[name] = (answer.status, answer.reason, answer.body)
        assert answer.headers["Content-Type"] == CONTENT_TYPE[route], name
        if answer.status == 405:
            assert answer.headers["Allow"] == ALLOW[route], name
    assert got == expected


def test_a_body_over_the_limit_is_refused_from_its_headers_in_each_apis_shape(standin, faults):
    for path, method, auth, _ in (SATURN, GRAPHQL, CONTROL):
        # far over twice the limit: answered at once, unread, and the connection closed
        answer = send(standin, method, path, {"Authorization": auth}, declared=10 * API_BODY_LIMIT)
        assert (answer.status, answer.reason, answer.headers.get("Connection")) == (413, TOO_LARGE, "close")
        assert answer.body == (
            {"errors": [{"message": TOO_LARGE, "extensions": {"code": "PAYLOAD_TOO_LARGE"}}]}
            if path == "/graphql"
            else {"message": TOO_LARGE}
        )


def test_each_route_reads_a_body_up_to_its_own_limit_and_refuses_one_byte_more(standin, faults):
    """tornado's own per-request bound is each route's: the API's for JSON, the flow upload's
    (above the server's default, which would cut it) for the flow content."""
    path, method, auth, _ = SATURN
    headers = {"Authorization": auth}
    at_limit = b'{"name": "f"' + b" " * (API_BODY_LIMIT - 13) + b"}"
    assert len(at_limit) == API_BODY_LIMIT
    answer = send(standin, method, path, headers, at_limit)
    assert (answer.status, answer.body) == (400, {"message": "prefect_cloud_project_name is required"})
    answer = send(standin, method, path, headers, at_limit + b" ")
    assert (answer.status, answer.reason, answer.body) == (413, TOO_LARGE, {"message": TOO_LARGE})
    content = "/api/prefect_cloud/flows/ab12/cd34/content"
    flow = send(standin, "POST", content, headers, b"\x80" * (3 * API_BODY_LIMIT))  # read whole: no flow ab12
    assert (flow.status, flow.body) == (404, {"message": "No flow with id ab12"})
    too_large = f"Request body too large: at most {FLOW_CONTENT_LIMIT:,} bytes"
    answer = send(standin, "POST", content, headers, declared=3 * FLOW_CONTENT_LIMIT)
    assert (answer.status, answer.reason, answer.headers.get("Connection")) == (413, too_large, "close")


def test_a_chunked_body_past_twice_the_limit_is_cut_by_tornado_and_the_standin_answers_on(standin, faults):
    path, method, auth, good_body = GRAPHQL
    with pytest.raises((http.client.HTTPException, ConnectionError, json.JSONDecodeError)):
        send(standin, method, path, {"Authorization": auth}, b"{" + b" " * (3 * API_BODY_LIMIT) + b"}", chunked=True)
    assert send(standin, method, path, {"Authorization": auth}, good_body).status == 200


def test_the_fault_room_is_asked_once_per_api_request_and_only_by_the_apis(standin, faults):
    saturn_path, _, saturn_auth, _ = SATURN
    graphql_path, _, graphql_auth, graphql_body = GRAPHQL
    requests = [
        ("GET", "/api/info/servers", {"Authorization": saturn_auth}, b""),  # answered 200
        ("PUT", saturn_path, {"Authorization": saturn_auth}, b"not json"),  # 400 after the faults step
        ("POST", graphql_path, {"Authorization": graphql_auth}, graphql_body),  # answered 200
        ("POST", graphql_path, {"Authorization": graphql_auth, "Content-Type": "text/plain"}, graphql_body),  # 415
        ("GET", "/api/info/servers", {"Authorization": "token wrong"}, b""),  # 401: before the faults step
        ("GET", graphql_path, {"Authorization": graphql_auth}, b""),  # 405: before the faults step
        ("GET", "/_standin/faults", {"Authorization": saturn_auth}, b""),  # the room's own endpoint
        ("GET", "/no/such/path", {"Authorization": saturn_auth}, b""),  # 404
    ]
    statuses = [send(standin, *request).status for request in requests]
    assert statuses == [200, 400, 200, 415, 401, 405, 200, 404]
    assert dict(faults.asked) == {"saturn": 2, "prefect": 2}


def test_a_graphql_fault_named_by_operation_is_matched_before_the_body_is_checked(standin, faults):
    """Faults come before the JSON step, so the pipeline reads the operation from the raw body;
    a body it cannot read names no operation."""
    path, method, auth, body = GRAPHQL
    headers = {"Authorization": auth}
    faults.arm({"action": "unauthorized", "api": "prefect", "operation": "auth_info", "times": 1})
    assert send(standin, method, path, headers, b'{"query": "{ tenant { slug } }"}').body == {
        "data": {"tenant": [{"slug": "local"}]}
    }  # another operation
    assert send(standin, method, path, headers, b'{"query": "{ auth_info').status == 400  # none: not JSON
    answer = send(standin, method, path, headers, body)
    assert (answer.status, answer.body) == (PREFECT_401[0], PREFECT_401[2])
    assert "tenant_id" in send(standin, method, path, headers, body).body["data"]["auth_info"]  # spent


def test_every_route_runs_the_pipeline_and_overrides_no_private_tornado_method():
    """Every API route is an APIHandler (the pipeline); the pages under /ui are HTML, PageHandlers."""
    from standin.ui.pages.base import PageHandler
    from standin.web import NotFoundHandler

    app = make_app(Platform.create(SATURN_TOKEN, PREFECT_KEY, "tester"))
    classes = {rule.target for rule in app.wildcard_router.rules} | {NotFoundHandler}
    apis = {cls for cls in classes if issubclass(cls, APIHandler)}
    pages = {cls for cls in classes if issubclass(cls, PageHandler)}
    assert len(apis) == 15 and len(pages) == 9 and apis | pages == classes, classes
    private = {name for name in vars(tornado.web.RequestHandler) if name.startswith("_") and not name.endswith("__")}
    for cls in classes:
        for klass in inspect.getmro(cls)[: inspect.getmro(cls).index(tornado.web.RequestHandler)]:
            overridden = {name for name, value in vars(klass).items() if callable(value)} & private
            assert not overridden, (klass, overridden)


def test_every_error_an_api_answers_with_is_an_api_error():
    from standin.faults import exceptions as fault_errors
    from standin.prefect_cloud import exceptions as prefect_errors
    from standin.saturn import exceptions as saturn_errors

    for module in (saturn_errors, prefect_errors, fault_errors):
        for name, value in vars(module).items():
            if inspect.isclass(value) and issubclass(value, Exception) and value.__module__ == module.__name__:
                assert issubclass(value, APIError) or name == "FaultSpecError", (module.__name__, name)
