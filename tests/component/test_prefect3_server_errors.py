"""A companion server that does not come up fails in one line naming why, with the end of its log, and leaves
nothing running. The server that exits here is this venv's ``prefect`` (Prefect 1, whose ``server start`` has no
``--host``): the supervisor starts ``prefect`` beside the interpreter that runs it, as it does in .venv-prefect3."""

from __future__ import annotations

import pytest

from standin.testing.processes import MARK
from tutorial_kit.prefect3.server import PrefectServer, ServerStartError


def test_a_server_that_exits_at_start_fails_in_one_line_with_its_log_and_leaves_nothing(tmp_path, mark, monkeypatch):
    monkeypatch.setenv(MARK, mark)  # the mark fixture fails the test if the supervisor or its child outlives it
    with pytest.raises(ServerStartError) as raised:
        PrefectServer.start(tmp_path, timeout=60)
    first, *log = str(raised.value).splitlines()
    assert first.startswith("the Prefect 3 server did not start (exit code "), first
    assert first.endswith(f"the end of {tmp_path / 'server.log'}:")
    assert any("--host" in line for line in log), log  # the server's own word on why, from its log
