"""Shared fixtures and helpers of every test level, and the levels themselves.

The tests live in three folders, one level each, and each test is marked with its folder's level
(``pytest -m "not e2e"``, ``make test-fast``):

- ``unit/``: functions and models in the test process: no process started, no cluster, no server;
- ``component/``: a stand-in process, a loopback server, a Dask cluster in the test process, or a
  subprocess of a command-line tool (prefect, make, the package's own);
- ``e2e/``: the notebook run (papermill, nbval, JupyterLab in a browser), flow runs executed by the
  agent, and the user's own Dask cluster. nbval's run of ``notebooks/`` is e2e too.

Processes are traced by an environment marker: everything a run starts (papermill's kernel,
the stand-in, the Dask scheduler's worker processes) inherits its environment, so a process
still carrying the marker after the run is a leak, whoever its parent is now.
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import psutil
import pytest

from tutorial_kit.paths import REPO_ROOT, SAMPLE_CSV_PATH, STANDIN_HOME

TESTS = REPO_ROOT / "tests"
#: Test programs run as files (``python tests/programs/NAME.py ARGS``), so that ruff lints them.
PROGRAMS = TESTS / "programs"
#: The levels, by folder (see the module's docstring).
LEVELS = ("unit", "component", "e2e")

# A developer's running shared stand-in (`make standin`) must never serve the tests: point every
# test process (and what it starts) at a folder of its own, where none runs unless a test starts it.
os.environ["STANDIN_SHARED_HOME"] = tempfile.mkdtemp(prefix="no-shared-standin-")
atexit.register(shutil.rmtree, os.environ["STANDIN_SHARED_HOME"], ignore_errors=True)
SHARED_SAMPLE_DIR = REPO_ROOT.parent / "shared" / "data" / "tlc-yellow-2019-01"
MARK = "TUTORIAL_TEST_RUN"
#: Where the notebook's stand-ins log (shared by every run of this checkout: read after an offset,
#: or grep by a name of the test's own).
STANDIN_LOG = STANDIN_HOME / "standin.log"
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


def assert_none_left(mark: str, timeout: float = 20.0, what: str = "processes left running") -> None:
    """Fail if a process carrying ``mark`` is still alive after ``timeout`` seconds (those are killed)."""
    left = wait_until_gone(mark, timeout)
    for p in left:
        p.kill()
    assert not left, f"{what}: {describe(left)}"


@pytest.fixture
def mark():
    """A fresh marker; the test fails if any process carrying it outlives the test."""
    value = uuid.uuid4().hex
    yield value
    assert_none_left(value)


def run_papermill(notebook: Path, output: Path, *params: str, mark: str, timeout: float = 300, cwd=REPO_ROOT, **env):
    """Run the papermill CLI as a user would; returns the CompletedProcess."""
    cmd = [str(Path(sys.executable).parent / "papermill"), "--no-progress-bar", str(notebook), str(output), *params]
    return subprocess.run(
        cmd, cwd=cwd, env=clean_env(**{MARK: mark}, **env), capture_output=True, text=True, timeout=timeout
    )


def papermill_params(**values) -> list[str]:
    """``-p NAME VALUE`` for each parameter, in order: ``run_papermill(nb, out, *papermill_params(project="x"))``."""
    return [arg for name, value in values.items() for arg in ("-p", name, str(value))]


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


@pytest.fixture(scope="module")
def standin(tmp_path_factory):
    """A real stand-in process for the module's tests."""
    from tutorial_kit.launcher.process import StandIn

    s = StandIn.start(username="tester", home=tmp_path_factory.mktemp("standin"))
    yield s
    s.stop()
    assert not s.running


@contextlib.contextmanager
def marked_standin(home: Path, mark: str, **env: str):
    """A stand-in whose processes (and all they start) carry ``mark``: none may outlive it."""
    from tutorial_kit.launcher.process import StandIn

    standin = StandIn.start(username="tester", home=home, env={MARK: mark, **env})
    try:
        yield standin
    finally:
        standin.stop()
        assert_none_left(mark)


@pytest.fixture
def saturn_env_for(monkeypatch, tmp_path):
    """Point this process's dask-saturn, prefect-saturn and prefect at a stand-in, for the test:
    ``saturn_env_for(running=standin)`` at one that runs; ``saturn_env_for(ADDRESS)`` at a new one
    that hands out the Dask scheduler at ADDRESS (stopped after the test). Returns the stand-in."""
    from tutorial_kit.launcher.process import StandIn

    started = []

    def point(dask_scheduler: str | None = None, *, running=None):
        standin = running
        if standin is None:
            home = tmp_path / f"standin{len(started)}"
            standin = StandIn.start(username="tester", home=home, dask_scheduler=dask_scheduler)
            started.append(standin)
        for key, value in standin.environ().items():
            monkeypatch.setenv(key, value)
        return standin

    yield point
    for standin in started:
        standin.stop()
        assert not standin.running


@pytest.fixture
def saturn_env(standin, saturn_env_for):
    """The module's stand-in, this process pointed at it: its environment."""
    return saturn_env_for(running=standin).environ()


# -- the stand-in's faults (tutorial_kit/standin/faults) ---------------------------------------------
HEX = "[0-9a-f]+"
#: Saturn's flow storage: where prefect-saturn's Webhook storage uploads and downloads a flow.
CONTENT_PATH = f"/api/prefect_cloud/flows/{HEX}/{HEX}/content"
#: What a ``cluster_error`` fault answers cluster creation with.
CLUSTER_ERRORS = ["Insufficient capacity: no Medium nodes are available in us-east-2.", "Try again in a few minutes."]


def fault_log(name: str, log: Path = STANDIN_LOG) -> list[str]:
    """The stand-in's log lines about the fault ``name`` (names are unique per test)."""
    return [line.split(" WARNING ", 1)[-1] for line in log.read_text().splitlines() if f"fault {name}" in line]


def unique_name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


# -- the Prefect Cloud stand-in's models in the test process ------------------------------------------
#: The API key of :func:`cloud_backend`.
PREFECT_CLOUD_KEY = "test-api-key-0123"


@pytest.fixture
def cloud_backend():
    """The emulated Prefect Cloud's backend (models, no HTTP), with the tenant ``Tutorial``."""
    from tutorial_kit.standin.prefect_cloud.models import PrefectCloudBackend

    return PrefectCloudBackend(PREFECT_CLOUD_KEY, tenant_name="Tutorial", tenant_slug="tutorial")


_TERMINAL_CODES = re.compile(r"\x1b\[[0-9;]*m|\r")


def outputs_text(path) -> str:
    """Every text output of an executed notebook, as a reader sees it: without the terminal's
    colour codes and carriage returns (``!prefect run`` runs in a pseudo-terminal, so click colours
    its lines)."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    return _TERMINAL_CODES.sub("", "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", [])))


def errors_of(path) -> list[str]:
    """``Name: message`` of every error output of an executed notebook."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    return [f"{o.ename}: {o.evalue}" for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]


#: What the run cell raises when the flow run fails: FlowRunFailed naming the run and the task.
RUN_FAILED = r"FlowRunFailed: flow run '[a-z]+-[a-z]+' ended Failed, "


#: The sample's row with text in passenger_count: far enough down that the early check (which
#: parses the first 64 KiB) passes it, so ``read`` itself fails, on the cluster.
DEEP_BAD_ROW = 9_000


def bad_deep_in_the_file(tmp_path) -> Path:
    """The bundled sample with 'two' in passenger_count at row :data:`DEEP_BAD_ROW`."""
    lines = SAMPLE_CSV_PATH.read_bytes().split(b"\r\n")
    fields = lines[DEEP_BAD_ROW].split(b",")
    fields[3] = b"two"
    lines[DEEP_BAD_ROW] = b",".join(fields)
    path = tmp_path / "deep.csv"
    path.write_bytes(b"\r\n".join(lines))
    return path


# -- a dask-saturn cluster while it runs tasks ------------------------------------------------------
#: How long to keep running tasks and reading the stand-in: several worker heartbeats (~1 s each).
BUSY_WINDOW = 8.0


def digests_after_a_task(cluster) -> dict:
    """Run a task on a dask-saturn ``cluster`` and read ``cluster.scheduler_info`` (through the
    stand-in) right after it, until an answer shows what the worker reported about that task with
    its next heartbeat: ``metrics.digests_total_since_heartbeat``, whose keys are tuples in the
    scheduler (``('execute', 'lambda', 'thread-cpu', 'seconds')``). Returns those digests; any
    non-2xx answer fails (dask-saturn raises ``ValueError``), and so does never seeing them."""
    from distributed import Client

    deadline = time.monotonic() + BUSY_WINDOW
    with Client(cluster) as client:
        while time.monotonic() < deadline:
            assert client.submit(lambda x: x + 1, 41, pure=False).result(timeout=10) == 42
            for _ in range(40):  # ~2 s of reads after each task: the next heartbeat brings the digests
                info = cluster.scheduler_info
                digests = {
                    key: value
                    for worker in info["workers"].values()
                    for key, value in worker["metrics"].get("digests_total_since_heartbeat", {}).items()
                }
                # this task's own digests: on a shared cluster, a heartbeat may first bring an earlier test's
                if any(key.startswith("execute.lambda.") for key in digests):
                    return digests
                time.sleep(0.05)
    pytest.fail(f"no scheduler_info answer showed a task's digests within {BUSY_WINDOW} s")


def answers_while_tasks_run(standin, cluster) -> collections.Counter:
    """Keep ``cluster`` running tasks while every read-only call of both APIs is asked of the
    stand-in, over and over (bounded by :data:`BUSY_WINDOW` and 400 requests); the status codes."""
    import requests
    from distributed import Client

    token = {"Authorization": f"token {standin.environ()['SATURN_TOKEN']}"}
    graphql = {"Authorization": f"Bearer {standin.environ()['PREFECT_USER_TOKEN']}"}
    calls = [("GET", cluster.cluster_url + path, token, None) for path in ("status", "info", "scheduler_info")]
    calls += [
        ("GET", standin.url + "/api/dask_clusters/info", token, None),
        ("POST", standin.url + "/graphql", graphql, {"query": "query { auth_info { tenant_id } }"}),
    ]
    statuses: collections.Counter = collections.Counter()
    stop = threading.Event()

    def keep_busy() -> None:
        with Client(cluster) as client:
            while not stop.is_set():
                client.gather(client.map(lambda x: sum(range(x)), range(20), pure=False), errors="raise")

    busy = threading.Thread(target=keep_busy, daemon=True)
    busy.start()
    deadline = time.monotonic() + BUSY_WINDOW
    try:
        with requests.Session() as session:
            for i in range(400):
                if time.monotonic() > deadline:
                    break
                method, url, headers, body = calls[i % len(calls)]
                statuses[session.request(method, url, headers=headers, json=body, timeout=10).status_code] += 1
    finally:
        stop.set()
        busy.join(15)
    return statuses


def scheduler_info_after_a_task_and_while_tasks_run(standin, cluster) -> None:
    """``cluster.scheduler_info`` (a dask-saturn cluster of ``standin``) right after a task, when the
    scheduler's identity holds tuple keys (the stand-in answered 500 then: json.dumps refuses them),
    and no 5xx from either API while tasks run; the cluster is closed."""
    try:
        digests = digests_after_a_task(cluster)
        assert "execute.lambda.thread-cpu.seconds" in digests, sorted(digests)
        statuses = answers_while_tasks_run(standin, cluster)
    finally:
        cluster.close()
        cluster.cluster_url = None  # SaturnCluster.__del__ would ask the stopped stand-in for the status
    assert sum(statuses.values()) >= 50 and set(statuses) == {200}, statuses


# -- a shell pointed at a stand-in, and a user's own flows registered there ------------------------
USER_FLOWS = PROGRAMS / "user_flows.py"


def shell_env(standin, prefect_home: Path) -> dict:
    """The environment of a shell pointed at ``standin``, as ``python -m tutorial_kit.standin env``
    makes it for the shared one: its variables, and the key as Prefect's config."""
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


# -- browser tests: headless Chromium through Playwright (tests/browser.py) ----------------------
from browser import browser_page, chromium, screenshot  # noqa: E402,F401  (the fixtures, for every test file)


def level_of(item) -> str:
    """The level of a test: its folder under tests/ (nbval's cells of notebooks/ are e2e)."""
    path = Path(str(item.path))
    if path.suffix == ".ipynb":
        return "e2e"
    parts = path.relative_to(TESTS).parts if path.is_relative_to(TESTS) else ()
    if len(parts) < 2 or parts[0] not in LEVELS:
        raise pytest.UsageError(f"{item.nodeid}: a test lives in tests/unit/, tests/component/ or tests/e2e/")
    return parts[0]


@pytest.hookimpl(tryfirst=True)  # before -m selects: `pytest -m browser` (make screenshots) and -m "not e2e" find them
def pytest_collection_modifyitems(items):
    """Every test is marked with its level (its folder), and every test that uses a browser page
    ``browser``."""
    for item in items:
        item.add_marker(getattr(pytest.mark, level_of(item)))
        if "browser_page" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


class NotebookLastFailed:
    """``--lf`` reruns a notebook's cells all, in order, when one of them failed: nbval runs the cells of a
    notebook one after another in one kernel, so a cell alone would miss what the cells before it made.

    A plugin, not a conftest hook: this conftest's hooks apply to tests/ alone, and the notebooks are in
    notebooks/."""

    @pytest.hookimpl(wrapper=True, trylast=True)  # inside --lf's own wrapper, which filters what this returns
    def pytest_make_collect_report(self, collector):
        report = yield
        lf = collector.config.pluginmanager.get_plugin("lfplugin")
        if (
            lf is not None
            and collector.config.getoption("lf")
            and Path(str(collector.path)).suffix == ".ipynb"
            and any(lf_key(item) in lf.lastfailed for item in report.result)
        ):
            lf.lastfailed.update((lf_key(item), True) for item in report.result)
        return report


def lf_key(node):
    """How pytest's last-failed cache names a node: its structured id (pytest 9), else its nodeid."""
    return getattr(node, "id", node.nodeid)


def pytest_configure(config):
    config.pluginmanager.register(NotebookLastFailed(), "notebook-lastfailed")
