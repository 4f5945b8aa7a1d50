"""Where the stand-in keeps what must outlive it: SQLite, written through on every change.

The emulated platforms hold their records in memory, where the Hasura-style queries run
(``prefect_cloud/hasura.py``), and write each record they change to a :class:`Store` before they
answer: a shared stand-in (``make standin``) that is restarted, even after ``kill -9``, loads them
back and has lost nothing it had acknowledged. A ``kill -9`` loses the process, not the operating
system's page cache, so a committed SQLite transaction in WAL mode survives it without an
``fsync`` per request (``synchronous=NORMAL``).

A record is a JSON document in the ``records`` table, keyed by its kind (the record class's name) and id;
bytes that are not JSON (the cloudpickled flows prefect-saturn uploads) go to ``blobs``; single values (the
shared stand-in's keys, port and user, the PIDs of its runs in flight) to ``meta``. Why not one table per
record with columns: the stand-in filters in memory, as Hasura's semantics need, and one document per record
keeps the schema out of the way of the models as they grow.

:class:`Store` with ``path=None`` keeps nothing: a notebook's private stand-in lives and dies with
its kernel.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import sqlite3
import threading
import typing
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS records (kind TEXT NOT NULL, id TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (kind, id));
CREATE TABLE IF NOT EXISTS blobs (kind TEXT NOT NULL, id TEXT NOT NULL, data BLOB NOT NULL, PRIMARY KEY (kind, id));
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class Store:
    """Write-through persistence. Every write happens inside :meth:`transaction` (re-entrant):
    the outermost one commits, so a change of several records lands whole or not at all."""

    def __init__(self, path: Path | None = None):
        self.path = path
        self._lock = threading.RLock()
        self._depth = 0
        self._db: sqlite3.Connection | None = None
        if path is not None:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)  # private before SQLite opens it
            os.close(fd)
            self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(SCHEMA)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        with self._lock:
            if self._db is None:
                yield
                return
            outermost = self._depth == 0
            if outermost:
                self._db.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                if outermost:
                    self._db.execute("ROLLBACK")
                raise
            self._depth -= 1
            if outermost:
                self._db.execute("COMMIT")

    # -- records -----------------------------------------------------------------------------
    def put(self, record: Any) -> None:
        if self._db is not None:
            with self.transaction():
                self._db.execute(
                    "INSERT OR REPLACE INTO records VALUES (?, ?, ?)",
                    (type(record).__name__, record.id, json.dumps(to_doc(record))),
                )

    def delete(self, record: Any) -> None:
        if self._db is not None:
            with self.transaction():
                self._db.execute("DELETE FROM records WHERE kind = ? AND id = ?", (type(record).__name__, record.id))

    def load(self, cls: type) -> list:
        """Every stored record of ``cls``, oldest write first."""
        if self._db is None:
            return []
        with self._lock:
            rows = self._db.execute("SELECT doc FROM records WHERE kind = ? ORDER BY rowid", (cls.__name__,))
            return [from_doc(cls, json.loads(doc)) for (doc,) in rows.fetchall()]

    # -- bytes and single values -----------------------------------------------------------------
    def put_blob(self, kind: str, key: str, data: bytes) -> None:
        if self._db is not None:
            with self.transaction():
                self._db.execute("INSERT OR REPLACE INTO blobs VALUES (?, ?, ?)", (kind, key, data))

    def blobs(self, kind: str) -> dict[str, bytes]:
        if self._db is None:
            return {}
        with self._lock:
            return dict(self._db.execute("SELECT id, data FROM blobs WHERE kind = ?", (kind,)).fetchall())

    def get_meta(self, key: str) -> str | None:
        if self._db is None:
            return None
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
            return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        if self._db is not None:
            with self.transaction():
                self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def delete_meta(self, key: str) -> None:
        if self._db is not None:
            with self.transaction():
                self._db.execute("DELETE FROM meta WHERE key = ?", (key,))

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None


# -- records as JSON documents ----------------------------------------------------------------
def to_doc(record: Any) -> dict:
    """A dataclass record as a JSON-able dict (datetimes as ISO 8601 text)."""
    return {f.name: _encode(getattr(record, f.name)) for f in dataclasses.fields(record)}


def _encode(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def from_doc(cls: type, doc: dict):
    names = _datetime_fields(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    values = {
        k: (datetime.fromisoformat(v) if k in names and v is not None else v) for k, v in doc.items() if k in known
    }  # a field removed since: ignored
    return cls(**values)


_DATETIME_FIELDS: dict[type, frozenset] = {}


def _datetime_fields(cls: type) -> frozenset:
    if cls not in _DATETIME_FIELDS:
        hints = typing.get_type_hints(cls)
        _DATETIME_FIELDS[cls] = frozenset(
            name for name, hint in hints.items() if hint is datetime or datetime in typing.get_args(hint)
        )
    return _DATETIME_FIELDS[cls]
