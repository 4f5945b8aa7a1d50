"""Clean-up on failure: when ``read`` fails in a flow run, the run ends Failed, the resource
manager's ``cleanup`` runs, and the Dask cluster is closed, with all of its processes, by that
cleanup (not by the platform reaping the run afterwards), while the notebook's kernel and the
stand-in still run.

The test runs a copy of the canonical notebook with three additions, none of which changes what
the notebook does:

- a probe cell before registration: a Prefect state handler on ``read`` that, when ``read``
  starts running in the flow-run process (the handler travels with the pickled flow), counts this
  run's processes by the test's environment marker and writes them to a file: the cluster is up;
- the run cell tagged ``raises-exception``, so that execution goes on after the failed run
  (papermill still exits non-zero at the end);
- in place of the result cells (there is no result), a last cell that counts the processes
  again, reads the run's task states from the platform, and looks in the stand-in's log for the
  platform closing the run's cluster itself (it must not have had to).
"""

from __future__ import annotations

import json
import re

import nbformat
from conftest import RUN_FAILED, bad_deep_in_the_file, errors_of, run_papermill

from tutorial_kit.paths import NOTEBOOK

N_WORKERS = 2
PROBE_TAG = "cleanup-probe"

PROCESSES = '''\
import json, os, socket, time
import psutil

def _processes():
    """This run's processes, by kind, found by the test's marker (this process and its ancestors aside)."""
    mark, me = os.environ["TUTORIAL_TEST_RUN"], psutil.Process()
    mine = {me.pid} | {p.pid for p in me.parents()}
    kinds = {}
    for p in psutil.process_iter():
        try:
            if p.pid in mine or p.environ().get("TUTORIAL_TEST_RUN") != mark or p.status() == psutil.STATUS_ZOMBIE:
                continue
            cmd = " ".join(p.cmdline())
        except psutil.Error:
            continue
        if "tutorial_kit.standin" in cmd:
            kind = "stand-in"
        elif "prefect execute flow-run" in cmd:
            kind = "flow run"
        elif "resource_tracker" in cmd:
            kind = "multiprocessing resource tracker"
        elif "spawn_main" in cmd or "distributed" in cmd or "dask" in cmd:
            kind = "dask"  # a worker process (the scheduler and nannies live in the stand-in)
        else:
            kind = "other: " + cmd[:80]
        kinds[kind] = kinds.get(kind, 0) + 1
    return kinds
'''

PROBE = (
    PROCESSES
    + """
# test probe (tests/test_cleanup.py): runs in the flow-run process, while read runs
def _count_while_running(task, old_state, new_state):
    if new_state.is_running():
        from distributed import default_client

        scheduler = default_client().scheduler.address
        host, port = scheduler.rsplit("/", 1)[-1].rsplit(":", 1)
        with open(os.path.join(os.environ["CLEANUP_PROBE_DIR"], "during.json"), "w") as f:
            json.dump({"during": _processes(), "scheduler": scheduler}, f)
    return new_state

read.state_handlers.append(_count_while_running)
"""
)

AFTER = (
    PROCESSES
    + """
# test probe: after the failed run, in the same kernel
from prefect.backend import FlowRunView
from prefect.utilities.graphql import with_args

_deadline = time.monotonic() + 10  # the run's process has ended: allow its children to be reaped
while (_processes().get("dask") or _processes().get("flow run")) and time.monotonic() < _deadline:
    time.sleep(0.1)
_found = prefect.Client().graphql({"query": {with_args("flow_run", {"where": {"idempotency_key": {"_eq": run_key}}}): {"id"}}})
_run = FlowRunView.from_flow_run_id(_found["data"]["flow_run"][0]["id"])
_states = {t.task_slug.rsplit("-", 1)[0]: type(t.state).__name__ for t in _run.get_all_task_runs()}
_during = json.load(open(os.path.join(os.environ["CLEANUP_PROBE_DIR"], "during.json")))
try:
    socket.create_connection(_during["scheduler"].rsplit("/", 1)[-1].rsplit(":", 1), timeout=2).close()
    _answers = True
except OSError:
    _answers = False
print("CLEANUP-PROBE " + json.dumps({
    "during": _during["during"],
    "after": _processes(),
    "flow_state": type(_run.state).__name__,
    "task_states": _states,
    "scheduler_answers_after": _answers,
    "platform_closed_it": f"flow run {_run.flow_run_id}: closed its Dask cluster" in platform.standin.log_path.read_text(),
}))
"""
)


def notebook_with_probes(path) -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    (register_index,) = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and "flow.register(" in c.source]
    (run_index,) = [
        i for i, c in enumerate(nb.cells) if c.cell_type == "code" and "finished_flow_run(run_key)" in c.source
    ]
    nb.cells[run_index].metadata.setdefault("tags", []).append("raises-exception")
    del nb.cells[run_index + 1 :]  # the result cells: there is no result to show
    nb.cells.append(nbformat.v4.new_code_cell(AFTER, metadata={"tags": [PROBE_TAG]}))
    nb.cells.insert(register_index, nbformat.v4.new_code_cell(PROBE, metadata={"tags": [PROBE_TAG]}))
    nbformat.write(nb, path)


def test_failed_read_closes_the_cluster_by_its_own_cleanup(tmp_path, mark):
    copy, out = tmp_path / "probed.ipynb", tmp_path / "out.ipynb"
    notebook_with_probes(copy)
    data = bad_deep_in_the_file(tmp_path)
    run = run_papermill(
        copy,
        out,
        "-p",
        "project",
        "x",
        "-p",
        "username",
        "y",
        "-p",
        "n_workers",
        str(N_WORKERS),
        "-p",
        "data_url",
        str(data),
        mark=mark,
        CLEANUP_PROBE_DIR=str(tmp_path),
    )
    assert run.returncode != 0  # the run cell's error still fails the papermill run
    (error,) = errors_of(out)
    assert re.match(RUN_FAILED + "task 'read': DataError: column 'passenger_count'", error), error
    text = "".join(o.get("text", "") for o in nbformat.read(out, as_version=4).cells[-1].get("outputs", []))
    (line,) = [ln for ln in text.splitlines() if ln.startswith("CLEANUP-PROBE ")]
    probe = json.loads(line.removeprefix("CLEANUP-PROBE "))
    print(probe)
    assert probe["flow_state"] == "Failed"
    assert probe["task_states"] == {
        "_DaskCluster": "Success",
        "_DaskCluster.setup": "Success",
        "data_url": "Success",
        "read": "Failed",
        "_DaskCluster.cleanup": "Success",
    }
    # while read ran (counted in the flow-run process, its ancestors aside): one worker process per worker
    assert probe["during"]["dask"] == N_WORKERS, probe["during"]
    # after the run, the kernel still running: no Dask process and no flow-run process left, the scheduler gone
    assert probe["after"].get("stand-in") == 1  # still up: it stops when the kernel exits
    assert set(probe["after"]) <= {"stand-in", "multiprocessing resource tracker"}, probe["after"]
    assert probe["scheduler_answers_after"] is False
    assert probe["platform_closed_it"] is False  # the notebook's cleanup closed it, not the agent's reaping
