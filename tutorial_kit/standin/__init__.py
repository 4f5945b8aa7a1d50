"""A local stand-in of Saturn Cloud's REST API and Prefect Cloud 1.x's GraphQL API.

One package per emulated API (``saturn/``, ``prefect_cloud/``), each laid out like moto:
state in ``models.py``, HTTP in ``responses.py``, routes in ``urls.py``, errors in
``exceptions.py``. ``server.py`` serves both; ``process.py`` starts and stops it.
"""

from .process import StandIn

__all__ = ["StandIn"]
