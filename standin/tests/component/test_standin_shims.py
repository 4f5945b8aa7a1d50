"""The stand-in's shims, each against the real library: a test fails when the library stops behaving
as its shim relies on. prefect's (``standin.shims.prefect``) is tested by
``test_client_surface.py``, which fails when a call site it drives is no longer reached."""

from __future__ import annotations

import os

from standin.client.dask_saturn import forget_clusters_of
from standin.shims.distributed import worker_spawn_environ


def test_dask_saturn_forgotten_clusters_answer_closed_without_asking(standin, saturn_env):
    """Every SaturnCluster of the stand-in is found and answers "closed" while its cluster runs (so
    it asked nobody); another platform's URL, even one the stand-in's URL starts with, forgets none."""
    from dask_saturn import SaturnCluster

    cluster = SaturnCluster(n_workers=1)
    url = cluster.cluster_url
    try:
        assert cluster.status == "ready"
        assert forget_clusters_of(standin.url.rstrip("/")[:-1]) == 0 and cluster.cluster_url == url  # :4512, not :45123
        assert forget_clusters_of(standin.url) >= 1
        assert cluster.status == "closed"
    finally:
        cluster.cluster_url = url
        cluster.close()
        forget_clusters_of(standin.url)  # this object outlives the module's stand-in


def test_distributed_workers_start_with_what_the_shim_says_a_nanny_sets():
    """A Nanny's worker process sees the variables and values the shim reads from a Nanny not started."""
    from distributed import Client, LocalCluster

    environ = worker_spawn_environ()
    assert "PYTHONHASHSEED" in environ and "MALLOC_TRIM_THRESHOLD_" in environ
    with (
        LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster,
        Client(cluster) as client,
    ):
        (seen,) = client.run(lambda names: {name: os.environ.get(name) for name in names}, list(environ)).values()
    assert seen == environ
