"""Prefect Cloud's KV store (``prefect kv``, ``prefect.backend.kv_store``): JSON values under
string keys, one per key per tenant, at most 10 KB each (the limit Prefect Cloud enforced and
prefect's client checks first)."""

from __future__ import annotations

import json
from typing import Any

from ..exceptions import InvalidInput, NotFound
from .base import BackendBase, new_id
from .records import KeyValue

#: Prefect Cloud's limit on a value, as ``len(json.dumps(value))``.
MAX_VALUE_SIZE = 10_000


class KeyValuesMixin(BackendBase):
    def set_key_value(self, key: str, value: Any) -> KeyValue:
        """Set ``key`` to ``value``, overwriting what it held: the entry keeps its id."""
        if not isinstance(key, str) or not key.strip():
            raise InvalidInput("A key must be a non-empty string.")
        if len(json.dumps(value)) > MAX_VALUE_SIZE:
            raise InvalidInput("Value payload exceedes 10 KB limit.")
        with self._write():
            entry = next((kv for kv in self.key_values.values() if kv.key == key), None)
            now = self.clock()
            if entry is None:
                entry = KeyValue(id=new_id(), tenant_id=self.tenant_id, key=key, value=value, created=now, updated=now)
            else:
                entry.value, entry.updated = value, now
            return self._save(entry)

    def delete_key_value(self, key_value_id: str) -> bool:
        with self._write():
            entry = self.key_values.get(key_value_id)
            if entry is None:
                raise NotFound(f"Key value {key_value_id} not found.")
            self._drop(entry)
            return True
