"""Programs that tests run as files, each in a fresh interpreter, as a user's own scripts run: a
test's program, the venv's ``prefect`` command, and a user's own flows (``user_flows.py``)
registered with a stand-in."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .processes import clean_env

#: A user's own flows, as a script registers them (``python user_flows.py NAME PROJECT``).
USER_FLOWS = Path(__file__).with_name("user_flows.py")


def run_program(
    program: Path, *args: str, env: dict, cwd, timeout: float = 60
) -> tuple[subprocess.CompletedProcess, dict]:
    """Run the program file ``program`` with ``args``; it reports by printing ``RESULT:`` and JSON.
    The process and what it reported (the last such line). Fails unless it exited 0 having reported."""
    proc = subprocess.run(
        [sys.executable, str(program), *args],
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


def prefect_cli(shell: dict, *args: str, timeout: float = 180, cwd=None) -> subprocess.CompletedProcess:
    """The venv's ``prefect`` command, run in ``shell`` (from ``cwd``: by default the test's)."""
    return subprocess.run(
        [str(Path(sys.executable).parent / "prefect"), *args],
        env=shell,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
    )


def register_user_flow(shell: dict, name: str, project: str) -> str:
    """Register one of :data:`USER_FLOWS`' flows; its flow id."""
    done = subprocess.run(
        [sys.executable, str(USER_FLOWS), name, project],
        env=shell,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip().splitlines()[-1]
