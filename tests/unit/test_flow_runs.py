"""The run cell's watcher (``tutorial_kit/notebook/flow_runs.py``), on scripted views of a run and a
clock that moves only when the watcher sleeps: what it shows, in order, and when it stops reading."""

from __future__ import annotations

import logging
from datetime import timedelta

import pendulum
import pytest
from prefect.backend.flow_run import FlowRunLog
from prefect.engine import state as states

from tutorial_kit.notebook import flow_runs

T0 = pendulum.datetime(2026, 12, 4, 9, 0, 0)


def state(name: str, second: float, message: str = ""):
    entered = getattr(states, name)(message or f"{name.lower()}.")
    entered.timestamp = T0.add(seconds=second)
    return entered


def log(second: float, message: str) -> FlowRunLog:
    return FlowRunLog(T0.add(seconds=second), logging.INFO, message)


class Run:
    """A flow run as the platform gives it, read by read: ``script`` holds, for each read of the
    run, its states so far and the log lines that arrived since the read before. Every call the
    watcher makes is noted in ``calls``, with the watcher's sleeps."""

    def __init__(self, script: list[tuple[list, list]], calls: list):
        self.script, self.calls, self.read = script, calls, 0
        self.pending_logs: list[FlowRunLog] = []
        self.arrive()

    def arrive(self) -> None:
        self.states, logs = self.script[self.read]
        self.state = self.states[-1]
        self.pending_logs += logs

    def get_latest(self):
        if self.state.is_finished():
            raise AssertionError(f"the run was read again after its final state, after: {self.calls[-6:]}")
        self.read += 1
        self.arrive()
        self.calls.append(f"read {type(self.state).__name__}")
        return self

    def get_logs(self, start_time=None, end_time=None):
        logs, self.pending_logs = self.pending_logs, []
        self.calls.append(f"logs {len(logs)}")
        return logs


@pytest.fixture
def calls(monkeypatch):
    """What the watcher did, in order: its reads (noted by ``Run``) and its sleeps, on a still clock."""
    done = []
    clock = {"now": 1000.0}

    def sleep(seconds):
        done.append(f"sleep {seconds:g}")
        clock["now"] += seconds

    monkeypatch.setattr(flow_runs.time, "sleep", sleep)
    monkeypatch.setattr(flow_runs.time, "monotonic", lambda: clock["now"])
    return done


def test_it_shows_every_state_and_line_and_stops_reading_the_run_at_its_final_state(calls):
    scheduled = [state("Scheduled", 0)]
    submitted = [*scheduled, state("Submitted", 0.1)]
    running = [*submitted, state("Running", 1.5)]
    success = [*running, state("Success", 2.2)]
    run = Run(
        [
            (scheduled, []),
            (submitted, [log(0.1, "Submitted for execution: PID: 1")]),
            (running, [log(1.4, "Beginning Flow run")]),
            (running, []),
            (success, [log(2.1, "Flow run SUCCESS")]),
        ],
        calls,
    )
    run.script[-1][1].append(log(2.19, "the line sent at the process's exit"))  # arrives with the tail read
    shown = []
    assert flow_runs.watch(run, shown.append) is run
    assert [line.message for line in shown] == [
        "Entered state <Scheduled>: scheduled.",
        "Entered state <Submitted>: submitted.",
        "Submitted for execution: PID: 1",
        "Beginning Flow run",
        "Entered state <Running>: running.",
        "Flow run SUCCESS",
        "the line sent at the process's exit",
        "Entered state <Success>: success.",
    ]
    poll, tail = f"sleep {flow_runs.POLL_SECONDS:g}", f"sleep {flow_runs.LOG_TAIL_SECONDS:g}"
    assert calls == [
        "logs 0",
        *[poll, "read Submitted", "logs 1"],
        *[poll, "read Running", "logs 1"],
        *[poll, "read Running", "logs 0"],
        *[poll, "read Success", tail, "logs 2"],  # the run no more, the logs once more: then it returns
    ]


def test_a_run_that_had_ended_gives_one_line_and_no_read(calls):
    ended = state("Failed", 3)
    run = Run([([state("Scheduled", 0), ended], [])], calls)
    run.updated_at = pendulum.now().subtract(minutes=5)
    shown = []
    assert flow_runs.watch(run, shown.append) is run
    assert [line.message for line in shown] == ["Your flow run finished 5 minutes ago"]
    assert calls == []


def test_no_agent_a_warning_after_15_s_then_every_30_s(calls, monkeypatch):
    monkeypatch.setattr(
        "prefect.backend.flow_run.check_for_compatible_agents", lambda labels: f"No agent for {labels}."
    )
    scheduled = [state("Scheduled", 0)]
    polls = int(60 / flow_runs.POLL_SECONDS)  # a minute of reads, Scheduled
    run = Run([(scheduled, [])] * polls + [([*scheduled, state("Cancelled", 60)], [])], calls)
    run.labels = ["saturn-cloud"]
    shown = []
    flow_runs.watch(run, shown.append)
    warnings = [line.message for line in shown if line.level == logging.WARN]
    assert warnings == [
        f"It has been {s} seconds and your flow run has not been submitted by an agent. No agent for ['saturn-cloud']."
        for s in (15, 45)
    ]


def test_a_run_longer_than_max_duration_stops_the_watch(calls):
    running = [state("Running", 0)]
    run = Run([(running, [])] * 100, calls)
    with pytest.raises(RuntimeError, match="the flow run did not end within 0:00:05: it is still <Running"):
        flow_runs.watch(run, lambda line: None, max_duration=timedelta(seconds=5))
