"""The probes tests/e2e/test_cleanup.py adds to a copy of the notebook. The cells it adds import this
module (from ``$TEST_PROGRAMS``) and have cloudpickle send it by value with the flow, so that
:func:`count_while_running`, a state handler on ``read``, runs in the flow-run process.

Processes are counted by the test's environment marker (``standin.testing.processes.MARK``), by kind.
"""

import json
import os
import socket
import time

import psutil

from standin.testing.processes import MARK


def processes() -> dict[str, int]:
    """This run's processes, by kind, found by the test's marker (this process and its ancestors aside)."""
    mark, me = os.environ[MARK], psutil.Process()
    mine = {me.pid} | {p.pid for p in me.parents()}
    kinds = {}
    for p in psutil.process_iter():
        try:
            if p.pid in mine or p.environ().get(MARK) != mark or p.status() == psutil.STATUS_ZOMBIE:
                continue
            cmd = " ".join(p.cmdline())
            parent = p.parent()
            forked = parent is not None and "multiprocessing.forkserver" in " ".join(parent.cmdline())
        except psutil.Error:
            continue
        # the fork server's command line names the stand-in's __main__ (multiprocessing's main_path): first
        if "multiprocessing.forkserver" in cmd:
            # a fork of the fork server is a worker process (the scheduler and nannies live in the stand-in);
            # the server itself is the stand-in's, and lives as long as it
            kind = "dask" if forked else "multiprocessing fork server"
        elif "standin" in cmd:
            kind = "stand-in"
        elif "prefect execute flow-run" in cmd:
            kind = "flow run"
        elif "resource_tracker" in cmd:
            kind = "multiprocessing resource tracker"
        elif "multiprocessing" in cmd or "distributed" in cmd or "dask" in cmd:
            kind = "dask"
        else:
            kind = "other: " + cmd[:80]
        kinds[kind] = kinds.get(kind, 0) + 1
    return kinds


def count_while_running(task, old_state, new_state):
    """A state handler on ``read``: when it starts running (in the flow-run process), the run's
    processes and the scheduler's address, into ``$CLEANUP_PROBE_DIR/during.json``: the cluster is up."""
    if new_state.is_running():
        from distributed import default_client

        scheduler = default_client().scheduler.address
        with open(os.path.join(os.environ["CLEANUP_PROBE_DIR"], "during.json"), "w") as f:
            json.dump({"during": processes(), "scheduler": scheduler}, f)
    return new_state


def report_after(flow_run_id: str, standin_log) -> None:
    """After the failed run, in the same kernel: the processes again, the run's task states from the
    platform, whether the scheduler still answers, and whether the platform (the stand-in's log at
    ``standin_log``) had to close the run's cluster itself. One line: ``CLEANUP-PROBE`` and JSON."""
    from prefect.backend import FlowRunView

    deadline = time.monotonic() + 10  # the run's process has ended: allow its children to be reaped
    while (processes().get("dask") or processes().get("flow run")) and time.monotonic() < deadline:
        time.sleep(0.1)
    run = FlowRunView.from_flow_run_id(flow_run_id)
    states = {t.task_slug.rsplit("-", 1)[0]: type(t.state).__name__ for t in run.get_all_task_runs()}
    with open(os.path.join(os.environ["CLEANUP_PROBE_DIR"], "during.json")) as f:
        during = json.load(f)
    try:
        socket.create_connection(during["scheduler"].rsplit("/", 1)[-1].rsplit(":", 1), timeout=2).close()
        answers = True
    except OSError:
        answers = False
    closed_it = f"flow run {run.flow_run_id}: closed its Dask cluster" in standin_log.read_text()
    report = {
        "during": during["during"],
        "after": processes(),
        "flow_state": type(run.state).__name__,
        "task_states": states,
        "scheduler_answers_after": answers,
        "platform_closed_it": closed_it,
    }
    print("CLEANUP-PROBE " + json.dumps(report))
