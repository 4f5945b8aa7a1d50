"""The canonical notebook run headless with papermill, as a user runs it, against the stand-in."""

from __future__ import annotations

import re

import nbformat
import pandas as pd
import pytest

from support import notebooks
from tutorial_kit.paths import NOTEBOOK, SAMPLE_CSV
from tutorial_kit.tooling.results import read_result

TOLERANCE = 1e-12  # dask's groupby std and pandas' differ in the last bits


def pandas_std(path) -> dict[int, float]:
    """The tutorial's computation done independently, with pandas alone."""
    df = pd.read_csv(path)
    return df[df.passenger_count > 1].groupby("VendorID").passenger_count.std().to_dict()


def assert_close(got: dict, want: dict) -> None:
    assert sorted(got) == sorted(want)
    for vendor in want:
        assert abs(got[vendor] - want[vendor]) <= TOLERANCE, (vendor, got[vendor], want[vendor])


def test_papermill_with_injected_parameters(tmp_path, mark):
    out, home = tmp_path / "out.ipynb", tmp_path / "home"
    home.mkdir()
    run = notebooks.run_papermill(
        NOTEBOOK, out, "-p", "project", "nightly-taxi", "-p", "username", "jdoe", mark=mark, HOME=str(home)
    )
    assert run.returncode == 0, run.stderr[-3000:]
    # papermill's own three lines and nothing else: no kernel warning a user would read as a problem
    # (over TCP, ipykernel warned "Kernel is running over TCP without encryption" on every start)
    assert [line.split(":")[0] for line in run.stderr.splitlines()] == [
        "Input Notebook",
        "Output Notebook",
        "Executing notebook with kernel",
    ], run.stderr
    assert not (home / ".prefect").exists()  # Prefect's files stay in the project's .standin/
    nb = nbformat.read(out, as_version=4)
    (injected,) = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert 'project = "nightly-taxi"' in injected.source and 'username = "jdoe"' in injected.source
    text = notebooks.outputs_text(out)
    assert "Project: nightly-taxi" in text
    # the flow ran as Prefect Cloud runs it: an agent took it, and the result came back from the platform
    for line in (
        "Entered state <Scheduled>: Flow run scheduled.",
        "Entered state <Submitted>: Submitted for execution",
        "Entered state <Running>: Running flow.",
        "Task 'read': Starting task run...",
        "Entered state <Success>: All reference tasks succeeded.",
        "Flow run succeeded!",
    ):
        assert line in text, line
    assert re.search(r"\| INFO +\| Submitted for execution: PID: \d+\n", text)
    # read's progress: lines in the flow run's log, never a widget or a drawn bar in the notebook
    assert re.search(r"\| INFO +\| read: computing \d+ tasks\n", text) and re.search(r"\| INFO +\| read: done\n", text)
    kinds = {k for c in nb.cells for o in c.get("outputs", []) for k in o.get("data", {})}
    assert "application/vnd.jupyter.widget-view+json" not in kinds
    assert_close(read_result(out), pandas_std(SAMPLE_CSV))


@pytest.mark.skipif(not notebooks.SHARED_SAMPLE_DIR.is_dir(), reason="../shared/data/tlc-yellow-2019-01 is not here")
def test_real_sample_gives_the_published_std(tmp_path, mark):
    sample = notebooks.SHARED_SAMPLE_DIR / "yellow_tripdata_2019-01.sample-0.2pct.csv"
    readme = (notebooks.SHARED_SAMPLE_DIR / "README.md").read_text()
    listed = {int(v): float(s) for v, s in re.findall(r"(\d+): (\d+\.\d+) \(n=", readme)}
    assert set(listed) == {1, 2, 4}
    out = tmp_path / "out.ipynb"
    run = notebooks.run_papermill(
        NOTEBOOK,
        out,
        *notebooks.papermill_params(project="X", username="y", data_url=str(sample), n_workers="1"),
        mark=mark,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert_close(read_result(out), listed)
