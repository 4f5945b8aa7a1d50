"""The programs tests run as files (``tests/programs/NAME.py``, linted like the rest), the venv's
``prefect`` command, and a user's own flows registered with a stand-in."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tutorial_kit.paths import REPO_ROOT

from .processes import clean_env

#: Test programs run as files (``python tests/programs/NAME.py ARGS``), so that ruff lints them.
PROGRAMS = Path(__file__).resolve().parents[1] / "programs"
USER_FLOWS = PROGRAMS / "user_flows.py"


def run_program(name: str, *args: str, env: dict, cwd, timeout: float = 60) -> tuple[subprocess.CompletedProcess, dict]:
    """Run ``tests/programs/NAME.py ARGS``, which reports by printing ``RESULT:`` and JSON; the process and
    what it reported (the last such line). Fails unless it exited 0 having reported."""
    proc = subprocess.run(
        [sys.executable, str(PROGRAMS / f"{name}.py"), *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    results = [line[len("RESULT:") :] for line in proc.stdout.splitlines() if line.startswith("RESULT:")]
    assert proc.returncode == 0 and results, (proc.returncode, proc.stdout, proc.stderr)
    return proc, json.loads(results[-1])


def shell_env(standin, prefect_home: Path) -> dict:
    """The environment of a shell pointed at ``standin``, as ``python -m standin env`` makes it for
    the shared one: its variables, and the key as Prefect's config."""
    return clean_env(
        **{**standin.environ(), "PREFECT__HOME_DIR": str(prefect_home)},
        PYTHONWARNINGS="ignore",
        PREFECT__CLOUD__API_KEY=standin.environ()["PREFECT_USER_TOKEN"],
    )


def prefect_cli(shell: dict, *args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    """The venv's ``prefect`` command, run in ``shell`` (from the repo, as a user runs it)."""
    return subprocess.run(
        [str(Path(sys.executable).parent / "prefect"), *args],
        env=shell,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO_ROOT,
    )


def register_user_flow(shell: dict, name: str, project: str) -> str:
    """Register one of ``tests/programs/user_flows.py``'s flows; its flow id."""
    done = subprocess.run(
        [sys.executable, str(USER_FLOWS), name, project],
        env=shell,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO_ROOT,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip().splitlines()[-1]
