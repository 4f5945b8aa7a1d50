"""The state a server on a new home starts from. A home's first server start migrates a new SQLite database and
registers Prefect's block types, most of its start (``make bench`` times a new home's start, from this
template, and a start on an existing home; the migrating start they replace: docs/benchmarks.md). So the
companion's set-up (``make .venv-prefect3/.installed``) runs ``python -m tutorial_kit.prefect3.template``
once: it starts a server on a home of its own, stops it, and keeps what that start made, the database (all its
writes in the file itself) and the registration's memo. A server on a home without a database starts from a
copy of them (:func:`seed`); without the template (a venv set up otherwise), it migrates as before.

The template is the installed Prefect version's, inside the venv (``share/tutorial-kit/``), made again with it.
"""

from __future__ import annotations

import shutil
import sqlite3
import sys
import tempfile
from importlib.metadata import version
from pathlib import Path

#: What a server's first start writes that a later one reuses.
FILES = ("prefect.db", "memo_store.toml")


def template_home() -> Path:
    return Path(sys.prefix) / "share" / "tutorial-kit" / f"prefect-{version('prefect')}-home"


def seed(home: Path) -> bool:
    """Copy the template into ``home`` when it has no database yet and the template is there; whether it did."""
    template = template_home()
    if (home / FILES[0]).exists() or not all((template / name).exists() for name in FILES):
        return False
    for name in FILES:
        shutil.copyfile(template / name, home / name)
    return True


def make() -> Path:
    """Start a server on a new home, stop it, and keep its :data:`FILES` as the template (replacing an older one)."""
    from .server import PrefectServer

    final = template_home()
    final.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=final.parent) as work:
        server = PrefectServer.start(Path(work) / "home")
        server.stop()
        database = server.home / FILES[0]
        with sqlite3.connect(database) as db:  # the write-ahead log's pages into the file itself
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        made = Path(work) / "template"
        made.mkdir()
        for name in FILES:
            shutil.copyfile(server.home / name, made / name)
        shutil.rmtree(final, ignore_errors=True)
        made.rename(final)
    return final


if __name__ == "__main__":
    print(f"Prefect 3 home template: {make()}")
