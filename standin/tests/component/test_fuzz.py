"""Bad requests to the stand-in: a bounded, seeded fuzz over loopback.

:data:`REQUESTS` requests, each bad in at least one way by construction (so none of them can change the
stand-in's state, e.g. start a cluster): no or a wrong token, malformed JSON, a wrong method, an
unknown path, invalid GraphQL, an oversized body (declared, or chunked), a wrong content type, and
well-formed GraphQL for the flow-run operations (``create_flow_run``, ``set_flow_run_states``,
``write_run_logs``, ...) with content the API must refuse: ids of nothing, states that are not
objects, required fields missing, wrong types. Every answer must be the 4xx its defect calls for,
with a JSON error body; two documented exceptions: a GraphQL request without a valid Prefect key
gets 200 with an ``UNAUTHENTICATED`` error, as prefect's client needs (``standin.prefect_cloud.responses``),
and refused GraphQL content gets 200 with GraphQL errors (never ``INTERNAL_SERVER_ERROR``) when
graphql-core accepts the document, or 400 when it does not. The stand-in must never
answer 5xx, log no uncaught exception, still answer normal requests at the end, and its memory
(RSS) must not grow by :data:`RSS_GROWTH_LIMIT`.

Not fuzzed: broken HTTP framing (a bad request line, a control character in a header, a header
block over 64 KiB, a chunked body over twice the limit), which tornado answers itself with a
plain-text 400 or by closing the connection, before any stand-in code runs.
"""

from __future__ import annotations

import collections
import http.client
import json
import random
import re
import string
import time
import uuid

import psutil
import pytest

from standin.core.responses import API_BODY_LIMIT, FLOW_CONTENT_LIMIT

SEED = 20261125
REQUESTS = 1_200
TIME_LIMIT = 120  # seconds for all of them: the loop stops by itself well before
RSS_GROWTH_LIMIT = 50 * 2**20
METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS")

# (path template, allowed methods, JSON body?) for every route; {id} / {v} become random hex
SATURN_ROUTES = [
    ("/api/dask_clusters/info", {"GET"}, True),
    ("/api/dask_clusters", {"POST"}, True),
    ("/api/dask_clusters/reset", {"POST"}, True),
    ("/api/dask_clusters/{id}/info", {"GET"}, True),
    ("/api/dask_clusters/{id}/csr", {"POST"}, True),
    ("/api/dask_clusters/{id}/status", {"GET"}, True),
    ("/api/dask_clusters/{id}/scheduler_info", {"GET"}, True),
    ("/api/dask_clusters/{id}/scale", {"POST"}, True),
    ("/api/dask_clusters/{id}/adapt", {"POST"}, True),
    ("/api/dask_clusters/{id}/close", {"POST"}, True),
    ("/api/dask_clusters/{id}", {"GET"}, True),
    ("/api/prefect_cloud/flows", {"PUT"}, True),
    ("/api/prefect_cloud/flows/{id}/run_job_spec", {"GET"}, True),
    ("/api/prefect_cloud/flows/{id}/{v}/content", {"GET", "POST"}, False),
    ("/api/info/servers", {"GET"}, True),
]
GRAPHQL = ("/graphql", {"POST"}, True)
CONTROL = ("/_standin/faults", {"GET", "POST", "DELETE"}, True)
ROUTE_PATTERNS = [
    re.compile(p.replace("{id}", "[0-9a-f]+").replace("{v}", "[0-9a-f]+") + "/?")
    for p, _, _ in SATURN_ROUTES + [GRAPHQL, CONTROL]
]

VALID_QUERIES = [
    "query { auth_info { tenant_id } }",
    'query { tenant(where: {slug: {_eq: "local"}}) { slug id name } }',
    'query { project(where: {name: {_eq: "p"}}) { id } }',
    "query($id: uuid!) { flow_by_pk(id: $id) { flow_group_id } }",
]
#: Flow-run operations with content that must be refused; ``{id}`` becomes a uuid of nothing.
BAD_OPERATIONS = [
    'mutation { create_flow_run(input: {flow_id: "{id}"}) { id } }',
    'mutation { create_flow_run(input: {version_group_id: "{id}", parameters: {a: 1}}) { id } }',
    "mutation { create_flow_run(input: {}) { id } }",
    'mutation { create_flow_run(input: {flow_id: "{id}", labels: "x"}) { id } }',
    'mutation { create_flow_run(input: {flow_id: "{id}", scheduled_start_time: "yesterday"}) { id } }',
    'mutation { set_flow_run_states(input: {states: [{flow_run_id: "{id}", state: {type: "Running"}}]}) '
    "{ states { id status } } }",
    'mutation { set_flow_run_states(input: {states: [{flow_run_id: "{id}", state: "Running"}]}) { states { id } } }',
    'mutation { set_flow_run_states(input: {states: [{flow_run_id: "{id}"}]}) { states { id } } }',
    'mutation { set_task_run_states(input: {states: [{task_run_id: "{id}", state: {type: "Success"}}]}) '
    "{ states { id } } }",
    'mutation { get_or_create_task_run_info(input: {flow_run_id: "{id}", task_id: "{id}", map_index: -1}) '
    "{ id version serialized_state } }",
    'mutation { get_or_create_task_run_info(input: {flow_run_id: "{id}", map_index: "x"}) { id } }',
    'mutation { write_run_logs(input: {logs: [{flow_run_id: "{id}", level: "INFO", message: "m"}]}) { success } }',
    'mutation { write_run_logs(input: {logs: {flow_run_id: "{id}", timestamp: "not a time"}}) { success } }',
    "mutation { write_run_logs(input: {logs: [5]}) { success } }",
    'mutation { update_flow_run_heartbeat(input: {flow_run_id: "{id}"}) { success } }',
    'mutation { cancel_flow_run(input: {flow_run_id: "{id}"}) { state } }',
    'mutation { cancel_flow_run(input: {flow_run_id: "not-a-uuid"}) { state } }',
    'mutation { set_flow_run_name(input: {flow_run_id: "{id}", name: "n"}) { success } }',
    'mutation { get_runs_in_queue(input: {before: "soon", labels: ["a"]}) { flow_run_ids } }',
    'query { flow_run(where: {labels: {_eq: "x"}}) { id } }',
    "query { flow_run(where: {task_runs: {nope: {_eq: 1}}}) { id } }",
    "query { flow_run(order_by: {logs: asc}) { id } }",
    'query { flow_run_by_pk(id: "{id}") { id states(where: {state: {_like: "S%"}}) { state } } }',
    "query { task_run(where: {flow_run: {state: {_in: 5}}}) { id } }",
    'query { secret_value(name: "SATURN_TOKEN") }',
]
WRONG_CONTENT_TYPES = [
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/xml",
    "application/graphql",
    "text/html; charset=utf-8",
    "application/jsonx",
]


class Case(collections.namedtuple("Case", "kind method path headers body expect chunked declared")):
    """One request; ``expect``: the status it must get (or the set of those it may get)."""


def _hex(rng):
    return uuid.UUID(int=rng.getrandbits(128)).hex[: rng.randint(1, 32)]


def _path(rng, template):
    return template.replace("{id}", _hex(rng)).replace("{v}", _hex(rng))


def _junk(rng, size):
    alphabet = string.printable + "\u00e9\u4e2d\U0001f600"
    return "".join(rng.choice(alphabet) for _ in range(size))


def _deep_nesting(rng) -> str:
    depth = rng.choice([10, 2_000, 50_000])  # past json's recursion limit too
    return rng.choice("[{") * depth


#: Ways to make a body that is not a JSON object, one drawn per body: text (encoded, then checked), or
#: bytes as they are.
_MALFORMED_JSON = [
    lambda rng: json.dumps({"n_workers": 1, "query": "{ tenant { id } }"})[: rng.randint(1, 30)],
    lambda rng: json.dumps(rng.choice([[1, 2], "text", 7, None, True, 1.5, []])),
    _deep_nesting,
    lambda rng: bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 300))),  # often not UTF-8
    lambda rng: "{'single': 'quotes'}",
    lambda rng: '{"a": 1,}',
    lambda rng: '{"a": NaN' + "}" * rng.randint(0, 1) + "x",
    lambda rng: _junk(rng, rng.randint(1, 200)),
    lambda rng: "\ufeff" + json.dumps({"query": "{ tenant { id } }"}),  # a byte order mark
]


def _is_json_object(data: bytes) -> bool:
    try:
        return isinstance(json.loads(data), dict)
    except (ValueError, RecursionError):
        return False


def _malformed_json(rng) -> bytes:
    """Bytes that are not a JSON object (checked), so no request can be valid."""
    while True:
        body = _MALFORMED_JSON[rng.randrange(len(_MALFORMED_JSON))](rng)
        if isinstance(body, bytes):
            return body
        data = body.encode("utf-8", "surrogatepass")
        if not _is_json_object(data):
            return data


def _unknown_field(rng, query: str) -> str:
    return query.replace("{ ", "{ zz_" + "".join(rng.choice(string.ascii_lowercase) for _ in range(5)) + " ", 1)


#: Ways to make a GraphQL request body that fails before execution, one drawn per body, from a valid query.
_INVALID_GRAPHQL = [
    lambda rng, query: {"query": query[: rng.randint(1, len(query) - 1)]},  # cut: unbalanced braces
    lambda rng, query: {"query": _unknown_field(rng, query)},  # a field the schema does not have
    lambda rng, query: {
        "query": 'query {{ flow_by_pk(id: "{}") {{ id }} }}'.format(_junk(rng, 8).replace('"', "").replace("\\", ""))
    },
    lambda rng, query: {"query": "query { project(where: {name: {_eq: $undefined}}) { id } }"},
    lambda rng, query: {
        "query": VALID_QUERIES[3],
        "variables": rng.choice([{}, {"id": 5}, {"id": "not-a-uuid"}, {"id": None}]),
    },
    lambda rng, query: {"query": rng.choice("})]!@#$%^&*") + _junk(rng, rng.randint(0, 100))},
    lambda rng, query: {"query": "{" * rng.choice([100, 5_000]) + "}" * 10},
    lambda rng, query: {"query": VALID_QUERIES[0] + " " + VALID_QUERIES[1].replace("query", "query B")},  # two
    lambda rng, query: {"query": rng.choice([5, ["q"], None, {"q": 1}, "", "   "])},
    lambda rng, query: {"query": VALID_QUERIES[0], "variables": rng.choice(["[1]", "{nope", "5", [1], 7])},
    lambda rng, query: {"query": VALID_QUERIES[0], "operationName": rng.choice([5, ["x"], "NoSuchOperation"])},
    lambda rng, query: {
        "query": rng.choice(
            [
                "subscription { tenant { id } }",
                "mutation { create_project(input: {nope: 1}) { id } }",
                "mutation { no_such_mutation { id } }",
                "query { tenant { id ...Missing } }",
            ]
        )
    },
]


def _invalid_graphql(rng) -> dict:
    """A GraphQL request body that fails before execution (a 400), by construction."""
    query = rng.choice(VALID_QUERIES)
    return _INVALID_GRAPHQL[rng.randrange(len(_INVALID_GRAPHQL))](rng, query)


class Keys(collections.namedtuple("Keys", "saturn_token prefect_key")):
    """The stand-in's two keys, and the good Authorization header of each API."""

    def saturn(self) -> dict:
        return {"Authorization": f"token {self.saturn_token}"}

    def prefect(self) -> dict:
        return {"Authorization": f"Bearer {self.prefect_key}"}

    def of(self, template: str) -> dict:
        return self.prefect() if template == "/graphql" else self.saturn()


JSON_ROUTES = [r for r in SATURN_ROUTES if r[2]]


def _bad_auth(rng, keys: Keys) -> Case:
    template, allowed, _ = rng.choice(SATURN_ROUTES + [CONTROL])
    method = rng.choice(sorted(allowed))
    token = rng.choice([None, "wrong", f"{keys.saturn_token}x", keys.saturn_token[:-1], ""])
    scheme = rng.choice(["token", "Token", "Bearer", ""])
    headers, body = {}, b""
    if token is not None:
        headers["Authorization"] = f"{scheme} {token}".strip() if rng.random() < 0.8 else keys.saturn_token
    if rng.random() < 0.5:
        body = json.dumps({"n_workers": 1}).encode()
    return Case("bad_auth", method, _path(rng, template), headers, body, 401, False, None)


def _graphql_bad_auth(rng, keys: Keys) -> Case:
    """By design 200 + UNAUTHENTICATED (see the module docstring)."""
    headers = {}
    choice = rng.randrange(4)
    if choice == 1:
        headers["Authorization"] = f"Bearer {keys.prefect_key}x"
    elif choice == 2:
        headers["Authorization"] = rng.choice(["Token abc", "Bearer", "Basic dXNlcjpwYXNz", keys.prefect_key])
    elif choice == 3:
        headers.update(keys.prefect())
        headers["X-Prefect-Tenant-Id"] = rng.choice([str(uuid.UUID(int=rng.getrandbits(128))), "not-a-uuid"])
    body = json.dumps({"query": rng.choice(VALID_QUERIES[:3]), "variables": "null"}).encode()
    return Case("graphql_bad_auth", "POST", "/graphql", headers, body, 200, False, None)


def _wrong_method(rng, keys: Keys) -> Case:
    template, allowed, _ = rng.choice(SATURN_ROUTES + [GRAPHQL, CONTROL])
    method = rng.choice([m for m in METHODS + ("FOO", "PROPFIND") if m not in allowed])
    return Case("wrong_method", method, _path(rng, template), keys.of(template), b"", 405, False, None)


def _unknown_path(rng, keys: Keys) -> Case:
    while True:
        path = rng.choice(
            [
                "/api/dask_clusters/" + rng.choice(["XYZ", "g00d", "-1", "%2e%2e"]) + "/info",
                "/api/prefect_cloud/flows/" + _hex(rng) + "/" + _hex(rng) + "/nope",
                "/api/" + "".join(rng.choice(string.ascii_lowercase + "_/") for _ in range(rng.randint(1, 40))),
                "/graphq" + rng.choice(["", "l/x", "ll"]),
                "/_standin/" + rng.choice(["", "fault", "faults/x"]),
                "/" + "/".join(f"%{rng.getrandbits(8):02X}" for _ in range(rng.randint(1, 20))),
                "/" + "a" * rng.randint(1, 4000),
                "/../../etc/passwd",
                "/",
            ]
        )
        if not any(p.fullmatch(path) for p in ROUTE_PATTERNS):
            break
    headers = dict(rng.choice([keys.saturn(), keys.prefect(), {}]))
    method = rng.choice(METHODS + ("FOO",))
    return Case("unknown_path", method, path, headers, b"", 404, False, None)


def _malformed_json_case(rng, keys: Keys) -> Case:
    template, allowed, _ = rng.choice(JSON_ROUTES + [GRAPHQL])
    headers = keys.of(template)
    if rng.random() < 0.5:
        headers["Content-Type"] = "application/json"
    method, path = rng.choice(sorted(allowed)), _path(rng, template)
    return Case("malformed_json", method, path, headers, _malformed_json(rng), 400, False, None)


def _invalid_graphql_case(rng, keys: Keys) -> Case:
    headers = {**keys.prefect(), "Content-Type": "application/json"}
    body = json.dumps(_invalid_graphql(rng)).encode()
    return Case("invalid_graphql", "POST", "/graphql", headers, body, 400, False, None)


def _bad_operation(rng, keys: Keys) -> Case:
    """Well-formed or not, refused either way, and never a 5xx."""
    query = rng.choice(BAD_OPERATIONS).replace("{id}", str(uuid.UUID(int=rng.getrandbits(128))))
    body = json.dumps({"query": query}).encode()
    return Case("bad_operation", "POST", "/graphql", keys.prefect(), body, {200, 400}, False, None)


def _oversized(rng, keys: Keys) -> Case:
    """A body over the limit: read, chunked, or only declared in the headers (answered from them,
    the body never sent)."""
    template, allowed, is_json = rng.choice(SATURN_ROUTES + [GRAPHQL, CONTROL])
    headers = dict(rng.choice([keys.saturn(), keys.prefect(), {}]))
    method = rng.choice(sorted(allowed))
    limit = API_BODY_LIMIT if is_json else FLOW_CONTENT_LIMIT
    how = rng.choice(["read", "declared", "chunked"] if is_json else ["declared"])
    body, declared = b"", None
    if how == "declared":
        declared = rng.choice([2 * limit + 1, 10 * limit, 2**40])
    else:
        body = b"{" + b" " * rng.randint(limit, 2 * limit - 2) + b"}"
    return Case("oversized", method, _path(rng, template), headers, body, 413, how == "chunked", declared)


def _wrong_content_type(rng, keys: Keys) -> Case:
    """A JSON body, labelled as something else."""
    template, allowed, _ = rng.choice(JSON_ROUTES + [GRAPHQL])
    headers = keys.of(template)
    headers["Content-Type"] = rng.choice(WRONG_CONTENT_TYPES)
    body = json.dumps({"query": VALID_QUERIES[0]} if template == "/graphql" else {"n_workers": 1, "n": 1}).encode()
    # tornado parses a multipart body itself, before any handler: not multipart, so its own 400
    expect = {400, 415} if headers["Content-Type"].startswith("multipart/") else 415
    method, path = rng.choice(sorted(allowed)), _path(rng, template)
    return Case("wrong_content_type", method, path, headers, body, expect, False, None)


#: Every kind of defect: (weight, how to make a request with it).
KINDS = {
    "bad_auth": (14, _bad_auth),
    "graphql_bad_auth": (6, _graphql_bad_auth),
    "wrong_method": (12, _wrong_method),
    "unknown_path": (12, _unknown_path),
    "malformed_json": (16, _malformed_json_case),
    "invalid_graphql": (12, _invalid_graphql_case),
    "oversized": (8, _oversized),
    "wrong_content_type": (10, _wrong_content_type),
    "bad_operation": (10, _bad_operation),
}


def make_case(rng, saturn_token: str, prefect_key: str) -> Case:
    """One request, bad in the way of a kind drawn by its weight."""
    (kind,) = rng.choices(list(KINDS), weights=[weight for weight, _ in KINDS.values()])
    return KINDS[kind][1](rng, Keys(saturn_token, prefect_key))


class Client:
    """One keep-alive connection, reopened when the server closes it."""

    def __init__(self, port: int):
        self.port = port
        self.conn = None

    def send(self, case: Case) -> tuple[int, dict, bytes]:
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        conn = self.conn
        try:
            if case.declared is not None:
                conn.putrequest(case.method, case.path, skip_accept_encoding=True)
                for key, value in case.headers.items():
                    conn.putheader(key, value)
                conn.putheader("Content-Length", str(case.declared))
                conn.endheaders()
            elif case.chunked:
                chunks = [case.body[i : i + 65536] for i in range(0, len(case.body), 65536)]
                conn.request(case.method, case.path, body=iter(chunks), headers=case.headers, encode_chunked=True)
            else:
                conn.request(case.method, case.path, body=case.body or None, headers=case.headers)
            response = conn.getresponse()
            data = response.read()
        except Exception:
            self.close()
            raise
        if response.will_close:
            self.close()
        return response.status, dict(response.getheaders()), data

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def check(case: Case, status: int, headers: dict, data: bytes) -> str | None:
    """None if the answer is right, else what is wrong with it."""
    if status not in (case.expect if isinstance(case.expect, set) else {case.expect}):
        return f"status {status}, expected {case.expect}"
    if case.method == "HEAD":
        return None
    if not headers.get("Content-Type", "").startswith("application/json"):
        return f"Content-Type {headers.get('Content-Type')!r}"
    try:
        body = json.loads(data)
    except ValueError:
        return f"body is not JSON: {data[:100]!r}"
    if case.kind == "bad_operation" and status == 200:
        codes = [e.get("extensions", {}).get("code") for e in body.get("errors", [])]
        return None if codes and "INTERNAL_SERVER_ERROR" not in codes else f"not refused, or a crash: {body}"
    if case.kind == "graphql_bad_auth":
        codes = [e.get("extensions", {}).get("code") for e in body.get("errors", [])]
        return None if codes == ["UNAUTHENTICATED"] and body.get("data") is None else f"not UNAUTHENTICATED: {body}"
    if isinstance(body.get("message"), str) and body["message"]:
        return None
    errors = body.get("errors")
    if isinstance(errors, list) and errors and all(isinstance(e.get("message"), str) for e in errors):
        return None
    return f"no error message in {body}"


def test_bad_requests_get_json_4xx_and_the_standin_survives(standin):
    env = standin.environ()
    saturn_token, prefect_key = env["SATURN_TOKEN"], env["PREFECT_USER_TOKEN"]
    port = int(standin.url.rsplit(":", 1)[1])
    process = psutil.Process(standin.proc.pid)
    client = Client(port)
    rng = random.Random(SEED)

    def normal_requests_work():
        status, _, data = client.send(
            Case(
                "ok",
                "GET",
                "/api/dask_clusters/info",
                {"Authorization": f"token {saturn_token}"},
                b"",
                200,
                False,
                None,
            )
        )
        assert status == 200 and "medium" in data.decode()
        body = json.dumps({"query": "query { auth_info { tenant_id } }", "variables": "null"}).encode()
        status, _, data = client.send(
            Case(
                "ok",
                "POST",
                "/graphql",
                {"Authorization": f"Bearer {prefect_key}", "Content-Type": "application/json"},
                body,
                200,
                False,
                None,
            )
        )
        assert status == 200 and json.loads(data)["data"]["auth_info"]["tenant_id"]

    normal_requests_work()
    warm_up = random.Random(0)
    for _ in range(50):  # lazy imports and caches are not growth
        client.send(make_case(warm_up, saturn_token, prefect_key))
    rss_before = process.memory_info().rss

    statuses, kinds, wrong = collections.Counter(), collections.Counter(), []
    deadline = time.monotonic() + TIME_LIMIT
    began = time.monotonic()
    for i in range(REQUESTS):
        assert time.monotonic() < deadline, f"the fuzz took over {TIME_LIMIT} s ({i} requests sent)"
        case = make_case(rng, saturn_token, prefect_key)
        try:
            status, headers, data = client.send(case)
        except Exception as exc:
            wrong.append((i, case.kind, case.method, case.path[:80], f"no answer: {exc!r}"))
            continue
        statuses[status] += 1
        kinds[case.kind] += 1
        problem = check(case, status, headers, data)
        if problem:
            wrong.append((i, case.kind, case.method, case.path[:80], problem, case.body[:120]))
    elapsed = time.monotonic() - began
    client.close()

    assert process.is_running() and standin.running
    normal_requests_work()
    client.close()
    rss_after = process.memory_info().rss
    log = standin.log_path.read_text()
    print(
        f"\n{REQUESTS} requests in {elapsed:.1f} s; statuses {dict(sorted(statuses.items()))}; "
        f"kinds {dict(sorted(kinds.items()))}; stand-in RSS {rss_before / 2**20:.1f} -> {rss_after / 2**20:.1f} MiB"
    )
    assert wrong == [], "\n".join(map(repr, wrong))
    assert not [s for s in statuses if s >= 500]
    assert sum(statuses.values()) == REQUESTS
    assert "Uncaught exception" not in log and "Traceback" not in log
    assert rss_after - rss_before < RSS_GROWTH_LIMIT, (rss_before, rss_after)
    # every kind of defect was tried, many times
    assert min(kinds.values()) >= 40 and len(kinds) == 9, kinds


@pytest.mark.parametrize(
    "method,path,body,message",
    [
        # found while fuzzing: a cluster of 10**30 workers hung the stand-in, starting processes
        (
            "POST",
            "/api/dask_clusters",
            {"n_workers": 10**30},
            "n_workers x nprocs must be at most 32 worker processes, got 1000000000000000000000000000000 x 1",
        ),
        (
            "POST",
            "/api/dask_clusters",
            {"n_workers": 8, "nprocs": 5},
            "n_workers x nprocs must be at most 32 worker processes, got 8 x 5",
        ),
        ("POST", "/api/dask_clusters", {"nthreads": 1000}, "nthreads must be at most 64, got 1000"),
        ("POST", "/api/dask_clusters/abc123/scale", {"n": 33}, "n must be at most 32 worker processes, got 33"),
        ("POST", "/api/dask_clusters", {"worker_is_spot": "yes"}, "worker_is_spot must be true or false, got 'yes'"),
        # found while fuzzing: 500s (a list where a size name goes; json's recursion limit)
        (
            "PUT",
            "/api/prefect_cloud/flows",
            {"name": "f", "prefect_cloud_project_name": "p", "flow_hash": "h", "instance_size": ["large"]},
            "instance_size ['large'] is not one of ['large', 'medium', 'xlarge']",
        ),
        (
            "POST",
            "/api/dask_clusters",
            "[" * 100_000,
            "request body must be a JSON object: invalid JSON: nested too deeply",
        ),
        (
            "POST",
            "/graphql",
            "[" * 100_000,
            "POST body must be a JSON object with a 'query' string: invalid JSON: nested too deeply",
        ),
    ],
)
def test_requests_that_once_hung_or_crashed_the_standin(standin, method, path, body, message):
    import requests

    env = standin.environ()
    auth = f"Bearer {env['PREFECT_USER_TOKEN']}" if path == "/graphql" else f"token {env['SATURN_TOKEN']}"
    r = requests.request(
        method,
        standin.url + path,
        data=body if isinstance(body, str) else json.dumps(body),
        headers={"Authorization": auth},
        timeout=10,
    )
    assert r.status_code == 400
    got = r.json()["errors"][0]["message"] if path == "/graphql" else r.json()["message"]
    assert got == message
