"""A local stand-in of Saturn Cloud's REST API and Prefect Cloud 1.x's GraphQL API.

One package per emulated API (``saturn/``, ``prefect_cloud/``), each laid out like moto:
state in ``models.py``, HTTP in ``responses.py``, routes in ``urls.py``, errors in
``exceptions.py``. What they share is in ``core/``, as in moto's ``moto/core``: one request
pipeline (``responses.py``) and one error type (``exceptions.py``). The test-only fault
injection is a room of its own, ``faults/``, like moto's ``moto_api``. ``web.py`` is the tornado
application (a handler chosen from the headers, oversized bodies refused unread, 404s);
``server.py`` mounts the routes and serves them; ``process.py`` starts and stops it.
"""

from .process import StandIn

__all__ = ["StandIn"]
