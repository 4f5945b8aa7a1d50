"""The helpers of tests run against the stand-in: its own suite's (``standin/tests/``) and the
tutorial's, which may import them (never the other way round: the import contracts in the repo's
``pyproject.toml`` say so). Like ``distributed.utils_test``, they ship with the package, so that a
suite of the stand-in runs from its own folder. Test-only: no request-handling code imports them.

- ``faults.py``: the fault room from the outside (``FaultRoom``: arm, read, clear);
- ``fixtures.py``: the fixtures (a stand-in per module, a shell pointed at it, ...);
- ``levels.py``: the levels (unit, component, e2e) and their marks;
- ``waiting.py``: :func:`~waiting.wait_for`, the one bounded wait on a condition;
- ``processes.py``: the environment of a user's machine, and processes traced by a marker;
- ``programs.py``: programs run as files, the ``prefect`` CLI, a user's own flows (``user_flows.py``);
- ``standins.py``: stand-ins for a test, the fault room's log and names, and a test process kept away
  from a developer's shared stand-in;
- ``clusters.py``: a dask-saturn cluster while it runs tasks;
- ``clocks.py``: a clock for the stand-in's models that moves only when told;
- ``servers.py``: loopback servers (HTTP, HTTPS, S3, tornado, asyncio), each a ``with`` block;
- ``browser.py``: headless Chromium through Playwright.
"""
