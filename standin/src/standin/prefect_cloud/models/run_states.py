"""A run's state history, the same for flow runs and task runs (Prefect Server's semantics, its
``api/states.py`` and database triggers): every accepted state is appended to the run's history and
copied onto the run (``state``, ``version`` + 1, ``state_start_time``, ``start_time`` at the first
Running, ``end_time`` when finished), and timestamps strictly increase (``prefect run --watch``
counts states by position)."""

from __future__ import annotations

from datetime import datetime, timedelta

from . import states
from .base import BackendBase, new_id


class RunStatesMixin(BackendBase):
    _last_timestamp: datetime | None = None

    def _timestamp(self) -> datetime:
        """Now, strictly later than any timestamp handed out before."""
        now = self.clock()
        if self._last_timestamp is not None and now <= self._last_timestamp:
            now = self._last_timestamp + timedelta(microseconds=1)
        self._last_timestamp = now
        return now

    def _add_state(self, run, state_cls: type, serialized_state: dict):
        """Append a state to a run's history and copy it onto the run (Prefect Server's trigger)."""
        now = self._timestamp()
        type_ = states.state_type(serialized_state)
        entry = state_cls(
            id=new_id(),
            tenant_id=self.tenant_id,
            run_id=run.id,
            version=run.version + 1,
            state=type_,
            message=serialized_state.get("message"),
            timestamp=now,
            start_time=states.start_time_of(serialized_state),
            serialized_state=serialized_state,
            created=now,
        )
        self._save(entry)
        run.version, run.state, run.serialized_state = entry.version, type_, serialized_state
        run.state_message, run.state_start_time, run.state_timestamp = entry.message, entry.start_time, now
        run.updated = now
        if type_ == "Running" and run.start_time is None:
            run.start_time = now
        if states.is_finished(type_):
            run.end_time = now
        self._save(run)
        return entry

    def states_of(self, run_id: str) -> list:
        return list(self._states_of.get(run_id, ()))
