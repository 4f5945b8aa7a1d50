"""Tests of the Prefect Cloud 1.x stand-in (tutorial_kit.standin.prefect_cloud).

Three layers:
- models.py without HTTP or GraphQL;
- schema.py (graphql-core execution) without HTTP;
- the tornado handler on 127.0.0.1, driven by raw HTTP and by the REAL prefect 1.4.1
  client and CLI, each in a subprocess whose PREFECT__* variables are set before
  prefect is imported (and whose HOME and PREFECT__HOME_DIR are a tmp folder, so
  ~/.prefect is never read or written).
"""

from __future__ import annotations

import asyncio
import base64
import gzip
import json
import os
import subprocess
import sys
import textwrap
import threading
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
import tornado.httpserver
import tornado.netutil
import tornado.web

from tutorial_kit.standin.prefect_cloud.exceptions import (
    InvalidInput,
    NotFound,
    PrefectCloudError,
    Unauthenticated,
    UniquenessViolation,
)
from tutorial_kit.standin.prefect_cloud.hasura import matches, sort_records
from tutorial_kit.standin.prefect_cloud.models import PrefectCloudBackend, decompress
from tutorial_kit.standin.prefect_cloud.schema import execute_graphql
from tutorial_kit.standin.prefect_cloud.urls import url_patterns

API_KEY = "test-api-key-0123"
VENV_BIN = Path(sys.executable).parent
SUBPROCESS_TIMEOUT = 60  # prefect retries an unreachable API for ~62 s; fail before


# ----------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2022, 3, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def serialized_flow(name: str = "f", **extra) -> dict:
    flow = {
        "name": name,
        "__version__": "1.4.1",
        "storage": {"type": "Local"},
        "run_config": {"type": "UniversalRun", "labels": []},
        "parameters": [],
        "schedule": None,
        "reference_tasks": [],
    }
    flow.update(extra)
    return flow


def task_dict(slug: str) -> dict:
    return {"slug": slug, "name": slug.split("-")[0], "type": "prefect.tasks.X", "tags": []}


def edge_dict(up: str, down: str, key: str | None = None, mapped: bool = False) -> dict:
    return {
        "upstream_task": {"slug": up},
        "downstream_task": {"slug": down},
        "key": key,
        "mapped": mapped,
    }


def compress(obj) -> str:  # what prefect.utilities.graphql.compress does
    return base64.b64encode(gzip.compress(json.dumps(obj).encode())).decode()


class StandinServer:
    """The stand-in's routes alone, on 127.0.0.1 and a free port, in a thread."""

    def __init__(self, backend: PrefectCloudBackend) -> None:
        self.backend = backend
        self._sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
        self.port = self._sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/graphql"
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        async def serve() -> None:
            self._loop = asyncio.get_running_loop()
            self._stop = asyncio.Event()
            server = tornado.httpserver.HTTPServer(tornado.web.Application(url_patterns(self.backend)))
            server.add_sockets(self._sockets)
            self._ready.set()
            await self._stop.wait()
            server.stop()
            await server.close_all_connections()

        asyncio.run(serve())

    def start(self) -> StandinServer:
        self._thread.start()
        assert self._ready.wait(10), "stand-in server did not start"
        return self

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)
        assert not self._thread.is_alive(), "stand-in server did not stop"

    def post(self, body, key: str | None = API_KEY, headers: dict | None = None):
        all_headers = {"Authorization": f"Bearer {key}"} if key is not None else {}
        all_headers.update(headers or {})
        if isinstance(body, (dict, list)):
            return requests.post(self.url, json=body, headers=all_headers, timeout=10)
        return requests.post(self.url, data=body, headers=all_headers, timeout=10)


@pytest.fixture
def backend() -> PrefectCloudBackend:
    return PrefectCloudBackend(API_KEY, tenant_name="Tutorial", tenant_slug="tutorial")


@pytest.fixture
def server(backend):
    srv = StandinServer(backend).start()
    yield srv
    srv.stop()


@pytest.fixture
def prefect_env(server, tmp_path):
    home = tmp_path / "prefect-home"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT")}
    env.update(
        HOME=str(tmp_path),
        PREFECT__BACKEND="cloud",
        PREFECT__CLOUD__API=server.url,
        PREFECT__HOME_DIR=str(home),
        PREFECT__USER_CONFIG_PATH=str(tmp_path / "no-user-config.toml"),
        PYTHONWARNINGS="ignore",
    )
    return env


def run_prefect_cli(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(VENV_BIN / "prefect"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT,
    )


def run_prefect_script(env: dict, code: str, cwd: Path) -> tuple[subprocess.CompletedProcess, dict]:
    """Run ``code`` in a fresh interpreter; it reports by calling ``report(dict)``."""
    prelude = textwrap.dedent(
        """
        import json as _json
        def report(obj):
            print("RESULT:" + _json.dumps(obj))
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code)],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT,
    )
    results = [l[len("RESULT:") :] for l in proc.stdout.splitlines() if l.startswith("RESULT:")]
    assert proc.returncode == 0 and results, (proc.returncode, proc.stdout, proc.stderr)
    return proc, json.loads(results[-1])


@pytest.fixture
def logged_in(prefect_env):
    """``prefect auth login --key`` as the tutorial does; later Clients use auth.toml."""
    proc = run_prefect_cli(prefect_env, "auth", "login", "--key", API_KEY)
    assert proc.returncode == 0, (proc.stdout, proc.stderr)
    return prefect_env


FLOW_SCRIPT = """
import prefect
from prefect import Flow, task

@task
def inc(x):
    return x + 1

with Flow("tutorial-flow") as flow:
    inc(inc(1))

def register(project):
    flow.storage = prefect.storage.Local(directory={storage!r})
    return flow.register(project_name=project)
"""


# ----------------------------------------------------------------------------------
# models.py, no HTTP
# ----------------------------------------------------------------------------------


class TestModels:
    def test_tenant_and_clock(self):
        clock = FakeClock()
        b = PrefectCloudBackend("k", tenant_name="T", tenant_slug="t", clock=clock)
        uuid.UUID(b.tenant.id)
        assert (b.tenant.name, b.tenant.slug) == ("T", "t")
        p = b.create_project("p")
        assert p.created == clock.now
        assert b.tenant.created < p.created

    def test_authenticate(self, backend):
        info = backend.authenticate(API_KEY)
        assert info.tenant_id == backend.tenant.id
        assert backend.authenticate(API_KEY, tenant_id=backend.tenant.id).tenant_id == backend.tenant.id
        for key in (None, "", "wrong", API_KEY + "x"):
            with pytest.raises(Unauthenticated):
                backend.authenticate(key)
        with pytest.raises(Unauthenticated) as exc:
            backend.authenticate(API_KEY, tenant_id=str(uuid.uuid4()))
        assert exc.value.code == "UNAUTHENTICATED" and isinstance(exc.value, PrefectCloudError)

    def test_create_project_and_uniqueness(self, backend):
        p = backend.create_project("p", description="d")
        assert (p.name, p.description, p.tenant_id) == ("p", "d", backend.tenant.id)
        with pytest.raises(UniquenessViolation) as exc:
            backend.create_project("p")
        # prefect's Client.create_project looks for "'Uniqueness violation.'" in the
        # repr of the error list: the message must be exactly this
        assert str(exc.value) == "Uniqueness violation."
        assert repr({"message": str(exc.value)}) == "{'message': 'Uniqueness violation.'}"
        assert [x.id for x in backend.find_projects("p")] == [p.id]
        assert backend.find_projects("other") == []
        with pytest.raises(InvalidInput):
            backend.create_project("")
        with pytest.raises(NotFound):
            backend.create_project("q", tenant_id=str(uuid.uuid4()))
        assert backend.create_project("q", tenant_id=backend.tenant.id).name == "q"

    def test_flow_versions_archive_and_groups(self, backend):
        p = backend.create_project("p")
        other = backend.create_project("other")
        v1 = backend.create_flow(p.id, serialized_flow("f"), set_schedule_active=False)
        v2 = backend.create_flow(p.id, serialized_flow("f"), set_schedule_active=False)
        assert (v1.version, v2.version) == (1, 2)
        assert v1.flow_group_id == v2.flow_group_id
        assert v1.version_group_id == v2.version_group_id
        assert backend.flow_by_id(v1.id).archived is True
        assert backend.flow_by_id(v2.id).archived is False
        assert backend.flow_group_by_id(v1.flow_group_id).name == v1.version_group_id
        # another name, or the same name in another project: a new group at version 1
        g = backend.create_flow(p.id, serialized_flow("g"))
        f_other = backend.create_flow(other.id, serialized_flow("f"))
        assert g.version == f_other.version == 1
        assert len({v2.flow_group_id, g.flow_group_id, f_other.flow_group_id}) == 3
        assert backend.flow_by_id(v2.id).archived is False
        # an explicit version group wins over project+name
        v3 = backend.create_flow(other.id, serialized_flow("renamed"), version_group_id=v1.version_group_id)
        assert (v3.version, v3.flow_group_id) == (3, v1.flow_group_id)
        assert backend.flow_by_id(v2.id).archived is True
        assert backend.flow_by_id(v2.id).serialized_flow["name"] == "f"

    def test_create_flow_errors(self, backend):
        p = backend.create_project("p")
        with pytest.raises(NotFound):
            backend.create_flow(str(uuid.uuid4()), serialized_flow())
        with pytest.raises(InvalidInput):
            backend.create_flow(p.id, {"tasks": []})
        with pytest.raises(InvalidInput):
            backend.create_flow(p.id, "not a dict")
        # a bad task in a full serialized flow rolls the whole registration back
        bad = serialized_flow("f", tasks=[task_dict("a-1")], edges=[edge_dict("a-1", "zz-9")])
        with pytest.raises(InvalidInput):
            backend.create_flow(p.id, bad)
        assert backend.flows == {} and backend.tasks == {} and backend.flow_groups == {}

    def test_idempotency_key(self, backend):
        p = backend.create_project("p")
        a = backend.create_flow(p.id, serialized_flow(), idempotency_key="k1")
        b = backend.create_flow(p.id, serialized_flow(), idempotency_key="k1")
        c = backend.create_flow(p.id, serialized_flow(), idempotency_key="k2")
        assert a.id == b.id and c.id != a.id and c.version == 2

    def test_tasks_edges_and_flags(self, backend):
        p = backend.create_project("p")
        f = backend.create_flow(p.id, serialized_flow())
        assert backend.register_tasks(f.id, []) == []
        backend.register_tasks(f.id, [task_dict("a-1"), task_dict("b-1")])
        backend.register_tasks(f.id, [task_dict("c-1")])
        backend.register_edges(f.id, [edge_dict("a-1", "b-1", key="x"), edge_dict("b-1", "c-1", mapped=True)])
        flags = {
            t.slug: (t.is_root_task, t.is_terminal_task, t.is_reference_task, t.mapped) for t in backend.tasks_of(f.id)
        }
        assert flags == {
            "a-1": (True, False, False, False),
            "b-1": (False, False, False, False),
            "c-1": (False, True, True, True),
        }
        assert [e.key for e in backend.edges_of(f.id)] == ["x", None]
        with pytest.raises(UniquenessViolation):
            backend.register_tasks(f.id, [task_dict("d-1"), task_dict("a-1")])
        with pytest.raises(InvalidInput):
            backend.register_edges(f.id, [edge_dict("a-1", "c-1"), edge_dict("a-1", "nope")])
        assert len(backend.tasks_of(f.id)) == 3 and len(backend.edges_of(f.id)) == 2
        with pytest.raises(NotFound):
            backend.register_tasks(str(uuid.uuid4()), [])

    def test_reference_tasks_from_flow(self, backend):
        p = backend.create_project("p")
        f = backend.create_flow(p.id, serialized_flow(reference_tasks=[{"slug": "a-1"}]))
        backend.register_tasks(f.id, [task_dict("a-1"), task_dict("b-1")])
        backend.register_edges(f.id, [edge_dict("a-1", "b-1")])
        assert {t.slug for t in backend.tasks_of(f.id) if t.is_reference_task} == {"a-1"}

    def test_set_schedule_active(self, backend):
        p = backend.create_project("p")
        no_schedule = backend.create_flow(p.id, serialized_flow(), set_schedule_active=True)
        assert no_schedule.is_schedule_active is False  # nothing to schedule
        assert backend.set_schedule_active(no_schedule.id) is True
        assert backend.flow_by_id(no_schedule.id).is_schedule_active is True
        assert backend.set_schedule_active(str(uuid.uuid4())) is False
        schedule = {"clocks": [{"type": "IntervalClock", "parameter_defaults": {}}]}
        needs_param = serialized_flow("g", schedule=schedule, parameters=[{"name": "x", "required": True}])
        f = backend.create_flow(p.id, needs_param, set_schedule_active=True)
        assert f.is_schedule_active is False
        with pytest.raises(InvalidInput):
            backend.set_schedule_active(f.id)
        scheduled = backend.create_flow(p.id, serialized_flow("h", schedule=schedule))
        assert scheduled.is_schedule_active is True

    def test_where_and_order_by(self, backend):
        p = backend.create_project("p")
        q = backend.create_project("q")
        f1 = backend.create_flow(p.id, serialized_flow("a"))
        f2 = backend.create_flow(p.id, serialized_flow("a"))
        f3 = backend.create_flow(q.id, serialized_flow("a"))
        ids = lambda rows: [r.id for r in rows]
        where = {"name": {"_eq": "a"}, "archived": {"_eq": False}, "project": {"name": {"_eq": "p"}}}
        assert ids(backend.query("flows", where)) == [f2.id]
        assert ids(backend.query("flows", {"_and": [{"project_id": {"_eq": q.id}}, {"version": {"_eq": 1}}]})) == [
            f3.id
        ]
        assert set(ids(backend.query("flows", {"_or": [{"id": {"_eq": f1.id}}, {"id": {"_eq": f3.id}}]}))) == {
            f1.id,
            f3.id,
        }
        assert set(ids(backend.query("flows", {"_not": {"id": {"_eq": f1.id}}}))) == {f2.id, f3.id}
        assert set(ids(backend.query("flows", {"id": {"_in": [f1.id, f2.id]}}))) == {f1.id, f2.id}
        assert len(backend.query("flows", {"name": {"_eq": None}})) == 3  # null operand: ignored
        assert backend.query("flows", {"description": {"_is_null": False}}) == []
        assert ids(backend.query("flows", order_by=[{"created": "desc"}], limit=2)) == [f3.id, f2.id]
        assert ids(backend.query("flows", order_by={"created": "asc"}, offset=1)) == [f2.id, f3.id]
        assert ids(backend.query("flows", order_by=[{"project": {"name": "desc"}}, {"version": "asc"}])) == [
            f3.id,
            f1.id,
            f2.id,
        ]
        with pytest.raises(InvalidInput):
            backend.query("flows", {"no_such_field": {"_eq": 1}})

    def test_matches_and_sort_records_plain(self):
        class R:
            def __init__(self, v):
                self.v = v

        rows = [R(2), R(None), R(1)]
        assert [r.v for r in sort_records(rows, {"v": "asc"})] == [1, 2, None]
        assert [r.v for r in sort_records(rows, {"v": "desc"})] == [None, 2, 1]
        assert [r.v for r in sort_records(rows, {"v": "asc_nulls_first"})] == [None, 1, 2]
        assert matches(R(3), {"v": {"_gt": 2, "_lte": 3}}) and not matches(R(3), {"v": {"_lt": 3}})
        assert matches(R(None), {"v": {"_is_null": True}}) and not matches(R(None), {"v": {"_eq": 1}})

    def test_decompress_is_prefects_format(self):
        assert decompress(compress({"name": "f", "n": [1, 2]})) == {"name": "f", "n": [1, 2]}


# ----------------------------------------------------------------------------------
# schema.py, no HTTP
# ----------------------------------------------------------------------------------


class TestSchema:
    def test_inline_where_and_variables(self, backend):
        p = backend.create_project("p")
        out = execute_graphql(backend, 'query { project(where: {name: {_eq: "p"}}) { id name } }')
        assert out.body == {"data": {"project": [{"id": p.id, "name": "p"}]}} and not out.request_error
        out = execute_graphql(
            backend,
            "query($slug: String) { tenant(where: {slug: { _eq: $slug } }) { id } }",
            {"slug": "tutorial"},
        )
        assert out.body["data"]["tenant"] == [{"id": backend.tenant.id}]
        out = execute_graphql(backend, "query { tenant(order_by: {slug: asc}) { id slug name } }")
        assert out.body["data"]["tenant"] == [{"id": backend.tenant.id, "slug": "tutorial", "name": "Tutorial"}]

    def test_uniqueness_violation_is_an_execution_error(self, backend):
        mutation = "mutation($input: create_project_input!) { create_project(input: $input) { id } }"
        variables = {"input": {"name": "p", "description": None, "tenant_id": backend.tenant.id}}
        first = execute_graphql(backend, mutation, variables)
        assert "errors" not in first.body
        second = execute_graphql(backend, mutation, variables)
        assert not second.request_error
        assert second.body["data"] == {"create_project": None}
        [error] = second.body["errors"]
        assert error["message"] == "Uniqueness violation."
        assert error["extensions"]["code"] == "CONSTRAINT_VIOLATION"
        assert error["path"] == ["create_project"]

    def test_request_errors(self, backend):
        syntax = execute_graphql(backend, "query { tenant { id ")
        assert syntax.request_error and syntax.body["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
        unknown = execute_graphql(backend, "query { tenant { nope } }")
        assert unknown.request_error and "nope" in unknown.body["errors"][0]["message"]
        bad_uuid = execute_graphql(backend, "query($id: uuid!) { flow_by_pk(id: $id) { id } }", {"id": "not-a-uuid"})
        assert bad_uuid.request_error and "uuid" in bad_uuid.body["errors"][0]["message"]
        literal = execute_graphql(backend, 'query { flow_by_pk(id: "nope") { id } }')
        assert literal.request_error
        assert literal.body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
        missing = execute_graphql(
            backend,
            "mutation($input: create_flow_from_compressed_string_input!) "
            "{ create_flow_from_compressed_string(input: $input) { id } }",
            {"input": {"serialized_flow": "x"}},
        )
        assert missing.request_error and "project_id" in missing.body["errors"][0]["message"]

    def test_unexpected_resolver_error_is_internal(self, backend, monkeypatch, caplog):
        def broken(*args, **kwargs):
            raise RuntimeError("boom")

        monkeypatch.setattr(backend, "query", broken)
        out = execute_graphql(backend, "query { tenant { id } auth_info { tenant_id } }")
        assert not out.request_error
        assert out.body["data"] is None  # tenant is non-null: the error nulls the root
        [error] = out.body["errors"]
        assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR"} and error["message"] == "boom"
        assert "boom" in caplog.text

    def test_uncompressed_create_flow_with_inline_json(self, backend):
        p = backend.create_project("p")
        out = execute_graphql(
            backend,
            f'mutation {{ create_flow(input: {{project_id: "{p.id}", serialized_flow: '
            '{name: "x", tasks: [{slug: "a-1"}, {slug: "b-1"}], '
            'edges: [{upstream_task: {slug: "a-1"}, downstream_task: {slug: "b-1"}}]}}) { id } }',
        )
        flow = backend.flow_by_id(out.body["data"]["create_flow"]["id"])
        assert flow.name == "x" and [t.slug for t in backend.tasks_of(flow.id)] == ["a-1", "b-1"]
        assert len(backend.edges_of(flow.id)) == 1

    def test_compressed_flow_tasks_and_lookup(self, backend):
        p = backend.create_project("p")
        create = (
            "mutation($input: create_flow_from_compressed_string_input!) "
            "{ create_flow_from_compressed_string(input: $input) { id } }"
        )
        out = execute_graphql(
            backend,
            create,
            {
                "input": {
                    "project_id": p.id,
                    "serialized_flow": compress(serialized_flow("f")),
                    "set_schedule_active": False,
                }
            },
        )
        flow_id = out.body["data"]["create_flow_from_compressed_string"]["id"]
        out = execute_graphql(
            backend,
            "mutation($input: register_tasks_input!) { register_tasks(input: $input) { success } }",
            {"input": {"flow_id": flow_id, "serialized_tasks": [task_dict("a-1")]}},
        )
        assert out.body == {"data": {"register_tasks": {"success": True}}}
        out = execute_graphql(
            backend,
            'query { flow(where: {name: {_eq: "f"}, archived: {_eq: false}, project: {name: {_eq: "p"}}}, '
            "order_by: {created: desc}) { id version archived project { name } flow_group { labels } "
            "tasks { slug is_root_task } serialized_flow storage run_config core_version settings } }",
        )
        [flow] = out.body["data"]["flow"]
        assert flow["id"] == flow_id and flow["project"] == {"name": "p"}
        assert flow["tasks"] == [{"slug": "a-1", "is_root_task": True}]
        assert flow["serialized_flow"]["name"] == "f" and flow["core_version"] == "1.4.1"
        bad = execute_graphql(backend, create, {"input": {"project_id": p.id, "serialized_flow": "!!"}})
        assert bad.body["errors"][0]["message"] == "Unable to decompress serialized flow"
        by_pk = execute_graphql(
            backend, f'query {{ flow_by_pk(id: "{flow_id}") {{ flow_group_id version name project_id }} }}'
        )
        assert by_pk.body["data"]["flow_by_pk"]["project_id"] == p.id


# ----------------------------------------------------------------------------------
# HTTP, raw
# ----------------------------------------------------------------------------------


class TestHTTP:
    def test_success_has_no_errors_key_and_variables_forms(self, server, backend):
        q = "query($slug: String) { tenant(where: {slug: {_eq: $slug}}) { id } }"
        for variables in (json.dumps({"slug": "tutorial"}), {"slug": "tutorial"}):
            r = server.post({"query": q, "variables": variables})
            assert r.status_code == 200 and r.json() == {"data": {"tenant": [{"id": backend.tenant.id}]}}
        r = server.post({"query": "query { auth_info { tenant_id } }", "variables": "null"})
        assert r.json() == {"data": {"auth_info": {"tenant_id": backend.tenant.id}}}

    @pytest.mark.parametrize(
        "key,headers,message",
        [
            ("wrong", {}, "Unauthenticated: the API key is missing or invalid (check PREFECT_USER_TOKEN)"),
            (None, {}, "Unauthenticated: the API key is missing or invalid (check PREFECT_USER_TOKEN)"),
            (None, {"Authorization": "Token abc"}, "Malformed Authorization header (check PREFECT_USER_TOKEN)"),
        ],
    )
    def test_bad_key_is_a_graphql_unauthenticated_error(self, server, key, headers, message):
        r = server.post({"query": "query { auth_info { tenant_id } }"}, key=key, headers=headers)
        assert r.status_code == 200
        assert r.json() == {"data": None, "errors": [{"message": message, "extensions": {"code": "UNAUTHENTICATED"}}]}

    def test_stale_tenant_header_is_refused(self, server, backend):
        ok = server.post({"query": "{ tenant { id } }"}, headers={"X-PREFECT-TENANT-ID": backend.tenant.id})
        assert "errors" not in ok.json()
        r = server.post({"query": "{ tenant { id } }"}, headers={"X-PREFECT-TENANT-ID": str(uuid.uuid4())})
        assert r.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

    def test_syntax_error_is_a_graphql_error_not_500(self, server):
        r = server.post({"query": "query { tenant { id ", "variables": "null"})
        assert r.status_code == 400
        [error] = r.json()["errors"]
        assert error["message"].startswith("Syntax Error") and error["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"

    @pytest.mark.parametrize(
        "body,fragment",
        [
            ('{"query": ', "invalid JSON"),
            ("[1, 2]", "JSON object"),
            ('{"variables": "null"}', "missing query"),
            ('{"query": "{ tenant { id } }", "variables": "{nope"}', "not valid JSON"),
            ('{"query": "{ tenant { id } }", "variables": "[1]"}', "must be a JSON object"),
        ],
    )
    def test_malformed_body_is_400(self, server, body, fragment):
        r = server.post(body)
        assert r.status_code == 400
        assert fragment in r.json()["errors"][0]["message"]

    def test_get_is_405(self, server):
        r = requests.get(server.url, timeout=10)
        assert r.status_code == 405 and r.headers["Allow"] == "POST"
        assert r.json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"


# ----------------------------------------------------------------------------------
# the real prefect 1.4.1 client and CLI, in subprocesses
# ----------------------------------------------------------------------------------


class TestWithPrefect:
    def test_auth_login(self, prefect_env, backend, server):
        proc = run_prefect_cli(prefect_env, "auth", "login", "--key", API_KEY)
        assert proc.returncode == 0, proc.stderr
        assert "Logged in to Prefect Cloud tenant 'Tutorial' (tutorial)" in proc.stdout
        auth = Path(prefect_env["PREFECT__HOME_DIR"]) / "auth.toml"
        text = auth.read_text()
        assert f'["127.0.0.1-{server.port}"]' in text
        assert f'api_key = "{API_KEY}"' in text and f'tenant_id = "{backend.tenant.id}"' in text

    def test_auth_login_wrong_key(self, prefect_env):
        proc = run_prefect_cli(prefect_env, "auth", "login", "--key", "WRONG")
        assert proc.returncode != 0
        assert "Unauthorized. Invalid Prefect Cloud API key." in proc.stdout
        assert "Traceback" not in proc.stdout + proc.stderr
        assert not (Path(prefect_env["PREFECT__HOME_DIR"]) / "auth.toml").exists()

    def test_create_project_twice(self, logged_in, backend, tmp_path):
        _, out = run_prefect_script(
            logged_in,
            """
            import prefect
            c = prefect.Client()
            report([c.create_project("p"), c.create_project("p", "again")])
            """,
            tmp_path,
        )
        first, second = out
        assert first == second
        assert [p.id for p in backend.projects.values()] == [first]

    def test_register_twice_makes_version_2(self, logged_in, backend, tmp_path):
        backend.create_project("p")
        proc, out = run_prefect_script(
            logged_in,
            FLOW_SCRIPT.format(storage=str(tmp_path / "flows"))
            + """
from prefect.backend import FlowView
first = register("p")
second = register("p")
view = FlowView.from_flow_name("tutorial-flow", project_name="p")
third = prefect.Client().register(flow, project_name="p", compressed=False, no_url=True)
report({"first": first, "second": second, "view": view.flow_id, "view_project": view.project_name,
        "third": third})
""",
            tmp_path,
        )
        v1, v2 = backend.flow_by_id(out["first"]), backend.flow_by_id(out["second"])
        assert (v1.version, v2.version) == (1, 2)
        assert v1.flow_group_id == v2.flow_group_id
        # FlowView looks up the unarchived flow by name and project: v2 at that time
        assert (out["view"], out["view_project"]) == (v2.id, "p")
        assert [t.slug for t in backend.tasks_of(v2.id)] == ["inc-1", "inc-2"]
        assert len(backend.edges_of(v2.id)) == 1
        assert v2.serialized_flow["storage"]["type"] == "Local"
        assert f"ID: {v2.id}" in proc.stdout and f"/flow/{v2.flow_group_id}" in proc.stdout
        v3 = backend.flow_by_id(out["third"])  # create_flow, uncompressed
        assert (v3.version, v3.flow_group_id, v3.name) == (3, v1.flow_group_id, "tutorial-flow")
        assert [v.archived for v in (v1, v2, v3)] == [True, True, False]
        assert len(backend.tasks_of(v3.id)) == 2

    def test_register_into_missing_project(self, logged_in, tmp_path):
        _, out = run_prefect_script(
            logged_in,
            FLOW_SCRIPT.format(storage=str(tmp_path / "flows"))
            + """
try:
    register("missing")
except ValueError as exc:
    report({"error": str(exc)})
""",
            tmp_path,
        )
        assert out["error"].startswith("Project missing not found.")

    def test_syntax_error_through_the_client(self, logged_in, tmp_path):
        _, out = run_prefect_script(
            logged_in,
            """
            import prefect
            from prefect.exceptions import ClientError
            try:
                prefect.Client().graphql("query { tenant { id ")
            except ClientError as exc:
                report({"type": type(exc).__name__, "text": str(exc)})
            """,
            tmp_path,
        )
        assert out["type"] == "ClientError"
        assert "400 Client Error" in out["text"] and "GRAPHQL_PARSE_FAILED: Syntax Error" in out["text"]
