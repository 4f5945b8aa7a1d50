"""The levels of a test suite, one folder each under its ``tests/`` folder, and the marks that say
them (``pytest -m "not e2e"``: ``make test-fast``). Each suite's conftest.py marks its own tests
with :func:`mark_levels` and registers the marks with :func:`register_marks`.

- ``unit/``: functions and models in the test process: no process started, no cluster, no server;
- ``component/``: a stand-in process (its APIs driven by the client libraries, its pages in a
  browser, a Quick Run its agent executes), a loopback server, a Dask cluster in the test process,
  or a subprocess of a command-line tool (prefect, make, the package's own);
- ``e2e/``: whole runs: the notebook (papermill, nbval, JupyterLab in a browser), a user's flows
  run through the ``prefect`` CLI and executed by the agent, the user's own Dask cluster.
"""

from __future__ import annotations

from pathlib import Path

import pytest

#: Each mark a suite's tests carry, and what it says.
MARKS = {
    "unit": "unit/: functions and models in the test process, no process, cluster or server",
    "component": "component/: a stand-in process (its APIs, its pages, a Quick Run), a loopback server, a Dask "
    "cluster in the test process or a command-line tool's subprocess",
    "e2e": "e2e/: the notebook run (papermill, nbval, JupyterLab), a user's flows through the prefect CLI and the "
    "agent, the user's own Dask cluster",
    "browser": "drives headless Chromium (standin.testing.browser; given to every test that uses browser_page)",
}
LEVELS = ("unit", "component", "e2e")


def register_marks(config) -> None:
    for name, meaning in MARKS.items():
        config.addinivalue_line("markers", f"{name}: {meaning}")


def level_of(item) -> str:
    """The level of a test: the folder under its ``tests/`` folder."""
    parts = Path(str(item.path)).parts
    level = parts[parts.index("tests") + 1] if "tests" in parts[:-2] else None
    if level not in LEVELS:
        raise pytest.UsageError(f"{item.nodeid}: a test lives in tests/unit/, tests/component/ or tests/e2e/")
    return level


def mark_levels(items, level=level_of) -> None:
    """Mark each of ``items`` with its level (``level(item)``), and ``browser`` if it uses a browser page."""
    for item in items:
        item.add_marker(getattr(pytest.mark, level(item)))
        if "browser_page" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)
