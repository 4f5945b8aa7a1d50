"""The companion notebook (notebooks/prefect3-dask-cluster.ipynb) run as a user runs it: its own venv's papermill
(.venv-prefect3/), injected parameters, against one shared Prefect 3 server for the module (``python -m
tutorial_kit.prefect3.server``, as ``make prefect3-server`` runs it), so that its runs pay for one server start.
nbval checks its stored outputs separately (the root conftest collects notebooks/), with a server of the run's own.
The server's real UI shows that run in a browser (headless Chromium, nothing beyond loopback: standin.testing.browser).
"""

from __future__ import annotations

import json
import re
import signal
import subprocess

import pytest
from playwright.sync_api import expect

from standin.testing.processes import MARK, assert_none_left, clean_env
from standin.testing.waiting import wait_for
from support import notebooks
from tutorial_kit.paths import MAKE_RUN_RESULT, PREFECT3_NOTEBOOK, REPO_ROOT
from tutorial_kit.prefect3.runs import flow_run_id_in
from tutorial_kit.tooling.results import result_text

PREFECT3_BIN = REPO_ROOT / ".venv-prefect3" / "bin"
SERVER_START_SECONDS = 120
#: Bound of each wait in the UI (Playwright's own): a page's first load compiles the UI's JavaScript, slow on a busy
#: 2-core machine.
UI_MS = 60_000
#: What ``prefect deployment run`` prints (the run cell's output): the run's name and the UI's link to it.
RUN_NAME = re.compile(r"Created flow run '([\w-]+)'")
RUN_URL = re.compile(r"URL: (http://127\.0\.0\.1:\d+/runs/flow-run/[0-9a-f-]+)")
#: The read task's log line (notebook's ``read``), and the name the UI gives its task run.
READ_LOG = re.compile(r"read: computing \d+ tasks")
TASK_RUN_NAME = re.compile(r"^read-\w+$")


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
    """One papermill run of the companion with injected parameters on the module's server: papermill's result and
    its output notebook (the browser test reads the same run in the server's UI)."""
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


def test_the_servers_ui_shows_the_deployment_its_run_the_task_run_and_the_logs(
    companion_run, shared_server, browser_page, outside_requests, screenshot
):
    done, out = companion_run
    assert done.returncode == 0, done.stderr[-3000:]
    text = notebooks.outputs_text(out)
    run_name, run_url = RUN_NAME.search(text)[1], RUN_URL.search(text)[1]
    ui_url = json.loads(shared_server[0].read_text())["api_url"].removesuffix("/api")
    assert run_url == f"{ui_url}/runs/flow-run/{flow_run_id_in(text)}"  # the shared server's UI, this run
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
