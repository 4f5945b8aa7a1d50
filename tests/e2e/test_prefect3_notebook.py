"""The companion notebook (notebooks/prefect3-dask-cluster.ipynb) run as a user runs it: its own venv's papermill
(.venv-prefect3/), injected parameters, against one shared Prefect 3 server for the module (``python -m
tutorial_kit.prefect3.server``, as ``make prefect3-server`` runs it), so that its runs pay for one server start.
nbval checks its stored outputs separately (the root conftest collects notebooks/), with a server of the run's own.
"""

from __future__ import annotations

import signal
import subprocess

import pytest

from support import notebooks
from support.processes import MARK, assert_none_left, clean_env
from support.waiting import wait_for
from tutorial_kit.paths import MAKE_RUN_RESULT, PREFECT3_NOTEBOOK, REPO_ROOT
from tutorial_kit.tooling.results import result_text

PREFECT3_BIN = REPO_ROOT / ".venv-prefect3" / "bin"
SERVER_START_SECONDS = 120


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory):
    """A shared Prefect 3 server for the module's runs; its address file tells the notebooks where it is."""
    if not (PREFECT3_BIN / "python").exists():
        pytest.fail("no .venv-prefect3: make test sets it up (make .venv-prefect3/.installed)")
    folder = tmp_path_factory.mktemp("prefect3")
    address_file = folder / "shared-server.json"
    mark = f"prefect3-server-{folder.name}"
    env = clean_env(PREFECT3_SHARED_SERVER_FILE=str(address_file), TUTORIAL_PREFECT3_HOME=str(folder), **{MARK: mark})
    log = open(folder / "server.log", "wb")  # noqa: SIM115  (closed at teardown)
    proc = subprocess.Popen(
        [str(PREFECT3_BIN / "python"), "-m", "tutorial_kit.prefect3.server"], env=env, stdout=log, stderr=log
    )
    wait_for(lambda: address_file.exists() or proc.poll() is not None, SERVER_START_SECONDS, "shared server up")
    assert proc.poll() is None, (folder / "server.log").read_text()
    yield address_file, folder
    proc.send_signal(signal.SIGINT)
    proc.wait(60)
    log.close()
    assert_none_left(mark, what="the shared Prefect 3 server left processes")
    assert not address_file.exists()


def run_companion(tmp_path, mark, server, *params):
    address_file, home = server
    out = tmp_path / "out.ipynb"
    done = subprocess.run(
        [str(PREFECT3_BIN / "papermill"), "--no-progress-bar", str(PREFECT3_NOTEBOOK), str(out), *params],
        cwd=REPO_ROOT,
        env=clean_env(PREFECT3_SHARED_SERVER_FILE=str(address_file), TUTORIAL_PREFECT3_HOME=str(home), **{MARK: mark}),
        capture_output=True,
        text=True,
        timeout=300,
    )
    return done, out


@pytest.fixture(scope="module")
def companion_run(tmp_path_factory, shared_server):
    """One papermill run of the companion with injected parameters on the module's server: its output notebook,
    papermill's result, and the server's API URL (the browser tests read the same run in the server's UI)."""
    folder = tmp_path_factory.mktemp("companion-run")
    mark = f"prefect3-run-{folder.name}"
    done, out = run_companion(folder, mark, shared_server, *notebooks.papermill_params(n_workers=1))
    assert_none_left(mark, what="the companion's run left processes (its kernel, the serve process, a worker)")
    return done, out


def test_a_run_with_injected_parameters_gives_make_runs_digits(companion_run):
    done, out = companion_run
    assert done.returncode == 0, done.stderr[-3000:]
    assert result_text(out) == MAKE_RUN_RESULT.read_text()
    text = notebooks.outputs_text(out)
    assert "Using the shared Prefect 3 server" in text
    assert "Flow run finished successfully in 'Completed'" in text
    assert "'n_workers': 1" in text  # the injected parameter reached the deployment's run


@pytest.mark.parametrize(
    ("params", "error"),
    [
        (["-p", "data_url", "/no/such/trips.csv"], "ParameterError: data_url '/no/such/trips.csv' does not exist"),
        (["-p", "n_workers", "three"], "ParameterError: n_workers must be a whole number of at least 1, got 'three'"),
    ],
)
def test_bad_input_stops_in_one_line_before_a_server_or_cluster_starts(tmp_path, mark, params, error):
    done, out = run_companion(tmp_path, mark, (tmp_path / "none.json", tmp_path), *params)
    assert done.returncode != 0
    [line] = notebooks.errors_of(out)
    assert line.startswith(error), line
    assert "\n" not in line
    assert "Prefect 3 server" not in notebooks.outputs_text(out)


def test_a_failed_read_fails_the_run_closes_the_cluster_and_leaves_nothing(tmp_path, mark, shared_server):
    bad = notebooks.bad_deep_in_the_file(tmp_path)
    done, out = run_companion(tmp_path, mark, shared_server, *notebooks.papermill_params(n_workers=1, data_url=bad))
    assert done.returncode != 0
    [line] = notebooks.errors_of(out)
    assert line.startswith("RuntimeError: the flow run did not complete (prefect exit code 1)"), line
    assert "prefect.flow-run.Failed" in notebooks.outputs_text(out)
    assert_none_left(mark, what="a failed read left its cluster running")
