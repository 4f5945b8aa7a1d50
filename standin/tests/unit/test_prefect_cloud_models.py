"""The Prefect Cloud 1.x stand-in's models and GraphQL schema (standin.prefect_cloud), without
HTTP or a process: models/, and schema.py's graphql-core execution. Over HTTP and through the real
prefect client and CLI: tests/component/test_prefect_cloud_standin.py."""

from __future__ import annotations

import base64
import gzip
import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from standin.prefect_cloud.exceptions import (
    InvalidInput,
    NotFound,
    PrefectCloudError,
    Unauthenticated,
    UniquenessViolation,
)
from standin.prefect_cloud.hasura import matches, sort_records
from standin.prefect_cloud.models import PrefectCloudBackend, decompress
from standin.prefect_cloud.schema import execute_graphql
from standin.testing import standins


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


# ----------------------------------------------------------------------------------
# models/, no HTTP
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

    def test_authenticate(self, cloud_backend):
        info = cloud_backend.authenticate(standins.PREFECT_CLOUD_KEY)
        assert info.tenant_id == cloud_backend.tenant.id
        tenant_id = cloud_backend.tenant.id
        assert cloud_backend.authenticate(standins.PREFECT_CLOUD_KEY, tenant_id=tenant_id).tenant_id == tenant_id
        for key in (None, "", "wrong", standins.PREFECT_CLOUD_KEY + "x"):
            with pytest.raises(Unauthenticated):
                cloud_backend.authenticate(key)
        with pytest.raises(Unauthenticated) as exc:
            cloud_backend.authenticate(standins.PREFECT_CLOUD_KEY, tenant_id=str(uuid.uuid4()))
        assert exc.value.code == "UNAUTHENTICATED" and isinstance(exc.value, PrefectCloudError)

    def test_create_project_and_uniqueness(self, cloud_backend):
        p = cloud_backend.create_project("p", description="d")
        assert (p.name, p.description, p.tenant_id) == ("p", "d", cloud_backend.tenant.id)
        with pytest.raises(UniquenessViolation) as exc:
            cloud_backend.create_project("p")
        # prefect's Client.create_project looks for "'Uniqueness violation.'" in the
        # repr of the error list: the message must be exactly this
        assert str(exc.value) == "Uniqueness violation."
        assert repr({"message": str(exc.value)}) == "{'message': 'Uniqueness violation.'}"
        assert [x.id for x in cloud_backend.query("projects", {"name": {"_eq": "p"}})] == [p.id]
        assert cloud_backend.query("projects", {"name": {"_eq": "other"}}) == []
        with pytest.raises(InvalidInput):
            cloud_backend.create_project("")
        with pytest.raises(NotFound):
            cloud_backend.create_project("q", tenant_id=str(uuid.uuid4()))
        assert cloud_backend.create_project("q", tenant_id=cloud_backend.tenant.id).name == "q"

    def test_flow_versions_archive_and_groups(self, cloud_backend):
        p = cloud_backend.create_project("p")
        other = cloud_backend.create_project("other")
        v1 = cloud_backend.create_flow(p.id, serialized_flow("f"), set_schedule_active=False)
        v2 = cloud_backend.create_flow(p.id, serialized_flow("f"), set_schedule_active=False)
        assert (v1.version, v2.version) == (1, 2)
        assert v1.flow_group_id == v2.flow_group_id
        assert v1.version_group_id == v2.version_group_id
        assert cloud_backend.flow_by_id(v1.id).archived is True
        assert cloud_backend.flow_by_id(v2.id).archived is False
        assert cloud_backend.flow_group_by_id(v1.flow_group_id).name == v1.version_group_id
        # another name, or the same name in another project: a new group at version 1
        g = cloud_backend.create_flow(p.id, serialized_flow("g"))
        f_other = cloud_backend.create_flow(other.id, serialized_flow("f"))
        assert g.version == f_other.version == 1
        assert len({v2.flow_group_id, g.flow_group_id, f_other.flow_group_id}) == 3
        assert cloud_backend.flow_by_id(v2.id).archived is False
        # an explicit version group wins over project+name
        v3 = cloud_backend.create_flow(other.id, serialized_flow("renamed"), version_group_id=v1.version_group_id)
        assert (v3.version, v3.flow_group_id) == (3, v1.flow_group_id)
        assert cloud_backend.flow_by_id(v2.id).archived is True
        assert cloud_backend.flow_by_id(v2.id).serialized_flow["name"] == "f"

    def test_create_flow_errors(self, cloud_backend):
        p = cloud_backend.create_project("p")
        with pytest.raises(NotFound):
            cloud_backend.create_flow(str(uuid.uuid4()), serialized_flow())
        with pytest.raises(InvalidInput):
            cloud_backend.create_flow(p.id, {"tasks": []})
        with pytest.raises(InvalidInput):
            cloud_backend.create_flow(p.id, "not a dict")
        # a bad task in a full serialized flow rolls the whole registration back
        bad = serialized_flow("f", tasks=[task_dict("a-1")], edges=[edge_dict("a-1", "zz-9")])
        with pytest.raises(InvalidInput):
            cloud_backend.create_flow(p.id, bad)
        assert cloud_backend.flows == {} and cloud_backend.tasks == {} and cloud_backend.flow_groups == {}

    def test_idempotency_key(self, cloud_backend):
        p = cloud_backend.create_project("p")
        a = cloud_backend.create_flow(p.id, serialized_flow(), idempotency_key="k1")
        b = cloud_backend.create_flow(p.id, serialized_flow(), idempotency_key="k1")
        c = cloud_backend.create_flow(p.id, serialized_flow(), idempotency_key="k2")
        assert a.id == b.id and c.id != a.id and c.version == 2

    def test_tasks_edges_and_flags(self, cloud_backend):
        p = cloud_backend.create_project("p")
        f = cloud_backend.create_flow(p.id, serialized_flow())
        assert cloud_backend.register_tasks(f.id, []) == []
        cloud_backend.register_tasks(f.id, [task_dict("a-1"), task_dict("b-1")])
        cloud_backend.register_tasks(f.id, [task_dict("c-1")])
        edges = [edge_dict("a-1", "b-1", key="x"), edge_dict("b-1", "c-1", mapped=True)]
        cloud_backend.register_edges(f.id, edges)
        flags = {
            t.slug: (t.is_root_task, t.is_terminal_task, t.is_reference_task, t.mapped)
            for t in cloud_backend.tasks_of(f.id)
        }
        assert flags == {
            "a-1": (True, False, False, False),
            "b-1": (False, False, False, False),
            "c-1": (False, True, True, True),
        }
        assert [e.key for e in cloud_backend.edges_of(f.id)] == ["x", None]
        with pytest.raises(UniquenessViolation):
            cloud_backend.register_tasks(f.id, [task_dict("d-1"), task_dict("a-1")])
        with pytest.raises(InvalidInput):
            cloud_backend.register_edges(f.id, [edge_dict("a-1", "c-1"), edge_dict("a-1", "nope")])
        assert len(cloud_backend.tasks_of(f.id)) == 3 and len(cloud_backend.edges_of(f.id)) == 2
        with pytest.raises(NotFound):
            cloud_backend.register_tasks(str(uuid.uuid4()), [])

    def test_reference_tasks_from_flow(self, cloud_backend):
        p = cloud_backend.create_project("p")
        f = cloud_backend.create_flow(p.id, serialized_flow(reference_tasks=[{"slug": "a-1"}]))
        cloud_backend.register_tasks(f.id, [task_dict("a-1"), task_dict("b-1")])
        cloud_backend.register_edges(f.id, [edge_dict("a-1", "b-1")])
        assert {t.slug for t in cloud_backend.tasks_of(f.id) if t.is_reference_task} == {"a-1"}

    def test_set_schedule_active(self, cloud_backend):
        p = cloud_backend.create_project("p")
        no_schedule = cloud_backend.create_flow(p.id, serialized_flow(), set_schedule_active=True)
        assert no_schedule.is_schedule_active is False  # nothing to schedule
        assert cloud_backend.set_schedule_active(no_schedule.id) is True
        assert cloud_backend.flow_by_id(no_schedule.id).is_schedule_active is True
        assert cloud_backend.set_schedule_active(str(uuid.uuid4())) is False
        schedule = {"clocks": [{"type": "IntervalClock", "parameter_defaults": {}}]}
        needs_param = serialized_flow("g", schedule=schedule, parameters=[{"name": "x", "required": True}])
        f = cloud_backend.create_flow(p.id, needs_param, set_schedule_active=True)
        assert f.is_schedule_active is False
        with pytest.raises(InvalidInput):
            cloud_backend.set_schedule_active(f.id)
        scheduled = cloud_backend.create_flow(p.id, serialized_flow("h", schedule=schedule))
        assert scheduled.is_schedule_active is True

    def test_where_and_order_by(self, cloud_backend):
        p = cloud_backend.create_project("p")
        q = cloud_backend.create_project("q")
        f1 = cloud_backend.create_flow(p.id, serialized_flow("a"))
        f2 = cloud_backend.create_flow(p.id, serialized_flow("a"))
        f3 = cloud_backend.create_flow(q.id, serialized_flow("a"))

        def ids(rows):
            return [r.id for r in rows]

        where = {"name": {"_eq": "a"}, "archived": {"_eq": False}, "project": {"name": {"_eq": "p"}}}
        assert ids(cloud_backend.query("flows", where)) == [f2.id]
        assert ids(
            cloud_backend.query("flows", {"_and": [{"project_id": {"_eq": q.id}}, {"version": {"_eq": 1}}]})
        ) == [f3.id]
        assert set(ids(cloud_backend.query("flows", {"_or": [{"id": {"_eq": f1.id}}, {"id": {"_eq": f3.id}}]}))) == {
            f1.id,
            f3.id,
        }
        assert set(ids(cloud_backend.query("flows", {"_not": {"id": {"_eq": f1.id}}}))) == {f2.id, f3.id}
        assert set(ids(cloud_backend.query("flows", {"id": {"_in": [f1.id, f2.id]}}))) == {f1.id, f2.id}
        assert len(cloud_backend.query("flows", {"name": {"_eq": None}})) == 3  # null operand: ignored
        assert cloud_backend.query("flows", {"description": {"_is_null": False}}) == []
        assert ids(cloud_backend.query("flows", order_by=[{"created": "desc"}], limit=2)) == [f3.id, f2.id]
        assert ids(cloud_backend.query("flows", order_by={"created": "asc"}, offset=1)) == [f2.id, f3.id]
        assert ids(cloud_backend.query("flows", order_by=[{"project": {"name": "desc"}}, {"version": "asc"}])) == [
            f3.id,
            f1.id,
            f2.id,
        ]
        with pytest.raises(InvalidInput):
            cloud_backend.query("flows", {"no_such_field": {"_eq": 1}})

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
    def test_inline_where_and_variables(self, cloud_backend):
        p = cloud_backend.create_project("p")
        out = execute_graphql(cloud_backend, 'query { project(where: {name: {_eq: "p"}}) { id name } }')
        assert out.body == {"data": {"project": [{"id": p.id, "name": "p"}]}} and not out.request_error
        out = execute_graphql(
            cloud_backend,
            "query($slug: String) { tenant(where: {slug: { _eq: $slug } }) { id } }",
            {"slug": "tutorial"},
        )
        assert out.body["data"]["tenant"] == [{"id": cloud_backend.tenant.id}]
        out = execute_graphql(cloud_backend, "query { tenant(order_by: {slug: asc}) { id slug name } }")
        assert out.body["data"]["tenant"] == [{"id": cloud_backend.tenant.id, "slug": "tutorial", "name": "Tutorial"}]

    def test_uniqueness_violation_is_an_execution_error(self, cloud_backend):
        mutation = "mutation($input: create_project_input!) { create_project(input: $input) { id } }"
        variables = {"input": {"name": "p", "description": None, "tenant_id": cloud_backend.tenant.id}}
        first = execute_graphql(cloud_backend, mutation, variables)
        assert "errors" not in first.body
        second = execute_graphql(cloud_backend, mutation, variables)
        assert not second.request_error
        assert second.body["data"] == {"create_project": None}
        [error] = second.body["errors"]
        assert error["message"] == "Uniqueness violation."
        assert error["extensions"]["code"] == "CONSTRAINT_VIOLATION"
        assert error["path"] == ["create_project"]

    def test_request_errors(self, cloud_backend):
        syntax = execute_graphql(cloud_backend, "query { tenant { id ")
        assert syntax.request_error and syntax.body["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
        unknown = execute_graphql(cloud_backend, "query { tenant { nope } }")
        assert unknown.request_error and "nope" in unknown.body["errors"][0]["message"]
        bad_uuid = execute_graphql(
            cloud_backend, "query($id: uuid!) { flow_by_pk(id: $id) { id } }", {"id": "not-a-uuid"}
        )
        assert bad_uuid.request_error and "uuid" in bad_uuid.body["errors"][0]["message"]
        literal = execute_graphql(cloud_backend, 'query { flow_by_pk(id: "nope") { id } }')
        assert literal.request_error
        assert literal.body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
        missing = execute_graphql(
            cloud_backend,
            "mutation($input: create_flow_from_compressed_string_input!) "
            "{ create_flow_from_compressed_string(input: $input) { id } }",
            {"input": {"serialized_flow": "x"}},
        )
        assert missing.request_error and "project_id" in missing.body["errors"][0]["message"]

    def test_unexpected_resolver_error_is_internal(self, cloud_backend, monkeypatch, caplog):
        def broken(*args, **kwargs):
            raise RuntimeError("boom")

        monkeypatch.setattr(cloud_backend, "query", broken)
        out = execute_graphql(cloud_backend, "query { tenant { id } auth_info { tenant_id } }")
        assert not out.request_error
        assert out.body["data"] is None  # tenant is non-null: the error nulls the root
        [error] = out.body["errors"]
        assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR"} and error["message"] == "boom"
        assert "boom" in caplog.text

    def test_uncompressed_create_flow_with_inline_json(self, cloud_backend):
        p = cloud_backend.create_project("p")
        out = execute_graphql(
            cloud_backend,
            f'mutation {{ create_flow(input: {{project_id: "{p.id}", serialized_flow: '
            '{name: "x", tasks: [{slug: "a-1"}, {slug: "b-1"}], '
            'edges: [{upstream_task: {slug: "a-1"}, downstream_task: {slug: "b-1"}}]}}) { id } }',
        )
        flow = cloud_backend.flow_by_id(out.body["data"]["create_flow"]["id"])
        assert flow.name == "x" and [t.slug for t in cloud_backend.tasks_of(flow.id)] == ["a-1", "b-1"]
        assert len(cloud_backend.edges_of(flow.id)) == 1

    def test_compressed_flow_tasks_and_lookup(self, cloud_backend):
        p = cloud_backend.create_project("p")
        create = (
            "mutation($input: create_flow_from_compressed_string_input!) "
            "{ create_flow_from_compressed_string(input: $input) { id } }"
        )
        out = execute_graphql(
            cloud_backend,
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
            cloud_backend,
            "mutation($input: register_tasks_input!) { register_tasks(input: $input) { success } }",
            {"input": {"flow_id": flow_id, "serialized_tasks": [task_dict("a-1")]}},
        )
        assert out.body == {"data": {"register_tasks": {"success": True}}}
        out = execute_graphql(
            cloud_backend,
            'query { flow(where: {name: {_eq: "f"}, archived: {_eq: false}, project: {name: {_eq: "p"}}}, '
            "order_by: {created: desc}) { id version archived project { name } flow_group { labels } "
            "tasks { slug is_root_task } serialized_flow storage run_config core_version settings } }",
        )
        [flow] = out.body["data"]["flow"]
        assert flow["id"] == flow_id and flow["project"] == {"name": "p"}
        assert flow["tasks"] == [{"slug": "a-1", "is_root_task": True}]
        assert flow["serialized_flow"]["name"] == "f" and flow["core_version"] == "1.4.1"
        bad = execute_graphql(cloud_backend, create, {"input": {"project_id": p.id, "serialized_flow": "!!"}})
        assert bad.body["errors"][0]["message"] == "Unable to decompress serialized flow"
        by_pk = execute_graphql(
            cloud_backend, f'query {{ flow_by_pk(id: "{flow_id}") {{ flow_group_id version name project_id }} }}'
        )
        assert by_pk.body["data"]["flow_by_pk"]["project_id"] == p.id
