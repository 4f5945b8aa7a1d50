"""``STANDIN_DASK_SCHEDULER`` set wrong: a stand-in that hands out a Dask scheduler that is not there (a
closed port, a silent one, a web server) fails dask-saturn's cluster request clearly, in bounded time,
and the stand-in's command line refuses an address that is not one. The user's own running cluster: the
repo's tests/e2e/test_external_cluster.py."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import pytest

from standin.client.protocol import SCHEDULER_VAR
from standin.testing import processes, servers


@pytest.fixture
def closed_port():
    """A port nobody listens on: connections are refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def silent_port():
    """A port that accepts TCP connections and never says a word."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield sock.getsockname()[1]


@pytest.fixture
def http_port():
    """A web server (say, the scheduler's dashboard port given by mistake)."""
    import http.server

    class Quiet(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

    with servers.http_server(Quiet) as url:
        yield int(url.rsplit(":", 1)[1])


@pytest.mark.parametrize(
    "port_fixture, reason",
    [
        ("closed_port", "Timed out trying to connect to"),
        ("silent_port", "something accepted the connection but did not answer as a Dask scheduler"),
        ("http_port", "did not answer as a Dask scheduler"),
    ],
)
def test_unreachable_scheduler_is_a_clear_error_in_bounded_time(
    port_fixture, reason, request, saturn_env_for, monkeypatch
):
    from dask_saturn import SaturnCluster

    port = request.getfixturevalue(port_fixture)
    # the stand-in bounds its wait by dask's own connect timeout (30 s by default)
    monkeypatch.setenv("DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT", "1s")
    address = f"tcp://127.0.0.1:{port}"
    saturn_env_for(address)  # a new stand-in that hands out this address
    began = time.monotonic()
    with pytest.raises(ValueError) as error:
        SaturnCluster(n_workers=1)
    assert time.monotonic() - began < 8
    message = str(error.value)
    assert message.startswith(
        f"Dask cluster failed to start: no Dask scheduler answered at {address} ({SCHEDULER_VAR}) within 1 s: "
    )
    assert reason in message and message.endswith(f"Start one with `dask scheduler`, or fix {SCHEDULER_VAR}")


def test_standin_command_line_rejects_a_bad_address():
    run = subprocess.run(
        [sys.executable, "-m", "standin", "--username", "u", "--dask-scheduler", "10.0.0.5:8786"],
        capture_output=True,
        text=True,
        timeout=30,
        env=processes.clean_env(STANDIN_SATURN_TOKEN="a", STANDIN_PREFECT_API_KEY="b"),
    )
    assert run.returncode == 2
    assert "--dask-scheduler: '10.0.0.5:8786' is not a scheduler address like tcp://10.0.0.5:8786" in run.stderr
