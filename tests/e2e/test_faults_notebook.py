"""Faults injected into the stand-in (``standin/src/standin/faults/``), through the notebook: papermill
runs with the fault armed from the stand-in's start by ``STANDIN_FAULTS``, and the message a user reads,
asserted exactly. The same faults against the client libraries alone are in
standin/tests/component/test_faults.py, which says what each client does with a 500.
"""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from standin.testing import standins
from support import notebooks
from tutorial_kit.paths import NOTEBOOK
from tutorial_kit.tooling.results import read_result

LOCAL_URL = r"http://127\.0\.0\.1:\d+"


def run_notebook(tmp_path, mark, faults: list[dict], *params: str):
    out = tmp_path / "out.ipynb"
    # one worker unless a test asks for more: each worker is a process to start
    params = (*notebooks.papermill_params(n_workers=1), *params)
    done = notebooks.run_papermill(
        NOTEBOOK,
        out,
        *notebooks.papermill_params(project="faults", username="tester"),
        *params,
        mark=mark,
        STANDIN_FAULTS=json.dumps(faults),
    )
    return done, out


def test_rejected_saturn_token_stops_the_notebook_naming_saturn_token(tmp_path, mark):
    """As if SATURN_TOKEN had expired: every Saturn call answers 401. The first one the notebook
    makes is prefect-saturn's flow registration, before any cluster starts."""
    done, out = run_notebook(tmp_path, mark, [{"action": "unauthorized", "api": "saturn"}])
    assert done.returncode != 0
    [error] = notebooks.errors_of(out)
    assert re.fullmatch(
        re.escape("HTTPError: 401 Client Error: Unauthorized: invalid or missing SATURN_TOKEN for url: ")
        + LOCAL_URL
        + re.escape("/api/prefect_cloud/flows"),
        error,
    ), error
    assert "Task '_DaskCluster.setup'" not in notebooks.outputs_text(out)


def test_one_graphql_500_is_retried_at_once_and_the_run_succeeds(tmp_path, mark):
    """prefect's client retries a 500 at once (its first back-off is 0 s): flow.register goes
    through on the retry, the fault hit once, and the run succeeds."""
    name = standins.unique_name("graphql-500")
    done, out = run_notebook(
        tmp_path,
        mark,
        [
            {
                "action": "error",
                "api": "prefect",
                "times": 1,
                "name": name,
                "operation": "create_flow_from_compressed_string",
            }
        ],
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert sorted(read_result(out)) == [1, 2, 4]
    assert re.search(r"Flow URL: .*\n └── ID: [0-9a-f-]{36}\n └── Project: faults\n", notebooks.outputs_text(out))
    assert standins.fault_log(name, notebooks.STANDIN_LOG)[1:] == [
        f"fault {name}: POST /graphql [create_flow_from_compressed_string] -> error (hit 1)"
    ]


def test_cluster_error_stops_the_notebook_with_the_errors(tmp_path, mark):
    done, out = run_notebook(tmp_path, mark, [{"action": "cluster_error", "errors": standins.CLUSTER_ERRORS}])
    assert done.returncode != 0
    text = notebooks.outputs_text(out)
    # the setup task's error, in the flow run's log: the errors joined, as dask-saturn raises them
    assert f"\nValueError: {' '.join(standins.CLUSTER_ERRORS)}\n" in text
    assert "Task '_DaskCluster.setup': Finished task run for task with final state: 'Failed'" in text
    assert "Task 'read': Finished task run for task with final state: 'TriggerFailed'" in text  # never ran
    # the run cell stops with setup's own error, as Prefect Cloud recorded it
    (error,) = notebooks.errors_of(out)
    assert re.fullmatch(
        notebooks.RUN_FAILED
        + rf"task '_DaskCluster.setup': ValueError: {re.escape(' '.join(standins.CLUSTER_ERRORS))}",
        error,
    ), error


# -- a worker killed during the read --------------------------------------------------------------
@pytest.fixture(scope="module")
def bigger_csv(tmp_path_factory):
    """300,000 rows: a read long enough for the fault to kill a worker in the middle of it."""
    from tutorial_kit.generator.output import write_month

    return write_month(tmp_path_factory.mktemp("big") / "yellow_tripdata_2019-01.csv", rows=300_000)


def test_worker_killed_during_the_read_is_recovered_and_cleaned_up(tmp_path, mark, bigger_csv):
    """The stand-in SIGKILLs the worker process that runs a task of dask's CSV read, 0.1 s after it got it (dask fuses
    the read with the first step of the std into one task, ``read-fused-...``; unfused, ``read-csv-...``):
    dask reschedules the task, the run gives the right result, and cleanup leaves no process
    (the ``mark`` fixture fails the test on any)."""
    name = standins.unique_name("kill")
    done, out = run_notebook(
        tmp_path,
        mark,
        [{"action": "kill_worker", "task": "^\\('read-", "delay": 0.1, "name": name}],
        *notebooks.papermill_params(data_url=bigger_csv, n_workers=2),
    )
    assert done.returncode == 0, done.stderr[-3000:]
    [killed] = standins.fault_log(name, notebooks.STANDIN_LOG)[1:]
    assert re.fullmatch(
        rf"fault {name}: killed Dask worker tcp://127\.0\.0\.1:\d+ \(pid \d+\) while it ran task "
        rf"\('read-[a-z_-]+-{standins.HEX}', 0\) \(hit 1\)",
        killed,
    ), killed
    pid = re.search(r"\(pid (\d+)\)", killed)[1]
    # distributed's own word that the process died (its nanny then started a new one)
    assert f" distributed.nanny INFO Worker process {pid} was killed by signal 9\n" in notebooks.STANDIN_LOG.read_text()
    df = pd.read_csv(bigger_csv, usecols=["VendorID", "passenger_count"])
    want = df[df.passenger_count > 1].groupby("VendorID").passenger_count.std().to_dict()
    got = read_result(out)
    assert sorted(got) == sorted(want)
    assert all(abs(got[v] - want[v]) <= 1e-12 * want[v] for v in want), (got, want)
    assert (
        "Task '_DaskCluster.cleanup': Finished task run for task with final state: 'Success'"
        in notebooks.outputs_text(out)
    )


# -- Prefect Cloud refuses the API key ------------------------------------------------------------
@pytest.mark.parametrize(
    "operation,expected",
    [
        # prefect's CLI prints its own fixed text; the failed command names the variable
        (
            "auth_info",
            "CalledProcessError: Command 'b'prefect auth login --key ${PREFECT_USER_TOKEN}\\n'' returned "
            "non-zero exit status 1.",
        ),
        # after login (a key revoked mid-run): prefect's AuthorizationError carries the stand-in's text
        (
            "create_project",
            "AuthorizationError: [{'message': 'Unauthenticated: the API key is missing or invalid "
            "(check PREFECT_USER_TOKEN)', 'extensions': {'code': 'UNAUTHENTICATED'}}]",
        ),
    ],
)
def test_unauthenticated_stops_the_notebook_naming_prefect_user_token(tmp_path, mark, operation, expected):
    done, out = run_notebook(tmp_path, mark, [{"action": "unauthorized", "api": "prefect", "operation": operation}])
    assert done.returncode != 0
    assert notebooks.errors_of(out) == [expected]
    if operation == "auth_info":
        assert "Unauthorized. Invalid Prefect Cloud API key." in notebooks.outputs_text(out)
    assert "Task '_DaskCluster.setup'" not in notebooks.outputs_text(out)


# -- the Webhook storage upload fails at flow.register --------------------------------------------
def test_failed_flow_upload_stops_the_notebook_at_flow_register(tmp_path, mark):
    done, out = run_notebook(
        tmp_path,
        mark,
        [
            {
                "action": "error",
                "api": "saturn",
                "method": "POST",
                "path": standins.CONTENT_PATH,
                "message": "Flow storage is unavailable",
            }
        ],
    )
    assert done.returncode != 0
    [error] = notebooks.errors_of(out)
    assert re.fullmatch(
        re.escape("HTTPError: 500 Server Error: Flow storage is unavailable for url: ")
        + LOCAL_URL
        + f"/api/prefect_cloud/flows/{standins.HEX}/{standins.HEX}/content",
        error,
    ), error
    text = notebooks.outputs_text(out)
    assert "Uploading flow 'prefect-resource-manager'" in text and "Flow URL" not in text
