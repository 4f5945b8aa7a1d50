"""Flow runs, their heartbeats and their cancellation (their task runs are ``task_runs.py``, the
state history both share ``run_states.py``, the pages' indexes ``run_index.py``, the agents' queue
``agents.py``, logs ``logs.py``).

The semantics are Prefect Server's (``prefect_server/api/runs.py``, ``api/states.py``,
``api/logs.py``, ``api/agents.py``, and its database triggers), which Prefect Cloud 1.x shared:

- ``create_flow_run`` picks the run's labels (given, else the given run config's, else the flow
  group's, else the flow's run config's), copies the run config, fills parameters from their
  defaults, the flow group's and the given ones (a missing required one is refused), names the
  run (two random words), stores ``Scheduled("Flow run scheduled.")`` and creates one task run per
  task (``map_index`` -1, ``Pending("Task run created")``): the flow-run process takes every
  task's id from them. An ``idempotency_key`` already used for the flow returns that run.
- a flow run's Running or Submitted state is also a heartbeat; ``Cancelled`` cancels every
  unfinished task run. Versions are not enforced (Cloud locked them only where a flow group
  asked), and no answer is ever "QUEUED".
- ``cancel_flow_run``: a Running run becomes ``Cancelling`` (its flow-run process notices and
  stops), any other unfinished one ``Cancelled``.
"""

from __future__ import annotations

import copy
from datetime import datetime

from ..exceptions import InvalidInput, NotFound
from . import states
from .base import BackendBase, new_id
from .records import Flow, FlowRun, FlowRunState, TaskRunState
from .run_names import run_name


class FlowRunsMixin(BackendBase):
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
                self._submitted_by(run, agent_id)
            self._save(run)
        self.changed()
        return entry

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
