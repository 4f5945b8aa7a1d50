"""A flow run as Prefect Cloud keeps it, watched and read back the way a Prefect Cloud user does:
with ``prefect.backend``'s views, on the real platform and on the stand-in alike.

The notebook creates its run with Prefect's client (``Client.create_flow_run``, which gives the
run's id, as ``prefect run`` does) and :func:`wait_for_flow_run` prints what ``prefect run --watch``
prints until the run ends. It watches with a loop of its own over prefect's public views
(:func:`watch`), not with prefect's ``watch_flow_run``: that one reads the run every 2 s or more
and sleeps once more after the read that saw the run end, idle seconds in every run cell. A run
that failed stops the notebook with :class:`~tutorial_kit.exceptions.FlowRunFailed`, whose
message is the error of the task that failed (``read``'s ``DataError``, say), as Prefect Cloud
recorded it. :func:`task_result` reads a task's result from its state: the notebook's ``read``
keeps it with a ``PrefectResult``, which Prefect Cloud stores in its database as JSON.
"""

from __future__ import annotations

import ast
import logging
import re
import time
from collections.abc import Callable
from datetime import timedelta

from ..exceptions import FlowRunFailed

#: Seconds between two reads of a running flow run (its state, then its new log lines).
POLL_SECONDS = 0.2
#: The flow-run process sends the log lines it still holds when it exits, just after it has set the
#: run's final state (``benchmarks/flow_runs.py`` measures what the run cell pays for this wait):
#: after the read that saw the final state, :func:`watch` reads the logs once more, this many seconds later.
LOG_TAIL_SECONDS = 0.1
#: As ``prefect run --watch``: a warning when no agent has taken the run after this many seconds,
#: repeated every ``AGENT_WARNING_EVERY`` seconds while none has.
AGENT_WARNING_AFTER, AGENT_WARNING_EVERY = 15.0, 30.0
#: As ``prefect run --watch``: how long a run may take before the watcher gives up.
MAX_DURATION = timedelta(hours=12)


def wait_for_flow_run(flow_run_id: str):
    """Print the run's states and its tasks' log lines as ``prefect run --watch`` does, until the run
    ends; then its ``FlowRunView``, or :class:`FlowRunFailed` if it did not succeed."""
    import prefect
    from prefect.backend.flow_run import FlowRunView

    flow_run = FlowRunView.from_flow_run_id(flow_run_id)
    print(f"Flow run {flow_run.name!r}: {prefect.Client().get_cloud_url('flow-run', flow_run_id)}")
    print("Watching flow run execution...", flush=True)

    def show(log) -> None:
        level = logging.getLevelName(log.level)
        print(f"└── {log.timestamp.in_tz('local'):%H:%M:%S} | {level:<7} | {log.message}")

    flow_run = watch(flow_run, show)
    if not flow_run.state.is_successful():
        raise FlowRunFailed(f"flow run {flow_run.name!r} ended {type(flow_run.state).__name__}, {_why(flow_run)}")
    print("Flow run succeeded!")
    return flow_run


def watch(flow_run, show: Callable, max_duration: timedelta = MAX_DURATION):
    """Hand ``show`` each state the run enters and each line of its log, in order, as prefect's
    ``watch_flow_run`` yields them (a state as a log line ``Entered state <Name>: message``), until
    the run is in a final state; return its ``FlowRunView`` then.

    ``flow_run`` is the run as just read; then, every :data:`POLL_SECONDS`, it reads the run again
    (``FlowRunView.get_latest``). After each read, it reads the log lines written since the last it
    showed (``get_logs``). After the read that saw the final state it reads the run no more, and its
    logs once, :data:`LOG_TAIL_SECONDS` later. A run that ended before the watch began gives one line
    saying when, as prefect's does."""
    import pendulum
    from prefect.backend.flow_run import FlowRunLog

    if flow_run.state.is_finished():
        ended = flow_run.updated_at.diff_for_humans()
        show(FlowRunLog(pendulum.now(), logging.INFO, f"Your flow run finished {ended}"))
        return flow_run
    began = time.monotonic()
    next_warning = began + AGENT_WARNING_AFTER
    states_shown, last_log = 0, None
    while True:
        now, finished = time.monotonic(), flow_run.state.is_finished()
        if now - began > max_duration.total_seconds():
            raise RuntimeError(f"the flow run did not end within {max_duration}: it is still {flow_run.state}")
        messages = [
            FlowRunLog(state.timestamp, logging.INFO, f"Entered state <{type(state).__name__}>: {state.message}")
            for state in flow_run.states[states_shown:]
        ]
        states_shown = len(flow_run.states)
        if now >= next_warning and not (finished or flow_run.state.is_submitted() or flow_run.state.is_running()):
            messages.append(_agent_warning(flow_run, now - began))
            next_warning = now + AGENT_WARNING_EVERY
        if finished:
            time.sleep(LOG_TAIL_SECONDS)
        logs = flow_run.get_logs(start_time=last_log, end_time=pendulum.now())
        last_log = logs[-1].timestamp if logs else last_log
        for log in sorted(messages + logs):
            show(log)
        if finished:
            return flow_run
        time.sleep(POLL_SECONDS)
        flow_run = flow_run.get_latest()


def _agent_warning(flow_run, seconds: float):
    """``prefect run --watch``'s warning for a run that no agent has taken, with its advice."""
    import pendulum
    from prefect.backend.flow_run import FlowRunLog, check_for_compatible_agents

    return FlowRunLog(
        pendulum.now(),
        logging.WARN,
        f"It has been {round(seconds / 5) * 5} seconds and your flow run has not been submitted by an agent. "
        + check_for_compatible_agents(flow_run.labels),
    )


def _why(flow_run) -> str:
    """The error of each task that failed itself (a task whose upstream failed only says so:
    TriggerFailed), else the run's own message (the platform's: a lost process, say)."""
    failed = sorted(
        (t for t in flow_run.get_all_task_runs() if t.state.is_failed() and type(t.state).__name__ != "TriggerFailed"),
        key=lambda t: (t.task_slug, t.map_index),
    )
    if failed:
        return "; ".join(f"task {_task_name(t.task_slug)!r}: {_error(t.state.message)}" for t in failed)
    return flow_run.state.message or "no message"


def _error(message: str) -> str:
    """Prefect writes a task's exception as ``Error during execution of task: DataError('...')``:
    give it as Python prints an error, ``DataError: ...``."""
    found = re.fullmatch(r"Error during execution of task: (\w+)\((.*)\)", message or "", re.S)
    if found:
        try:
            return f"{found[1]}: {ast.literal_eval(found[2])}"
        except (ValueError, SyntaxError):  # more than one argument, or not literals
            pass
    return message


def task_result(flow_run, task_name: str):
    """The result of the run's task named ``task_name``, from its state (see the module docstring)."""
    runs = [t for t in flow_run.get_all_task_runs() if _task_name(t.task_slug) == task_name and t.map_index == -1]
    if len(runs) != 1:
        raise ValueError(f"flow run {flow_run.name!r} has {len(runs)} task runs of a task named {task_name!r}")
    return runs[0].get_result()


def _task_name(slug: str) -> str:
    """``read-1`` -> ``read``: Prefect slugs a task by its name and a counter."""
    return slug.rsplit("-", 1)[0]
