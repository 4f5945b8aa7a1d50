"""Scale-out: STANDIN_DASK_SCHEDULER makes the stand-in hand out the user's own Dask cluster.

A real ``dask scheduler`` and two ``dask worker``s (from the venv, on 127.0.0.1, with names no
other test uses) stand for the user's cluster. The unmodified notebook runs its ``read`` task on
them, and the stand-in never scales or stops them. A wrong address: standin/tests/component/test_dask_scheduler.py
and tests/unit/test_connect.py.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import papermill
import pytest

from standin.client.dask_saturn import forget_clusters_of
from standin.client.protocol import SCHEDULER_VAR
from standin.testing import clusters, processes
from support import notebooks, own_cluster
from tutorial_kit.paths import NOTEBOOK
from tutorial_kit.tooling.results import read_result

BIN = Path(sys.executable).parent
WORKER_NAMES = own_cluster.WORKER_NAMES
PARTS = 4  # the sample split in files: one partition each, so that both workers get tasks
worker_activity = own_cluster.worker_activity
split_sample = own_cluster.split_sample


@pytest.fixture(scope="module")
def external_cluster(tmp_path_factory):
    """The user's own cluster: ``dask scheduler`` + 2 ``dask worker``s of this venv (tests/support/own_cluster.py)."""
    with own_cluster.own_dask_cluster(tmp_path_factory.mktemp("external-dask"), BIN) as cluster:
        own_cluster.wait_for_workers(cluster.address)
        yield cluster


def assert_cluster_alive(cluster) -> None:
    """The scheduler and both workers run, and the cluster still computes."""
    from distributed import Client

    assert cluster.scheduler.poll() is None and all(w.poll() is None for w in cluster.workers)
    with Client(cluster.address, timeout=10) as client:
        names = sorted(w["name"] for w in client.scheduler_info(n_workers=-1)["workers"].values())
        assert names == sorted(WORKER_NAMES)
        assert client.submit(sum, [1, 2, 3], pure=False).result(timeout=10) == 6


# -- the notebook on the user's cluster ----------------------------------------------------------
def test_notebook_runs_read_on_your_dask_cluster_and_leaves_it_running(external_cluster, tmp_path, mark):
    data_url = split_sample(tmp_path / "trips", PARTS)
    before, began = worker_activity(external_cluster.address), time.time()

    out = tmp_path / "external.ipynb"
    log_start = notebooks.STANDIN_LOG.stat().st_size if notebooks.STANDIN_LOG.exists() else 0
    run = notebooks.run_papermill(
        NOTEBOOK, out, "-p", "data_url", data_url, mark=mark, **{SCHEDULER_VAR: external_cluster.address}
    )
    assert run.returncode == 0, run.stderr[-3000:]
    text = notebooks.outputs_text(out)
    assert f"Its Dask cluster is yours, at {external_cluster.address}" in text
    # the notebook's default n_workers was not applied to a 2-worker cluster, and dask-saturn said so in the
    # flow-run process, whose output goes to the stand-in's log
    n_workers = papermill.inspect_notebook(str(NOTEBOOK))["n_workers"]["default"]
    assert f"n_workers={n_workers} is not applied" in notebooks.STANDIN_LOG.read_text()[log_start:]

    after = worker_activity(external_cluster.address, since=began)
    assert sorted(after) == sorted(WORKER_NAMES)  # no other worker joined
    for name in WORKER_NAMES:
        assert after[name][0] > before[name][0], f"{name} executed no task of the read graph: {after}"
    prefixes = {p for _, ps in after.values() for p in ps}
    assert any("read" in p or "csv" in p for p in prefixes), prefixes  # the CSV reading ran there
    # (e.g. {'ext-worker-alpha': (9, ['_to_string_dtype', '_var_chunk', 'astype', 'read-csv', ...]),
    #        'ext-worker-beta': (11, ['_var_chunk', 'read-csv', 'sqrt', 'var-tree', ...])})

    # The notebook's cleanup closed its Saturn cluster, and the kernel and the stand-in (which
    # closes every cluster it knows as it exits) are gone: the user's scheduler and workers still run.
    assert not processes.wait_until_gone(mark)
    assert_cluster_alive(external_cluster)
    settled = worker_activity(external_cluster.address)

    # The notebook's own read task, on a LocalCluster of this process: the same digits
    from distributed import Client, LocalCluster

    from tutorial_kit.tooling.notebook_code import read_function

    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as local,
        Client(local),
    ):
        on_local = read_function()(data_url).to_dict()
    assert read_result(out) == on_local  # identical digits
    assert worker_activity(external_cluster.address) == settled  # that did not use the user's cluster


# -- dask-saturn against a stand-in that hands out the user's cluster -----------------------------
def test_dask_saturn_gets_your_cluster_and_never_scales_or_stops_it(external_cluster, saturn_env_for, caplog):
    from dask_saturn import SaturnCluster
    from distributed import Client

    standin = saturn_env_for(external_cluster.address)
    with caplog.at_level("WARNING", logger="dask-saturn"):
        cluster = SaturnCluster(n_workers=5)
    try:
        assert cluster.status == "ready"
        assert cluster.scheduler_address == external_cluster.address
        assert any("n_workers=5 is not applied" in r.getMessage() for r in caplog.records)
        info = cluster.scheduler_info  # read from the user's scheduler through the stand-in
        assert sorted(w["name"] for w in info["workers"].values()) == sorted(WORKER_NAMES)
        with Client(cluster) as client:
            assert client.submit(lambda x: x + 1, 41).result(timeout=10) == 42
        # a second SaturnCluster on the resource gets the same cluster, with 2 workers asked: no warning
        caplog.clear()
        with caplog.at_level("WARNING", logger="dask-saturn"):
            again = SaturnCluster(n_workers=2)
        assert again.dask_cluster_id == cluster.dask_cluster_id
        assert not [r for r in caplog.records if "is not applied" in r.getMessage()]
        cluster.scale(7)  # accepted (2xx) and not applied
        cluster.adapt(minimum=1, maximum=9)
        assert len(cluster.scheduler_info["workers"]) == 2
    finally:
        cluster.close()
    assert cluster.status == "closed"
    assert_cluster_alive(external_cluster)
    standin.stop()  # the stand-in's exit closes every cluster it knows: still not the user's
    assert_cluster_alive(external_cluster)
    log = standin.log_path.read_text()
    for asked in ("n_workers=5", "scale(7)", "adapt(minimum=1, maximum=9)"):
        assert f"{asked} is not applied" in log
    assert "which keeps running" in log
    forget_clusters_of(standin.url)  # no status call at exit, to a stand-in then stopped: see the shim


def test_scheduler_info_right_after_a_task_and_no_5xx_while_tasks_run(external_cluster, saturn_env_for):
    """For about a heartbeat after a task, your scheduler's identity holds tuple keys; the stand-in
    answered ``cluster.scheduler_info`` with 500 then (json.dumps refuses tuple keys)."""
    from dask_saturn import SaturnCluster

    standin = saturn_env_for(external_cluster.address)
    cluster = SaturnCluster(n_workers=2)
    clusters.scheduler_info_after_a_task_and_while_tasks_run(standin, cluster)
    assert_cluster_alive(external_cluster)
