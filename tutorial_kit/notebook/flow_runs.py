"""A flow run as Prefect Cloud keeps it, watched and read back the way a Prefect Cloud user does:
with ``prefect.backend``, on the real platform and on the stand-in alike.

The notebook creates its run with Prefect's client (``Client.create_flow_run``, which gives the
run's id, as ``prefect run`` does) and :func:`wait_for_flow_run` prints what ``prefect run --watch``
prints until the run ends. A run that failed stops the notebook with
:class:`~tutorial_kit.exceptions.FlowRunFailed`, whose message is the error of the task that failed
(``read``'s ``DataError``, say), as Prefect Cloud recorded it. :func:`task_result` reads a task's
result from its state: the notebook's ``read`` keeps it with a ``PrefectResult``, which Prefect
Cloud stores in its database as JSON.
"""

from __future__ import annotations

import ast
import logging
import re

from ..exceptions import FlowRunFailed


def wait_for_flow_run(flow_run_id: str):
    """Print the run's states and its tasks' log lines as ``prefect run --watch`` does, until the run
    ends; then its ``FlowRunView``, or :class:`FlowRunFailed` if it did not succeed."""
    import prefect
    from prefect.backend.flow_run import FlowRunView, watch_flow_run

    flow_run = FlowRunView.from_flow_run_id(flow_run_id)
    print(f"Flow run {flow_run.name!r}: {prefect.Client().get_cloud_url('flow-run', flow_run_id)}")
    print("Watching flow run execution...", flush=True)
    for log in watch_flow_run(flow_run_id):
        level = logging.getLevelName(log.level)
        print(f"└── {log.timestamp.in_tz('local'):%H:%M:%S} | {level:<7} | {log.message}")
    flow_run = flow_run.get_latest()
    if not flow_run.state.is_successful():
        raise FlowRunFailed(f"flow run {flow_run.name!r} ended {type(flow_run.state).__name__}, {_why(flow_run)}")
    print("Flow run succeeded!")
    return flow_run


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
