"""The companion notebook's flow as code, for the tests and the benchmark that must run exactly what it runs: the
file its cells write when they run (each flow cell starts with ``%%writefile -a FILE``), and prefect-dask's
``DaskTaskRunner`` snippet that its markdown shows, which the tests and ``make bench`` append to that file."""

from __future__ import annotations

import re

from ..paths import PREFECT3_NOTEBOOK

APPEND = re.compile(r"^%%writefile -a (\S+)\n")
SNIPPET = re.compile(r"```python\n(from prefect_dask import .*?)```", re.S)


def _notebook(path):
    import nbformat

    return nbformat.read(path, as_version=4)


def flow_source(path=PREFECT3_NOTEBOOK) -> tuple[str, str]:
    """The file the notebook's flow cells append to, and what it holds once they ran: its first lines (what the flow
    reads, as the ``reads`` cell sets it) and what the cells append, in the notebook's order."""
    from ..prefect3.flow_file import first_lines
    from .notebook_code import reads_constants

    appended = [(m[1], c.source[m.end() :]) for c in _notebook(path).cells if (m := APPEND.match(c.source))]
    files = {name for name, _ in appended}
    if len(files) != 1:
        raise LookupError(f"the companion's flow cells append to {sorted(files) or 'no file'}: one file expected")
    return files.pop(), first_lines(**reads_constants(path)) + "".join(body for _, body in appended)


def task_runner_snippet(path=PREFECT3_NOTEBOOK) -> str:
    """The ``DaskTaskRunner`` code block of the notebook's markdown, as it stands there."""
    found = [m[1] for c in _notebook(path).cells if c.cell_type == "markdown" for m in SNIPPET.finditer(c.source)]
    if len(found) != 1:
        raise LookupError(f"{len(found)} prefect_dask code blocks in the companion's markdown: one expected")
    return found[0]
