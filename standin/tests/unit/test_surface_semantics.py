"""The semantics behind the client surface (Prefect Server 1.x's, through Hasura) that prefect's
``get``, ``describe``, ``delete``, ``kv`` and ``auth`` commands rely on, through the stand-in's
GraphQL layer without HTTP. Which documents prefect sends: tests/component/test_client_surface.py."""

from __future__ import annotations

import pytest

from standin.prefect_cloud.schema import execute_graphql


def graphql(backend, query: str, **variables) -> dict:
    body = execute_graphql(backend, query, variables or None).body
    assert "errors" not in body, body["errors"]
    return body["data"]


def error_of(backend, query: str, **variables) -> dict:
    (error,) = execute_graphql(backend, query, variables or None).body["errors"]
    return error


@pytest.fixture
def two_flows(cloud_backend):
    """Project ``p`` with flow ``a`` in two versions and flow ``b`` in one; one run of ``a`` v2."""
    project = cloud_backend.create_project("p")
    for name in ("a", "a", "b"):
        flow = cloud_backend.create_flow(project.id, {"name": name, "tasks": [], "edges": []})
    a2 = cloud_backend.query("flows", {"name": {"_eq": "a"}, "version": {"_eq": 2}})[0]
    cloud_backend.create_flow_run(a2.id)
    return cloud_backend, project, flow


def test_distinct_on_keeps_the_first_row_of_each_name_in_order(two_flows):
    backend, _, _ = two_flows
    data = graphql(backend, "{ flow(order_by: {name: asc, version: desc}, distinct_on: name) { name version } }")
    assert data["flow"] == [{"name": "a", "version": 2}, {"name": "b", "version": 1}]
    error = error_of(backend, "{ flow(order_by: {created: asc}, distinct_on: name) { name } }")
    assert error["message"] == '"distinct_on" columns must match initial "order_by" columns'
    assert error["extensions"]["code"] == "BAD_USER_INPUT"


def test_flows_aggregate_counts_a_projects_flows_not_their_versions(two_flows):
    backend, _, _ = two_flows
    query = """{ project { name
        flows_aggregate(distinct_on: name) { aggregate { count } }
        versions: flows_aggregate { aggregate { count(columns: [name], distinct: true) } nodes { version } } } }"""
    (project,) = graphql(backend, query)["project"]
    assert project["flows_aggregate"]["aggregate"]["count"] == 2
    assert project["versions"]["aggregate"]["count"] == 2
    assert sorted(n["version"] for n in project["versions"]["nodes"]) == [1, 1, 2]
    data = graphql(backend, '{ flow_run_aggregate(where: {flow: {name: {_eq: "a"}}}) { aggregate { count } } }')
    assert data["flow_run_aggregate"]["aggregate"]["count"] == 1


def test_tasks_are_queried_with_their_flow(cloud_backend):
    project = cloud_backend.create_project("p")
    flow = cloud_backend.create_flow(
        project.id, {"name": "f", "tasks": [{"slug": "t-1", "name": "t", "description": "does t"}], "edges": []}
    )
    data = graphql(cloud_backend, '{ task(where: {flow: {name: {_eq: "f"}}}) { slug description flow { id } } }')
    assert data["task"] == [{"slug": "t-1", "description": "does t", "flow": {"id": flow.id}}]


def test_delete_project_takes_its_flows_and_runs_with_it(two_flows):
    backend, project, _ = two_flows
    mutation = "mutation($input: delete_project_input!) { delete_project(input: $input) { success } }"
    assert graphql(backend, mutation, input={"project_id": project.id}) == {"delete_project": {"success": True}}
    assert (backend.projects, backend.flows, backend.flow_runs, backend.task_runs) == ({}, {}, {}, {})
    assert graphql(backend, mutation, input={"project_id": project.id}) == {"delete_project": {"success": False}}


def test_the_kv_store_overwrites_a_key_in_place_and_deletes_it(cloud_backend):
    set_value = "mutation($input: set_key_value_input!) { set_key_value(input: $input) { id } }"
    first = graphql(cloud_backend, set_value, input={"key": "k", "value": {"n": 1}})["set_key_value"]["id"]
    again = graphql(cloud_backend, set_value, input={"key": "k", "value": [2]})["set_key_value"]["id"]
    assert first == again
    assert graphql(cloud_backend, '{ key_value(where: {key: {_eq: "k"}}) { key value } }') == {
        "key_value": [{"key": "k", "value": [2]}]
    }
    too_big = error_of(cloud_backend, set_value, input={"key": "big", "value": "x" * 10_001})
    assert too_big["message"] == "Value payload exceedes 10 KB limit."
    delete = "mutation($input: delete_key_value_input!) { delete_key_value(input: $input) { success } }"
    assert graphql(cloud_backend, delete, input={"key_value_id": first})["delete_key_value"] == {"success": True}
    assert graphql(cloud_backend, "{ key_value { key } }") == {"key_value": []}


@pytest.mark.parametrize(
    ("mutation", "payload"),
    [
        ("set_secret", {"name": "s", "value": "v"}),
        ("update_task_tag_limit", {"tag": "t", "limit": 1}),
        ("create_api_key", {"name": "k", "user_id": "00000000-0000-0000-0000-000000000000"}),
        ("delete_api_key", {"key_id": "00000000-0000-0000-0000-000000000000"}),
    ],
)
def test_what_the_stand_in_declines_is_one_forbidden_line(cloud_backend, mutation, payload):
    fields = "id" if mutation in ("update_task_tag_limit", "create_api_key") else "success"
    error = error_of(
        cloud_backend,
        f"mutation($input: {mutation}_input!) {{ {mutation}(input: $input) {{ {fields} }} }}",
        input=payload,
    )
    assert error["extensions"] == {"code": "FORBIDDEN"}
    assert "\n" not in error["message"] and error["message"].startswith("The stand-in ")


def test_the_api_keys_list_the_stand_ins_key_without_its_secret(cloud_backend):
    (key,) = graphql(cloud_backend, "{ auth_api_key { id name expires_at } }")["auth_api_key"]
    assert key["expires_at"] is None and cloud_backend.api_key not in str(key)
