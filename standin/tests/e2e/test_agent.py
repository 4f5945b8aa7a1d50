"""Flow runs as Prefect Cloud ran them, on a stand-in process: ``prefect run`` (``--watch``,
``--execute``, ``--param``), Saturn's agent running each with ``prefect execute flow-run``,
``prefect get`` / ``describe``, and what goes wrong: a missing flow, a killed flow-run process, a
watch interrupted with Ctrl-C, a process that stops heart-beating, two runs at once.

The flows are a user's own (``standin/src/standin/testing/user_flows.py``), registered as the tutorial
registers its flow. Every process the stand-in starts carries this module's marker: none may be
left when the module ends.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import psutil
import pytest

from standin.services.scheduler import MAX_RUNS
from standin.testing import processes, programs, standins
from standin.testing.waiting import wait_for

VENV_BIN = Path(sys.executable).parent
PROJECT = "users-own"
HEARTBEAT = (
    1.0  # seconds between heartbeats: the zombie killer acts after standin.services.agent.ZOMBIE_AFTER_BEATS missed
)
RUN_TIMEOUT = 180  # seconds for one `prefect run --watch` on a busy machine
_MODULE_MARK = uuid.uuid4().hex


@pytest.fixture(scope="module")
def standin(tmp_path_factory):
    home = tmp_path_factory.mktemp("agent-standin")
    with standins.marked_standin(home, _MODULE_MARK, STANDIN_HEARTBEAT_SECONDS=str(HEARTBEAT)) as standin:
        yield standin


@pytest.fixture(scope="module")
def flows(shell):
    """Register a user's flow once per module; returns its flow id."""
    registered = {}

    def flow(name: str) -> str:
        if name not in registered:
            registered[name] = programs.register_user_flow(shell, name, PROJECT)
        return registered[name]

    return flow


def graphql(standin, query: str) -> dict:
    import requests

    answer = requests.post(
        standin.url + "/graphql",
        json={"query": query},
        timeout=30,
        headers={"Authorization": f"Bearer {standin.environ()['PREFECT_USER_TOKEN']}"},
    )
    body = answer.json()
    assert answer.status_code == 200 and "errors" not in body, body
    return body["data"]


def run_by_name(standin, name: str) -> dict:
    (run,) = graphql(
        standin,
        f'query {{ flow_run(where: {{name: {{_eq: "{name}"}}}}) {{ id state state_message '
        "labels states { state message } logs { level message name } "
        "task_runs { map_index state task { slug } states { state } } } }",
    )["flow_run"]
    return run


def run_name(output: str) -> str:
    return re.search(r"└── Name: (\S+)", output)[1]


def dask_workers() -> list[psutil.Process]:
    """The module stand-in's Dask worker processes (the scheduler and nannies live in the stand-in)."""
    return [p for p in processes.alive(_MODULE_MARK) if processes.is_dask_worker(p)]


def gate_run(shell, gate, *args: str, **popen) -> subprocess.Popen:
    """``prefect run`` of ``user-gate`` with this gate folder (and ``args``), started: its Popen (output in
    ``stdout``, stderr there too)."""
    return subprocess.Popen(
        [
            str(VENV_BIN / "prefect"),
            "run",
            "--name",
            "user-gate",
            "--project",
            PROJECT,
            "--param",
            f"gate={gate}",
            *args,
        ],
        env=shell,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=gate.parent,
        **popen,
    )


def started_gate_run(shell, flows, tmp_path, request, *watch: str):
    """``prefect run`` of ``user-gate`` (with ``--watch`` if asked), held at its gate: the CLI's
    Popen, the gate folder and the flow-run process's pid (the task writes it when it waits). The
    gate is opened and the CLI stopped after the test (:func:`let_go`), passed or failed."""
    flows("user-gate")
    gate = tmp_path / "gate"
    gate.mkdir()
    cli = gate_run(shell, gate, *watch, stdin=subprocess.PIPE, start_new_session=True)
    request.addfinalizer(lambda: let_go(cli, gate))
    pid = int(
        wait_for(
            lambda: (gate / "running").exists() and (gate / "running").read_text(), 120, "the gate task did not start"
        )
    )
    return cli, gate, pid


# -- a user's own flows, run as Prefect Cloud ran them ----------------------------------------------
def test_parameters_mapped_tasks_and_a_retry(standin, shell, flows):
    flows("user-params")
    done = programs.prefect_cli(
        shell, "run", "--name", "user-params", "--project", PROJECT, "--param", "n=4", "--watch"
    )
    assert done.returncode == 0 and "Flow run succeeded!" in done.stdout, done.stdout[-3000:] + done.stderr[-2000:]
    assert "total: 20" in done.stdout  # 2 + 4 + 6 + 8, after one retry
    assert "└── Parameters: {'n': 4}" in done.stdout  # a falsy default is left out, as Prefect Server did
    run = run_by_name(standin, run_name(done.stdout))
    assert [s["state"] for s in run["states"]] == ["Scheduled", "Submitted", "Running", "Success"]
    assert run["labels"] == ["saturn-cloud"]
    assert any(
        log["name"] == "saturn-agent" and log["message"].startswith("Submitted for execution: PID: ")
        for log in run["logs"]
    )
    by_task = {}
    for task_run in run["task_runs"]:
        by_task.setdefault(task_run["task"]["slug"], []).append(task_run)
    assert sorted(t["map_index"] for t in by_task["double-1"]) == [-1, 0, 1, 2, 3]  # the parent and 4 children
    assert {t["state"] for t in by_task["double-1"]} == {"Mapped", "Success"}
    (flaky,) = by_task["flaky_sum-1"]
    assert [s["state"] for s in flaky["states"]] == ["Pending", "Running", "Failed", "Retrying", "Running", "Success"]


def test_a_failing_task_fails_the_run_with_its_error_in_the_logs(standin, shell, flows):
    flows("user-params")
    done = programs.prefect_cli(
        shell, "run", "--name", "user-params", "--project", PROJECT, "--param", "fail=true", "--watch"
    )
    assert done.returncode == 1 and "Flow run failed!" in done.stdout, done.stdout[-3000:]
    assert "ValueError: asked to fail (the total was 12)" in done.stdout
    logs = programs.prefect_cli(shell, "get", "logs", "--name", run_name(done.stdout))
    assert logs.returncode == 0 and "ValueError: asked to fail (the total was 12)" in logs.stdout


def test_dask_executor_runs_the_tasks_on_the_saturn_cluster(standin, shell, flows):
    flows("user-dask")
    done = programs.prefect_cli(shell, "run", "--name", "user-dask", "--project", PROJECT, "--watch")
    assert done.returncode == 0, done.stdout[-3000:]
    assert re.search(r"ran on tcp://127\.0\.0\.1:\d+", done.stdout), done.stdout[-3000:]
    wait_for(lambda: not dask_workers(), 30, "the run's Dask workers were not stopped")


def test_execute_runs_without_the_agent(standin, shell, flows):
    flows("user-params")
    done = programs.prefect_cli(shell, "run", "--name", "user-params", "--project", PROJECT, "--execute")
    assert done.returncode == 0 and "Flow run succeeded!" in done.stdout, done.stdout[-3000:]
    run = run_by_name(standin, run_name(done.stdout))
    assert run["state"] == "Success"
    assert any(label.startswith("agentless-run-") for label in run["labels"])
    assert not [log for log in run["logs"] if log["name"] == "saturn-agent"]  # the agent never took it


def test_a_flow_or_project_that_does_not_exist_is_prefects_own_error(standin, shell, flows):
    flows("user-params")
    for args in (("--name", "no-such-flow", "--project", PROJECT), ("--name", "user-params", "--project", "nope")):
        done = programs.prefect_cli(shell, "run", *args, "--watch", timeout=60)
        assert done.returncode == 1, done.stdout
        assert "Looking up flow metadata... Error" in done.stdout
        assert "ValueError: No results found while querying for flows where " in done.stdout, done.stdout


def test_get_flow_runs_logs_and_describe(standin, shell, flows):
    flow_id = flows("user-params")
    done = programs.prefect_cli(
        shell, "run", "--id", flow_id, "--param", "n=2", "--watch"
    )  # by id, as the UI's links name it
    assert done.returncode == 0, done.stdout[-2000:]
    name = run_name(done.stdout)
    listed = programs.prefect_cli(shell, "get", "flow-runs", "--project", PROJECT, "--flow", "user-params", timeout=60)
    assert listed.returncode == 0 and re.search(rf"^{name}\s+user-params\s+Success\s", listed.stdout, re.M), listed
    logs = programs.prefect_cli(shell, "get", "logs", "--name", name, timeout=60)
    assert logs.returncode == 0 and "total: 6" in logs.stdout and re.search(r"\sINFO\s", logs.stdout), logs.stdout
    described = programs.prefect_cli(
        shell, "describe", "flow-runs", "--name", name, "--flow-name", "user-params", timeout=60
    )
    assert described.returncode == 0, described.stderr
    info = json.loads(described.stdout)
    assert info["name"] == name and info["parameters"] == {"n": 2}
    assert info["serialized_state"]["type"] == "Success" and info["end_time"] and not info["auto_scheduled"]


# -- what goes wrong --------------------------------------------------------------------------------
def test_killed_flow_run_process_fails_the_run_and_its_cluster_is_closed(standin, shell, flows, tmp_path, request):
    cli, gate, pid = started_gate_run(shell, flows, tmp_path, request)
    cli.wait(60)
    name = run_name(cli.stdout.read())
    assert dask_workers()  # the run's cluster is up
    os.kill(pid, signal.SIGKILL)
    run = wait_for(lambda: (r := run_by_name(standin, name))["state"] == "Failed" and r, 30, "the run did not end")
    assert run["state_message"] == (
        f"The flow-run process (PID {pid}) was killed by SIGKILL without reporting a "
        "final state; marking the run as failed."
    )
    assert {"level": "ERROR", "message": run["state_message"], "name": "saturn-agent"} in run["logs"]
    wait_for(lambda: not dask_workers(), 30, "the killed run's Dask workers were not stopped")


def let_go(cli: subprocess.Popen, gate: Path) -> None:
    """After a test, passed or failed: its gate open and its CLI gone, so that no run it left outlives it (and its
    Dask workers, counted by the next tests)."""
    (gate / "go").touch()
    if cli.poll() is None:
        cli.kill()
        cli.wait(10)


def test_ctrl_c_on_watch_cancels_the_run_and_its_cluster_is_closed(standin, shell, flows, tmp_path, request):
    cli, gate, pid = started_gate_run(shell, flows, tmp_path, request, "--watch")
    os.killpg(cli.pid, signal.SIGINT)
    # prefect asks "Do you want to cancel this flow run? [Y/n]": the user presses Enter
    output, _ = cli.communicate("\n", timeout=60)
    assert "Keyboard interrupt detected!" in output and "Cancelled flow run." in output, output[-2000:]
    name = run_name(output)
    run = wait_for(
        lambda: (r := run_by_name(standin, name))["state"] == "Cancelled" and r, 60, "the run was not cancelled"
    )
    assert "Cancelling" in [s["state"] for s in run["states"]]
    wait_for(
        lambda: not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE,
        30,
        "the cancelled run's process did not end",
    )
    # Prefect 1 stops a cancelled run at once, before the resource manager's cleanup: the platform
    # closes the cluster it gave the run, as Saturn closed a flow run's cluster (prefectcloudflowrun_id)
    wait_for(
        lambda: f"flow run {run['id']}: closed its Dask cluster" in standin.log_path.read_text(),
        30,
        "the platform did not close the cancelled run's cluster",
    )
    wait_for(lambda: not dask_workers(), 30, "the cancelled run's Dask workers were not stopped")


def test_a_run_that_stops_heart_beating_is_failed_by_the_zombie_killer(standin, shell, flows, tmp_path, request):
    cli, gate, pid = started_gate_run(shell, flows, tmp_path, request)
    cli.wait(60)
    name = run_name(cli.stdout.read())
    os.kill(pid, signal.SIGSTOP)  # hung: no heartbeat, no state, no exit
    try:
        run = wait_for(
            lambda: (r := run_by_name(standin, name))["state"] == "Failed" and r,
            60,
            "the zombie killer did not fail the run",
        )
    finally:
        if psutil.pid_exists(pid):
            os.kill(pid, signal.SIGCONT)
    assert run["state_message"] == (
        f"No heartbeat detected from the flow run for {6 * HEARTBEAT:g} s (its process, "
        f"PID {pid}, was killed); marking the run as failed."
    )
    assert any(log["name"] == "ZombieKiller" and log["level"] == "ERROR" for log in run["logs"])
    wait_for(lambda: not dask_workers(), 30, "the zombie's Dask workers were not stopped")


def test_two_runs_of_one_flow_at_once_each_with_its_own_cluster(standin, shell, flows, tmp_path):
    flows("user-gate")
    gates, clis = [], []
    for i in range(2):
        gate = tmp_path / f"gate{i}"
        gate.mkdir()
        gates.append(gate)
        clis.append(gate_run(shell, gate, "--watch"))
    for gate in gates:  # both are at their gate at the same time: two clusters, one worker each
        wait_for(lambda gate=gate: (gate / "running").exists(), 120, "a run did not reach its gate")
    assert len(dask_workers()) == 2
    for gate in gates:
        (gate / "go").touch()
    outputs = [cli.communicate(timeout=RUN_TIMEOUT)[0] for cli in clis]
    assert all(cli.returncode == 0 for cli in clis), outputs
    assert all("Flow run succeeded!" in out for out in outputs)
    wait_for(lambda: not dask_workers(), 30, "the runs' Dask workers were not stopped")


def test_the_agent_picks_a_run_up_when_it_is_created(standin, shell, flows):
    """Woken by the backend, not by its idle tick (standin.services.agent.IDLE_SECONDS): a run is
    Submitted within a fraction of that (the benchmark measures it; here a bound far below the tick
    proves the wake-up)."""
    from datetime import datetime

    flows("user-params")
    done = programs.prefect_cli(shell, "run", "--name", "user-params", "--project", PROJECT, "--watch")
    assert done.returncode == 0
    (run,) = graphql(
        standin,
        f'query {{ flow_run(where: {{name: {{_eq: "{run_name(done.stdout)}"}}}}) '
        "{ created states { state timestamp } } }",
    )["flow_run"]
    submitted = next(s["timestamp"] for s in run["states"] if s["state"] == "Submitted")
    latency = (datetime.fromisoformat(submitted) - datetime.fromisoformat(run["created"])).total_seconds()
    assert 0 <= latency < 2.0, latency


def test_a_scheduled_flow_runs_on_its_schedule(standin, shell, flows):
    """Prefect Cloud's scheduler, emulated: the next runs are created ahead (auto_scheduled, a minute
    apart, the first shortly after registration: user_flows.FIRST_EVENT_AFTER) and the agent runs each
    when it is due; a new version without its schedule on takes over, and the old version's waiting runs
    are gone."""
    from datetime import datetime

    flows("user-scheduled")
    query = (
        'query { flow_run(where: {flow: {name: {_eq: "user-scheduled"}}}, order_by: {scheduled_start_time: asc}) '
        "{ state auto_scheduled scheduled_start_time logs { message } } }"
    )
    hello = "hello from a scheduled run"

    def first_run_done_and_logged():
        # its log lines reach the backend in batches, the last one after the final state: wait for both
        runs = graphql(standin, query)["flow_run"]
        if runs and runs[0]["state"] == "Success" and len(runs) == 1 + MAX_RUNS:
            return any(log["message"] == hello for log in runs[0]["logs"]) and runs
        return None

    runs = wait_for(first_run_done_and_logged, 90, "the first scheduled run did not succeed with its log", every=0.5)
    assert all(run["auto_scheduled"] for run in runs)
    assert [run["state"] for run in runs[1:]] == ["Scheduled"] * MAX_RUNS  # the next ones, as Prefect Cloud kept them
    starts = [datetime.fromisoformat(run["scheduled_start_time"]) for run in runs]
    assert {(b - a).total_seconds() for a, b in zip(starts, starts[1:], strict=False)} == {60.0}

    flows("user-scheduled-off")
    left = graphql(standin, query)["flow_run"]
    assert not [run for run in left if run["state"] == "Scheduled"]  # the archived version's waiting runs are gone
