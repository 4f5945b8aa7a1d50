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
    """A LogProgress that never connects: only its drawing is under test."""
    clock = {"now": 1000.0}
    monkeypatch.setattr(progress.time, "monotonic", lambda: clock["now"])
    monkeypatch.setattr("distributed.diagnostics.progressbar.get_scheduler", lambda scheduler: "tcp://127.0.0.1:1")
    logger = logging.getLogger("test-progress")
    drawn = progress.LogProgress([], "read", logger)
    return drawn, clock


def test_a_line_every_log_every_seconds_while_work_remains(bar, caplog):
    drawn, clock = bar
    with caplog.at_level("INFO", logger="test-progress"):
        for second in range(0, 25):
            clock["now"] = 1000.0 + second
            drawn._draw_bar(remaining=100 - 4 * second, all=100)
        drawn._draw_bar(remaining=0, all=100)
    assert caplog.messages == ["read: 40 of 100 tasks done", "read: 80 of 100 tasks done"]  # at 10 s and 20 s
