"""The companion's read is the tutorial's read: "the same dask readers and the same checks of data_url", as its
introduction says. What it reads (its ``reads`` cell: the columns, their dtypes and the block size) is the
tutorial's, line for line: each notebook stands alone, so each holds its own copy, and this test keeps the two
one fact. Its read cell may differ from the first notebook's only where Prefect 3 differs from Prefect 1: the
decorator (a persisted result instead of PrefectResult), the compute (Prefect 3's run logger instead of the
tutorial's progress helper), and the line that appends the cell to the flow's file, which the deployment
runs."""

from __future__ import annotations

import difflib

from tutorial_kit.paths import NOTEBOOK, PREFECT3_NOTEBOOK
from tutorial_kit.tooling.notebook_code import cell, notebook

#: The lines of the first notebook's read cell that are Prefect 1's, and what the companion has in their place.
PREFECT1_LINES = {"@task(result=PrefectResult())", "return compute_with_progress(df3).to_dict()"}
PREFECT3_LINES = {
    "%%writefile -a flows/taxi_std.py",
    "@task(persist_result=True)",
    'get_run_logger().info("read: computing %d tasks", len(df3.__dask_graph__()))',
    "return df3.compute().to_dict()",
}


def changed_lines(tag: str) -> tuple[set[str], set[str]]:
    tutorial = cell(tag, notebook(NOTEBOOK)).source.splitlines()
    companion = cell(tag, notebook(PREFECT3_NOTEBOOK)).source.splitlines()
    diff = list(difflib.ndiff(tutorial, companion))
    removed = {line[2:].strip() for line in diff if line.startswith("- ") and line[2:].strip()}
    added = {line[2:].strip() for line in diff if line.startswith("+ ") and line[2:].strip()}  # blank lines: no code
    return removed, added


def test_the_companions_read_differs_from_the_tutorials_only_in_prefects_own_lines():
    removed, added = changed_lines("read")
    assert removed == PREFECT1_LINES
    assert added == PREFECT3_LINES


def test_the_companion_reads_what_the_tutorial_reads():
    removed, added = changed_lines("reads")
    assert (removed, added) == (set(), set())
