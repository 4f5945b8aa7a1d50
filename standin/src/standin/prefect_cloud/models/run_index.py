"""The pages' indexes of flow runs: a flow group's runs and the runs each agent submitted, each
kept oldest first by ``created``, so that a page of the newest is a slice and a total a ``len``,
whatever the history (``ui/pages/``, ``benchmarks/pages.py``)."""

from __future__ import annotations

import bisect
import heapq
import itertools
from collections.abc import Iterable
from datetime import datetime

from .base import BackendBase
from .records import FlowRun


def _created(run: FlowRun) -> datetime:
    return run.created


def remove_from(index: list, run: FlowRun) -> None:
    """Take ``run`` itself out of an index kept by ``created`` (found by bisection, by identity)."""
    i = bisect.bisect_left(index, run.created, key=_created)
    while i < len(index) and index[i].created == run.created:
        if index[i] is run:
            del index[i]
            return
        i += 1


def newest_first(index: list, offset: int = 0, limit: int | None = None) -> list:
    """A page of ``index`` (kept oldest first), newest first: ``limit`` records after the
    ``offset`` newest. A slice: it reads the page only, however long the index."""
    end = len(index) - max(0, offset)
    if end <= 0:
        return []
    start = 0 if limit is None else max(0, end - limit)
    return index[start:end][::-1]


class RunIndexMixin(BackendBase):
    def __init__(self, *args, **kwargs):
        self._runs_of_group: dict[str, list[FlowRun]] = {}  # flow group id -> its runs
        self._runs_of_agent: dict[str, list[FlowRun]] = {}  # agent id -> the runs it submitted
        super().__init__(*args, **kwargs)

    def _index(self, table: str, record) -> None:
        super()._index(table, record)
        if table == "flow_runs":
            flow = self.flows.get(record.flow_id)
            if flow is not None:
                bisect.insort(self._runs_of_group.setdefault(flow.flow_group_id, []), record, key=_created)
            if record.agent_id:
                bisect.insort(self._runs_of_agent.setdefault(record.agent_id, []), record, key=_created)

    def _drop(self, record) -> None:
        super()._drop(record)
        if isinstance(record, FlowRun):
            flow = self.flows.get(record.flow_id)
            if flow is not None:
                remove_from(self._runs_of_group.get(flow.flow_group_id, []), record)
            if record.agent_id:
                remove_from(self._runs_of_agent.get(record.agent_id, []), record)

    # -- the pages' queries ----------------------------------------------------------------------
    def count_runs_of_group(self, flow_group_id: str) -> int:
        return len(self._runs_of_group.get(flow_group_id, ()))

    def runs_of_group(self, flow_group_id: str, offset: int = 0, limit: int | None = None) -> list[FlowRun]:
        """The runs of every version of a flow group, newest first, ``limit`` after ``offset``."""
        with self._lock:
            return newest_first(self._runs_of_group.get(flow_group_id, []), offset, limit)

    def count_runs_of_agents(self, agent_ids: Iterable[str]) -> int:
        return sum(len(self._runs_of_agent.get(agent_id, ())) for agent_id in agent_ids)

    def runs_of_agents(self, agent_ids: Iterable[str], offset: int = 0, limit: int | None = None) -> list[FlowRun]:
        """The runs these agents submitted, newest first, ``limit`` after ``offset`` (reads
        ``offset + limit`` runs at most: a merge of the agents' indexes, newest end first)."""
        with self._lock:
            merged = heapq.merge(
                *(reversed(self._runs_of_agent.get(a, [])) for a in agent_ids), key=_created, reverse=True
            )
            return list(itertools.islice(merged, offset, None if limit is None else offset + limit))

    def _submitted_by(self, run: FlowRun, agent_id: str) -> None:
        """File ``run`` under the agent that submitted it (taken from the one before, if any)."""
        if run.agent_id:
            remove_from(self._runs_of_agent.get(run.agent_id, []), run)
        run.agent_id = agent_id
        bisect.insort(self._runs_of_agent.setdefault(agent_id, []), run, key=_created)
