"""dask-saturn's shim: the one place the repo touches dask-saturn's internals. It is in the client
because both sides of the stand-in need it: the kit's ``tutorial_kit/notebook/connect.py`` (which imports only
``standin.client``) and the stand-in's own tests. Its test, ``standin/tests/component/test_standin_shims.py``,
fails when dask-saturn stops behaving as this module relies on.

Why: a ``SaturnCluster`` outlives the stand-in it was made with (a closed ``Client`` keeps its
cluster until the interpreter exits), and ``Cluster.__del__`` then reads ``SaturnCluster.status``,
which asks the platform over HTTP: once the stand-in has stopped, nobody answers, and Python prints
"Exception ignored in: <function Cluster.__del__ ...>" with a ConnectionError's traceback. On
Saturn Cloud the platform outlives the process. Telling such objects that their cluster is closed
before the stand-in stops keeps that finalizer quiet.

What it relies on (the dask-saturn that requirements/notebook.txt pins):

- ``SaturnCluster._instances``, the weak set of every ``SaturnCluster`` made in this process;
- ``SaturnCluster.status`` answers ``"closed"`` without asking the platform when ``cluster_url``
  is None (dask-saturn's own "closed").
"""

from __future__ import annotations

import sys


def forget_clusters_of(url: str) -> int:
    """Mark this process's ``SaturnCluster`` objects of the platform at ``url`` as closed, without
    asking it; returns how many. Nothing happens when dask-saturn was never imported."""
    saturn = sys.modules.get("dask_saturn")
    if saturn is None:
        return 0
    forgotten = 0
    platform = url.rstrip("/") + "/"  # http://127.0.0.1:4 is not http://127.0.0.1:45123
    for cluster in list(saturn.SaturnCluster._instances):
        if (getattr(cluster, "cluster_url", None) or "").startswith(platform):
            cluster.cluster_url = None
            forgotten += 1
    return forgotten
