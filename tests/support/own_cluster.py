"""The user's own Dask cluster: a real ``dask scheduler`` and two ``dask worker``s on 127.0.0.1, started from a
venv's ``dask`` command, without this repo (``tutorial_kit`` cannot be imported there:
tests/programs/no_tutorial_kit/sitecustomize.py), each process marked; and what its workers ran.

Both notebooks run on it: the first through the stand-in (tests/e2e/test_external_cluster.py), the companion by its
``scheduler_address`` parameter (tests/e2e/test_prefect3_notebook.py)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

from standin.testing import processes
from standin.testing.waiting import wait_for

from . import programs

NO_TUTORIAL_KIT = programs.PROGRAMS / "no_tutorial_kit"
WORKER_NAMES = ("ext-worker-alpha", "ext-worker-beta")
START_TIMEOUT = 30.0  # seconds for the scheduler file to appear and both workers to join


def _kill_group(proc: subprocess.Popen) -> None:
    """End a process we started and its children (its own session), politely, then surely."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(10)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)  # nanny children that outlived their nanny
    proc.wait(10)


@contextlib.contextmanager
def own_dask_cluster(tmp: Path, bin_dir: Path) -> Iterator[SimpleNamespace]:
    """``dask scheduler`` + 2 ``dask worker``s of ``bin_dir`` (a venv's bin), killed at the end with nothing left
    running (every process carries a marker of its own, checked at the end): ``.address``, ``.scheduler``,
    ``.workers``, ``.marker``."""
    tmp.mkdir(parents=True, exist_ok=True)
    marker = uuid.uuid4().hex
    env = processes.clean_env(**{processes.MARK: marker, "PYTHONPATH": str(NO_TUTORIAL_KIT)})
    env.pop("DASK_SCHEDULER_ADDRESS", None)
    scheduler_file = tmp / "scheduler.json"
    procs: list[subprocess.Popen] = []

    def start(name: str, *args: str) -> subprocess.Popen:
        with open(tmp / f"{name}.log", "wb") as log:
            proc = subprocess.Popen(
                [str(bin_dir / "dask"), *args],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=tmp,
                start_new_session=True,
            )
        procs.append(proc)
        return proc

    try:
        scheduler = start(
            "scheduler",
            "scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--dashboard-address",
            "127.0.0.1:0",
            "--scheduler-file",
            str(scheduler_file),
        )

        def scheduler_address() -> str | None:
            assert scheduler.poll() is None, (tmp / "scheduler.log").read_text()[-2000:]
            with contextlib.suppress(FileNotFoundError, ValueError, KeyError):  # not there yet, or half-written
                return json.loads(scheduler_file.read_text())["address"]
            return None

        address = wait_for(scheduler_address, START_TIMEOUT, "dask scheduler's scheduler file", every=0.05)
        workers = [
            start(
                name,
                "worker",
                address,
                "--name",
                name,
                "--nthreads",
                "1",
                "--host",
                "127.0.0.1",
                "--dashboard-address",
                "127.0.0.1:0",
                "--local-directory",
                str(tmp / name),
            )
            for name in WORKER_NAMES
        ]
        yield SimpleNamespace(address=address, scheduler=scheduler, workers=workers, marker=marker)
    finally:
        for proc in reversed(procs):
            _kill_group(proc)
        processes.assert_none_left(marker, timeout=15, what="processes of the external cluster left running")


def wait_for_workers(address: str) -> None:
    """Both workers joined (from this process, a client of the scheduler), and neither imports ``tutorial_kit``."""
    import cloudpickle
    from distributed import Client

    with Client(address, timeout=START_TIMEOUT) as client:
        client.wait_for_workers(len(WORKER_NAMES), timeout=START_TIMEOUT)
        cloudpickle.register_pickle_by_value(sys.modules[__name__])  # this module is not on the workers
        try:
            assert set(client.run(_imports_tutorial_kit).values()) == {False}
        finally:
            cloudpickle.unregister_pickle_by_value(sys.modules[__name__])


def _imports_tutorial_kit() -> bool:
    try:
        import tutorial_kit  # noqa: F401
    except ModuleNotFoundError:
        return False
    return True


def _report(dask_worker, since):
    from dask.utils import key_split

    # transitions are logged as (key, start, finish, final state, recommendations, stimulus, time)
    executed = [
        e[0]
        for e in dask_worker.state.log
        if len(e) == 7 and e[1] == "executing" and e[3] == "memory" and e[6] >= since
    ]
    return dask_worker.name, dask_worker.state.executed_count, sorted({key_split(k) for k in executed})


def worker_activity(address: str, since: float = 0.0) -> dict[str, tuple[int, list[str]]]:
    """``{worker name: (tasks executed so far, prefixes of the tasks executed since `since`)}``,
    read from the workers themselves through a client of the external scheduler."""
    import cloudpickle
    from distributed import Client

    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # this module is not on the workers
    try:
        with Client(address, timeout=10) as client:
            return {name: (count, prefixes) for name, count, prefixes in client.run(_report, since=since).values()}
    finally:
        cloudpickle.unregister_pickle_by_value(sys.modules[__name__])


def split_sample(folder: Path, parts: int) -> str:
    """The bundled sample as ``parts`` CSV files (same header, same bytes per row); a glob."""
    from tutorial_kit.paths import SAMPLE_CSV

    header, _, body = Path(SAMPLE_CSV).read_bytes().partition(b"\r\n")
    rows = body.split(b"\r\n")
    if rows and rows[-1] == b"":
        rows.pop()
    folder.mkdir()
    size = -(-len(rows) // parts)
    for i in range(parts):
        chunk = rows[i * size : (i + 1) * size]
        (folder / f"trips-part{i}.csv").write_bytes(header + b"\r\n" + b"".join(r + b"\r\n" for r in chunk))
    return str(folder / "trips-part*.csv")
