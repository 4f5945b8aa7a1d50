"""A companion run killed with ``kill -9`` (papermill and its kernel) while its Dask workers compute leaves no server,
``serve`` process, worker or Dask process within :data:`STOP_SECONDS`, and the next run succeeds. Its own
module: it starts servers of its own (the run's, as ``make run-prefect3`` does), and runs beside the other
modules."""

from __future__ import annotations

import signal
import subprocess

import psutil
import requests

from standin.testing.processes import MARK, alive, assert_none_left, describe, wait_until_gone
from standin.testing.waiting import wait_for
from support import prefect3
from tutorial_kit.paths import MAKE_RUN_RESULT, REPO_ROOT, SAMPLE_CSV
from tutorial_kit.tooling.results import result_text

#: Seconds every process of a killed run has to end.
STOP_SECONDS = 30


def read_is_running(mark: str) -> bool:
    """Whether the run's ``read`` task is Running (its Dask cluster is up), as the run's server says: the server's
    address is in the environment of the run's ``serve`` process."""
    for proc in alive(mark):
        try:
            if "tutorial_kit.prefect3.serve" in " ".join(proc.cmdline()):
                api_url = proc.environ()["PREFECT_API_URL"]
                break
        except (psutil.Error, KeyError):
            continue
    else:
        return False
    running = {"task_runs": {"state": {"type": {"any_": ["RUNNING"]}}}}
    try:
        found = requests.post(f"{api_url}/task_runs/filter", json=running, timeout=5).json()
    except requests.RequestException:
        return False
    return any(run["name"].startswith("read") for run in found)


def big_csv(path, copies: int = 20):
    """The bundled sample's rows ``copies`` times: a read long enough to be killed while its Dask workers run."""
    header, _, body = (REPO_ROOT / SAMPLE_CSV).read_bytes().partition(b"\r\n")
    path.write_bytes(header + b"\r\n" + body * copies)
    return path


def test_a_run_killed_with_kill_9_leaves_nothing_within_30_s_and_the_next_run_succeeds(tmp_path, mark):
    """papermill and its kernel killed with SIGKILL while the run's Dask workers compute: the server's supervisor and
    the serve process see their stdin close and stop what they started; nothing is left within STOP_SECONDS.
    The next run, on the same home, starts its server there (the killed run's lock is gone) and completes."""
    home = tmp_path / "home"
    home.mkdir()
    data = big_csv(tmp_path / "big.csv")
    out = tmp_path / "killed.ipynb"
    papermill = subprocess.Popen(
        [str(prefect3.PREFECT3_BIN / "papermill"), "--no-progress-bar", str(prefect3.PREFECT3_NOTEBOOK), str(out)]
        + ["-p", "data_url", str(data), "-p", "n_workers", "2"],
        cwd=REPO_ROOT,
        env=prefect3.prefect3_env(home, tmp_path / "no-shared-server.json", **{MARK: mark}),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: read_is_running(mark) or papermill.poll() is not None, 180, "the run's read task running")
        assert papermill.poll() is None, "the run ended before it could be killed"
        kernel = [
            p for p in psutil.Process(papermill.pid).children(recursive=True) if "kernel" in " ".join(p.cmdline())
        ]
        assert kernel, describe(alive(mark))
        for proc in [psutil.Process(papermill.pid), *kernel]:
            proc.send_signal(signal.SIGKILL)
    finally:
        if papermill.poll() is None:
            papermill.kill()
        papermill.wait(10)
    left = wait_until_gone(mark, timeout=STOP_SECONDS)
    assert not left, f"left running {STOP_SECONDS} s after kill -9: {describe(left)}"

    server_log = home / "server.log"  # a home's server writes its log there; a run's home of its own, under runs/
    killed_runs_log = server_log.stat().st_size
    done, out = prefect3.run_companion(tmp_path, f"{mark}-next", None, home=home)
    assert done.returncode == 0, done.stderr[-3000:]
    assert server_log.stat().st_size > killed_runs_log, "the next run's server did not start on the killed run's home"
    assert result_text(out) == MAKE_RUN_RESULT.read_text()
    assert_none_left(f"{mark}-next", what="the next run left processes")
