"""The one place the kit touches a library's internals: a module per library, each relying on as
little as it can, each with a test in ``tests/component/test_kit_shims.py`` that fails when the library
stops behaving as the module relies on. Nothing else in the kit, the tests, the benchmarks or
``conftest.py`` uses a private attribute of dask, distributed, dask-saturn, prefect or pytest
(``tests/unit/test_private_parts.py`` checks the whole repo).

- ``distributed.py``: a progress bar's counts, without the bar (``notebook/progress.py``);
- ``pytest.py``: ``--lf`` reruns every test of a file when one failed (``conftest.py``, for notebooks);
- dask-saturn's is the stand-in client's ``standin/src/standin/client/dask_saturn.py``, which the stand-in's
  tests use too (the kit imports only ``standin.client``).
"""
