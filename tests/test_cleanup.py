"""Clean-up on failure: when ``read`` fails, the flow ends Failed, the resource manager's
``cleanup`` runs, and the Dask cluster is closed, with all of its processes, BEFORE the kernel
exits (so that it is the notebook's cleanup that closed them, not the kernel's exit).

The test runs a copy of the canonical notebook with three additions, none of which changes what
the notebook does:

- a probe cell before the run cell: it counts this run's processes (by the test's environment
  marker) and hooks a Prefect state handler on ``read`` that counts them again when ``read``
  starts running, i.e. while the cluster is up;
- the run cell tagged ``raises-exception``, so that execution goes on after the failed run
  (papermill still exits non-zero at the end);
- in place of the result cells (there is no result), a last cell that counts the processes
  again, asks the stand-in for the cluster's status through dask-saturn, and tries to connect to
  the scheduler.
"""

from __future__ import annotations

import json

import nbformat

from conftest import NOTEBOOK, bad_deep_in_the_file, run_papermill

N_WORKERS = 2
PROBE_TAG = "cleanup-probe"

PROBE = '''\
# test probe (tests/test_cleanup.py): this run's processes, by kind, found by the test's marker
import json, os, socket, time
import psutil
from distributed import default_client

_MARK = os.environ["TUTORIAL_TEST_RUN"]
_kernel = psutil.Process()
_mine = {_kernel.pid} | {p.pid for p in _kernel.parents()}  # this kernel and papermill

def _processes():
    kinds = {}
    for p in psutil.process_iter():
        try:
            if p.pid in _mine or p.environ().get("TUTORIAL_TEST_RUN") != _MARK or p.status() == psutil.STATUS_ZOMBIE:
                continue
            cmd = " ".join(p.cmdline())
        except psutil.Error:
            continue
        if "tutorial_kit.standin" in cmd:
            kind = "stand-in"
        elif "resource_tracker" in cmd:
            kind = "multiprocessing resource tracker"
        elif "spawn_main" in cmd or "distributed" in cmd or "dask" in cmd:
            kind = "dask"  # a worker process (the scheduler and nannies live in the stand-in)
        else:
            kind = "other: " + cmd[:80]
        kinds[kind] = kinds.get(kind, 0) + 1
    return kinds

def _scheduler_answers(address):
    host, port = address.rsplit("/", 1)[-1].rsplit(":", 1)
    try:
        socket.create_connection((host, int(port)), timeout=2).close()
        return True
    except OSError:
        return False

probe = {"before": _processes()}

def _count_while_running(task, old_state, new_state):
    if new_state.is_running():
        try:
            client = default_client()  # the Client that _DaskCluster.setup made
            probe["during"] = _processes()
            probe["scheduler"] = client.scheduler.address
            probe["cluster"] = client.cluster  # dask-saturn's SaturnCluster
            probe["scheduler_answered_during"] = _scheduler_answers(client.scheduler.address)
        except Exception as exc:  # never fail the task from the probe
            probe["probe error"] = repr(exc)
    return new_state

read.state_handlers.append(_count_while_running)
'''

AFTER = '''\
# test probe: after the failed run, in the same kernel
_deadline = time.monotonic() + 5  # the cluster is closed when cleanup returns; allow its processes to be reaped
while _processes().get("dask") and time.monotonic() < _deadline:
    time.sleep(0.1)
_states = {t.name: s for t, s in state.result.items()}
print("CLEANUP-PROBE " + json.dumps({
    "before": probe["before"],
    "during": probe.get("during"),
    "after": _processes(),
    "waited_s": round(5 - (_deadline - time.monotonic()), 2),
    "probe_error": probe.get("probe error"),
    "flow_state": type(state).__name__,
    "read_state": type(_states["read"]).__name__,
    "cleanup_state": type(_states["_DaskCluster.cleanup"]).__name__,
    "cluster_status": probe["cluster"].status,  # asked of the stand-in, through dask-saturn
    "scheduler_answers_during": probe.get("scheduler_answered_during"),
    "scheduler_answers_after": _scheduler_answers(probe["scheduler"]),
}))
'''


def notebook_with_probes(path) -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    (run_index,) = [i for i, c in enumerate(nb.cells) if c.source.startswith("state = flow.run()")]
    nb.cells[run_index].metadata.setdefault("tags", []).append("raises-exception")
    nb.cells.insert(run_index, nbformat.v4.new_code_cell(PROBE, metadata={"tags": [PROBE_TAG]}))
    del nb.cells[run_index + 2:]  # the result cells: there is no result to show
    nb.cells.append(nbformat.v4.new_code_cell(AFTER, metadata={"tags": [PROBE_TAG]}))
    nbformat.write(nb, path)


def test_failed_read_closes_the_cluster_before_the_kernel_exits(tmp_path, mark):
    copy, out = tmp_path / "probed.ipynb", tmp_path / "out.ipynb"
    notebook_with_probes(copy)
    data = bad_deep_in_the_file(tmp_path)
    run = run_papermill(copy, out, "-p", "project", "x", "-p", "username", "y", "-p", "n_workers", str(N_WORKERS),
                        "-p", "data_url", str(data), mark=mark)
    assert run.returncode != 0  # the run cell's error still fails the papermill run
    nb = nbformat.read(out, as_version=4)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert [f"{e.ename}: {e.evalue}" for e in errors] == [
        f"DataError: column 'passenger_count' of {data} holds a value that is not a number: 'two' "
        f"(in bytes 0-{data.stat().st_size:,}); fix or drop that row"
    ]
    text = "".join(o.get("text", "") for o in nb.cells[-1].get("outputs", []))
    (line,) = [ln for ln in text.splitlines() if ln.startswith("CLEANUP-PROBE ")]
    probe = json.loads(line.removeprefix("CLEANUP-PROBE "))
    print(probe)
    assert probe["probe_error"] is None
    assert probe["flow_state"] == "Failed" and probe["read_state"] == "Failed"
    assert probe["cleanup_state"] == "Success"
    # before the run: the stand-in, no cluster yet
    assert probe["before"].get("stand-in") == 1 and not probe["before"].get("dask"), probe["before"]
    # while read ran: one worker process per worker, and the scheduler answering
    assert probe["during"]["dask"] == N_WORKERS, probe["during"]
    assert probe["scheduler_answers_during"] is True
    # after cleanup, the kernel still running: no Dask process left, the scheduler gone, the stand-in says closed
    assert not probe["after"].get("dask"), probe["after"]
    assert probe["after"].get("stand-in") == 1  # still up: it stops when the kernel exits
    assert set(probe["after"]) <= {"stand-in", "multiprocessing resource tracker"}, probe["after"]
    assert probe["scheduler_answers_after"] is False
    assert probe["cluster_status"] == "closed"
