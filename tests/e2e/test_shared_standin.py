"""The shared stand-in (``make standin``): one stand-in that keeps its state, which notebook runs
and a shell's ``prefect`` CLI use while it runs, as they used Prefect Cloud.

One story, in order, on one shared stand-in in a folder of the test's own (``STANDIN_SHARED_HOME``):
the notebook registers and runs its flow there (the module's fixture); a person opens the Flow URL
the notebook printed, presses Quick Run and watches the run in a browser; a shell pointed at it
with ``standin env`` runs the flow again and lists the runs; the data file goes away and the next
run fails with the ``ParameterError`` that names it; the stand-in is killed with ``kill -9`` while a run
is in flight and started again: everything it had answered is there, the orphaned run ends Failed,
and a SIGTERM then stops it with every process it started.
"""

from __future__ import annotations

import json
import re
import shutil
import signal
import stat
import subprocess
import sys
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests

from standin.client.protocol import SHARED_HOME_VAR as HOME_VAR
from standin.client.shared import DISCOVERY, STATE, SharedStandIn
from standin.testing import processes, programs
from standin.testing.waiting import wait_for
from standin.ui.pictures import palette
from support import notebooks
from tutorial_kit.paths import NOTEBOOK, REPO_ROOT, SAMPLE_CSV_PATH
from tutorial_kit.tooling.results import read_result

VENV_BIN = Path(sys.executable).parent
PROJECT = "tutorial"
FLOW = "prefect-resource-manager"


def standin_env(home: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "standin", "env", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=processes.clean_env(**{HOME_VAR: str(home)}),
    )


class Shared:
    """``make standin`` as a user runs it, in a terminal: its output is kept for the test."""

    def __init__(self, home: Path, mark: str):
        self.home, self.mark = home, mark
        self.terminal = home.parent / f"terminal-{uuid.uuid4().hex[:6]}.txt"
        with open(self.terminal, "wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "standin", "shared"],
                env=processes.clean_env(**{HOME_VAR: str(home), processes.MARK: mark}),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=REPO_ROOT,
            )

        def answering() -> SharedStandIn | None:
            assert self.proc.poll() is None, self.terminal.read_text()[-3000:]
            found = SharedStandIn.find(home)
            return found if found is not None and found.pid == self.proc.pid else None

        self.info = wait_for(answering, 60, "the shared stand-in answering")

    def shell(self, tmp: Path) -> dict:
        """A shell after ``eval "$(python -m standin env)"``."""
        done = standin_env(self.home)
        assert done.returncode == 0, done.stderr
        exports = dict(re.findall(r"^export (\w+)=(.*)$", done.stdout, re.M))
        return processes.clean_env(**{k: v.strip("'") for k, v in exports.items()}, PYTHONWARNINGS="ignore")


def everything(shared: Shared) -> dict:
    """Every flow run with its states and logs, as the API answers them."""
    answer = requests.post(
        shared.info.url + "/graphql",
        timeout=30,
        json={
            "query": (
                "query { flow_run(order_by: {created: asc}) { id name state version "
                "states { state message timestamp } logs { timestamp level message } "
                "task_runs(order_by: {created: asc}) { id state version } } }"
            )
        },
        headers={"Authorization": f"Bearer {shared.info.prefect_api_key}"},
    )
    return {run["id"]: run for run in answer.json()["data"]["flow_run"]}


def test_env_without_a_shared_standin_is_one_clear_line(tmp_path):
    done = standin_env(tmp_path / "none")
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr == (
        f"python -m standin env: no shared stand-in is running (none answers from "
        f"{tmp_path / 'none' / DISCOVERY}): start one with `make standin` in another terminal\n"
    )


@pytest.fixture(scope="module")
def on_shared(tmp_path_factory):
    """A shared stand-in, and the notebook run on it with its defaults, as a user runs it (from a shell pointed at
    it, whose PREFECT__CLOUD__API_KEY would make the notebook's `prefect auth login` refuse to run): the pages'
    screenshots show that run's flow, with the default data_url."""
    tmp = tmp_path_factory.mktemp("shared-story")
    mark = uuid.uuid4().hex
    home = tmp / "shared"
    shared = Shared(home, mark)
    try:
        data = tmp / "trips.csv"  # the story's data file, removed before a run
        shutil.copy(SAMPLE_CSV_PATH, data)
        out = tmp / "out.ipynb"
        exports = {k: v for k, v in shared.shell(tmp).items() if k.startswith(("PREFECT", "SATURN", "BASE_URL"))}
        assert "PREFECT__CLOUD__API_KEY" in exports
        done = notebooks.run_papermill(NOTEBOOK, out, mark=mark, **{HOME_VAR: str(home)}, **exports)
        assert done.returncode == 0, done.stderr[-3000:]
        assert "using the shared stand-in" in notebooks.outputs_text(out)
        yield SimpleNamespace(tmp=tmp, home=home, shared=shared, mark=mark, data=data, out=out)
    finally:
        if shared.proc.poll() is None:
            shared.proc.kill()
        for leftover in processes.wait_until_gone(mark, timeout=5):
            leftover.kill()


def test_the_flow_url_quick_run_and_the_runs_page_in_a_browser(on_shared, browser_page, screenshot):
    """What a person does after the notebook ran: clicks the Flow URL it printed, presses Quick Run,
    and watches the run's page (it refreshes itself) until the run ends, with read's log lines."""
    (flow_url,) = re.findall(r"Flow URL: (\S+)", notebooks.outputs_text(on_shared.out))
    page = browser_page
    page.goto(flow_url)
    assert page.locator("h1").inner_text() == "prefect-resource-manager"
    assert "/login/" not in page.url  # the ticket set the session cookie and left the address bar
    flow_page = page.url
    # the schematic: _DaskCluster init -> setup -> read -> cleanup, the three last in the manager's frame
    schematic = page.locator("#schematic")
    assert schematic.is_visible() and schematic.bounding_box()["height"] > 100
    tasks = schematic.locator("g.task > title").all_text_contents()
    assert sorted(tasks) == [
        "_DaskCluster (resource manager)",
        "_DaskCluster.cleanup (cleanup)",
        "_DaskCluster.setup (setup)",
        "data_url (parameter)",
        "read",
    ]
    assert schematic.locator("g.frame text").text_content() == "_DaskCluster (resource manager)"
    assert page.locator("#run-history").is_visible()
    before = page.locator("#run-history rect.run").count()  # the notebook's run at least
    assert before >= 1
    screenshot(page, "standin-flow")
    screenshot(schematic, "standin-flow-schematic")
    page.click("#quick-run")
    page.wait_for_url("**/ui/local/flow-run/**")
    run_url = page.url
    page.wait_for_selector("#run-state.state-Success", timeout=180_000)  # reloads every REFRESH_SECONDS meanwhile
    states = page.locator("#states td:nth-child(2)").all_inner_texts()
    assert states == ["Scheduled", "Submitted", "Running", "Success"]
    tasks = dict(
        zip(
            page.locator("#task-runs tbody tr td:nth-child(1)").all_inner_texts(),
            page.locator("#task-runs tbody tr td:nth-child(2)").all_inner_texts(),
            strict=True,  # the two columns of the same rows
        )
    )
    assert tasks == {
        "_DaskCluster": "Success",
        "data_url": "Success",
        "_DaskCluster.setup": "Success",
        "read": "Success",
        "_DaskCluster.cleanup": "Success",
    }, tasks
    logs = "\n".join(page.locator("#logs pre.log").all_inner_texts())
    assert re.search(r"read: computing \d+ tasks", logs) and "read: done" in logs
    assert "Submitted for execution: PID: " in logs
    timeline = page.locator("#timeline")
    assert timeline.is_visible()
    bars = timeline.locator("rect.task-run")
    assert bars.count() == 5 and {bars.nth(k).get_attribute("data-state") for k in range(5)} == {"Success"}
    assert all(bars.nth(k).bounding_box()["width"] >= 1 for k in range(5))  # each one there to see
    screenshot(page, "standin-flow-run")
    screenshot(timeline, "standin-flow-run-timeline")
    # another site's form, posted with this browser's cookie but without the XSRF token: refused
    forged = page.request.post(page.url.split("/flow-run/")[0] + "/flow/" + flow_url.rsplit("/", 1)[1] + "/quick-run")
    assert forged.status == 403
    key = on_shared.shared.info.prefect_api_key
    assert key not in page.content()
    page.goto(flow_page)  # the quick run's bar in the history: a link to its page, in its state's colour
    history = page.locator("#run-history")
    assert history.locator("rect.run").count() == before + 1
    newest = history.locator("a").last
    assert run_url.endswith(newest.get_attribute("href"))
    assert newest.locator("rect").get_attribute("fill") == palette.state_colour("Success")
    screenshot(history, "standin-flow-history")


def test_without_the_key_the_pages_are_a_login_page(on_shared, browser_page, screenshot):
    browser_page.goto(on_shared.shared.info.url + "/ui/local/")
    assert browser_page.locator("h1").inner_text() == "Log in"
    assert "prefect-resource-manager" not in browser_page.content()
    screenshot(browser_page, "standin-login")


def test_the_shared_standin_keeps_flows_and_runs_across_a_kill(on_shared):
    story(on_shared.tmp, on_shared.home, on_shared.shared, on_shared.mark, on_shared.data, on_shared.out)


def story(tmp_path, home, shared, mark, data, out):
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    for name in (DISCOVERY, STATE):
        assert stat.S_IMODE((home / name).stat().st_mode) == 0o600, name
    second = subprocess.run(
        [sys.executable, "-m", "standin", "shared"],
        capture_output=True,
        text=True,
        timeout=60,
        env=processes.clean_env(**{HOME_VAR: str(home)}),
    )
    assert second.returncode == 1 and second.stderr == (  # one shared stand-in at a time
        f"python -m standin shared: a shared stand-in already runs at {shared.info.url} "
        f"(PID {shared.info.pid}): use it, or stop it first\n"
    )
    notebook_result = read_result(out)
    shell = shared.shell(tmp_path)
    listed = programs.prefect_cli(shell, "get", "flow-runs", "--project", PROJECT, "--flow", FLOW, timeout=60)
    succeeded = len(re.findall(rf"\s{FLOW}\s+Success\s", listed.stdout))  # the notebook's, and a quick run's

    # a shell pointed at it runs the flow again and sees one more run
    again = programs.prefect_cli(shell, "run", "--name", FLOW, "--project", PROJECT, "--watch")
    assert again.returncode == 0 and "Flow run succeeded!" in again.stdout, again.stdout[-3000:]
    listed = programs.prefect_cli(shell, "get", "flow-runs", "--project", PROJECT, "--flow", FLOW, timeout=60)
    assert listed.returncode == 0 and len(re.findall(rf"\s{FLOW}\s+Success\s", listed.stdout)) == succeeded + 1

    # the run's data file goes away before the run: the run fails naming it
    data.unlink()
    failed = programs.prefect_cli(
        shell, "run", "--name", FLOW, "--project", PROJECT, "--param", f"data_url={data}", "--watch"
    )
    assert failed.returncode == 1 and "Flow run failed!" in failed.stdout, failed.stdout[-3000:]
    message = f"ParameterError: data_url '{data}' does not exist"
    assert message in failed.stdout
    name = re.search(r"└── Name: (\S+)", failed.stdout)[1]
    logs = programs.prefect_cli(shell, "get", "logs", "--name", name, timeout=60)
    assert logs.returncode == 0 and message in logs.stdout

    # a run in flight when the stand-in is killed with kill -9
    programs.register_user_flow(shell, "user-gate", PROJECT)
    gate = tmp_path / "gate"
    gate.mkdir()
    started = programs.prefect_cli(shell, "run", "--name", "user-gate", "--project", PROJECT, "--param", f"gate={gate}")
    assert started.returncode == 0, started.stdout
    wait_for((gate / "running").exists, 120, "the gate task started")
    in_flight = re.search(r"└── UUID: (\S+)", started.stdout)[1]
    before = everything(shared)
    assert before[in_flight]["state"] == "Running"
    shared.proc.send_signal(signal.SIGKILL)
    shared.proc.wait(30)
    left = processes.wait_until_gone(mark, timeout=20)  # its flow-run process and Dask workers die with it
    assert not left, processes.describe(left)
    assert standin_env(home).returncode == 1  # a stale discovery file is not a running stand-in

    old_url = shared.info.url
    shared = Shared(home, mark)
    assert shared.info.url == json.loads((home / DISCOVERY).read_text())["url"]
    after = everything(shared)
    assert set(after) == set(before)
    for run_id, run in before.items():  # all it had answered is there, as it was
        if run_id != in_flight:
            assert after[run_id] == run, run_id
    orphan = after[in_flight]
    assert orphan["state"] == "Failed"
    assert orphan["states"][:-1] == before[in_flight]["states"]
    assert re.fullmatch(
        r"The stand-in restarted while this run was in flight: its flow-run process \(PID \d+\) "
        r"is gone; marking the run as failed\.",
        orphan["states"][-1]["message"],
    )
    again = shared.shell(tmp_path)  # the same keys; the same port too, unless another process took it meanwhile

    def kept(exports: dict, url: str) -> dict:  # the port aside, and the UI's login ticket, made anew by each env
        return {
            name: re.sub(r"/ui/login/\S+", "/ui/login/", value.replace(url, "URL")) for name, value in exports.items()
        }

    assert kept(again, shared.info.url) == kept(shell, old_url)
    shell = again
    listed = programs.prefect_cli(shell, "get", "flow-runs", "--project", PROJECT, "--flow", FLOW, timeout=60)
    assert (
        listed.returncode == 0 and len(re.findall(rf"\s{FLOW}\s+(?:Success|Failed)\s", listed.stdout)) == succeeded + 2
    )
    assert read_result(out) == notebook_result

    # SIGTERM (or Ctrl-C) stops it, with every process it started; its keys never reached its terminal
    shared.proc.send_signal(signal.SIGTERM)
    assert shared.proc.wait(60) == 0
    assert not processes.wait_until_gone(mark, timeout=20)
    assert not (home / DISCOVERY).exists()
    terminal = "".join(p.read_text() for p in tmp_path.glob("terminal-*.txt"))
    log = (home / "standin.log").read_text()
    for secret in (shared.info.saturn_token, shared.info.prefect_api_key):
        assert secret not in terminal and secret not in log
    assert 'in a shell: eval "$(.venv/bin/python -m standin env)"' in terminal
