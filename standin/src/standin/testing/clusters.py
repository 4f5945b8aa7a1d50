"""A dask-saturn cluster while it runs tasks: what the stand-in answers about it then."""

from __future__ import annotations

import collections
import threading
import time

from .waiting import wait_for

#: How long to keep running tasks and reading the stand-in: several worker heartbeats
#: (distributed's ``scheduler.heartbeat_interval``).
BUSY_WINDOW = 8.0


def digests_after_a_task(cluster) -> dict:
    """Run a task on a dask-saturn ``cluster`` and read ``cluster.scheduler_info`` (through the
    stand-in) right after it, until an answer shows what the worker reported about that task with
    its next heartbeat: ``metrics.digests_total_since_heartbeat``, whose keys are tuples in the
    scheduler (``('execute', 'lambda', 'thread-cpu', 'seconds')``). Returns those digests; any
    non-2xx answer fails (dask-saturn raises ``ValueError``), and so does never seeing them."""
    from distributed import Client

    def task_then_its_digests() -> dict | None:
        assert client.submit(lambda x: x + 1, 41, pure=False).result(timeout=10) == 42
        for _ in range(40):  # ~2 s of reads after each task: the next heartbeat brings the digests
            info = cluster.scheduler_info
            digests = {
                key: value
                for worker in info["workers"].values()
                for key, value in worker["metrics"].get("digests_total_since_heartbeat", {}).items()
            }
            # this task's own digests: on a shared cluster, a heartbeat may first bring an earlier test's
            if any(key.startswith("execute.lambda.") for key in digests):
                return digests
            time.sleep(0.05)
        return None

    with Client(cluster) as client:
        return wait_for(task_then_its_digests, BUSY_WINDOW, "a scheduler_info answer with a task's digests", every=0)


def answers_while_tasks_run(standin, cluster) -> collections.Counter:
    """Keep ``cluster`` running tasks while every read-only call of both APIs is asked of the
    stand-in, over and over (bounded by :data:`BUSY_WINDOW` and 400 requests); the status codes."""
    import requests
    from distributed import Client

    token = {"Authorization": f"token {standin.environ()['SATURN_TOKEN']}"}
    graphql = {"Authorization": f"Bearer {standin.environ()['PREFECT_USER_TOKEN']}"}
    calls = [("GET", cluster.cluster_url + path, token, None) for path in ("status", "info", "scheduler_info")]
    calls += [
        ("GET", standin.url + "/api/dask_clusters/info", token, None),
        ("POST", standin.url + "/graphql", graphql, {"query": "query { auth_info { tenant_id } }"}),
    ]
    statuses: collections.Counter = collections.Counter()
    stop = threading.Event()

    def keep_busy() -> None:
        with Client(cluster) as client:
            while not stop.is_set():
                client.gather(client.map(lambda x: sum(range(x)), range(20), pure=False), errors="raise")

    busy = threading.Thread(target=keep_busy, daemon=True)
    busy.start()
    deadline = time.monotonic() + BUSY_WINDOW
    try:
        with requests.Session() as session:
            for i in range(400):
                if time.monotonic() > deadline:
                    break
                method, url, headers, body = calls[i % len(calls)]
                statuses[session.request(method, url, headers=headers, json=body, timeout=10).status_code] += 1
    finally:
        stop.set()
        busy.join(15)
    return statuses


def scheduler_info_after_a_task_and_while_tasks_run(standin, cluster) -> None:
    """``cluster.scheduler_info`` (a dask-saturn cluster of ``standin``) right after a task, when the
    scheduler's identity holds tuple keys (the stand-in answered 500 then: json.dumps refuses them),
    and no 5xx from either API while tasks run; the cluster is closed."""
    try:
        digests = digests_after_a_task(cluster)
        assert "execute.lambda.thread-cpu.seconds" in digests, sorted(digests)
        statuses = answers_while_tasks_run(standin, cluster)
    finally:
        cluster.close()
        cluster.cluster_url = None  # SaturnCluster.__del__ would ask the stopped stand-in for the status
    assert sum(statuses.values()) >= 50 and set(statuses) == {200}, statuses
