"""The canonical notebook's own code, for tests and benchmarks that must run exactly what it runs.

Why: a copy of the ``read`` task in a test or a benchmark would drift from the notebook.  Here it
is taken from the notebook file and executed with Prefect's ``@task`` replaced by the identity,
so that it runs without Prefect (whose import must come after ``connect()``) and without a flow.
"""

from __future__ import annotations

from ..paths import NOTEBOOK


def code_cells(path=NOTEBOOK) -> list[str]:
    import nbformat

    return [cell.source for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "code"]


def read_cell(path=NOTEBOOK) -> dict:
    """The namespace of the notebook's ``read`` cell, executed with Prefect's ``@task`` replaced by
    the identity (so without Prefect, whose import must come after ``connect()``): ``read`` itself
    and the cell's constants, ``COLUMNS``, ``DTYPES`` and ``BLOCKSIZE``."""
    import dask.dataframe as dd

    from ..notebook.progress import compute_with_progress
    from ..notebook.trips import inspect_trips

    def task(function=None, **options):  # @task and @task(result=...) both leave the function as it is
        return function if function is not None else (lambda f: f)

    (source,) = [cell for cell in code_cells(path) if "\ndef read(" in f"\n{cell}"]
    namespace = {
        "task": task,
        "PrefectResult": lambda **options: None,
        "dd": dd,
        "inspect_trips": inspect_trips,
        "compute_with_progress": compute_with_progress,
    }
    exec(compile(source, f"{path.name}:read", "exec"), namespace)  # noqa: S102 - our own notebook
    return namespace


def read_function(path=NOTEBOOK, blocksize=None):
    """The notebook's ``read`` task as a plain function of ``data_url`` that gives the result as
    the notebook shows it (a pandas Series, through ``report.std_per_vendor``); it computes on the
    default Dask client, as the task does inside the resource manager's block. ``blocksize``:
    another value for the cell's ``BLOCKSIZE`` (tests read the sample in many small blocks)."""
    from ..notebook.report import std_per_vendor

    namespace = read_cell(path)
    if blocksize is not None:
        namespace["BLOCKSIZE"] = blocksize
    read = namespace["read"]
    return lambda data_url: std_per_vendor(read(data_url))
