"""Task runs (Prefect Server's semantics, ``prefect_server/api/runs.py``): one per task is created
with its flow run (``map_index`` -1, ``Pending("Task run created")``, version 0), a mapped child
on first ask; a task run may not be Running unless its flow run is, and a state without
``cached_inputs`` keeps the ones the run had."""

from __future__ import annotations

from ..exceptions import InvalidInput, NotFound
from . import states
from .base import BackendBase, new_id
from .records import FlowRun, TaskRun, TaskRunState


class TaskRunsMixin(BackendBase):
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
