"""Routes of the emulated Saturn Cloud REST API, as dask-saturn and prefect-saturn call them."""

from .responses import (
    ClusterActionHandler,
    ClusterCSRHandler,
    ClusterHandler,
    ClusterInfoHandler,
    ClusterOptionsHandler,
    ClusterReadHandler,
    ClusterResetHandler,
    ClustersHandler,
    FlowContentHandler,
    FlowRunJobSpecHandler,
    FlowsHandler,
    ServerSizesHandler,
)

_ID = r"([0-9a-f]+)"


def url_patterns(backend) -> list:
    """Tornado rules for ``backend`` (a :class:`~.models.SaturnBackend`). Each route answers the
    methods its handler defines, and 405 to any other (``core/responses.py``)."""
    kwargs = {"backend": backend}
    return [
        (r"/api/dask_clusters/info", ClusterOptionsHandler, kwargs),
        (r"/api/dask_clusters", ClustersHandler, kwargs),
        (r"/api/dask_clusters/reset", ClusterResetHandler, kwargs),
        (rf"/api/dask_clusters/{_ID}/info", ClusterInfoHandler, kwargs),
        (rf"/api/dask_clusters/{_ID}/csr", ClusterCSRHandler, kwargs),
        (rf"/api/dask_clusters/{_ID}/(status|scheduler_info)", ClusterReadHandler, kwargs),
        (rf"/api/dask_clusters/{_ID}/(scale|adapt|close)", ClusterActionHandler, kwargs),
        (rf"/api/dask_clusters/{_ID}/?", ClusterHandler, kwargs),
        (r"/api/prefect_cloud/flows", FlowsHandler, kwargs),
        (rf"/api/prefect_cloud/flows/{_ID}/run_job_spec", FlowRunJobSpecHandler, kwargs),
        (rf"/api/prefect_cloud/flows/{_ID}/{_ID}/content", FlowContentHandler, kwargs),
        (r"/api/info/servers", ServerSizesHandler, kwargs),
    ]
