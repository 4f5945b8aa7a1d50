"""Faults injected into the stand-in (``tutorial_kit/standin/faults.py``), and what users see.

Each fault is tried through the notebook (papermill, with the fault armed from the stand-in's
start by ``STANDIN_FAULTS``) or through the real client libraries (dask-saturn, prefect-saturn,
prefect) against a stand-in process whose faults are armed through its control endpoint. The
message a user reads is asserted exactly.

What the clients do with one 500 (read from their sources, checked here call by call):
dask-saturn has no retry (``ValueError(json["message"])``), except ``status``, which falls back
to ``GET /api/dask_clusters/{id}``; prefect-saturn's session and prefect's Webhook storage mount
``Retry(total=3)`` without a ``status_forcelist``, so a 500 is not retried and
``raise_for_status()`` raises; prefect's GraphQL client retries 500-504 up to 6 times with
``backoff_factor=1``: at once, then after 2, 4, 8, 16 and 32 s (the 62 s loop), so a GraphQL
fault here is answered once (``"times": 1``) and the retry comes at once.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
import uuid

import pandas as pd
import pytest
import requests
from conftest import RUN_FAILED, clean_env, errors_of, outputs_text, run_papermill

from tutorial_kit.launcher.process import StandInError
from tutorial_kit.paths import NOTEBOOK, STANDIN_HOME
from tutorial_kit.standin.faults import FaultSet, FaultSpecError
from tutorial_kit.tooling.results import read_result

LOCAL_URL = r"http://127\.0\.0\.1:\d+"
HEX = "[0-9a-f]+"
CONTENT_PATH = f"/api/prefect_cloud/flows/{HEX}/{HEX}/content"
NOTEBOOK_LOG = STANDIN_HOME / "standin.log"  # where the notebook's stand-in logs (shared: grep by fault name)


# -- helpers ---------------------------------------------------------------------------------------
def run_notebook(tmp_path, mark, faults: list[dict], *params: str):
    out = tmp_path / "out.ipynb"
    # one worker unless a test asks for more: each worker is a process to start
    params = ("-p", "n_workers", "1", *params)
    done = run_papermill(
        NOTEBOOK,
        out,
        "-p",
        "project",
        "faults",
        "-p",
        "username",
        "tester",
        *params,
        mark=mark,
        STANDIN_FAULTS=json.dumps(faults),
    )
    return done, out


def fault_log(name: str, log=NOTEBOOK_LOG) -> list[str]:
    """The stand-in's log lines about the fault ``name`` (names are unique per test)."""
    return [line.split(" WARNING ", 1)[-1] for line in log.read_text().splitlines() if f"fault {name}" in line]


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def faults(standin):
    """The module's stand-in process, its faults cleared after each test."""
    yield standin
    standin.clear_faults()


@pytest.fixture
def saturn_env(standin, monkeypatch):
    for key, value in standin.environ().items():
        monkeypatch.setenv(key, value)
    return standin.environ()


def _forget(*clusters):
    # SaturnCluster.__del__ asks the platform for the cluster's status; closed Clients keep the
    # clusters alive until interpreter exit, after this module's stand-in has stopped. A cluster
    # without a URL answers "closed" without asking.
    for cluster in clusters:
        cluster.cluster_url = None


def outcome(call) -> str:
    try:
        result = call()
    except Exception as exc:  # what the user reads
        return f"{type(exc).__name__}: {exc}"
    return f"ok: {result}" if result is not None else "ok"


# -- fault specs and the control endpoint -----------------------------------------------------------
def test_fault_specs_are_checked_and_counted():
    now = [0.0]
    faults = FaultSet(clock=lambda: now[0])
    for spec, message in [
        (
            {"action": "explode"},
            "action must be one of error, unauthorized, cluster_error, cluster_pending, kill_worker, got 'explode'",
        ),
        ({"action": "error", "colour": "red"}, "unknown fault field(s): colour"),
        ({"action": "error", "status": 200}, "status must be a whole number of at least 400, got 200"),
        ({"action": "error", "times": 0}, "times must be a whole number of at least 1, got 0"),
        ({"action": "cluster_error"}, "cluster_error needs errors: a non-empty list of strings"),
        ({"action": "cluster_pending", "path": "/graphql"}, "cluster_pending answers POST /api/dask_clusters only"),
        (
            {"action": "error", "path": "("},
            "path '(' is not a regular expression: missing ), unterminated subpattern at position 0",
        ),
        ({"action": "kill_worker", "api": "saturn"}, "kill_worker takes task, delay, times, seconds and name only"),
    ]:
        with pytest.raises(FaultSpecError) as exc:
            faults.arm([{"action": "error"}, spec])  # all or none
        assert str(exc.value) == message
    assert faults.describe() == []

    faults.arm(
        [
            {"action": "error", "api": "saturn", "method": "get", "path": "/api/dask_clusters/info", "times": 2},
            {"action": "unauthorized", "api": "prefect", "operation": "create_project", "seconds": 5},
        ]
    )
    assert faults.take("saturn", "POST", "/api/dask_clusters/info") is None  # another method
    assert faults.take("prefect", "GET", "/api/dask_clusters/info") is None  # another API
    assert [faults.take("saturn", "GET", "/api/dask_clusters/info").hits for _ in range(2)] == [1, 2]
    assert faults.take("saturn", "GET", "/api/dask_clusters/info") is None  # spent after 2
    assert faults.take("prefect", "POST", "/graphql", ["project"]) is None
    assert faults.take("prefect", "POST", "/graphql", ["create_project"]).action == "unauthorized"
    now[0] = 5.0
    assert faults.take("prefect", "POST", "/graphql", ["create_project"]) is None  # its 5 s are over
    assert [(f["hits"], f["active"]) for f in faults.describe()] == [(2, False), (1, False)]


def test_control_endpoint_answers_only_the_standins_own_token(faults):
    url = faults.url + "/_standin/faults"
    for headers in ({}, {"Authorization": "token wrong"}):
        r = requests.post(url, json={"action": "error"}, headers=headers, timeout=10)
        assert r.status_code == 401
        assert r.json() == {"message": "Unauthorized: the fault control endpoint needs the stand-in's own SATURN_TOKEN"}
    assert faults.faults() == []
    with pytest.raises(
        StandInError, match=r"refused POST /_standin/faults: 400 errors is for action 'cluster_error' only"
    ):
        faults.arm_faults({"action": "error", "errors": ["x"]})
    name = unique("listed")
    faults.arm_faults({"action": "error", "api": "saturn", "path": "/api/info/servers", "times": 1, "name": name})
    headers = {"Authorization": f"token {faults.environ()['SATURN_TOKEN']}"}
    assert requests.get(faults.url + "/api/info/servers", headers=headers, timeout=10).status_code == 500
    assert requests.get(faults.url + "/api/info/servers", headers=headers, timeout=10).status_code == 200
    assert faults.faults() == [
        {
            "action": "error",
            "api": "saturn",
            "name": name,
            "path": "/api/info/servers",
            "times": 1,
            "hits": 1,
            "active": False,
        }
    ]
    assert faults.clear_faults() == 1 and faults.faults() == []
    assert fault_log(name, faults.log_path)[1:] == [f"fault {name}: GET /api/info/servers -> error (hit 1)"]


# -- a wrong Saturn token -----------------------------------------------------------------------
def test_wrong_saturn_token_names_the_variable_in_both_saturn_clients(saturn_env, monkeypatch):
    from dask_saturn import SaturnCluster
    from prefect import Flow
    from prefect_saturn import PrefectCloudIntegration

    monkeypatch.setenv("SATURN_TOKEN", "not-the-token")
    with pytest.raises(ValueError) as exc:
        SaturnCluster(n_workers=1)
    assert str(exc.value) == "Unauthorized: invalid or missing SATURN_TOKEN"
    integration = PrefectCloudIntegration("p")
    integration._hash_flow = lambda flow: "h"  # no Prefect login needed
    with pytest.raises(requests.HTTPError) as exc:
        integration.register_flow_with_saturn(Flow("f"))
    # prefect-saturn only calls raise_for_status(): the stand-in's reason phrase carries the message
    assert str(exc.value) == (
        f"401 Client Error: Unauthorized: invalid or missing SATURN_TOKEN for url: "
        f"{saturn_env['BASE_URL']}/api/prefect_cloud/flows"
    )


def test_rejected_saturn_token_stops_the_notebook_naming_saturn_token(tmp_path, mark):
    """As if SATURN_TOKEN had expired: every Saturn call answers 401. The first one the notebook
    makes is prefect-saturn's flow registration, before any cluster starts."""
    done, out = run_notebook(tmp_path, mark, [{"action": "unauthorized", "api": "saturn"}])
    assert done.returncode != 0
    [error] = errors_of(out)
    assert re.fullmatch(
        re.escape("HTTPError: 401 Client Error: Unauthorized: invalid or missing SATURN_TOKEN for url: ")
        + LOCAL_URL
        + re.escape("/api/prefect_cloud/flows"),
        error,
    ), error
    assert "Task '_DaskCluster.setup'" not in outputs_text(out)


# -- one 500, then it works: per call -------------------------------------------------------------
def test_one_500_per_dask_saturn_call(faults, saturn_env):
    """dask-saturn retries nothing: every call fails on one 500 with the platform's message, except
    ``status``, which asks ``GET /api/dask_clusters/{id}`` instead; the next call works."""
    from dask_saturn import SaturnCluster

    def once(method, path):
        faults.arm_faults({"action": "error", "api": "saturn", "method": method, "path": path, "times": 1})

    table = {}
    made = []

    def start():
        made.append(SaturnCluster(n_workers=1))
        return made[-1].status

    for label, method, path in [
        ("SaturnCluster(): sizes", "GET", "/api/dask_clusters/info"),
        ("SaturnCluster(): create", "POST", "/api/dask_clusters"),
        ("SaturnCluster(): cluster info", "GET", f"/api/dask_clusters/{HEX}/info"),
    ]:
        once(method, path)
        table[f"{method} {path} ({label})"] = (outcome(start), outcome(start))
    cluster = made[-1]
    try:
        for label, method, action, call in [
            ("status", "GET", "status", lambda: cluster.status),
            ("scheduler_info", "GET", "scheduler_info", lambda: len(cluster.scheduler_info["workers"])),
            ("scale(1)", "POST", "scale", lambda: cluster.scale(1)),
            ("adapt(1, 1)", "POST", "adapt", lambda: cluster.adapt(minimum=1, maximum=1)),
            ("close()", "POST", "close", lambda: cluster.close()),
        ]:
            once(method, f"/api/dask_clusters/{HEX}/{action}")
            table[f"{method} /api/dask_clusters/{{id}}/{action} ({label})"] = (outcome(call), outcome(call))
    finally:
        _forget(*made)
    assert table == {
        "GET /api/dask_clusters/info (SaturnCluster(): sizes)": ("ValueError: Internal Server Error", "ok: ready"),
        "POST /api/dask_clusters (SaturnCluster(): create)": ("ValueError: Internal Server Error", "ok: ready"),
        f"GET /api/dask_clusters/{HEX}/info (SaturnCluster(): cluster info)": (
            "ValueError: Internal Server Error",
            "ok: ready",
        ),
        "GET /api/dask_clusters/{id}/status (status)": ("ok: ready", "ok: ready"),  # recovered by its fallback
        "GET /api/dask_clusters/{id}/scheduler_info (scheduler_info)": ("ValueError: Internal Server Error", "ok: 1"),
        "POST /api/dask_clusters/{id}/scale (scale(1))": ("ValueError: Internal Server Error", "ok"),
        "POST /api/dask_clusters/{id}/adapt (adapt(1, 1))": ("ValueError: Internal Server Error", "ok"),
        "POST /api/dask_clusters/{id}/close (close())": ("ValueError: Internal Server Error", "ok"),
    }
    assert cluster.status == "closed"
    assert sum(f["hits"] for f in faults.faults()) == 8


def test_one_500_per_prefect_saturn_call(faults, saturn_env):
    """prefect-saturn and prefect's Webhook storage retry connection errors only: one 500 fails the
    call with its status line and URL; the next call works."""
    from prefect import Flow, task
    from prefect_saturn import PrefectCloudIntegration, describe_sizes

    @task
    def double(x):
        return 2 * x

    with Flow("five-hundred") as flow:
        double(21)

    base = saturn_env["BASE_URL"]
    integration = PrefectCloudIntegration("p")
    integration._hash_flow = lambda flow: "five-hundred-hash"  # no Prefect login needed

    def register():
        integration.register_flow_with_saturn(flow)
        flow.storage.add_flow(flow)

    table = {}
    for label, method, path, call in [
        ("register_flow_with_saturn", "PUT", "/api/prefect_cloud/flows", register),
        ("register_flow_with_saturn", "GET", f"/api/prefect_cloud/flows/{HEX}/run_job_spec", register),
        ("flow.register: Webhook build", "POST", CONTENT_PATH, lambda: flow.storage.build() and None),
        ("agent: Webhook get_flow", "GET", CONTENT_PATH, lambda: flow.storage.get_flow(flow.name).name),
        ("describe_sizes()", "GET", "/api/info/servers", lambda: sorted(describe_sizes())[0]),
    ]:
        faults.arm_faults({"action": "error", "api": "saturn", "method": method, "path": path, "times": 1})
        first, second = outcome(call), outcome(call)
        table[f"{method} {path} ({label})"] = (
            re.sub(r"/flows/\w+/\w+/", "/flows/ID/VERSION/", re.sub(r"/flows/\w+/run", "/flows/ID/run", first)),
            second,
        )
    assert table == {
        "PUT /api/prefect_cloud/flows (register_flow_with_saturn)": (
            f"HTTPError: 500 Server Error: Internal Server Error for url: {base}/api/prefect_cloud/flows",
            "ok",
        ),
        f"GET /api/prefect_cloud/flows/{HEX}/run_job_spec (register_flow_with_saturn)": (
            f"HTTPError: 500 Server Error: Internal Server Error for url: {base}/api/prefect_cloud/flows/ID/run_job_spec",
            "ok",
        ),
        f"POST {CONTENT_PATH} (flow.register: Webhook build)": (
            f"HTTPError: 500 Server Error: Internal Server Error for url: "
            f"{base}/api/prefect_cloud/flows/ID/VERSION/content",
            "ok",
        ),
        f"GET {CONTENT_PATH} (agent: Webhook get_flow)": (
            f"HTTPError: 500 Server Error: Internal Server Error for url: "
            f"{base}/api/prefect_cloud/flows/ID/VERSION/content",
            "ok: five-hundred",
        ),
        "GET /api/info/servers (describe_sizes())": (
            f"HTTPError: 500 Server Error: Internal Server Error for url: {base}/api/info/servers",
            "ok: large",
        ),
    }


def test_one_graphql_500_is_retried_at_once_and_the_run_succeeds(tmp_path, mark):
    """prefect's client retries a 500 at once (its first back-off is 0 s): flow.register goes
    through (the 500 came before the mutation ran, so the retry creates the one flow)."""
    name = unique("graphql-500")
    done, out = run_notebook(
        tmp_path,
        mark,
        [
            {
                "action": "error",
                "api": "prefect",
                "times": 1,
                "name": name,
                "operation": "create_flow_from_compressed_string",
            }
        ],
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert sorted(read_result(out)) == [1, 2, 4]
    assert re.search(r"Flow URL: .*\n └── ID: [0-9a-f-]{36}\n └── Project: faults\n", outputs_text(out))
    assert fault_log(name)[1:] == [f"fault {name}: POST /graphql [create_flow_from_compressed_string] -> error (hit 1)"]


# -- cluster creation answers "error", or "pending" for a while -------------------------------------
ERRORS = ["Insufficient capacity: no Medium nodes are available in us-east-2.", "Try again in a few minutes."]


def test_cluster_error_is_dask_saturns_valueerror_with_the_errors(faults, saturn_env):
    from dask_saturn import SaturnCluster

    faults.arm_faults({"action": "cluster_error", "errors": ERRORS, "times": 1})
    with pytest.raises(ValueError) as exc:
        SaturnCluster(n_workers=1)
    assert str(exc.value) == " ".join(ERRORS)


def test_cluster_error_stops_the_notebook_with_the_errors(tmp_path, mark):
    done, out = run_notebook(tmp_path, mark, [{"action": "cluster_error", "errors": ERRORS}])
    assert done.returncode != 0
    text = outputs_text(out)
    # the setup task's error, in the flow run's log: the errors joined, as dask-saturn raises them
    assert f"\nValueError: {' '.join(ERRORS)}\n" in text
    assert "Task '_DaskCluster.setup': Finished task run for task with final state: 'Failed'" in text
    assert "Task 'read': Finished task run for task with final state: 'TriggerFailed'" in text  # never ran
    # the run cell stops with setup's own error, as Prefect Cloud recorded it
    (error,) = errors_of(out)
    assert re.fullmatch(RUN_FAILED + rf"task '_DaskCluster.setup': ValueError: {re.escape(' '.join(ERRORS))}", error), (
        error
    )


def test_cluster_pending_for_three_polls_then_ready(faults, saturn_env, monkeypatch):
    """dask-saturn polls a pending cluster, sleeping 5-9, 10-19, 20-39 s... (ExpBackoff with
    jitter): three pending polls cost 35-67 s of real time, so the sleeps are recorded, not slept."""
    import dask_saturn.backoff
    from dask_saturn import SaturnCluster
    from distributed import Client

    slept = []
    monkeypatch.setattr(dask_saturn.backoff, "sleep", slept.append)
    name = unique("pending")
    faults.arm_faults({"action": "cluster_pending", "times": 3, "name": name})
    cluster = SaturnCluster(n_workers=1)
    try:
        assert cluster.status == "ready"
        with Client(cluster) as client:
            assert client.submit(sum, [1, 2, 3]).result() == 6
        assert [5 <= slept[0] <= 9, 10 <= slept[1] <= 19, 20 <= slept[2] <= 39, len(slept)] == [True] * 3 + [3]
        assert fault_log(name, faults.log_path)[1:] == [
            f"fault {name}: POST /api/dask_clusters -> cluster_pending (hit {n})" for n in (1, 2, 3)
        ]
        cluster.close()
    finally:
        _forget(cluster)


def test_cluster_pending_once_with_a_real_wait(faults, saturn_env):
    """Unpatched: with a 2 s wait limit, dask-saturn sleeps 2 s once, polls again, and gets the
    cluster; pending longer than its limit gives its own message."""
    import time

    from dask_saturn import SaturnCluster

    faults.arm_faults({"action": "cluster_pending", "times": 1})
    began = time.monotonic()
    cluster = SaturnCluster(n_workers=1, scheduler_service_wait_timeout=2)
    try:
        assert cluster.status == "ready" and 2 <= time.monotonic() - began < 30
        faults.arm_faults({"action": "cluster_pending", "times": 5})
        with pytest.raises(ValueError) as exc:
            SaturnCluster(n_workers=1, scheduler_service_wait_timeout=1)
        assert str(exc.value) == "Retry in a few minutes. Check status in Saturn User Interface"
        cluster.close()
    finally:
        _forget(cluster)


# -- a worker killed during the read --------------------------------------------------------------
@pytest.fixture(scope="module")
def bigger_csv(tmp_path_factory):
    """300,000 rows (27 MB): on a fresh worker the read task runs for about a second."""
    from tutorial_kit.generator.output import write_month

    return write_month(tmp_path_factory.mktemp("big") / "yellow_tripdata_2019-01.csv", rows=300_000)


def test_worker_killed_during_the_read_is_recovered_and_cleaned_up(tmp_path, mark, bigger_csv):
    """The stand-in SIGKILLs the worker process that runs dask's CSV read task, 0.1 s after it got it:
    dask reschedules the task, the run gives the right result, and cleanup leaves no process
    (the ``mark`` fixture fails the test on any)."""
    name = unique("kill")
    done, out = run_notebook(
        tmp_path,
        mark,
        [{"action": "kill_worker", "task": "^\\('read-csv-", "delay": 0.1, "name": name}],
        "-p",
        "data_url",
        str(bigger_csv),
        "-p",
        "n_workers",
        "2",
    )
    assert done.returncode == 0, done.stderr[-3000:]
    [killed] = fault_log(name)[1:]
    assert re.fullmatch(
        rf"fault {name}: killed Dask worker tcp://127\.0\.0\.1:\d+ \(pid \d+\) while it ran task "
        rf"\('read-csv-{HEX}', 0\) \(hit 1\)",
        killed,
    ), killed
    pid = re.search(r"\(pid (\d+)\)", killed)[1]
    # distributed's own word that the process died (its nanny then started a new one)
    assert f" distributed.nanny INFO Worker process {pid} was killed by signal 9\n" in NOTEBOOK_LOG.read_text()
    df = pd.read_csv(bigger_csv, usecols=["VendorID", "passenger_count"])
    want = df[df.passenger_count > 1].groupby("VendorID").passenger_count.std().to_dict()
    got = read_result(out)
    assert sorted(got) == sorted(want)
    assert all(abs(got[v] - want[v]) <= 1e-12 * want[v] for v in want), (got, want)
    assert "Task '_DaskCluster.cleanup': Finished task run for task with final state: 'Success'" in outputs_text(out)


# -- Prefect Cloud refuses the API key ------------------------------------------------------------
@pytest.mark.parametrize(
    "operation,expected",
    [
        # prefect's CLI prints its own fixed text; the failed command names the variable
        (
            "auth_info",
            "CalledProcessError: Command 'b'prefect auth login --key ${PREFECT_USER_TOKEN}\\n'' returned "
            "non-zero exit status 1.",
        ),
        # after login (a key revoked mid-run): prefect's AuthorizationError carries the stand-in's text
        (
            "create_project",
            "AuthorizationError: [{'message': 'Unauthenticated: the API key is missing or invalid "
            "(check PREFECT_USER_TOKEN)', 'extensions': {'code': 'UNAUTHENTICATED'}}]",
        ),
    ],
)
def test_unauthenticated_stops_the_notebook_naming_prefect_user_token(tmp_path, mark, operation, expected):
    done, out = run_notebook(tmp_path, mark, [{"action": "unauthorized", "api": "prefect", "operation": operation}])
    assert done.returncode != 0
    assert errors_of(out) == [expected]
    if operation == "auth_info":
        assert "Unauthorized. Invalid Prefect Cloud API key." in outputs_text(out)
    assert "Task '_DaskCluster.setup'" not in outputs_text(out)


# -- the Webhook storage upload fails at flow.register --------------------------------------------
def test_failed_flow_upload_stops_the_notebook_at_flow_register(tmp_path, mark):
    done, out = run_notebook(
        tmp_path,
        mark,
        [
            {
                "action": "error",
                "api": "saturn",
                "method": "POST",
                "path": CONTENT_PATH,
                "message": "Flow storage is unavailable",
            }
        ],
    )
    assert done.returncode != 0
    [error] = errors_of(out)
    assert re.fullmatch(
        re.escape("HTTPError: 500 Server Error: Flow storage is unavailable for url: ")
        + LOCAL_URL
        + f"/api/prefect_cloud/flows/{HEX}/{HEX}/content",
        error,
    ), error
    text = outputs_text(out)
    assert "Uploading flow 'prefect-resource-manager'" in text and "Flow URL" not in text


REGISTER_SCRIPT = """
import json
import prefect
from prefect import Flow, task
from prefect_saturn import PrefectCloudIntegration

@task
def inc(x):
    return x + 1

with Flow("upload-fault") as flow:
    inc(1)

client = prefect.Client()
client.create_project("p")
FLOWS = '{ flow(where: {name: {_eq: "upload-fault"}}) { id version archived } }'
out = {}

def register():  # the notebook's registration cell
    integration = PrefectCloudIntegration("p")
    integration.register_flow_with_saturn(flow)
    return integration, flow.register(project_name="p")

try:
    register()
except Exception as exc:
    out["error"] = f"{type(exc).__name__}: {exc}"
out["flows after the failure"] = [dict(f) for f in client.graphql(FLOWS).data.flow]
integration, flow_id = register()  # run the cell again
out["registered"] = {"id": flow_id, "saturn": [integration.flow_id, integration.flow_version_id]}
out["flows"] = [dict(f) for f in client.graphql(FLOWS).data.flow]
print("RESULT:" + json.dumps(out))
"""


def test_failed_flow_upload_registers_nothing_with_prefect_cloud(faults, tmp_path):
    """prefect's register() uploads the flow (storage.build) before it creates the flow in Prefect
    Cloud, so a failed upload leaves no flow version there; Saturn keeps the version it had opened,
    with no content (a download answers 404). Registering again gives version 1."""
    faults.arm_faults(
        {
            "action": "error",
            "api": "saturn",
            "method": "POST",
            "path": CONTENT_PATH,
            "times": 1,
            "message": "Flow storage is unavailable",
        }
    )
    env = clean_env(
        **{
            **faults.environ(),
            "HOME": str(tmp_path),
            "PREFECT__HOME_DIR": str(tmp_path / "prefect"),
            "PREFECT__USER_CONFIG_PATH": str(tmp_path / "none.toml"),
            "PYTHONWARNINGS": "ignore",
            "PREFECT__CLOUD__API_KEY": faults.environ()["PREFECT_USER_TOKEN"],
        }
    )
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(REGISTER_SCRIPT)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    results = [line[7:] for line in proc.stdout.splitlines() if line.startswith("RESULT:")]
    assert proc.returncode == 0 and results, (proc.stdout, proc.stderr)
    out = json.loads(results[0])
    url = faults.url
    assert re.fullmatch(
        re.escape(f"HTTPError: 500 Server Error: Flow storage is unavailable for url: {url}")
        + f"/api/prefect_cloud/flows/({HEX})/({HEX})/content",
        out["error"],
    ), out["error"]
    failed_flow, failed_version = re.search(rf"flows/({HEX})/({HEX})/content", out["error"]).groups()
    assert out["flows after the failure"] == []
    assert out["flows"] == [{"id": out["registered"]["id"], "version": 1, "archived": False}]
    headers = {"Authorization": f"token {faults.environ()['SATURN_TOKEN']}"}
    failed = requests.get(
        f"{url}/api/prefect_cloud/flows/{failed_flow}/{failed_version}/content", headers=headers, timeout=10
    )
    assert failed.status_code == 404
    assert failed.json() == {"message": f"Flow {failed_flow} version {failed_version} has no stored content"}
    saturn_flow, saturn_version = out["registered"]["saturn"]
    assert saturn_flow == failed_flow and saturn_version != failed_version  # a new version of the same flow
    stored = requests.get(
        f"{url}/api/prefect_cloud/flows/{saturn_flow}/{saturn_version}/content", headers=headers, timeout=10
    )
    assert stored.status_code == 200 and stored.content


def test_faults_can_be_armed_from_the_environment_at_start(tmp_path, monkeypatch):
    from tutorial_kit.launcher.process import StandIn

    monkeypatch.setenv("STANDIN_FAULTS", json.dumps([{"action": "error", "api": "saturn", "status": 503}]))
    standin = StandIn.start(username="u", home=tmp_path)
    try:
        assert standin.faults() == [
            {"action": "error", "api": "saturn", "name": "#1", "status": 503, "hits": 0, "active": True}
        ]
        headers = {"Authorization": f"token {standin.environ()['SATURN_TOKEN']}"}
        r = requests.get(standin.url + "/api/info/servers", headers=headers, timeout=10)
        assert (r.status_code, r.reason, r.json()) == (503, "Service Unavailable", {"message": "Service Unavailable"})
    finally:
        standin.stop()
    monkeypatch.setenv("STANDIN_FAULTS", '[{"action": "error", "times": "once"}]')
    with pytest.raises(StandInError, match="did not start"):
        StandIn.start(username="u", home=tmp_path, timeout=20)
    assert (
        "STANDIN_FAULTS: times must be a whole number of at least 1, got 'once'"
        in (tmp_path / "standin.log").read_text()
    )
