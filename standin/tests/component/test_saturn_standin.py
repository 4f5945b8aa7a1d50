"""The emulated Saturn REST API, driven by the real dask-saturn and by the calls prefect-saturn makes."""

from __future__ import annotations

import asyncio
import contextlib

import psutil
import pytest
import requests

from standin.client.dask_saturn import forget_clusters_of
from standin.testing import clusters
from standin.testing.waiting import WaitTimedOut, wait_for


def auth(env, token=None):
    return {"Authorization": f"token {token or env['SATURN_TOKEN']}"}


def test_binds_loopback_only(standin):
    port = int(standin.url.rsplit(":", 1)[1])
    listening = [c for c in psutil.Process(standin.proc.pid).net_connections("tcp") if c.status == "LISTEN"]
    assert [c.laddr for c in listening if c.laddr.port == port] == [("127.0.0.1", port)]


@pytest.mark.parametrize("token", [None, "wrong"])
def test_wrong_or_missing_token_gets_401(standin, saturn_env, token):
    headers = {} if token is None else auth(saturn_env, token)
    for method, path in [
        ("GET", "/api/dask_clusters/info"),
        ("POST", "/api/dask_clusters"),
        ("PUT", "/api/prefect_cloud/flows"),
        ("GET", "/api/info/servers"),
    ]:
        r = requests.request(method, standin.url + path, headers=headers, timeout=10)
        assert r.status_code == 401, (method, path)
        assert "SATURN_TOKEN" in r.json()["message"]


def test_dask_saturn_gets_a_real_cluster_with_n_worker_processes(standin, saturn_env):
    from dask_saturn import SaturnCluster, describe_sizes
    from distributed import Client

    assert "medium" in describe_sizes()
    cluster = SaturnCluster(n_workers=2)
    try:
        assert cluster.status == "ready"
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        with Client(cluster) as client:
            workers = client.scheduler_info(n_workers=-1)["workers"]
            assert len(workers) == 2
            pids = set(client.run(lambda: __import__("os").getpid()).values())
            assert len(pids) == 2  # one process per worker
            assert client.submit(sum, [1, 2, 3]).result() == 6
        # a second SaturnCluster on the same resource gets the same cluster, as on Saturn
        again = SaturnCluster(n_workers=2)
        assert again.scheduler_address == cluster.scheduler_address
    finally:
        cluster.close()
    assert cluster.status == "closed"
    assert not any(psutil.pid_exists(p) for p in pids)
    forget_clusters_of(standin.url)  # they outlive this module's stand-in: see the shim


def test_a_cluster_asked_for_again_has_n_workers_times_nprocs_worker_processes(saturn_env):
    """On Saturn a worker is a machine running ``nprocs`` worker processes: asked for again with
    another ``nprocs`` or ``n_workers``, or scaled, the resource's one cluster has ``n_workers *
    nprocs`` of them."""
    from dask_saturn import SaturnCluster
    from distributed import Client

    def worker_processes(cluster, expected: int) -> int:
        with Client(cluster) as client:

            def count() -> int:
                return len(client.scheduler_info(n_workers=-1)["workers"])

            # a worker told to go is retired while the answer is sent: wait for the count, bounded
            with contextlib.suppress(WaitTimedOut):
                wait_for(lambda: count() == expected, 20, f"{expected} worker processes")
            return count()

    first = SaturnCluster(n_workers=1)
    try:
        assert worker_processes(first, 1) == 1
        for n_workers, nprocs in [(1, 2), (2, 2)]:
            again = SaturnCluster(n_workers=n_workers, nprocs=nprocs)
            assert again.scheduler_address == first.scheduler_address  # the resource's one cluster
            assert worker_processes(again, n_workers * nprocs) == n_workers * nprocs, (n_workers, nprocs)
        again.scale(1)  # one worker of nprocs=2
        assert worker_processes(again, 2) == 2
    finally:
        first.close()
        forget_clusters_of(saturn_env["SATURN_BASE_URL"])  # they outlive this module's stand-in: see the shim


def test_scheduler_info_right_after_a_task_and_no_5xx_while_tasks_run(standin, saturn_env):
    """For about a heartbeat after a task, the scheduler's identity holds tuple keys; the stand-in
    answered those reads with 500 (json.dumps refuses tuple keys)."""
    from dask_saturn import SaturnCluster

    cluster = SaturnCluster(n_workers=1)
    clusters.scheduler_info_after_a_task_and_while_tasks_run(standin, cluster)


def test_bad_cluster_request_is_a_clear_dask_saturn_error(saturn_env):
    from dask_saturn import SaturnCluster

    with pytest.raises(ValueError, match="n_workers must be a whole number of at least 1, got 0"):
        SaturnCluster(n_workers=0)
    with pytest.raises(ValueError, match="worker_size: huge is not a valid option"):
        SaturnCluster(n_workers=1, worker_size="huge")


def test_unknown_cluster_is_404(standin, saturn_env):
    r = requests.get(standin.url + "/api/dask_clusters/abc123/info", headers=auth(saturn_env), timeout=10)
    assert r.status_code == 404 and "abc123" in r.json()["message"]


def test_prefect_saturn_flow_calls_and_content_round_trip(standin, saturn_env):
    url, headers = standin.url, auth(saturn_env)
    body = {"name": "f", "prefect_cloud_project_name": "p", "flow_hash": "h1"}
    first = requests.put(url + "/api/prefect_cloud/flows", json=body, headers=headers, timeout=10).json()
    second = requests.put(url + "/api/prefect_cloud/flows", json=body, headers=headers, timeout=10).json()
    assert first["id"] == second["id"]  # same flow group (hash) ...
    assert first["flow_version_id"] != second["flow_version_id"]  # ... new version per registration
    assert first["image"]
    content = f"{url}/api/prefect_cloud/flows/{first['id']}/{second['flow_version_id']}/content"
    assert requests.get(content, headers=headers, timeout=10).status_code == 404  # nothing uploaded yet
    payload = bytes(range(256)) * 10
    assert requests.post(content, data=payload, headers=headers, timeout=10).ok
    got = requests.get(content, headers=headers, timeout=10)
    assert got.content == payload and got.headers["Content-Type"] == "application/octet-stream"
    spec = requests.get(f"{url}/api/prefect_cloud/flows/{first['id']}/run_job_spec", headers=headers, timeout=10)
    assert spec.json()["kind"] == "Job"
    missing = requests.put(url + "/api/prefect_cloud/flows", json={"name": "f"}, headers=headers, timeout=10)
    assert missing.status_code == 400 and "prefect_cloud_project_name is required" in missing.json()["message"]


def test_flow_content_is_the_flow_that_was_registered(standin, prefect_env, tmp_path):
    """prefect-saturn's Webhook storage, built and read back through the stand-in."""
    import prefect
    from prefect import Flow, task
    from prefect_saturn.core import PrefectCloudIntegration

    @task
    def double(x):
        return 2 * x

    with Flow("roundtrip") as flow:
        double(21)

    integration = PrefectCloudIntegration("p")
    flow = integration.register_flow_with_saturn(flow)
    flow.storage.add_flow(flow)
    flow.storage.build()
    pulled = flow.storage.get_flow(flow.name)
    state = pulled.run()
    assert state.is_successful()
    assert list(state.result.values())[0].result == 42
    assert isinstance(flow.run_config, prefect.run_configs.KubernetesRun)


def test_a_scheduler_without_workers_is_a_clear_error_in_bounded_time():
    import time

    from distributed import Scheduler

    from standin.saturn.clusters import attach_external_cluster

    async def scenario():
        async with Scheduler(host="127.0.0.1", port=0, dashboard_address="127.0.0.1:0") as scheduler:
            began = time.monotonic()
            with pytest.raises(
                RuntimeError,
                match=rf"the Dask scheduler at {scheduler.address} "
                r"\(STANDIN_DASK_SCHEDULER\) has no running worker after 0.5 s: "
                rf"start some with `dask worker {scheduler.address}`",
            ):
                await attach_external_cluster(scheduler.address, timeout=0.5)
            assert time.monotonic() - began < 3

    asyncio.run(scenario())
