"""Faults injected into the stand-in (``standin/src/standin/faults/``, armed with
``standin.testing.faults.FaultRoom``), and what users see, through the real client libraries (dask-saturn,
prefect-saturn, prefect) against a stand-in process whose faults are armed through its control
endpoint. The message a user reads is asserted exactly. The same faults through the notebook are in
the repo's tests/e2e/test_faults_notebook.py.

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
from pathlib import Path

import pytest
import requests

from standin.client import StandInError
from standin.client.dask_saturn import forget_clusters_of
from standin.testing import processes, programs, standins
from standin.testing.faults import FaultRoom

#: The programs this suite runs as files.
PROGRAMS = Path(__file__).resolve().parents[1] / "programs"


@pytest.fixture
def faults(standin):
    """The module's stand-in process, its faults cleared after each test."""
    yield standin
    FaultRoom.of(standin).clear()


def outcome(call) -> str:
    try:
        result = call()
    except Exception as exc:  # what the user reads
        return f"{type(exc).__name__}: {exc}"
    return f"ok: {result}" if result is not None else "ok"


def test_control_endpoint_answers_only_the_standins_own_token(faults):
    url = faults.url + "/_standin/faults"
    for headers in ({}, {"Authorization": "token wrong"}):
        r = requests.post(url, json={"action": "error"}, headers=headers, timeout=10)
        assert r.status_code == 401
        assert r.json() == {"message": "Unauthorized: the fault control endpoint needs the stand-in's own SATURN_TOKEN"}
    assert FaultRoom.of(faults).armed() == []
    with pytest.raises(
        StandInError, match=r"refused POST /_standin/faults: 400 errors is for action 'cluster_error' only"
    ):
        FaultRoom.of(faults).arm({"action": "error", "errors": ["x"]})
    name = standins.unique_name("listed")
    FaultRoom.of(faults).arm(
        {"action": "error", "api": "saturn", "path": "/api/info/servers", "times": 1, "name": name}
    )
    headers = {"Authorization": f"token {faults.environ()['SATURN_TOKEN']}"}
    assert requests.get(faults.url + "/api/info/servers", headers=headers, timeout=10).status_code == 500
    assert requests.get(faults.url + "/api/info/servers", headers=headers, timeout=10).status_code == 200
    assert FaultRoom.of(faults).armed() == [
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
    assert FaultRoom.of(faults).clear() == 1 and FaultRoom.of(faults).armed() == []
    assert standins.fault_log(name, faults.log_path)[1:] == [f"fault {name}: GET /api/info/servers -> error (hit 1)"]


# -- a wrong Saturn token -----------------------------------------------------------------------
def test_wrong_saturn_token_names_the_variable_in_both_saturn_clients(prefect_env, monkeypatch):
    from dask_saturn import SaturnCluster
    from prefect import Flow
    from prefect_saturn import PrefectCloudIntegration

    monkeypatch.setenv("SATURN_TOKEN", "not-the-token")
    with pytest.raises(ValueError) as exc:
        SaturnCluster(n_workers=1)
    assert str(exc.value) == "Unauthorized: invalid or missing SATURN_TOKEN"
    integration = PrefectCloudIntegration("p")
    with pytest.raises(requests.HTTPError) as exc:
        integration.register_flow_with_saturn(Flow("f"))
    # prefect-saturn only calls raise_for_status(): the stand-in's reason phrase carries the message
    assert str(exc.value) == (
        f"401 Client Error: Unauthorized: invalid or missing SATURN_TOKEN for url: "
        f"{prefect_env['BASE_URL']}/api/prefect_cloud/flows"
    )


# -- one 500, then it works: per call -------------------------------------------------------------
def test_one_500_per_dask_saturn_call(faults, saturn_env):
    """dask-saturn retries nothing: every call fails on one 500 with the platform's message, except
    ``status``, which asks ``GET /api/dask_clusters/{id}`` instead; the next call works."""
    from dask_saturn import SaturnCluster

    def once(method, path):
        FaultRoom.of(faults).arm({"action": "error", "api": "saturn", "method": method, "path": path, "times": 1})

    table = {}
    made = []

    def start():
        made.append(SaturnCluster(n_workers=1))
        return made[-1].status

    for label, method, path in [
        ("SaturnCluster(): sizes", "GET", "/api/dask_clusters/info"),
        ("SaturnCluster(): create", "POST", "/api/dask_clusters"),
        ("SaturnCluster(): cluster info", "GET", f"/api/dask_clusters/{standins.HEX}/info"),
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
            once(method, f"/api/dask_clusters/{standins.HEX}/{action}")
            table[f"{method} /api/dask_clusters/{{id}}/{action} ({label})"] = (outcome(call), outcome(call))
    finally:
        forget_clusters_of(faults.url)
    assert table == {
        "GET /api/dask_clusters/info (SaturnCluster(): sizes)": ("ValueError: Internal Server Error", "ok: ready"),
        "POST /api/dask_clusters (SaturnCluster(): create)": ("ValueError: Internal Server Error", "ok: ready"),
        f"GET /api/dask_clusters/{standins.HEX}/info (SaturnCluster(): cluster info)": (
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
    assert sum(f["hits"] for f in FaultRoom.of(faults).armed()) == 8


def test_one_500_per_prefect_saturn_call(faults, prefect_env):
    """prefect-saturn and prefect's Webhook storage retry connection errors only: one 500 fails the
    call with its status line and URL; the next call works."""
    from prefect import Flow, task
    from prefect_saturn import PrefectCloudIntegration, describe_sizes

    @task
    def double(x):
        return 2 * x

    with Flow("five-hundred") as flow:
        double(21)

    base = prefect_env["BASE_URL"]
    integration = PrefectCloudIntegration("p")

    def register():
        integration.register_flow_with_saturn(flow)
        flow.storage.add_flow(flow)

    table = {}
    for label, method, path, call in [
        ("register_flow_with_saturn", "PUT", "/api/prefect_cloud/flows", register),
        ("register_flow_with_saturn", "GET", f"/api/prefect_cloud/flows/{standins.HEX}/run_job_spec", register),
        ("flow.register: Webhook build", "POST", standins.CONTENT_PATH, lambda: flow.storage.build() and None),
        ("agent: Webhook get_flow", "GET", standins.CONTENT_PATH, lambda: flow.storage.get_flow(flow.name).name),
        ("describe_sizes()", "GET", "/api/info/servers", lambda: sorted(describe_sizes())[0]),
    ]:
        FaultRoom.of(faults).arm({"action": "error", "api": "saturn", "method": method, "path": path, "times": 1})
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
        f"GET /api/prefect_cloud/flows/{standins.HEX}/run_job_spec (register_flow_with_saturn)": (
            f"HTTPError: 500 Server Error: Internal Server Error for url: "
            f"{base}/api/prefect_cloud/flows/ID/run_job_spec",
            "ok",
        ),
        f"POST {standins.CONTENT_PATH} (flow.register: Webhook build)": (
            f"HTTPError: 500 Server Error: Internal Server Error for url: "
            f"{base}/api/prefect_cloud/flows/ID/VERSION/content",
            "ok",
        ),
        f"GET {standins.CONTENT_PATH} (agent: Webhook get_flow)": (
            f"HTTPError: 500 Server Error: Internal Server Error for url: "
            f"{base}/api/prefect_cloud/flows/ID/VERSION/content",
            "ok: five-hundred",
        ),
        "GET /api/info/servers (describe_sizes())": (
            f"HTTPError: 500 Server Error: Internal Server Error for url: {base}/api/info/servers",
            "ok: large",
        ),
    }


# -- cluster creation answers "error", or "pending" for a while -------------------------------------
def test_cluster_error_is_dask_saturns_valueerror_with_the_errors(faults, saturn_env):
    from dask_saturn import SaturnCluster

    FaultRoom.of(faults).arm({"action": "cluster_error", "errors": standins.CLUSTER_ERRORS, "times": 1})
    with pytest.raises(ValueError) as exc:
        SaturnCluster(n_workers=1)
    assert str(exc.value) == " ".join(standins.CLUSTER_ERRORS)


def test_cluster_pending_for_three_polls_then_ready(faults, saturn_env, monkeypatch):
    """dask-saturn polls a pending cluster, sleeping 5-9, 10-19, 20-39 s... (ExpBackoff with
    jitter): three pending polls cost 35-67 s of real time, so the sleeps are recorded, not slept."""
    import dask_saturn.backoff
    from dask_saturn import SaturnCluster
    from distributed import Client

    slept = []
    monkeypatch.setattr(dask_saturn.backoff, "sleep", slept.append)
    name = standins.unique_name("pending")
    FaultRoom.of(faults).arm({"action": "cluster_pending", "times": 3, "name": name})
    cluster = SaturnCluster(n_workers=1)
    try:
        assert cluster.status == "ready"
        with Client(cluster) as client:
            assert client.submit(sum, [1, 2, 3]).result() == 6
        assert [5 <= slept[0] <= 9, 10 <= slept[1] <= 19, 20 <= slept[2] <= 39, len(slept)] == [True] * 3 + [3]
        assert standins.fault_log(name, faults.log_path)[1:] == [
            f"fault {name}: POST /api/dask_clusters -> cluster_pending (hit {n})" for n in (1, 2, 3)
        ]
        cluster.close()
    finally:
        forget_clusters_of(faults.url)


def test_cluster_pending_once_with_a_real_wait(faults, saturn_env):
    """Unpatched: with a 2 s wait limit, dask-saturn sleeps 2 s once, polls again, and gets the
    cluster; pending longer than its limit gives its own message."""
    import time

    from dask_saturn import SaturnCluster

    FaultRoom.of(faults).arm({"action": "cluster_pending", "times": 1})
    began = time.monotonic()
    cluster = SaturnCluster(n_workers=1, scheduler_service_wait_timeout=2)
    try:
        assert cluster.status == "ready" and 2 <= time.monotonic() - began < 30
        FaultRoom.of(faults).arm({"action": "cluster_pending", "times": 5})
        with pytest.raises(ValueError) as exc:
            SaturnCluster(n_workers=1, scheduler_service_wait_timeout=1)
        assert str(exc.value) == "Retry in a few minutes. Check status in Saturn User Interface"
        cluster.close()
    finally:
        forget_clusters_of(faults.url)


def test_failed_flow_upload_registers_nothing_with_prefect_cloud(faults, tmp_path):
    """prefect's register() uploads the flow (storage.build) before it creates the flow in Prefect
    Cloud, so a failed upload leaves no flow version there; Saturn keeps the version it had opened,
    with no content (a download answers 404). Registering again gives version 1."""
    FaultRoom.of(faults).arm(
        {
            "action": "error",
            "api": "saturn",
            "method": "POST",
            "path": standins.CONTENT_PATH,
            "times": 1,
            "message": "Flow storage is unavailable",
        }
    )
    env = processes.clean_env(
        **{
            **faults.environ(),
            "HOME": str(tmp_path),
            "PREFECT__HOME_DIR": str(tmp_path / "prefect"),
            "PREFECT__USER_CONFIG_PATH": str(tmp_path / "none.toml"),
            "PYTHONWARNINGS": "ignore",
            "PREFECT__CLOUD__API_KEY": faults.environ()["PREFECT_USER_TOKEN"],
        }
    )
    _, out = programs.run_program(PROGRAMS / "register_after_upload_fault.py", env=env, cwd=tmp_path)
    url = faults.url
    assert re.fullmatch(
        re.escape(f"HTTPError: 500 Server Error: Flow storage is unavailable for url: {url}")
        + f"/api/prefect_cloud/flows/({standins.HEX})/({standins.HEX})/content",
        out["error"],
    ), out["error"]
    failed_flow, failed_version = re.search(rf"flows/({standins.HEX})/({standins.HEX})/content", out["error"]).groups()
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
    from standin.client import StandIn

    monkeypatch.setenv("STANDIN_FAULTS", json.dumps([{"action": "error", "api": "saturn", "status": 503}]))
    standin = StandIn.start(username="u", home=tmp_path)
    try:
        assert FaultRoom.of(standin).armed() == [
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
