"""What the companion notebook (``notebooks/prefect3-dask-cluster.ipynb``, Prefect 3 in ``.venv-prefect3/``)
needs beyond the first notebook's checks: ``server.py`` starts or finds a real Prefect 3 server (``template.py``:
the database a new home starts from), ``connect.py`` points the kernel at it, ``flow_file.py`` starts the flow's
file, ``serve.py`` runs the deployment's ``serve`` process, ``flow_runs.py`` says in one line why a run did not
complete. Nothing here imports Prefect 1;
nothing the first notebook imports imports this.
"""
