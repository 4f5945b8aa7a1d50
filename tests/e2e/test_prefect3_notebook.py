"""The companion notebook (notebooks/prefect3-dask-cluster.ipynb) run as a user runs it: its own venv's papermill
(.venv-prefect3/, which holds no part of the stand-in), injected parameters, against one shared Prefect 3
server for the module (tests/support/prefect3.py), so that its runs pay for one server start. nbval checks its
stored outputs separately (pyproject.toml's testpaths and --nbval collect notebooks/), with a server of the
run's own. The server's real UI shows that run in a browser (headless Chromium, nothing beyond loopback:
standin.testing.browser). On your own Dask cluster (``scheduler_address``), a real ``dask scheduler`` and two
``dask worker``s run the read, and what is deployed is the cells as they ran: an edited cell is what the run
runs."""

from __future__ import annotations

import re
import subprocess
import time
import uuid

import nbformat
import pytest
import requests
from playwright.sync_api import expect

from standin.testing.processes import assert_none_left
from support import notebooks, own_cluster, prefect3
from tutorial_kit.paths import MAKE_RUN_RESULT, PREFECT3_NOTEBOOK
from tutorial_kit.tooling.notebook_code import cell
from tutorial_kit.tooling.results import result_text

#: Bound of each wait in the UI (Playwright's own): a page's first load compiles the UI's JavaScript, slow on a busy
#: 2-core machine.
UI_MS = 60_000
#: What the run cell prints: the run's name and the UI's link to it.
CREATED = re.compile(r"Created flow run '([\w-]+)': (http://127\.0\.0\.1:\d+/runs/flow-run/([0-9a-f-]+))")
#: The read task's log line (notebook's ``read``), and the name the UI gives its task run.
READ_LOG = re.compile(r"read: computing \d+ tasks")
TASK_RUN_NAME = re.compile(r"^read-\w+$")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with prefect3.shared_server(tmp_path_factory.mktemp("prefect3")) as shared:
        yield shared


@pytest.fixture(scope="module")
def companion_run(tmp_path_factory, server):
    """One papermill run of the companion with injected parameters on the module's server: papermill's result and
    its output notebook (the browser test reads the same run in the server's UI)."""
    folder = tmp_path_factory.mktemp("companion-run")
    mark = f"prefect3-run-{uuid.uuid4().hex}"
    done, out = prefect3.run_companion(folder, mark, server, *notebooks.papermill_params(n_workers=1))
    assert_none_left(mark, what="the companion's run left processes (its kernel, the serve process, a worker)")
    return done, out


def created(out) -> tuple[str, str, str]:
    """The run's name, its URL and its id, as the run cell printed them."""
    return CREATED.search(notebooks.outputs_text(out)).groups()


def test_a_run_with_injected_parameters_gives_make_runs_digits_without_the_standin(companion_run, server):
    done, out = companion_run
    assert done.returncode == 0, done.stderr[-3000:]
    assert result_text(out) == MAKE_RUN_RESULT.read_text()
    text = notebooks.outputs_text(out)
    assert "Using the shared Prefect 3 server" in text
    assert READ_LOG.search(text), text  # the run's logs, read back from the server
    _, _, run_id = created(out)
    run = requests.get(f"{server.api_url}/flow_runs/{run_id}", timeout=10).json()
    assert run["state_type"] == "COMPLETED"
    assert run["parameters"]["n_workers"] == 1  # the injected parameter reached the deployment's run
    # the deployed file is the cells that wrote it, in order
    written = (server.home / "flows" / "taxi_std.py").read_text()
    nb = nbformat.read(PREFECT3_NOTEBOOK, as_version=4)
    bodies = [c.source.partition("\n")[2] for c in nb.cells if c.source.startswith("%%writefile -a flows/taxi_std.py")]
    assert len(bodies) == 4 and written.endswith("".join(bodies))
    # .venv-prefect3 holds no part of the stand-in, and the run above needed none
    probe = [str(prefect3.PREFECT3_BIN / "python"), "-c", "import standin.client"]
    found = subprocess.run(probe, capture_output=True, text=True, cwd=server.home)  # not the checkout: its standin/
    assert "No module named 'standin'" in found.stderr, found


def test_the_servers_ui_shows_the_deployment_its_run_the_task_run_and_the_logs(
    companion_run, server, browser_page, outside_requests, screenshot
):
    done, out = companion_run
    assert done.returncode == 0, done.stderr[-3000:]
    run_name, run_url, _ = created(out)
    assert run_url.startswith(server.api_url.removesuffix("/api") + "/runs/flow-run/")  # the shared server's UI
    page = browser_page
    page.set_default_timeout(UI_MS)

    # the link the run cell printed, as a user follows it: the run, Completed, its flow and deployment, its logs
    page.goto(run_url)
    heading = page.locator("header.page-heading")
    expect(heading.locator(".p-bread-crumbs")).to_have_text(re.compile(rf"Runs\s*{run_name}"), timeout=UI_MS)
    expect(heading.locator(".state-badge")).to_have_text("Completed", timeout=UI_MS)
    expect(heading.get_by_role("link", name="prefect3-dask-cluster")).to_be_visible(timeout=UI_MS)
    read_log = page.locator(".log-row", has_text=READ_LOG)
    expect(read_log).to_be_visible(timeout=UI_MS)
    task_run = read_log.locator(".log-row__trailing").get_by_text(TASK_RUN_NAME).text_content()
    page.wait_for_load_state("networkidle")  # the timeline graph drawn
    screenshot(page, "prefect3-flow-run")

    # its Task Runs tab: the read task's run, Completed
    page.locator(".p-tab", has_text="Task Runs").click()
    task_item = page.locator(".task-run-list-item", has_text=task_run)
    expect(task_item.locator(".state-badge")).to_have_text("Completed", timeout=UI_MS)

    # the deployment's page, from the run's header: it lists this run, Completed
    heading.get_by_role("link", name="taxi-std").click()
    expect(heading.locator(".p-bread-crumbs")).to_have_text(re.compile(r"Deployments\s*taxi-std"), timeout=UI_MS)
    run_item = page.locator(".flow-run-list-item", has_text=run_name)
    expect(run_item.locator(".state-badge")).to_have_text("Completed", timeout=UI_MS)
    page.mouse.move(0, 0)  # no hover left on the header's link
    screenshot(page, "prefect3-deployment")

    # the UI served from the wheel asked for nothing beyond this machine: none expected from the UI it serves by
    # default (the one with "Switch to V2 UI"); the V2 UI's files name an analytics host, which this would catch
    assert outside_requests == [], f"the Prefect 3 UI asked for what is beyond this machine: {outside_requests}"


@pytest.mark.parametrize(
    ("params", "error"),
    [
        (["-p", "data_url", "/no/such/trips.csv"], "ParameterError: data_url '/no/such/trips.csv' does not exist"),
        (["-p", "n_workers", "three"], "ParameterError: n_workers must be a whole number of at least 1, got 'three'"),
        (
            ["-p", "scheduler_address", "tcp://127.0.0.1:1"],
            "ParameterError: scheduler_address 'tcp://127.0.0.1:1' does not answer (",
        ),
        (["-p", "scheduler_address", "127.0.0.1:8786"], "ParameterError: scheduler_address '127.0.0.1:8786' is not a"),
    ],
)
def test_bad_input_stops_in_one_line_before_a_server_or_cluster_starts(tmp_path, mark, params, error):
    done, out = prefect3.run_companion(tmp_path, mark, None, *params)
    assert done.returncode != 0
    [line] = notebooks.errors_of(out)
    assert line.startswith(error), line
    assert "\n" not in line
    assert "Prefect 3 server" not in notebooks.outputs_text(out)
    assert not (tmp_path / "prefect.db").exists()  # no server started on the run's home


def test_a_flow_cell_that_does_not_load_stops_the_notebook_in_one_line_before_a_serve_process_starts(
    tmp_path, mark, server
):
    """What is deployed is what ran: a flow cell with a mistake is in the flow's file, and the deployment cell, which
    loads that file as a run would, stops the notebook with its error, in one line, before any ``serve`` starts."""
    edited = nbformat.read(PREFECT3_NOTEBOOK, as_version=4)
    read = cell("read", edited)
    assert "@task(persist_result=True)" in read.source  # a name mistyped where the file is loaded, above the task
    decorator = "@task(persist_result=True)"
    read.source = read.source.replace(decorator, f"SIZE = BLOCK_SIZE_TYPO\n\n\n{decorator}")
    nbformat.write(edited, tmp_path / "edited.ipynb")
    done, out = prefect3.run_companion(tmp_path, mark, server, notebook=tmp_path / "edited.ipynb")
    assert done.returncode != 0
    [line] = notebooks.errors_of(out)
    assert "\n" not in line and "BLOCK_SIZE_TYPO" in line, line
    assert "Serving deployment" not in notebooks.outputs_text(out)


def test_a_failed_read_fails_the_run_in_one_line_closes_the_cluster_and_leaves_nothing(tmp_path, mark, server):
    bad = notebooks.bad_deep_in_the_file(tmp_path)
    params = notebooks.papermill_params(n_workers=1, data_url=bad)
    done, out = prefect3.run_companion(tmp_path, mark, server, *params)
    assert done.returncode != 0
    [line] = notebooks.errors_of(out)
    assert re.match(r"FlowRunFailed: flow run '[\w-]+' ended Failed: Flow run encountered an exception: ", line), line
    assert "DataError" in line and "\n" not in line
    assert_none_left(mark, what="a failed read left its cluster running")


def test_on_your_own_dask_cluster_its_workers_run_the_cells_as_edited_and_keep_running(tmp_path, mark, server):
    """``scheduler_address``: the flow's cluster block connects to a running scheduler (two workers of the companion's
    venv, without this repo) and closes only its client. The run runs a copy of the notebook whose read cell logs
    another line: the deployment runs the cells as they ran, not the notebook's saved file."""
    edited = nbformat.read(PREFECT3_NOTEBOOK, as_version=4)
    read = cell("read", edited)
    assert "read: computing" in read.source
    read.source = read.source.replace("read: computing", "read on your cluster: computing")
    nbformat.write(edited, tmp_path / "edited.ipynb")
    data_url = own_cluster.split_sample(tmp_path / "trips", 4)  # one partition per file: both workers get tasks
    with own_cluster.own_dask_cluster(tmp_path / "cluster", prefect3.PREFECT3_BIN) as cluster:
        own_cluster.wait_for_workers(cluster.address)
        before, began = own_cluster.worker_activity(cluster.address), time.time()
        params = notebooks.papermill_params(n_workers=1, data_url=data_url, scheduler_address=cluster.address)
        done, out = prefect3.run_companion(tmp_path, mark, server, *params, notebook=tmp_path / "edited.ipynb")
        assert done.returncode == 0, done.stderr[-3000:]
        assert result_text(out) == MAKE_RUN_RESULT.read_text()  # the same digits
        assert "read on your cluster: computing" in notebooks.outputs_text(out)  # the edited cell ran
        after = own_cluster.worker_activity(cluster.address, since=began)
        assert sorted(after) == sorted(own_cluster.WORKER_NAMES)  # no other worker joined
        for name in own_cluster.WORKER_NAMES:
            assert after[name][0] > before[name][0], f"{name} executed no task of the read graph: {after}"
        assert any("read" in p or "csv" in p for _, ps in after.values() for p in ps), after  # the CSV read ran there
        assert_none_left(mark, what="the run left processes")
        # the run closed its client only: the scheduler and both workers still run, and still compute
        assert cluster.scheduler.poll() is None and all(w.poll() is None for w in cluster.workers)
        assert sorted(own_cluster.worker_activity(cluster.address)) == sorted(own_cluster.WORKER_NAMES)
