"""The run cell's watcher against the stand-in, with prefect's real views: a run whose states and log
lines the test writes as a flow-run process does (no agent serves its label), each step once the
watcher has read the one before, so no step waits on a clock."""

from __future__ import annotations

import threading

import pendulum
import pytest

from standin.testing.waiting import wait_for
from tutorial_kit.notebook import flow_runs


@pytest.fixture
def run_id(prefect_env, tmp_path):
    """A run of a one-task flow, Scheduled, with a label no agent serves."""
    import prefect
    from prefect import Flow, task
    from prefect.run_configs import LocalRun
    from prefect.storage import Local

    @task
    def one():
        return 1

    with Flow("watched", storage=Local(directory=str(tmp_path)), run_config=LocalRun(labels=["nobody"])) as flow:
        one()
    client = prefect.Client()
    client.create_project("watching")
    flow_id = client.register(flow, project_name="watching", no_url=True)
    return client.create_flow_run(flow_id=flow_id)


def test_the_watch_shows_the_run_and_reads_it_no_more_once_it_saw_it_end(run_id, monkeypatch):
    import prefect
    from prefect.backend.flow_run import FlowRunView
    from prefect.engine.state import Running, Submitted, Success

    reads = []  # what the watcher read, in order: the run's state, or how many log lines
    latest, logs_of = FlowRunView.get_latest, FlowRunView.get_logs

    def get_latest(self, *args, **kwargs):
        view = latest(self, *args, **kwargs)
        reads.append(type(view.state).__name__)
        return view

    def get_logs(self, *args, **kwargs):
        logs = logs_of(self, *args, **kwargs)
        reads.append(f"{len(logs)} lines")
        return logs

    monkeypatch.setattr(FlowRunView, "get_latest", get_latest)
    monkeypatch.setattr(FlowRunView, "get_logs", get_logs)
    # the line the process sends at its exit comes after the watcher saw the final state, within its wait
    monkeypatch.setattr(flow_runs, "LOG_TAIL_SECONDS", 1.0)
    client = prefect.Client()

    def write(message: str) -> None:
        line = {"flow_run_id": run_id, "name": "test", "level": "INFO", "message": message}
        client.write_run_logs([dict(line, timestamp=pendulum.now("UTC").isoformat())])

    def polled(state: str) -> bool:
        """The watcher has read the run in ``state``, and the logs after it."""
        return state in reads and reads.index(state) < len(reads) - 1

    def flow_run_process() -> None:
        wait_for(lambda: reads, 30, "the watcher's first read of the logs")
        client.set_flow_run_state(run_id, Submitted("Submitted for execution"))
        wait_for(lambda: polled("Submitted"), 30, "the watcher's read of Submitted")
        client.set_flow_run_state(run_id, Running("Running flow."))
        write("working")
        wait_for(lambda: polled("Running"), 30, "the watcher's read of Running")
        write("Flow run SUCCESS: all reference tasks succeeded")
        client.set_flow_run_state(run_id, Success("All reference tasks succeeded."))
        # the process's last lines arrive after the watcher has seen the final state
        wait_for(lambda: reads[-1] == "Success", 30, "the watcher's read of Success")
        write("sent at the process's exit")

    process = threading.Thread(target=flow_run_process)
    process.start()
    shown = []
    try:
        ended = flow_runs.watch(FlowRunView.from_flow_run_id(run_id), shown.append)
    finally:
        process.join(60)
    assert type(ended.state).__name__ == "Success"
    assert [line.message for line in shown] == [
        "Entered state <Scheduled>: Flow run scheduled.",
        "Entered state <Submitted>: Submitted for execution",
        "Entered state <Running>: Running flow.",
        "working",
        "Flow run SUCCESS: all reference tasks succeeded",
        "Entered state <Success>: All reference tasks succeeded.",
        "sent at the process's exit",
    ]
    assert reads.count("Success") == 1 and reads[-2] == "Success"  # no read of the run after it saw it end
    assert reads[-1] != "0 lines"  # the logs once more, with the line sent after the final state
