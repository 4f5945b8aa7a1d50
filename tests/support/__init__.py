"""What the tests share besides fixtures, one module per job, imported as modules
(``from support import processes``): the fixtures and hooks stay in the root ``conftest.py``.

- ``waiting.py``: :func:`~waiting.wait_for`, the one bounded wait on a condition;
- ``processes.py``: the environment of a user's machine, and processes traced by a marker;
- ``programs.py``: the programs tests run as files (``tests/programs/``), the ``prefect`` CLI, a
  user's flows;
- ``standins.py``: stand-ins for a test, and the fault room's log and names;
- ``clusters.py``: a dask-saturn cluster while it runs tasks;
- ``own_cluster.py``: the user's own Dask cluster (a ``dask scheduler`` and two ``dask worker``s), and what its
  workers ran;
- ``prefect3.py``: the companion's shared Prefect 3 server and its papermill runs;
- ``clocks.py``: a clock for the stand-in's models that moves only when told;
- ``notebooks.py``: papermill runs and what an executed notebook shows;
- ``servers.py``: loopback servers (HTTP, HTTPS, S3, tornado, asyncio), each a ``with`` block;
- ``browser.py``: headless Chromium through Playwright.
"""
