"""The canonical notebook's own cells, found by their tags, for tests and benchmarks that must run or
patch exactly what it runs.

Why tags: a test that finds a cell by a piece of its code breaks when the code is reworded, and a
patch made with ``str.replace`` silently does nothing when its text is gone. Each code cell carries
one tag that says what it is (``parameters``, ``reads``, ``connect``, ``imports``, ``helpers``, ``login``,
``project``, ``resource-manager``, ``read``, ``flow``, ``register``, ``run``, ``result``); tests add
whole cells before or after a tagged one (:func:`cell_index`) instead of editing the notebook's code.

:func:`read_cell` runs the ``read`` cell with Prefect's ``@task`` replaced by the identity, so that a
test or a benchmark runs the notebook's own ``read`` without Prefect and without a flow.
"""

from __future__ import annotations

from ..paths import NOTEBOOK


def notebook(path=NOTEBOOK):
    """The notebook as nbformat reads it: a copy to patch, then ``nbformat.write``."""
    import nbformat

    return nbformat.read(path, as_version=4)


def cell_index(nb, tag: str) -> int:
    """The position in ``nb.cells`` of the one cell tagged ``tag``."""
    found = [i for i, c in enumerate(nb.cells) if tag in c.metadata.get("tags", [])]
    if len(found) != 1:
        raise LookupError(f"{len(found)} cells of the notebook are tagged {tag!r}; the tests need exactly one")
    return found[0]


def cell(tag: str, nb=None):
    """The one cell tagged ``tag`` (``.source``, ``.outputs``, ``.metadata``) of ``nb``, by default of
    the canonical notebook."""
    nb = notebook() if nb is None else nb
    return nb.cells[cell_index(nb, tag)]


def reads_constants(path=NOTEBOOK) -> dict:
    """What the notebook's flow reads, as its ``reads`` cell sets it: ``COLUMNS``, ``DTYPES`` and ``BLOCKSIZE``."""
    namespace: dict = {}
    exec(compile(cell("reads", notebook(path)).source, f"{path.name}:reads", "exec"), namespace)  # noqa: S102
    return {name: value for name, value in namespace.items() if name.isupper()}


def read_cell(path=NOTEBOOK) -> dict:
    """The namespace of the notebook's ``read`` cell, executed with Prefect's ``@task`` replaced by
    the identity (so without Prefect, whose import must come after ``connect()``): ``read`` itself,
    and what it reads, the ``reads`` cell's ``COLUMNS``, ``DTYPES`` and ``BLOCKSIZE``."""
    import dask
    import dask.dataframe as dd

    from ..notebook.progress import compute_with_progress
    from ..notebook.trips import inspect_trips

    def task(function=None, **options):  # @task and @task(result=...) both leave the function as it is
        return function if function is not None else (lambda f: f)

    namespace = {
        "task": task,
        "PrefectResult": lambda **options: None,
        "dask": dask,
        "dd": dd,
        "inspect_trips": inspect_trips,
        "compute_with_progress": compute_with_progress,
        **reads_constants(path),
    }
    source = cell("read", notebook(path)).source
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
