"""What the tutorial's tests share besides fixtures, one module per job, imported as modules
(``from support import notebooks``): the fixtures and hooks stay in the root ``conftest.py``.

- ``notebooks.py``: papermill runs, what an executed notebook shows, and where its stand-ins log;
- ``programs.py``: the tutorial's test programs (``tests/programs/``);
- ``own_cluster.py``: the user's own Dask cluster (a ``dask scheduler`` and two ``dask worker``s), and
  what its workers ran;
- ``prefect3.py``: the companion's shared Prefect 3 server and its papermill runs;
- ``markdown.py``: the links and heading anchors of a page or a notebook, as their renderers make them;
- ``prose.py``: the repo's prose, line by line, wherever it is written.

What they share with the stand-in's own tests (waiting on a condition, processes traced by a
marker, loopback servers, stand-ins for a test, the ``prefect`` CLI, a user's own flows, headless
Chromium) is the stand-in's testing helpers, ``standin.testing``, which these tests import and which
never import these.
"""
