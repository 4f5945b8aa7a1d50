"""The repo's own tooling, for the Makefile, the tests and the benchmarks (the notebook never
imports it): ``kernel.py`` (the notebook's Jupyter kernel, installed by the set-up), ``outputs.py``
(``make outputs``), ``results.py`` (the result read back from an executed notebook: ``make run``),
``notebook_code.py`` (the notebook's cells by their tags, and its own ``read``, for tests and benchmarks),
``companion.py`` (the companion's flow file and its ``DaskTaskRunner`` snippet, as its cells hold them)."""
