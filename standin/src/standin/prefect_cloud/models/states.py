"""Prefect 1.x states as the API stores them: opaque serialized JSON, plus what the backend
derives from it. Written from prefect 1.4.1's ``StateSchema`` output, so that the stand-in does
not import prefect (its config and logging set-up) to make or read a state.
"""

from __future__ import annotations

from datetime import datetime

CORE_VERSION = "1.4.1"

#: States whose ``start_time`` says when the run is due (Prefect's ``Scheduled`` subclasses and
#: ``Queued``): what ``get_runs_in_queue`` looks for.
SCHEDULED_STATES = ("Scheduled", "Paused", "Queued", "Resume", "Retrying")
#: A run in one of these is over: Prefect's ``Finished`` subclasses, ``ClientFailed`` (a meta state that
#: prefect 1.4.1 sets when its client gives up) and an older Prefect's ``Remote``.
FINISHED_STATES = (
    "Finished",
    "Success",
    "Failed",
    "Cancelled",
    "Skipped",
    "Mapped",
    "Cached",
    "Looped",
    "TriggerFailed",
    "ValidationFailed",
    "TimedOut",
    "ClientFailed",
    "Remote",
)
FAILED_STATES = ("Failed", "TriggerFailed", "ValidationFailed", "TimedOut", "ClientFailed")


def serialized(
    type_: str, message: str | None = None, *, start_time: datetime | None = None, inner: dict | None = None
) -> dict:
    """A state as ``State.serialize()`` writes it (no result: ``NoResultType``)."""
    state = {
        "context": {},
        "message": message,
        "_result": {"__version__": CORE_VERSION, "type": "NoResultType"},
        "cached_inputs": {},
        "__version__": CORE_VERSION,
        "type": type_,
    }
    if start_time is not None:
        state["start_time"] = start_time.isoformat()
    if inner is not None:
        state["state"] = inner  # a Submitted or Queued state wraps the state it came from
    return state


def state_type(state: dict) -> str:
    return state.get("type") or "Pending"


def start_time_of(state: dict) -> datetime | None:
    """When a Scheduled-like state is due (a Submitted state keeps its Scheduled one inside)."""
    value = state.get("start_time")
    if value is None and isinstance(state.get("state"), dict):
        value = state["state"].get("start_time")
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def is_finished(type_: str | None) -> bool:
    return type_ in FINISHED_STATES


def is_failed(type_: str | None) -> bool:
    return type_ in FAILED_STATES
