"""The tutorial's test programs, run as files (``tests/programs/NAME.py``, linted like the rest).
The stand-in's helpers that run programs, the ``prefect`` CLI and a user's own flows are
``standin.testing.programs``."""

from __future__ import annotations

from pathlib import Path

#: The tutorial's test programs (``python tests/programs/NAME.py ARGS``), so that ruff lints them.
PROGRAMS = Path(__file__).resolve().parents[1] / "programs"
