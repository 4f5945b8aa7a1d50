"""Writing a file so that a reader never sees half of it: :func:`atomic_output`.

Why one helper: the generator (the sample, a month-size CSV, its Parquet copy) and ``make
outputs`` (both notebooks) all replace files that something else may be reading at that moment
(a notebook run, a test, a benchmark), and a run may be interrupted half-way.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


@contextlib.contextmanager
def atomic_output(path):
    """Yield a temporary path beside ``path``; when the block succeeds, sync it and move it onto
    ``path`` with ``os.replace``.  When the block fails, delete it.

    A reader therefore sees the old file or the whole new one, never half of one, and a failed
    or interrupted run leaves no partial file behind.  The new file is readable by everyone
    (0644), like a file the user wrote, not private like a temporary file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        yield Path(tmp)
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
