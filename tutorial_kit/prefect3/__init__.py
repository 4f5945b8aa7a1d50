"""What the companion notebook (``notebooks/prefect3-dask-cluster.ipynb``, Prefect 3 in ``.venv-prefect3/``)
needs beyond the first notebook's checks: ``server.py`` starts or finds a real Prefect 3 server, ``connect.py``
points the kernel at it, ``serve.py`` runs the deployment's ``serve`` process. Nothing here imports Prefect 1;
nothing the first notebook imports imports this.
"""
