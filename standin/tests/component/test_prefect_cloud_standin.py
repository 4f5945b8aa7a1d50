"""Tests of the Prefect Cloud 1.x stand-in (standin.prefect_cloud) over HTTP: its models
and schema without HTTP are tests/unit/test_prefect_cloud_models.py.

- the tornado handler on 127.0.0.1, driven by raw HTTP and by the REAL prefect 1.4.1
  client and CLI, each in a subprocess whose PREFECT__* variables are set before
  prefect is imported (and whose HOME and PREFECT__HOME_DIR are a tmp folder, so
  ~/.prefect is never read or written).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import requests

from standin.prefect_cloud.urls import url_patterns
from standin.testing import programs, servers, standins

#: The programs this suite runs as files.
PROGRAMS = Path(__file__).resolve().parents[1] / "programs"

VENV_BIN = Path(sys.executable).parent
SUBPROCESS_TIMEOUT = 60  # prefect retries an unreachable API for ~62 s; fail before


class GraphQLEndpoint:
    """The stand-in's GraphQL endpoint, served by :func:`servers.tornado_server`."""

    def __init__(self, base_url: str) -> None:
        self.url = base_url + "/graphql"
        self.port = int(base_url.rsplit(":", 1)[1])

    def post(self, body, key: str | None = standins.PREFECT_CLOUD_KEY, headers: dict | None = None):
        all_headers = {"Authorization": f"Bearer {key}"} if key is not None else {}
        all_headers.update(headers or {})
        if isinstance(body, (dict, list)):
            return requests.post(self.url, json=body, headers=all_headers, timeout=10)
        return requests.post(self.url, data=body, headers=all_headers, timeout=10)


@pytest.fixture
def server(cloud_backend):
    """The stand-in's Prefect Cloud routes alone, on 127.0.0.1 and a free port, in a thread."""
    import tornado.web

    with servers.tornado_server(tornado.web.Application(url_patterns(cloud_backend))) as url:
        yield GraphQLEndpoint(url)


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
    return programs.prefect_cli(env, *args, timeout=SUBPROCESS_TIMEOUT)


def run_prefect_client(env: dict, case: str, cwd: Path, *args: str) -> tuple[subprocess.CompletedProcess, dict]:
    """``standin/tests/programs/prefect_client.py CASE ARGS`` in a fresh interpreter: the process and its report."""
    return programs.run_program(
        PROGRAMS / "prefect_client.py", case, *args, env=env, cwd=cwd, timeout=SUBPROCESS_TIMEOUT
    )


@pytest.fixture
def logged_in(prefect_env):
    """``prefect auth login --key`` as the tutorial does; later Clients use auth.toml."""
    proc = run_prefect_cli(prefect_env, "auth", "login", "--key", standins.PREFECT_CLOUD_KEY)
    assert proc.returncode == 0, (proc.stdout, proc.stderr)
    return prefect_env


# ----------------------------------------------------------------------------------
# HTTP, raw
# ----------------------------------------------------------------------------------


class TestHTTP:
    def test_success_has_no_errors_key_and_variables_forms(self, server, cloud_backend):
        q = "query($slug: String) { tenant(where: {slug: {_eq: $slug}}) { id } }"
        for variables in (json.dumps({"slug": "tutorial"}), {"slug": "tutorial"}):
            r = server.post({"query": q, "variables": variables})
            assert r.status_code == 200 and r.json() == {"data": {"tenant": [{"id": cloud_backend.tenant.id}]}}
        r = server.post({"query": "query { auth_info { tenant_id } }", "variables": "null"})
        assert r.json() == {"data": {"auth_info": {"tenant_id": cloud_backend.tenant.id}}}

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

    def test_stale_tenant_header_is_refused(self, server, cloud_backend):
        ok = server.post({"query": "{ tenant { id } }"}, headers={"X-PREFECT-TENANT-ID": cloud_backend.tenant.id})
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
    def test_auth_login(self, prefect_env, cloud_backend, server):
        proc = run_prefect_cli(prefect_env, "auth", "login", "--key", standins.PREFECT_CLOUD_KEY)
        assert proc.returncode == 0, proc.stderr
        assert "Logged in to Prefect Cloud tenant 'Tutorial' (tutorial)" in proc.stdout
        auth = Path(prefect_env["PREFECT__HOME_DIR"]) / "auth.toml"
        text = auth.read_text()
        assert f'["127.0.0.1-{server.port}"]' in text
        assert (
            f'api_key = "{standins.PREFECT_CLOUD_KEY}"' in text and f'tenant_id = "{cloud_backend.tenant.id}"' in text
        )

    def test_auth_login_wrong_key(self, prefect_env):
        proc = run_prefect_cli(prefect_env, "auth", "login", "--key", "WRONG")
        assert proc.returncode != 0
        assert "Unauthorized. Invalid Prefect Cloud API key." in proc.stdout
        assert "Traceback" not in proc.stdout + proc.stderr
        assert not (Path(prefect_env["PREFECT__HOME_DIR"]) / "auth.toml").exists()

    def test_create_project_twice(self, logged_in, cloud_backend, tmp_path):
        _, out = run_prefect_client(logged_in, "create-project-twice", tmp_path)
        first, second = out
        assert first == second
        assert [p.id for p in cloud_backend.projects.values()] == [first]

    def test_register_twice_makes_version_2(self, logged_in, cloud_backend, tmp_path):
        cloud_backend.create_project("p")
        proc, out = run_prefect_client(logged_in, "register-twice", tmp_path, str(tmp_path / "flows"))
        v1, v2 = cloud_backend.flow_by_id(out["first"]), cloud_backend.flow_by_id(out["second"])
        assert (v1.version, v2.version) == (1, 2)
        assert v1.flow_group_id == v2.flow_group_id
        # FlowView looks up the unarchived flow by name and project: v2 at that time
        assert (out["view"], out["view_project"]) == (v2.id, "p")
        assert [t.slug for t in cloud_backend.tasks_of(v2.id)] == ["inc-1", "inc-2"]
        assert len(cloud_backend.edges_of(v2.id)) == 1
        assert v2.serialized_flow["storage"]["type"] == "Local"
        assert f"ID: {v2.id}" in proc.stdout and f"/flow/{v2.flow_group_id}" in proc.stdout
        v3 = cloud_backend.flow_by_id(out["third"])  # create_flow, uncompressed
        assert (v3.version, v3.flow_group_id, v3.name) == (3, v1.flow_group_id, "tutorial-flow")
        assert [v.archived for v in (v1, v2, v3)] == [True, True, False]
        assert len(cloud_backend.tasks_of(v3.id)) == 2

    def test_register_into_missing_project(self, logged_in, tmp_path):
        _, out = run_prefect_client(logged_in, "register-into-missing-project", tmp_path, str(tmp_path / "flows"))
        assert out["error"].startswith("Project missing not found.")

    def test_syntax_error_through_the_client(self, logged_in, tmp_path):
        _, out = run_prefect_client(logged_in, "syntax-error", tmp_path)
        assert out["type"] == "ClientError"
        assert "400 Client Error" in out["text"] and "GRAPHQL_PARSE_FAILED: Syntax Error" in out["text"]
