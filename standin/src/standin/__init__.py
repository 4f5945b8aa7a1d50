"""The emulated platforms: a local stand-in of Saturn Cloud's REST API and Prefect Cloud 1.x's
GraphQL API, its pages and its background services, run as a process of its own
(``python -m standin``). ``client/`` is the public side: it starts or finds a stand-in and
holds the names both sides use; ``testing/`` holds the helpers of tests run against a stand-in
(its own suite's and the tutorial's), the fault room's client among them.

One package per emulated API (``saturn/``, ``prefect_cloud/``), each laid out like moto: state in ``models``,
HTTP in ``responses.py``, routes in ``urls.py``, errors in ``exceptions.py``. What they share is in ``core/``,
as in moto's ``moto/core``: one request pipeline (``responses.py``), one error type (``exceptions.py``) and
one whole-number check (``numbers.py``). The test-only fault injection is a room of its own, ``faults/``, like
moto's ``moto_api``: it joins the request pipeline through a hook, and the pipeline never imports it. ``ui/``
serves the Prefect Cloud pages; ``services/`` runs Saturn's agent, the scheduler and the zombie killer;
``shims/`` is the one place a library's private parts are touched (dask-saturn's is ``client/dask_saturn.py``,
which the kit uses too); ``store.py`` keeps the state of the shared stand-in. ``web.py`` is the tornado
application (its routes, tornado's own server-wide bound on a body, JSON 404s); ``server.py`` mounts the
routes, starts the services and serves them. The import rules between these parts are contracts in the repo's
``pyproject.toml`` (``[tool.importlinter]``), which ``make lint`` checks."""
