"""The emulated platforms: a local stand-in of Saturn Cloud's REST API and Prefect Cloud 1.x's
GraphQL API, its pages and its background services, run as a process of its own
(``python -m standin``). ``client/`` is the public side: it starts or finds a stand-in and
holds the names both sides use; ``testing.py`` arms the test-only faults from outside.

One package per emulated API (``saturn/``, ``prefect_cloud/``), each laid out like moto:
state in ``models``, HTTP in ``responses.py``, routes in ``urls.py``, errors in
``exceptions.py``. What they share is in ``core/``, as in moto's ``moto/core``: one request
pipeline (``responses.py``) and one error type (``exceptions.py``). The test-only fault
injection is a room of its own, ``faults/``, like moto's ``moto_api``: it joins the request
pipeline through a hook, and the pipeline never imports it. ``ui/`` serves the
Prefect Cloud pages; ``services/`` runs Saturn's agent, the scheduler and the zombie killer;
``store.py`` keeps the state of the shared stand-in. ``web.py`` is the tornado application (a
handler chosen from the headers, oversized bodies refused unread, 404s); ``server.py`` mounts
the routes, starts the services and serves them.
"""
