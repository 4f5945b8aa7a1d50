"""How fast the emulated platform runs the tutorial's flow, and how soon the notebook's run cell
returns, measured in one run and printed:

- pick-up latency: from ``create_flow_run`` to the agent's ``Submitted`` state;
- the run: from ``create_flow_run`` to its final state (the flow-run process starting, loading
  the flow from Saturn's Webhook storage, the Dask cluster, ``read``, ``cleanup``);
- the run cell: papermill's time for the notebook's run cell over its own run's created -> final
  state: what the cell adds to the run, split into the time before the run exists (the cell's
  start, ``create_flow_run``) and after its final state (the watcher's read that sees it, its last
  read of the logs, the cell's last lines);
- ``prefect run --watch`` as a user waits for it, command to exit: prefect 1's own watcher
  (``watch_flow_run``), which reads the run every 2 s or more and sleeps once more after the read
  that saw it end (fixed in its code, no setting), on top of the command's start.

A private stand-in is started; the notebook's own code (as ``notebook_vs_script.py`` exports it)
registers the flow and runs it once; then the notebook runs ``--notebooks`` times under papermill
against the same stand-in, and the flow ``--repeats`` more times with ``prefect run --watch``. The
times come from the platform's own records (each run's states) and papermill's (each cell's start
and end), on the same clock.

    python benchmarks/flow_runs.py [--repeats 5] [--notebooks 3]      (or: make bench)
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import nbformat
import requests

from standin.testing.processes import clean_env
from tutorial_kit.paths import NOTEBOOK, REPO_ROOT

sys.path.insert(0, str(Path(__file__).parent))
from notebook_vs_script import IPYTHON, notebook_as_script  # noqa: E402

#: The goal for the agent's pick-up of a run (the largest).
PICKUP_TARGET = 0.5
#: The goal for a run of the sample, created -> final state (median).
RUN_TARGET = 2.5
#: The goal for the run cell over its run's created -> final state (median).
RUN_CELL_TARGET = 0.5
BIN = Path(sys.executable).parent
#: The run's id in the run cell's first line (``Flow run 'name': URL``, the URL ends with it).
RUN_ID = re.compile(r"/flow-run/([0-9a-f-]{36})")


def run_cell(executed: Path) -> tuple[str, datetime, datetime]:
    """The run cell of an executed notebook: its run's id, its start and its end (papermill's record)."""
    nb = nbformat.read(executed, as_version=4)
    (cell,) = [c for c in nb.cells if "run" in c.metadata.get("tags", [])]
    text = "".join(o.get("text", "") for o in cell.outputs)
    times = cell.metadata.papermill
    return RUN_ID.search(text)[1], datetime.fromisoformat(times.start_time), datetime.fromisoformat(times.end_time)


def flow_runs(standin, api_key: str) -> list[dict]:
    """Every flow run the stand-in keeps, oldest first, with its states."""
    return requests.post(
        standin.url + "/graphql",
        timeout=30,
        headers={"Authorization": f"Bearer {api_key}"},
        json={
            "query": (
                "query { flow_run(order_by: {created: asc}) { id created end_time state states { state timestamp } } }"
            )
        },
    ).json()["data"]["flow_run"]


def main() -> int:
    from standin.client.process import StandIn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, choices=range(1, 21), metavar="1..20")
    parser.add_argument("--notebooks", type=int, default=3, choices=range(1, 11), metavar="1..10")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        standin = StandIn.start(username="bench", home=Path(tmp))
        try:
            env = clean_env(**standin.environ(), PREFECT__HOME_DIR=str(Path(tmp) / "prefect"))
            script = Path(tmp) / "tutorial.py"
            # the script's connect() sees SATURN_BASE_URL and SATURN_TOKEN: "on Saturn", this stand-in
            script.write_text(notebook_as_script(NOTEBOOK))
            first = subprocess.run([str(IPYTHON), str(script)], cwd=REPO_ROOT, env=env, capture_output=True, text=True)
            if first.returncode != 0:
                sys.exit(f"the notebook's code failed:\n{first.stdout[-2000:]}\n{first.stderr[-3000:]}")
            cells = []
            for i in range(args.notebooks):
                out = Path(tmp) / f"notebook-{i}.ipynb"
                cmd = [str(BIN / "papermill"), "--no-progress-bar", str(NOTEBOOK), str(out)]
                subprocess.run(cmd, cwd=REPO_ROOT, env=env, check=True, capture_output=True)
                cells.append(run_cell(out))
            watch = []
            for _ in range(args.repeats):
                began = time.perf_counter()
                done = subprocess.run(
                    [
                        str(BIN / "prefect"),
                        "run",
                        "--name",
                        "prefect-resource-manager",
                        "--project",
                        "tutorial",
                        "--watch",
                    ],
                    cwd=REPO_ROOT,
                    capture_output=True,
                    text=True,
                    check=True,
                    env=dict(env, PREFECT__CLOUD__API_KEY=env["PREFECT_USER_TOKEN"]),
                )
                watch.append(time.perf_counter() - began)
                assert "Flow run succeeded!" in done.stdout, done.stdout[-2000:]
            runs = flow_runs(standin, env["PREFECT_USER_TOKEN"])
        finally:
            standin.stop()
    return report(runs, cells, watch)


def report(runs: list[dict], cells: list, watch: list[float]) -> int:
    pickup, started, ran, total = [], [], [], []
    for run in runs:
        created, ended = datetime.fromisoformat(run["created"]), datetime.fromisoformat(run["end_time"])
        entered = {s["state"]: datetime.fromisoformat(s["timestamp"]) for s in run["states"]}
        pickup.append((entered["Submitted"] - created).total_seconds())
        started.append((entered["Running"] - entered["Submitted"]).total_seconds())
        ran.append((ended - entered["Running"]).total_seconds())
        total.append((ended - created).total_seconds())
    by_id = {run["id"]: run for run in runs}
    over, before, after = [], [], []
    for run_id, start, end in cells:
        created, ended = (datetime.fromisoformat(by_id[run_id][k]) for k in ("created", "end_time"))
        before.append((created - start).total_seconds())
        after.append((end - ended).total_seconds())
        over.append(before[-1] + after[-1])
    print(f"{len(runs)} runs of the tutorial's flow (all {', '.join(sorted({r['state'] for r in runs}))})")
    for name, values in (
        ("pick-up latency (created -> Submitted)", pickup),
        ("run (created -> final state)", total),
        ("run cell over its run, created -> final", over),
        ("... before its run was created", before),
        ("... after its run's final state", after),
        ("prefect run --watch, command to exit", watch),
    ):
        print(f"{name:40s} median {statistics.median(values):7.3f} s   max {max(values):7.3f} s")
    ok = max(pickup) <= PICKUP_TARGET
    print(f"{'PASS' if ok else 'FAIL'}  pick-up latency: max {max(pickup):.3f} s (target <= {PICKUP_TARGET} s)")
    ok = statistics.median(total) <= RUN_TARGET
    print(f"{'PASS' if ok else 'FAIL'}  run: median {statistics.median(total):.3f} s (target <= {RUN_TARGET} s)")
    if not ok:
        print(
            f"  why: {statistics.median(started):.3f} s from Submitted to Running (the flow-run process's start, "
            f"its imports, the flow's load) and {statistics.median(ran):.3f} s from Running to the final state "
            "(the tasks: the cluster's setup, read, cleanup), medians"
        )
    cell = statistics.median(over)
    print(
        f"{'PASS' if cell <= RUN_CELL_TARGET else 'FAIL'}  run cell: median {cell:.3f} s over its run's "
        f"created -> final state (target <= {RUN_CELL_TARGET} s)"
    )
    if cell > RUN_CELL_TARGET:
        print(
            f"  why: {statistics.median(before):.3f} s before the run existed (the cell's start, create_flow_run) "
            f"and {statistics.median(after):.3f} s after its final state (the read that saw it, the last read "
            "of the logs, the cell's last lines), medians"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
