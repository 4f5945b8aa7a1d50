"""The companion beyond its notebook, on a real Prefect 3 server: the work pool's commands exactly as
docs/prefect3.md shows them (read from its code block), and prefect-dask's ``DaskTaskRunner`` snippet exactly as the
notebook's markdown shows it. A run killed with ``kill -9``: test_prefect3_kill.py."""

from __future__ import annotations

import re
import shlex
import signal
import subprocess

import pytest
import requests

from standin.testing.processes import MARK, assert_none_left
from support import prefect3, programs
from tutorial_kit.paths import MAKE_RUN_RESULT, REPO_ROOT, SAMPLE_CSV
from tutorial_kit.tooling.companion import flow_source

DOC = REPO_ROOT / "docs" / "prefect3.md"
#: Seconds the worker has to stop on Ctrl-C.
STOP_SECONDS = 30
#: How often the worker asks its pool for runs (10 s by default): the run below is created after its first ask.
WORKER_QUERY_SECONDS = "1"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with prefect3.shared_server(tmp_path_factory.mktemp("prefect3")) as shared:
        yield shared


def work_pool_commands() -> list[str]:
    """The shell lines of docs/prefect3.md's "A work pool and its worker" code block, comments dropped."""
    section = DOC.read_text().split("## A work pool and its worker", 1)[1]
    [block] = re.findall(r"```shell\n(.*?)```", section.split("\n## ", 1)[0], re.S)
    return [line.split("  #", 1)[0].strip() for line in block.splitlines() if line.strip()]


def test_the_docs_work_pool_commands_run_the_deployment_and_leave_nothing(tmp_path, mark, server):
    name, code = flow_source()  # the file the notebook's cells write, in a folder of the test's own
    (tmp_path / name).parent.mkdir(parents=True)
    (tmp_path / name).write_text(code)
    env = prefect3.prefect3_env(
        server.home,
        server.address_file,
        PREFECT_API_URL=server.api_url,
        PREFECT_HOME=str(server.home),
        PREFECT_WORKER_QUERY_SECONDS=WORKER_QUERY_SECONDS,
        **{MARK: mark},
    )
    commands = work_pool_commands()
    assert [c.split()[:3] for c in commands] == [
        ["prefect", "work-pool", "create"],
        ["prefect", "--no-prompt", "deploy"],
        ["prefect", "worker", "start"],
        ["prefect", "deployment", "run"],
        ["prefect", "work-pool", "delete"],
    ]

    def run(command: str) -> subprocess.CompletedProcess:
        argv = shlex.split(command)
        argv[0] = str(prefect3.PREFECT3_BIN / argv[0])
        return subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)

    create, deploy, worker_start, deployment_run, delete = commands
    pool = shlex.split(create)[3]
    wrong = run(deploy.replace(f"--pool {pool}", "--pool no-such-pool"))  # a pool that does not exist: one line
    assert wrong.returncode != 0 and "no-such-pool" in wrong.stdout + wrong.stderr, wrong
    for command in (create, deploy):
        done = run(command)
        assert done.returncode == 0, (command, done.stdout[-2000:], done.stderr[-2000:])
    argv = shlex.split(worker_start)
    with open(tmp_path / "worker.log", "wb") as log:
        worker = subprocess.Popen(
            [str(prefect3.PREFECT3_BIN / argv[0]), *argv[1:]], cwd=tmp_path, env=env, stdout=log, stderr=log
        )
    try:
        done = run(deployment_run)
        assert done.returncode == 0, (done.stdout[-3000:], done.stderr[-2000:])
        assert "Flow run finished successfully in 'Completed'" in done.stdout
        run_id = re.search(r"UUID: ([0-9a-f-]{36})", done.stdout)[1]
        state = requests.get(f"{server.api_url}/flow_runs/{run_id}", timeout=10).json()
        assert state["state_type"] == "COMPLETED", state
        result = requests.get(f"{server.api_url}/flow_runs/{run_id}", timeout=10).json()["parameters"]
        assert result == {"n_workers": 3}
    finally:
        worker.send_signal(signal.SIGINT)  # Ctrl-C in its terminal
        try:
            worker.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            worker.kill()
            log = (tmp_path / "worker.log").read_text()[-2000:]
            pytest.fail(f"the worker did not stop on Ctrl-C within {STOP_SECONDS} s: {log}")
    done = run(delete)
    assert done.returncode == 0, (done.stdout, done.stderr)
    assert requests.get(f"{server.api_url}/work_pools/{pool}", timeout=10).status_code == 404
    assert_none_left(mark, what="the work pool's worker or its flow run left processes")


def test_the_task_runner_snippet_runs_the_read_on_its_cluster_with_the_same_digits(tmp_path, mark, server):
    env = prefect3.prefect3_env(
        server.home, server.address_file, PREFECT_API_URL=server.api_url, PREFECT_HOME=str(server.home), **{MARK: mark}
    )
    done = subprocess.run(
        [
            str(prefect3.PREFECT3_BIN / "python"),
            str(programs.PROGRAMS / "companion_task_runner.py"),
            SAMPLE_CSV,
            str(tmp_path),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout == MAKE_RUN_RESULT.read_text()
    assert_none_left(mark, what="the task runner's cluster left processes")
