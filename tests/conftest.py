"""Shared fixtures: a real stand-in process, and a way to find every process a run left behind.

Processes are traced by an environment marker: everything a run starts (papermill's kernel,
the stand-in, the Dask scheduler's worker processes) inherits its environment, so a process
still carrying the marker after the run is a leak, whoever its parent is now.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psutil
import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO_ROOT / "notebooks" / "prefect-resource-manager.ipynb"
SHARED_SAMPLE_DIR = REPO_ROOT.parent / "shared" / "data" / "tlc-yellow-2019-01"
MARK = "TUTORIAL_TEST_RUN"
SATURN_ENV = ("SATURN_BASE_URL", "SATURN_TOKEN", "BASE_URL", "SATURN_IS_INTERNAL", "STANDIN_DASK_SCHEDULER")


def clean_env(**extra) -> dict:
    """The environment of a user's machine off Saturn: no Saturn variables, no Prefect config."""
    env = {k: v for k, v in os.environ.items() if k not in SATURN_ENV and not k.startswith("PREFECT")}
    env.update(extra)
    return env


def marked_processes(mark: str) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter():
        try:
            if proc.environ().get(MARK) == mark:
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return found


def wait_until_gone(mark: str, timeout: float = 20.0) -> list[psutil.Process]:
    """Marked processes still alive after ``timeout`` seconds (polling is bounded)."""
    deadline = time.monotonic() + timeout
    while True:
        left = [p for p in marked_processes(mark) if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.2)


def describe(procs) -> str:
    out = []
    for p in procs:
        try:
            out.append(f"{p.pid}: {' '.join(p.cmdline())[:120]}")
        except psutil.Error:
            out.append(str(p.pid))
    return "; ".join(out)


@pytest.fixture
def mark():
    """A fresh marker; the test fails if any process carrying it outlives the test."""
    value = uuid.uuid4().hex
    yield value
    left = wait_until_gone(value)
    for p in left:
        p.kill()
    assert not left, f"processes left running: {describe(left)}"


def run_papermill(notebook: Path, output: Path, *params: str, mark: str, timeout: float = 300, cwd=REPO_ROOT,
                  **env):
    """Run the papermill CLI as a user would; returns the CompletedProcess."""
    cmd = [str(Path(sys.executable).parent / "papermill"), "--no-progress-bar", str(notebook), str(output), *params]
    return subprocess.run(
        cmd, cwd=cwd, env=clean_env(**{MARK: mark}, **env), capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture(scope="module")
def standin(tmp_path_factory):
    """A real stand-in process for the module's tests."""
    from tutorial_kit.standin import StandIn

    s = StandIn.start(username="tester", home=tmp_path_factory.mktemp("standin"))
    yield s
    s.stop()
    assert not s.running


#: The sample's row with text in passenger_count: far enough down that the early check (which
#: parses the first 64 KiB) passes it, so ``read`` itself fails, on the cluster.
DEEP_BAD_ROW = 9_000


def bad_deep_in_the_file(tmp_path) -> Path:
    """The bundled sample with 'two' in passenger_count at row :data:`DEEP_BAD_ROW`."""
    from tutorial_kit.sample_data import SAMPLE_CSV_PATH

    lines = SAMPLE_CSV_PATH.read_bytes().split(b"\r\n")
    fields = lines[DEEP_BAD_ROW].split(b",")
    fields[3] = b"two"
    lines[DEEP_BAD_ROW] = b",".join(fields)
    path = tmp_path / "deep.csv"
    path.write_bytes(b"\r\n".join(lines))
    return path
