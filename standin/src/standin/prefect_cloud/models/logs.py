"""The logs of flow runs and task runs, as Prefect Server keeps them (``prefect_server/api/logs.py``).

Entries are kept in the order they were written (``seq``) within a timestamp, so that lines a
flow-run process sends in one batch with the same time read back as they were logged.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from ...core.numbers import is_whole_number
from ..exceptions import InvalidInput, NotFound
from .base import BackendBase, new_id
from .records import Log
from .run_index import newest_first


def _order(log: Log) -> tuple:
    return (log.timestamp, log.seq)


class LogsMixin(BackendBase):
    _log_seq = 0

    def _index(self, table: str, record) -> None:
        """Keep each run's logs in their order (time, then arrival), so that a page of them is a
        slice: a line stamped earlier than the last one kept (a client's own timestamp) moves back."""
        super()._index(table, record)
        if table == "logs":
            index = self._logs_of[record.flow_run_id]
            if len(index) > 1 and _order(index[-2]) > _order(record):
                index.pop()
                bisect.insort(index, record, key=_order)

    # -- logs ---------------------------------------------------------------------------------
    def write_run_logs(self, logs: Iterable[dict]) -> int:
        """Store log entries (``flow_run_id``, ``task_run_id``, ``timestamp``, ``name``, ``level``,
        ``message``, ``info``); a missing timestamp is the server's time, as in Prefect Cloud."""
        entries = list(logs)
        with self._write():
            for entry in entries:
                if not isinstance(entry, dict):
                    raise InvalidInput("Each log must be a JSON object.")
                run = self.flow_run(str(entry.get("flow_run_id")))
                task_run_id = entry.get("task_run_id")
                if task_run_id is not None and task_run_id not in self.task_runs:
                    raise NotFound(f"Task run {task_run_id} not found.")
                timestamp = entry.get("timestamp")
                level = entry.get("level") or "INFO"
                self._log_seq += 1
                self._save(
                    Log(
                        id=new_id(),
                        tenant_id=self.tenant_id,
                        flow_run_id=run.id,
                        task_run_id=task_run_id,
                        timestamp=timestamp if isinstance(timestamp, datetime) else self.clock(),
                        created=self.clock(),
                        name=entry.get("name"),
                        level=_level_name(level),
                        message=str(entry.get("message", "")),
                        info=entry.get("info"),
                        seq=self._log_seq,
                    )
                )
        return len(entries)

    def logs_of(self, flow_run_id: str) -> list[Log]:
        """Every log of a flow run, oldest first."""
        with self._lock:
            return list(self._logs_of.get(flow_run_id, ()))

    def count_logs_of(self, flow_run_id: str) -> int:
        return len(self._logs_of.get(flow_run_id, ()))

    def newest_logs_of(self, flow_run_id: str, offset: int = 0, limit: int | None = None) -> list[Log]:
        """A page of a flow run's logs, newest first: ``limit`` after the ``offset`` newest."""
        with self._lock:
            return newest_first(self._logs_of.get(flow_run_id, []), offset, limit)


def _level_name(level: Any) -> str:
    """A level as a name ("INFO"): ``prefect run --watch`` turns it into a number with
    ``logging.getLevelName``, and a number there breaks its colours with a TypeError."""
    names = {50: "CRITICAL", 40: "ERROR", 30: "WARNING", 20: "INFO", 10: "DEBUG", 0: "NOTSET"}
    if is_whole_number(level):
        return names.get(level, f"Level {level}")
    return str(level).upper()
