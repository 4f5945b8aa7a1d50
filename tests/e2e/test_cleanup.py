"""Clean-up on failure: when ``read`` fails in a flow run, the run ends Failed, the resource
manager's ``cleanup`` runs, and the Dask cluster is closed, with all of its processes, by that
cleanup (not by the platform reaping the run afterwards), while the notebook's kernel and the
stand-in still run.

The test runs a copy of the canonical notebook with three additions, none of which changes what
the notebook does:

- a probe cell before registration: a Prefect state handler on ``read`` that, when ``read``
  starts running in the flow-run process (the handler travels with the pickled flow), counts this
  run's processes by the test's environment marker and writes them to a file: the cluster is up
  (the probes' code: tests/programs/cleanup_probe.py);
- the run cell (tagged ``run``) also tagged ``raises-exception``, so that execution goes on after
  the failed run (papermill still exits non-zero at the end);
- in place of the result cells (there is no result), a last cell that counts the processes
  again, reads the run's task states from the platform, and looks in the stand-in's log for the
  platform closing the run's cluster itself (it must not have had to).
"""

from __future__ import annotations

import json
import re

import nbformat

from support import notebooks, programs
from tutorial_kit.tooling.notebook_code import cell_index, notebook

N_WORKERS = 2
PROBE_TAG = "cleanup-probe"

# The added cells; what they run is tests/programs/cleanup_probe.py.
PROBE = """\
# test probe (tests/e2e/test_cleanup.py): runs in the flow-run process, while read runs
import os, sys
import cloudpickle
sys.path.insert(0, os.environ["TEST_PROGRAMS"])
import cleanup_probe
cloudpickle.register_pickle_by_value(cleanup_probe)  # sent with the pickled flow, as the notebook's own code
read.state_handlers.append(cleanup_probe.count_while_running)
"""
AFTER = """\
# test probe: after the failed run, in the same kernel
cleanup_probe.report_after(flow_run_id, connection.standin.log_path)
"""


def notebook_with_probes(path) -> None:
    nb = notebook()
    register_index, run_index = cell_index(nb, "register"), cell_index(nb, "run")
    nb.cells[run_index].metadata.tags.append("raises-exception")
    del nb.cells[run_index + 1 :]  # the result cells: there is no result to show
    nb.cells.append(nbformat.v4.new_code_cell(AFTER, metadata={"tags": [PROBE_TAG]}))
    nb.cells.insert(register_index, nbformat.v4.new_code_cell(PROBE, metadata={"tags": [PROBE_TAG]}))
    nbformat.write(nb, path)


def test_failed_read_closes_the_cluster_by_its_own_cleanup(tmp_path, mark):
    copy, out = tmp_path / "probed.ipynb", tmp_path / "out.ipynb"
    notebook_with_probes(copy)
    data = notebooks.bad_deep_in_the_file(tmp_path)
    run = notebooks.run_papermill(
        copy,
        out,
        *notebooks.papermill_params(project="x", username="y", n_workers=N_WORKERS, data_url=data),
        mark=mark,
        CLEANUP_PROBE_DIR=str(tmp_path),
        TEST_PROGRAMS=str(programs.PROGRAMS),
    )
    assert run.returncode != 0  # the run cell's error still fails the papermill run
    (error,) = notebooks.errors_of(out)
    assert re.match(notebooks.RUN_FAILED + "task 'read': DataError: column 'passenger_count'", error), error
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
    # the stand-in's own helpers stay with it: multiprocessing's resource tracker and fork server
    stays = {"stand-in", "multiprocessing resource tracker", "multiprocessing fork server"}
    assert set(probe["after"]) <= stays, probe["after"]
    assert probe["scheduler_answers_after"] is False
    assert probe["platform_closed_it"] is False  # the notebook's cleanup closed it, not the agent's reaping
