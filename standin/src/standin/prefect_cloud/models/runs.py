"""Flow runs and task runs, their states and heartbeats (the agents' queue is ``agents.py``, logs
``logs.py``).

The semantics are Prefect Server's (``prefect_server/api/runs.py``, ``api/states.py``,
``api/logs.py``, ``api/agents.py``, and its database triggers), which Prefect Cloud 1.x shared:

- ``create_flow_run`` picks the run's labels (given, else the given run config's, else the flow
  group's, else the flow's run config's), copies the run config, fills parameters from their
  defaults, the flow group's and the given ones (a missing required one is refused), names the
  run (two random words), stores ``Scheduled("Flow run scheduled.")`` and creates one task run per
  task (``map_index`` -1, ``Pending("Task run created")``): the flow-run process takes every
  task's id from them. An ``idempotency_key`` already used for the flow returns that run.
- every accepted state appends to the run's history and is copied onto the run (``state``,
  ``version`` + 1, ``state_start_time``, ``start_time`` at the first Running, ``end_time`` when
  finished); timestamps strictly increase (``prefect run --watch`` counts states by position).
  A Running or Submitted state is also a heartbeat; ``Cancelled`` cancels every unfinished task
  run; a task run may not be Running unless its flow run is. Versions are not enforced (Cloud
  locked them only where a flow group asked), and no answer is ever "QUEUED".
- ``cancel_flow_run``: a Running run becomes ``Cancelling`` (its flow-run process notices and
  stops), any other unfinished one ``Cancelled``.
"""

from __future__ import annotations

import bisect
import copy
import heapq
import itertools
import random
from collections.abc import Iterable
from datetime import datetime, timedelta

from ..exceptions import InvalidInput, NotFound
from . import states
from .base import BackendBase, new_id
from .records import Flow, FlowRun, FlowRunState, TaskRun, TaskRunState

_ADJECTIVES = (
    "amber",
    "bold",
    "brisk",
    "calm",
    "cobalt",
    "crimson",
    "daring",
    "eager",
    "fearless",
    "gentle",
    "golden",
    "hidden",
    "humble",
    "jade",
    "keen",
    "lively",
    "lucky",
    "mellow",
    "nimble",
    "olive",
    "plucky",
    "quiet",
    "rapid",
    "rustic",
    "silver",
    "steady",
    "sturdy",
    "swift",
    "tidy",
    "vivid",
    "witty",
    "zealous",
)
_ANIMALS = (
    "albatross",
    "badger",
    "beaver",
    "bison",
    "cheetah",
    "condor",
    "coyote",
    "dingo",
    "falcon",
    "ferret",
    "gazelle",
    "heron",
    "ibex",
    "jackal",
    "koala",
    "lemur",
    "lynx",
    "marmot",
    "narwhal",
    "ocelot",
    "otter",
    "panda",
    "puffin",
    "quokka",
    "raven",
    "salamander",
    "tapir",
    "toucan",
    "walrus",
    "wombat",
    "yak",
    "zebra",
)


def run_name() -> str:
    """Two words, as Prefect's ``names.generate_slug(2)``: "swift-otter"."""
    return f"{random.choice(_ADJECTIVES)}-{random.choice(_ANIMALS)}"


def _created(run: FlowRun) -> datetime:
    return run.created


def _remove(index: list, run: FlowRun) -> None:
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


class RunsMixin(BackendBase):
    _last_timestamp: datetime | None = None

    def __init__(self, *args, **kwargs):
        # The pages' indexes, each run list oldest first (by ``created``): a page of the newest
        # runs is a slice and a total a ``len``, whatever the history (``ui/pages/``).
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
                _remove(self._runs_of_group.get(flow.flow_group_id, []), record)
            if record.agent_id:
                _remove(self._runs_of_agent.get(record.agent_id, []), record)

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

    def _timestamp(self) -> datetime:
        """Now, strictly later than any timestamp handed out before."""
        now = self.clock()
        if self._last_timestamp is not None and now <= self._last_timestamp:
            now = self._last_timestamp + timedelta(microseconds=1)
        self._last_timestamp = now
        return now

    # -- flow runs -----------------------------------------------------------------------------
    def flow_run(self, flow_run_id: str) -> FlowRun:
        run = self.flow_runs.get(flow_run_id)
        if run is None:
            raise NotFound(f"Flow run {flow_run_id} not found.")
        return run

    def create_flow_run(
        self,
        flow_id: str | None = None,
        *,
        version_group_id: str | None = None,
        parameters: dict | None = None,
        context: dict | None = None,
        scheduled_start_time: datetime | None = None,
        flow_run_name: str | None = None,
        labels: list | None = None,
        run_config: dict | None = None,
        idempotency_key: str | None = None,
        auto_scheduled: bool = False,
    ) -> FlowRun:
        with self._write():
            flow = self._flow_to_run(flow_id, version_group_id)
            if idempotency_key:
                for run in self.flow_runs.values():
                    if run.flow_id == flow.id and run.idempotency_key == idempotency_key:
                        return run
            group = self.flow_groups.get(flow.flow_group_id)
            now = self._timestamp()
            run = FlowRun(
                id=new_id(),
                tenant_id=self.tenant_id,
                flow_id=flow.id,
                name=flow_run_name or run_name(),
                created=now,
                updated=now,
                labels=sorted(self._run_labels(flow, group, labels, run_config)),
                parameters=self._run_parameters(flow, group, parameters),
                context=dict(context or {}),
                run_config=copy.deepcopy(
                    run_config
                    if run_config is not None
                    else (group.run_config if group and group.run_config is not None else flow.run_config)
                ),
                scheduled_start_time=scheduled_start_time or self.clock(),
                idempotency_key=idempotency_key,
                auto_scheduled=auto_scheduled,
            )
            self._save(run)
            self._add_state(
                run,
                FlowRunState,
                states.serialized("Scheduled", "Flow run scheduled.", start_time=run.scheduled_start_time),
            )
            for task in self.tasks_of(flow.id):
                self._new_task_run(run, task.id, -1)
        self.changed()
        return run

    def _flow_to_run(self, flow_id: str | None, version_group_id: str | None) -> Flow:
        if flow_id:
            flow = self.flows.get(flow_id)
            if flow is None:
                raise NotFound(f"Flow {flow_id} not found")
        elif version_group_id:
            current = [f for f in self.flows.values() if f.version_group_id == version_group_id and not f.archived]
            if not current:
                raise NotFound(f"Version group {version_group_id} has no unarchived flows.")
            flow = max(current, key=lambda f: f.version)
        else:
            raise InvalidInput("One of flow_id or version_group_id must be provided.")
        if flow.archived:
            raise InvalidInput(f"Flow {flow.id} is archived.")
        return flow

    def labels_of_a_new_run(self, flow: Flow) -> list:
        """The labels ``create_flow_run`` gives a run of ``flow`` when asked for none."""
        return sorted(self._run_labels(flow, self.flow_groups.get(flow.flow_group_id), None, None))

    @staticmethod
    def _run_labels(flow: Flow, group, labels, run_config) -> list:
        if labels is not None:
            return list(labels)
        if run_config is not None:
            return list(run_config.get("labels") or [])
        if group is not None and group.labels is not None:
            return list(group.labels)
        for source in (group.run_config if group else None, flow.run_config, flow.environment):
            if source is not None:
                return list(source.get("labels") or [])
        return []

    @staticmethod
    def _run_parameters(flow: Flow, group, parameters: dict | None) -> dict:
        if parameters is not None and not isinstance(parameters, dict):
            raise InvalidInput("parameters must be a JSON object.")
        # as Prefect Server: only truthy defaults (a default of False or 0 is left to the flow itself)
        values = {p["name"]: p["default"] for p in flow.parameters if isinstance(p, dict) and p.get("default")}
        values.update((group.default_parameters if group else None) or {})
        values.update(parameters or {})
        required = {p["name"] for p in flow.parameters if isinstance(p, dict) and p.get("required")}
        missing = required.difference(values)
        if missing:
            raise InvalidInput(f"Required parameters were not supplied: {missing}")
        return values

    def set_flow_run_state(
        self, flow_run_id: str, serialized_state: dict, version: int | None = None, agent_id: str | None = None
    ) -> FlowRunState:
        """``version`` is accepted and not enforced (see the module docstring)."""
        if not isinstance(serialized_state, dict):
            raise InvalidInput("A state must be a JSON object.")
        type_ = states.state_type(serialized_state)
        with self._write():
            run = self.flow_run(flow_run_id)
            if type_ == "Submitted" and run.state not in states.SCHEDULED_STATES:
                raise InvalidInput("State update failed: this run has already been submitted.")
            if type_ == "Cancelled":
                for task_run in self._task_runs_of.get(run.id, ()):
                    if not states.is_finished(task_run.state):
                        self._add_state(task_run, TaskRunState, copy.deepcopy(serialized_state))
            entry = self._add_state(run, FlowRunState, serialized_state)
            if type_ in ("Running", "Submitted"):
                run.heartbeat = entry.timestamp
            if type_ == "Submitted" and agent_id and agent_id in self.agents and run.agent_id != agent_id:
                if run.agent_id:
                    _remove(self._runs_of_agent.get(run.agent_id, []), run)
                run.agent_id = agent_id
                bisect.insort(self._runs_of_agent.setdefault(agent_id, []), run, key=_created)
            self._save(run)
        self.changed()
        return entry

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

    def update_flow_run_heartbeat(self, flow_run_id: str) -> None:
        with self._write():
            run = self.flow_run(flow_run_id)
            run.heartbeat = self._timestamp()
            self._save(run)

    def cancel_flow_run(self, flow_run_id: str, message: str | None = None) -> FlowRun:
        run = self.flow_run(flow_run_id)
        if states.is_finished(run.state):
            return run
        if run.state == "Running":
            self.set_flow_run_state(run.id, states.serialized("Cancelling", message or "Flow run is cancelling"))
        else:
            self.set_flow_run_state(run.id, states.serialized("Cancelled", message or "Flow run is cancelled"))
        return run

    def fail_flow_run(self, flow_run_id: str, message: str, logger: str) -> None:
        """The platform gives up on a run (its process died, or stopped heart-beating): Failed,
        with an ERROR log that says why, as Prefect Cloud's zombie killer wrote."""
        with self._write():
            self.set_flow_run_state(flow_run_id, states.serialized("Failed", message))
            self.write_run_logs([{"flow_run_id": flow_run_id, "name": logger, "level": "ERROR", "message": message}])

    def delete_scheduled_runs(self, flow_id: str) -> int:
        """Delete a flow's auto-scheduled runs that have not started (its version was archived)."""
        with self._write():
            doomed = [
                r
                for r in self.flow_runs.values()
                if r.flow_id == flow_id and r.auto_scheduled and r.state == "Scheduled"
            ]
            for run in doomed:
                self.drop_flow_run(run)
        return len(doomed)

    def drop_flow_run(self, run: FlowRun) -> None:
        """Delete a flow run with what hangs on it (task runs, states, logs, artifacts), as
        Prefect Server's foreign keys cascade."""
        with self._write():
            for task_run in list(self._task_runs_of.get(run.id, ())):
                for record in [*self._states_of.get(task_run.id, ()), *self.artifacts_of(task_run.id)]:
                    self._drop(record)
                self._drop(task_run)
            for record in [*self._states_of.get(run.id, ()), *self._logs_of.get(run.id, ())]:
                self._drop(record)
            self._drop(run)

    def last_auto_scheduled_time(self, flow_id: str) -> datetime | None:
        times = [r.scheduled_start_time for r in self.flow_runs.values() if r.flow_id == flow_id and r.auto_scheduled]
        return max(times, default=None)

    def rename(self, table: str, run_id: str, name: str) -> None:
        """``set_flow_run_name`` / ``set_task_run_name``."""
        if not isinstance(name, str) or not name.strip():
            raise InvalidInput("Invalid name.")
        with self._write():
            run = getattr(self, table).get(run_id)
            if run is None:
                raise NotFound(f"Run {run_id} not found.")
            run.name = name
            self._save(run)

    # -- task runs ----------------------------------------------------------------------------
    def task_runs_of(self, flow_run_id: str) -> list[TaskRun]:
        return list(self._task_runs_of.get(flow_run_id, ()))

    def task_run(self, task_run_id: str) -> TaskRun:
        task_run = self.task_runs.get(task_run_id)
        if task_run is None:
            raise NotFound(f"Task run {task_run_id} not found.")
        return task_run

    def _new_task_run(self, flow_run: FlowRun, task_id: str, map_index: int) -> TaskRun:
        task = self.tasks.get(task_id)
        if task is None or task.flow_id != flow_run.flow_id:
            raise NotFound(f"Task {task_id!r} is not a task of flow run {flow_run.id}.")
        now = self._timestamp()
        task_run = TaskRun(
            id=new_id(),
            tenant_id=self.tenant_id,
            flow_run_id=flow_run.id,
            task_id=task.id,
            map_index=map_index,
            cache_key=task.cache_key,
            created=now,
            updated=now,
        )
        self._save(task_run)
        self._add_state(task_run, TaskRunState, states.serialized("Pending", "Task run created"))
        task_run.version = 0  # as Prefect Server: a new task run's version is 0
        self._save(task_run)
        return task_run

    def get_or_create_task_run(self, flow_run_id: str, task_id: str, map_index: int | None = None) -> TaskRun:
        map_index = -1 if map_index is None else map_index
        with self._write():
            flow_run = self.flow_run(flow_run_id)
            for task_run in self._task_runs_of.get(flow_run.id, ()):
                if task_run.task_id == task_id and task_run.map_index == map_index:
                    return task_run
            return self._new_task_run(flow_run, task_id, map_index)

    def set_task_run_state(self, task_run_id: str, serialized_state: dict, version: int | None = None) -> TaskRunState:
        if not isinstance(serialized_state, dict):
            raise InvalidInput("A state must be a JSON object.")
        with self._write():
            task_run = self.task_run(task_run_id)
            flow_run = self.flow_runs.get(task_run.flow_run_id)
            if states.state_type(serialized_state) == "Running" and (flow_run is None or flow_run.state != "Running"):
                raise InvalidInput(
                    f"State update failed for task run ID {task_run_id}: provided a running state but associated "
                    f"flow run {task_run.flow_run_id} is not in a running state."
                )
            previous = task_run.serialized_state or {}
            if not serialized_state.get("cached_inputs") and previous.get("cached_inputs"):
                serialized_state = {**serialized_state, "cached_inputs": previous["cached_inputs"]}
            entry = self._add_state(task_run, TaskRunState, serialized_state)
            if entry.state == "Running":
                task_run.heartbeat = entry.timestamp
                self._save(task_run)
        return entry
