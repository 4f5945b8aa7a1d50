"""Progress: a bar where one can be drawn, log lines where the output goes to a file."""

from __future__ import annotations

import logging

import pytest

from tutorial_kit.notebook import progress


def test_jupyter_is_interactive_papermill_is_not(monkeypatch):
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    monkeypatch.setattr("sys.stdout.isatty", lambda: False)
    assert not progress.interactive()  # papermill and nbclient kernels: no Jupyter session
    monkeypatch.setenv("JPY_SESSION_NAME", "/home/me/prefect-resource-manager.ipynb")
    assert progress.interactive()  # a kernel a Jupyter server started for a notebook


@pytest.fixture
def bar(monkeypatch):
    """A LogProgress that never connects (nothing calls its ``listen``): only its lines are under test."""
    clock = {"now": 1000.0}
    monkeypatch.setattr(progress.time, "monotonic", lambda: clock["now"])
    logger = logging.getLogger("test-progress")
    drawn = progress.LogProgress([], "read", logger, "tcp://127.0.0.1:1", since=1000.0)
    return drawn, clock


def test_a_line_every_log_every_seconds_while_work_remains(bar, caplog):
    drawn, clock = bar
    with caplog.at_level("INFO", logger="test-progress"):
        for second in range(0, 25):
            clock["now"] = 1000.0 + second
            drawn.on_counts(done=4 * second, total=100)
        drawn.on_counts(done=100, total=100)
    assert caplog.messages == [
        "read: 40 of 100 tasks done",
        "read: 80 of 100 tasks done",
    ]  # at LOG_EVERY and twice that


def test_the_graph_is_optimized_once_before_the_cluster_gets_it(monkeypatch, caplog):
    """The task count comes from the optimized graph that is then computed: the collection as the
    notebook built it is not optimized a second time (its cost on the month's read: docs/benchmarks.md)."""
    import dask.dataframe as dd
    import pandas as pd

    computed = []

    class Future:
        def __init__(self, collection):
            self.result = lambda: collection.compute(scheduler="sync")

    class Client:
        def compute(self, collection):
            computed.append(collection)
            return Future(collection)

    monkeypatch.setattr(progress, "default_client", Client)
    monkeypatch.setattr(progress, "interactive", lambda: True)
    monkeypatch.setattr(progress, "progress", lambda future: None)
    monkeypatch.setattr(progress, "task_logger", lambda: logging.getLogger("test-progress"))
    trips = pd.DataFrame({"VendorID": [1.0, 2.0, 1.0], "passenger_count": [2.0, 3.0, 4.0]})
    frame = dd.from_pandas(trips, npartitions=2)
    kept = frame[frame.passenger_count > 1]
    std = kept.groupby("VendorID").passenger_count.std()
    with caplog.at_level("INFO", logger="test-progress"):
        result = progress.compute_with_progress(std)
    (sent,) = computed
    assert caplog.messages[0] == f"read: computing {len(std.optimize().__dask_graph__())} tasks"
    assert sent.__dask_keys__() == std.optimize().__dask_keys__()  # the optimized expression, not the notebook's
    assert sent.__dask_keys__() != std.__dask_keys__()
    pd.testing.assert_series_equal(result, std.compute(scheduler="sync"))


@pytest.mark.parametrize("seconds", [1.0, 25.0])
def test_the_logs_bar_starts_only_when_the_result_is_late(monkeypatch, caplog, seconds):
    """Under papermill: a result within LOG_EVERY seconds starts no bar (no feed on the scheduler to
    outlive the work); a later one starts it, and its lines count from the computation's start."""
    clock = {"now": 1000.0}
    monkeypatch.setattr(progress.time, "monotonic", lambda: clock["now"])
    started = []

    class Future:
        def result(self, timeout=None):
            if timeout is not None and seconds > timeout:
                clock["now"] += timeout
                raise TimeoutError
            clock["now"] = 1000.0 + seconds
            return {"1": 0.5}

    class Loop:
        def add_callback(self, listen):
            started.append(listen.__self__)

    class Client:
        loop = Loop()
        scheduler = type("Scheduler", (), {"address": "tcp://127.0.0.1:1"})

        def compute(self, collection):
            return Future()

    class Collection:
        def optimize(self):
            return self

        def __dask_graph__(self):
            return {"a": 1, "b": 2}

    monkeypatch.setattr(progress, "default_client", Client)
    monkeypatch.setattr(progress, "interactive", lambda: False)
    with caplog.at_level("INFO"):
        assert progress.compute_with_progress(Collection()) == {"1": 0.5}
    assert len(started) == (seconds > progress.LOG_EVERY)
    for bar in started:
        bar.on_counts(done=1, total=2)  # an answer at the time the result came: LOG_EVERY is past
    lines = ["read: computing 2 tasks", *(["read: 1 of 2 tasks done"] if started else []), "read: done"]
    assert sorted(caplog.messages) == sorted(lines)
