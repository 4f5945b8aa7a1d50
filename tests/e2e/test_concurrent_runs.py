"""Load: three papermill runs started together, each against its own stand-in, all succeed with
the right result, and share nothing by accident: not a port, a cluster, a Prefect project or flow,
nor Prefect's auth.toml (each run has its own under ``.standin/prefect/``). ``.standin/standin.log``
is shared by design: the stand-ins append whole lines to it, which must not interleave."""

from __future__ import annotations

import json
import re
import threading
import time
from pathlib import Path

import nbformat
import pandas as pd

from support import notebooks, programs
from tutorial_kit.paths import SAMPLE_CSV, STANDIN_HOME
from tutorial_kit.tooling.notebook_code import cell_index, notebook
from tutorial_kit.tooling.results import read_result

RUNS = 3
TOLERANCE = 1e-12
RECORD = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} \S+ (?:DEBUG|INFO|WARNING|ERROR|CRITICAL) ")

# The added cells; what they run is tests/programs/concurrent_probe.py.
WATCH = """\
# test probe (tests/e2e/test_concurrent_runs.py): the cluster read runs on, noted in the flow-run process
import os, sys
import cloudpickle
sys.path.insert(0, os.environ["TEST_PROGRAMS"])
import concurrent_probe
cloudpickle.register_pickle_by_value(concurrent_probe)  # sent with the pickled flow, as the notebook's own code
read.state_handlers.append(concurrent_probe.note_cluster)
"""

PROBE = """\
# test probe (tests/e2e/test_concurrent_runs.py): what this run used; no secret is printed
project_id = prefect_client.create_project(project_name=project)  # the existing project: its id
concurrent_probe.report(connection, project_id, flow_id)
"""


def expected() -> dict:
    df = pd.read_csv(SAMPLE_CSV)
    return df[df.passenger_count > 1].groupby("VendorID").passenger_count.std().to_dict()


def probed_notebook(path) -> None:
    nb = notebook()
    nb.cells.insert(cell_index(nb, "register"), nbformat.v4.new_code_cell(WATCH, metadata={"tags": ["run-probe"]}))
    nb.cells.append(nbformat.v4.new_code_cell(PROBE, metadata={"tags": ["run-probe"]}))
    nbformat.write(nb, path)


def test_three_runs_at_once_each_with_its_own_standin(tmp_path, mark):
    copy = tmp_path / "probed.ipynb"
    probed_notebook(copy)
    log_start = notebooks.STANDIN_LOG.stat().st_size if notebooks.STANDIN_LOG.exists() else 0
    results, errors = {}, {}
    barrier = threading.Barrier(RUNS)

    def one(i: int) -> None:
        out = tmp_path / f"out{i}.ipynb"
        probes = tmp_path / f"probe{i}"
        probes.mkdir()
        try:
            barrier.wait(timeout=30)
            started = time.monotonic()
            run = notebooks.run_papermill(
                copy,
                out,
                *notebooks.papermill_params(project="nightly-taxi", username="jdoe", n_workers="1"),
                mark=mark,
                timeout=240,
                RUN_PROBE_DIR=str(probes),
                TEST_PROGRAMS=str(programs.PROGRAMS),
            )
            results[i] = (run, out, time.monotonic() - started)
        except Exception as exc:  # reported below, with the run's number
            errors[i] = exc

    threads = [threading.Thread(target=one, args=(i,), name=f"papermill-{i}") for i in range(RUNS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors
    assert all(not t.is_alive() for t in threads)

    want = expected()
    probes = []
    for i, (run, out, seconds) in sorted(results.items()):
        assert run.returncode == 0, f"run {i}: {run.stderr[-3000:]}"
        got = read_result(out)
        assert sorted(got) == sorted(want)
        assert all(abs(got[v] - want[v]) <= TOLERANCE for v in want), (i, got, want)
        nb = nbformat.read(out, as_version=4)
        text = "".join(o.get("text", "") for o in nb.cells[-1].get("outputs", []))
        (line,) = [ln for ln in text.splitlines() if ln.startswith("RUN-PROBE ")]
        probes.append(json.loads(line.removeprefix("RUN-PROBE ")) | {"seconds": round(seconds, 1)})
    print(json.dumps(probes, indent=1))

    # nothing shared by accident
    for key in (
        "kernel_pid",
        "standin_url",
        "standin_pid",
        "prefect_home",
        "scheduler",
        "cluster_url",
        "project_id",
        "flow_id",
    ):
        values = [p[key] for p in probes]
        assert len(set(values)) == RUNS, (key, values)
    for p in probes:
        # its own auth.toml, holding one section only: its own stand-in's, with the key it was given
        assert p["prefect_home"].startswith(str(STANDIN_HOME / "prefect") + "/")
        assert len(p["auth_sections"]) == 1 and p["own_key_matches"], p
        assert p["auth_mode"] == 0o600
        assert not Path(p["prefect_home"]).exists()  # removed when its run ended
        assert p["standin_url"].startswith("http://127.0.0.1:")
        assert p["scheduler"].startswith("tcp://127.0.0.1:")

    # the shared log: each stand-in's lines are there, and no two records were written into one line
    appended = notebooks.STANDIN_LOG.read_bytes()[log_start:].decode()
    for p in probes:
        assert f"stand-in listening on {p['standin_url']}" in appended
    assert appended.count("standin INFO stand-in stopped") >= RUNS
    lines = appended.splitlines()
    assert sum(1 for ln in lines if RECORD.match(ln)) >= 3 * RUNS  # the check below has records to look at
    merged = [ln for ln in lines if RECORD.search(ln, 1)]
    assert not merged, merged[:3]
