"""Task run artifacts (``prefect.backend.artifacts``: links and markdown a task publishes), as
Prefect Server keeps them (``prefect_server/api/artifacts.py``)."""

from __future__ import annotations

import json

from ..exceptions import InvalidInput, NotFound
from .base import BackendBase, new_id
from .records import TaskRunArtifact

#: Prefect Server's ``artifacts_max_payload_bytes`` default.
MAX_PAYLOAD_BYTES = 1_000_000


class ArtifactsMixin(BackendBase):
    def create_task_run_artifact(self, task_run_id: str, kind: str, data: dict) -> TaskRunArtifact:
        if len(json.dumps(data)) > MAX_PAYLOAD_BYTES:
            raise InvalidInput(f"Artifact data payload exceeds {MAX_PAYLOAD_BYTES} bytes limit.")
        with self._write():
            if task_run_id not in self.task_runs:
                raise NotFound(f"Task run {task_run_id} not found.")
            now = self.clock()
            return self._save(
                TaskRunArtifact(
                    id=new_id(),
                    tenant_id=self.tenant_id,
                    task_run_id=task_run_id,
                    kind=kind,
                    data=data,
                    created=now,
                    updated=now,
                )
            )

    def update_task_run_artifact(self, artifact_id: str, data: dict) -> bool:
        with self._write():
            artifact = self.task_run_artifacts.get(artifact_id)
            if artifact is None:
                return False
            artifact.data, artifact.updated = data, self.clock()
            self._save(artifact)
            return True

    def delete_task_run_artifact(self, artifact_id: str) -> bool:
        with self._write():
            artifact = self.task_run_artifacts.get(artifact_id)
            if artifact is None:
                return False
            self._drop(artifact)
            return True

    def artifacts_of(self, task_run_id: str) -> list[TaskRunArtifact]:
        return [a for a in self.task_run_artifacts.values() if a.task_run_id == task_run_id]
