"""The one place the stand-in touches a library's internals: a module per library, each relying
on as little as it can, each with a test that fails when the library stops behaving as the module relies on
(``standin/tests/component/test_standin_shims.py``; prefect's: ``test_client_surface.py``). Nothing else in
the stand-in, its tests or its test programs uses a private attribute of dask, distributed, dask-saturn,
prefect or pytest (the repo's ``tests/unit/test_private_parts.py`` checks the whole repo).

- ``distributed.py``: what a Nanny puts into the environment before it starts a worker;
- ``prefect.py``: the agent's and the flow-run execution's GraphQL calls, driven one by one;
- dask-saturn's is ``standin/src/standin/client/dask_saturn.py``: the kit uses it too, and the kit imports
  only the stand-in's client.
"""
