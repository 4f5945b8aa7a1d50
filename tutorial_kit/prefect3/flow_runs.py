"""What the companion's run cell needs beyond Prefect's own calls: a run that did not complete stops the notebook
with its error in one line, as the first notebook's ``FlowRunFailed`` does."""

from __future__ import annotations

from ..exceptions import FlowRunFailed


def check_completed(flow_run) -> None:
    """Raise :class:`FlowRunFailed` unless ``flow_run`` (a Prefect 3 ``FlowRun`` in its final state) is Completed:
    its name, its final state, and the first line of the state's message (for a failed run, Prefect's
    ``Flow run encountered an exception: ...`` with the task's error)."""
    state = flow_run.state
    if state is not None and state.is_completed():
        return
    name = state.name if state is not None else "without a state"
    message = ((state.message if state is not None else None) or "no message").strip().splitlines()[0]
    raise FlowRunFailed(f"flow run {flow_run.name!r} ended {name}: {message}")
