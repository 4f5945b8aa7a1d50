"""Every ``prefect`` command a Prefect Cloud 1.x user could type, against a stand-in process:
``get``, ``describe``, ``create`` / ``delete project``, ``run`` (by name, by id, ``--watch``,
``--execute``), ``kv``, ``auth``; each asserted on its exit code and the lines a real backend's
answers make it print. Which GraphQL they send, and that the schema takes all of it:
tests/component/test_client_surface.py.

One stand-in and one registered flow (``user-params`` of ``standin/src/standin/testing/user_flows.py``) for the
module, and one run of it watched to its end, keep the time small; Saturn's agent runs the runs.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import yaml

from standin.testing import processes, programs, standins

#: The programs this suite runs as files.
PROGRAMS = Path(__file__).resolve().parents[1] / "programs"

PROJECT = "cli-project"
FLOW = "user-params"
_MODULE_MARK = uuid.uuid4().hex


@pytest.fixture(scope="module")
def standin(tmp_path_factory):
    with standins.marked_standin(tmp_path_factory.mktemp("cli-standin"), _MODULE_MARK) as standin:
        yield standin


@pytest.fixture(scope="module")
def versions(shell) -> list[str]:
    """The flow registered twice: the ids of its versions 1 and 2 (1 is archived by 2)."""
    return [programs.register_user_flow(shell, FLOW, PROJECT) for _ in range(2)]


@pytest.fixture(scope="module")
def flow_id(versions) -> str:
    return versions[-1]


@pytest.fixture(scope="module")
def finished_run(shell, flow_id) -> dict:
    """A run of the flow that Saturn's agent ran to its end, watched with ``prefect run --watch``."""
    done = prefect(
        shell, "run", "--name", FLOW, "--project", PROJECT, "--run-name", "watched", "--watch", "--param", "n=3"
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Flow run succeeded!" in done.stdout
    run_id = re.search(r"UUID: ([0-9a-f-]{36})", done.stdout).group(1)
    return {"name": "watched", "id": run_id}


def prefect(shell: dict, *args: str):
    """``prefect ARGS`` in the user's shell; echoes what it printed (the test's record of it)."""
    done = programs.prefect_cli(shell, *args)
    shown = [
        "***" if before == "--key" else arg for before, arg in zip(("", *args), args, strict=False)
    ]  # no key in a log
    print(f"$ prefect {' '.join(shown)}  (exit {done.returncode})\n{done.stdout}{done.stderr[-2000:]}")
    return done


def table(stdout: str) -> list[list[str]]:
    """A ``tabulate(tablefmt="plain")`` table as rows of cells (header first)."""
    return [re.split(r"\s{2,}", line.strip()) for line in stdout.strip().splitlines()]


# -- get ---------------------------------------------------------------------------------------
def test_get_projects_counts_flows_not_versions(shell, flow_id):
    done = prefect(shell, "get", "projects")
    assert done.returncode == 0, done.stderr
    rows = table(done.stdout)
    assert rows[0] == ["NAME", "FLOW COUNT", "AGE", "DESCRIPTION"]
    assert [row[:2] for row in rows[1:]] == [[PROJECT, "1"]]
    assert table(prefect(shell, "get", "projects", "--name", "no-such").stdout) == [
        ["NAME", "FLOW COUNT", "AGE", "DESCRIPTION"]
    ]


def test_get_flows_lists_the_newest_version_of_each_flow(shell, versions):
    done = prefect(shell, "get", "flows")
    assert done.returncode == 0, done.stderr
    rows = table(done.stdout)
    assert rows[0] == ["NAME", "VERSION", "AGE", "ID", "PROJECT NAME"]
    (row,) = rows[1:]
    assert (row[0], row[1], row[3], row[4]) == (FLOW, "2", versions[1], PROJECT)
    every = table(prefect(shell, "get", "flows", "--name", FLOW, "--project", PROJECT, "--all-versions").stdout)[1:]
    assert [(r[1], r[3]) for r in every] == [("2", versions[1]), ("1", versions[0])]
    first = table(prefect(shell, "get", "flows", "--name", FLOW, "--version", "1").stdout)[1:]
    assert [(r[0], r[1], r[3]) for r in first] == [(FLOW, "1", versions[0])]


def test_get_flow_runs_and_tasks(shell, finished_run):
    rows = table(prefect(shell, "get", "flow-runs", "--flow", FLOW, "--project", PROJECT).stdout)
    assert rows[0] == ["NAME", "FLOW NAME", "STATE", "AGE", "START TIME", "ID"]
    assert [finished_run["name"], FLOW, "Success"] in [r[:3] for r in rows[1:]]
    started = table(prefect(shell, "get", "flow-runs", "--started", "--limit", "1").stdout)
    assert len(started) == 2 and started[1][2] in ("Success", "Running", "Failed")
    tasks = table(
        prefect(shell, "get", "tasks", "--flow-name", FLOW, "--project", PROJECT, "--flow-version", "1").stdout
    )
    assert tasks[0] == ["NAME", "FLOW NAME", "FLOW VERSION", "AGE", "MAPPED", "TYPE"]
    assert {(r[0], r[4]) for r in tasks[1:]} >= {("double", "True"), ("check", "False"), ("n", "False")}


def test_get_logs_by_name_and_by_id(shell, finished_run):
    done = prefect(shell, "get", "logs", "--name", finished_run["name"])
    assert done.returncode == 0, done.stderr
    assert table(done.stdout)[0] == ["TIMESTAMP", "LEVEL", "MESSAGE"]
    assert "total: 12" in done.stdout and "Submitted for execution: PID" in done.stdout
    # each log's `info`, a line each: prefect 1.4.1's log handler sends none, so Prefect Cloud had none either
    info = prefect(shell, "get", "logs", "--id", finished_run["id"], "--info")
    assert info.returncode == 0 and info.stdout.strip() == "" and info.stdout.count("\n") >= 5
    missing = prefect(shell, "get", "logs", "--name", "no-such-run")
    assert (missing.returncode, missing.stdout.strip()) == (0, "no-such-run not found")


# -- describe ----------------------------------------------------------------------------------
def test_describe_flows_tasks_and_flow_runs(shell, finished_run):
    flow = json.loads(prefect(shell, "describe", "flows", "--name", FLOW, "--project", PROJECT).stdout)
    assert (flow["name"], flow["project"]["name"], flow["archived"]) == (FLOW, PROJECT, False)
    assert {p["name"] for p in flow["parameters"]} == {"n", "fail"}
    first = yaml.safe_load(prefect(shell, "describe", "flows", "--name", FLOW, "--version", "1", "-o", "yaml").stdout)
    assert (first["version"], first["archived"]) == (1, True)  # a newer version archived it
    tasks = json.loads(prefect(shell, "describe", "tasks", "--name", FLOW).stdout)
    assert {t["slug"] for t in tasks} >= {"double-1", "check-1", "flaky_sum-1", "numbers-1"}
    run = json.loads(
        prefect(shell, "describe", "flow-runs", "--name", finished_run["name"], "--flow-name", FLOW).stdout
    )
    assert (run["name"], run["flow"]["name"], run["parameters"]) == (finished_run["name"], FLOW, {"n": 3})
    assert run["serialized_state"]["type"] == "Success"
    missing = prefect(shell, "describe", "flows", "--name", "no-such-flow")
    assert (missing.returncode, missing.stdout.strip()) == (0, "no-such-flow not found")


# -- create / delete ---------------------------------------------------------------------------
def test_create_and_delete_a_project(shell):
    assert prefect(shell, "create", "project", "scratch", "-d", "to delete").stdout.strip() == "scratch created"
    assert prefect(shell, "create", "project", "scratch", "--skip-if-exists").stdout.strip() == "scratch already exists"
    # prefect's client answers a uniqueness violation with the project that exists
    assert prefect(shell, "create", "project", "scratch").stdout.strip() == "scratch created"
    assert prefect(shell, "delete", "project", "scratch").stdout.strip() == "scratch deleted"
    gone = prefect(shell, "delete", "project", "scratch")  # prefect prints the error and exits 0
    assert gone.stdout.splitlines() == ["ValueError: Project scratch not found.", "Error deleting project"]
    assert "scratch" not in prefect(shell, "get", "projects").stdout


# -- run ---------------------------------------------------------------------------------------
def test_run_by_id_with_parameters_and_labels(shell, versions):
    archived = prefect(shell, "run", "--id", versions[0])
    assert archived.returncode == 1 and f"Flow {versions[0]} is archived." in archived.stdout
    flow_id = versions[1]
    done = prefect(shell, "run", "--id", flow_id, "--param", "fail=true", "--label", "saturn-cloud", "--watch")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Parameters: {'n': 3, 'fail': True}" in done.stdout and "Labels: ['saturn-cloud']" in done.stdout
    assert "ValueError: asked to fail (the total was 12)" in done.stdout and "Flow run failed!" in done.stdout


def test_run_execute_runs_the_flow_here_without_an_agent(shell, flow_id):
    done = prefect(shell, "run", "--name", FLOW, "--project", PROJECT, "--execute", "--param", "n=1")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Labels: ['agentless-run-" in done.stdout and "Flow run succeeded!" in done.stdout


def test_run_of_a_flow_nobody_registered(shell, flow_id):
    done = prefect(shell, "run", "--name", "no-such-flow", "--project", PROJECT)
    assert done.returncode == 1 and "ValueError: No results found while querying for flows where" in done.stdout


# -- kv ----------------------------------------------------------------------------------------
def test_the_kv_store(shell):
    assert prefect(shell, "kv", "set", "region", "us-east-2").stdout.strip() == "Key value pair set successfully"
    assert prefect(shell, "kv", "get", "region").stdout.strip() == "Key 'region' has value 'us-east-2'"
    assert prefect(shell, "kv", "list").stdout.split() == ["region"]
    assert prefect(shell, "kv", "delete", "region").stdout.strip() == "Key 'region' has been deleted"
    assert prefect(shell, "kv", "list").stdout.strip() == "No keys found"
    missing = prefect(shell, "kv", "get", "region")
    assert missing.returncode == 1 and "No value found for key: region" in missing.stdout


# -- auth --------------------------------------------------------------------------------------
def test_auth_status_tenants_and_keys(shell, standin):
    status = prefect(shell, "auth", "status")
    assert status.returncode == 0 and "You are authenticating with an API key" in status.stdout
    tenants = table(prefect(shell, "auth", "list-tenants").stdout)
    assert tenants[0] == ["NAME", "SLUG", "ID"] and len(tenants) == 2 and tenants[1][-1].endswith("*")
    switched = prefect(shell, "auth", "switch-tenants", "--slug", tenants[1][1])
    assert switched.returncode == 0 and "Tenant switched" in switched.stdout
    keys = table(prefect(shell, "auth", "list-keys").stdout)
    assert keys[0] == ["NAME", "ID", "EXPIRES AT"] and keys[1][-1] == "NEVER"
    assert standin.environ()["PREFECT_USER_TOKEN"] not in str(keys)
    for args in (("create-key", "--name", "ci"), ("revoke-key", "--id", keys[1][1])):
        declined = prefect(shell, "auth", *args)
        assert declined.returncode == 1 and "'code': 'FORBIDDEN'" in declined.stdout + declined.stderr


def test_auth_login_and_logout_keep_the_key_on_disk(shell, tmp_path):
    key = shell["PREFECT__CLOUD__API_KEY"]
    bare = {k: v for k, v in shell.items() if k != "PREFECT__CLOUD__API_KEY"} | {"PREFECT__HOME_DIR": str(tmp_path)}
    wrong = prefect(bare, "auth", "login", "--key", "not-the-key")
    assert wrong.returncode == 1 and "Unauthorized. Invalid Prefect Cloud API key." in wrong.stdout + wrong.stderr
    done = prefect(bare, "auth", "login", "--key", key)
    assert done.returncode == 0 and "Logged in to Prefect Cloud tenant" in done.stdout
    assert prefect(bare, "get", "projects").returncode == 0
    out = subprocess.run(
        [str(Path(sys.executable).parent / "prefect"), "auth", "logout"],
        env=bare,
        input="y\n",  # its "Are you sure ...?"
        capture_output=True,
        text=True,
        timeout=120,
    )
    print(f"$ prefect auth logout  (exit {out.returncode})\n{out.stdout}")
    assert out.returncode == 0 and "Logged out of Prefect Cloud" in out.stdout
    assert prefect(bare, "get", "projects").returncode == 1  # no key any more


# -- agent -------------------------------------------------------------------------------------
def test_a_plain_local_agent_runs_a_flow_with_local_storage_and_local_run(shell, tmp_path):
    label = f"local-{uuid.uuid4().hex[:8]}"
    registered = subprocess.run(
        [sys.executable, str(PROGRAMS / "local_flow.py"), PROJECT, str(tmp_path), label],
        env=shell,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert registered.returncode == 0, registered.stderr[-3000:]
    agent = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "prefect"),
            "agent",
            "local",
            "start",
            "--label",
            label,
            "--no-hostname-label",
        ],
        env={**shell, processes.MARK: _MODULE_MARK},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        done = prefect(shell, "run", "--name", "local-agent-flow", "--project", PROJECT, "--watch")
    finally:
        agent.terminate()
        agent_output = agent.communicate(timeout=60)[0]
    print(f"$ prefect agent local start --label {label} --no-hostname-label\n{agent_output}")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"Labels: ['{label}']" in done.stdout and "ran by a local agent in PID" in done.stdout
    assert "Flow run succeeded!" in done.stdout
    assert "Registration successful!" in agent_output and "Completed deployment of flow run" in agent_output


# -- register ----------------------------------------------------------------------------------
def test_register_a_flow_from_a_file(shell, flow_id, tmp_path):
    script = tmp_path / "my_flow.py"
    script.write_text(
        "from prefect import Flow, task\nfrom prefect.storage import Local\n\n\n@task\ndef one():\n    return 1\n\n\n"
        f"with Flow('registered-from-file', storage=Local(path={str(script)!r}, stored_as_script=True)) as flow:\n"
        "    one()\n"
    )
    # stored as a script, the flow serializes the same each time: registering it again is skipped (its
    # idempotency key); pickled into a new timestamped file, it would be a new version each time
    done = prefect(shell, "register", "--project", PROJECT, "--path", str(script))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Registering 'registered-from-file'... Done" in done.stdout and "1 registered" in done.stdout
    again = prefect(shell, "register", "--project", PROJECT, "--path", str(script))
    assert "Skipped (metadata unchanged)" in again.stdout and "1 skipped" in again.stdout
    missing = prefect(shell, "register", "--project", "no-such-project", "--path", str(script))
    assert missing.returncode == 1 and "Project 'no-such-project' does not exist" in missing.stdout + missing.stderr
