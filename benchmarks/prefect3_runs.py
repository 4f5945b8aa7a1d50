"""The Prefect 3 companion beside the Prefect 1 notebook, measured in one run, with its goals as PASS/FAIL lines:

- each notebook end to end with papermill (its own venv's), on a platform that already runs: the Prefect 1 notebook
  on a private stand-in, the companion on a shared Prefect 3 server (``make prefect3-server``'s, in a folder of
  this run's own); goal: the companion at most :data:`PAPERMILL_RATIO_GOAL` times the notebook (medians);
- each notebook's flow run, created -> final state, from the platform's own records (the stand-in's GraphQL API,
  the Prefect 3 server's REST API), the deployment run's parts from its states (created -> Pending: the ``serve``
  process's poll; Pending -> Running: the run's process starts; Running -> final: the flow's cluster, read and
  close), and the run cell's end after its run's end (papermill's cell timing); goal: the deployment run's median
  at most :data:`DEPLOYMENT_RUN_GOAL_S`;
- the companion's two idioms as deployments on the same server, alternating: the context manager and prefect-dask's
  ``DaskTaskRunner`` snippet (benchmarks/prefect3_task_runner.py, in .venv-prefect3);
- each platform's start: the stand-in's, and the Prefect 3 server's time to ready on a new home (which starts from
  the set-up's template: tutorial_kit/prefect3/template.py) and on the same home again; goal: the new home's at
  most :data:`FRESH_SERVER_GOAL_S`.

Notebook runs alternate, Prefect 1 then Prefect 3, to share the machine's noise; medians of ``--repeats``. A goal
missed prints its measured reason on its FAIL line.

    python benchmarks/prefect3_runs.py [--repeats 3]      (or: make bench)
"""

from __future__ import annotations

import argparse
import json
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import requests

from standin.testing.processes import clean_env
from tutorial_kit.paths import NOTEBOOK, PREFECT3_BIN, PREFECT3_HOME_VAR, PREFECT3_NOTEBOOK, REPO_ROOT, SAMPLE_CSV
from tutorial_kit.prefect3.server import SHARED_FILE_VAR

sys.path.insert(0, str(Path(__file__).parent))
from notebook_vs_script import timed  # noqa: E402

#: Bound of a Prefect 3 server's start (tutorial_kit.prefect3.server.STARTUP_SECONDS's reasons).
SERVER_START_S = 120
#: What the shared server prints once it answers.
READY = re.compile(r"ready in ([\d.]+) s")
#: What the companion's run cell prints: the run's id is the last part of its URL.
CREATED = re.compile(r"Created flow run '[\w-]+': \S+/runs/flow-run/([0-9a-f-]{36})")
#: The goals: the companion under papermill against the Prefect 1 notebook (medians), its deployment run's created ->
#: final median, a server's start on a new home.
PAPERMILL_RATIO_GOAL = 1.25
DEPLOYMENT_RUN_GOAL_S = 2.5
FRESH_SERVER_GOAL_S = 6.0
#: The deployment run's parts, from its states, and what each is.
PARTS = {
    "created -> Pending": "the serve process's poll for scheduled runs",
    "Pending -> Running": "the Runner starts the run in a new interpreter (multiprocessing's spawn), which imports "
    "prefect and the flow's file anew",
    "Running -> final": "the flow itself: its LocalCluster's start, the read, the cluster's close",
}


class SharedPrefect3Server:
    """``python -m tutorial_kit.prefect3.server`` (``make prefect3-server``) on ``home``, in the background."""

    def __init__(self, home: Path):
        self.home = home
        self.address_file = home / "shared-server.json"
        self.env = clean_env(**{PREFECT3_HOME_VAR: str(home), SHARED_FILE_VAR: str(self.address_file)})
        home.mkdir(parents=True, exist_ok=True)
        self.log = home / "shared-server.out"
        with open(self.log, "w") as out:
            self.proc = subprocess.Popen(
                [str(PREFECT3_BIN / "python"), "-m", "tutorial_kit.prefect3.server"],
                cwd=REPO_ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + SERVER_START_S
        while not (ready := READY.search(self.log.read_text())):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                sys.exit(f"the Prefect 3 server did not start; its output:\n{self.log.read_text()[-2000:]}")
            time.sleep(0.1)
        #: Seconds to its first healthy answer, as the server measures it.
        self.ready_seconds = float(ready[1])
        self.api_url = json.loads(self.address_file.read_text())["api_url"]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # stops it as Ctrl-C does: the server, then the address file
            self.proc.wait(60)

    def client_env(self) -> dict[str, str]:
        return dict(self.env, PREFECT_API_URL=self.api_url, PREFECT_HOME=str(self.home))

    def run_parts(self, run_id: str) -> dict[str, float]:
        """A deployment run's created -> final seconds and its :data:`PARTS`, from its states; it must be Completed."""
        run = requests.get(f"{self.api_url}/flow_runs/{run_id}", timeout=30).json()
        if run["state_type"] != "COMPLETED":
            sys.exit(f"a Prefect 3 flow run did not complete: {run['state_name']}")
        states = requests.get(f"{self.api_url}/flow_run_states/", params={"flow_run_id": run_id}, timeout=30).json()
        first = {}
        for state in sorted(states, key=lambda s: s["timestamp"]):
            first.setdefault(state["type"], state["timestamp"])
        return {
            "created -> final": seconds_between(run["created"], run["end_time"]),
            "created -> Pending": seconds_between(run["created"], first["PENDING"]),
            "Pending -> Running": seconds_between(first["PENDING"], first["RUNNING"]),
            "Running -> final": seconds_between(first["RUNNING"], run["end_time"]),
            "end": datetime.fromisoformat(run["end_time"]).timestamp(),
        }


def seconds_between(start: str, end: str) -> float:
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


def standin_flow_run_seconds(standin, env: dict) -> list[float]:
    """Every flow run's created -> end time, from the stand-in's records (as benchmarks/flow_runs.py reads them)."""
    runs = requests.post(
        standin.url + "/graphql",
        timeout=30,
        headers={"Authorization": f"Bearer {env['PREFECT_USER_TOKEN']}"},
        json={"query": "query { flow_run(order_by: {created: asc}) { created end_time state } }"},
    ).json()["data"]["flow_run"]
    bad = [r["state"] for r in runs if r["state"] != "Success"]
    if bad:
        sys.exit(f"Prefect 1 flow runs did not succeed: {bad}")
    return [seconds_between(r["created"], r["end_time"]) for r in runs]


def papermill(bin_dir: Path, notebook: Path, out: Path, env: dict) -> float:
    """One papermill run's wall time; a failed run stops the benchmark with one line."""
    cmd = [str(bin_dir / "papermill"), "--no-progress-bar", str(notebook), str(out)]
    try:
        return timed(cmd, env)
    except subprocess.CalledProcessError as failed:
        sys.exit(f"{notebook.name} failed under papermill (exit code {failed.returncode}): see {out}")


def cells(out: Path) -> dict[str, dict]:
    """Each tagged cell's papermill timing of an executed notebook, by its first tag (its name; ``nbval-ignore-output``
    may follow): ``{tag: {"duration": s, "end": epoch s, "text": its printed text}}``."""
    import nbformat

    found = {}
    for cell in nbformat.read(out, as_version=4).cells:
        timing = cell.metadata.get("papermill", {})
        if cell.cell_type == "code" and timing.get("end_time"):
            end = datetime.fromisoformat(timing["end_time"]).replace(tzinfo=UTC).timestamp()
            tags = cell.metadata.get("tags", [])
            if tags:
                found[tags[0]] = {"duration": timing["duration"], "end": end, "text": _text(cell)}
    return found


def _text(cell) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", []))


def task_runner_runs(server: SharedPrefect3Server, folder: Path, repeats: int) -> dict[str, list[float]]:
    """The context manager's and the DaskTaskRunner's deployment runs, alternating (prefect3_task_runner.py)."""
    folder.mkdir()
    done = subprocess.run(
        [str(PREFECT3_BIN / "python"), str(Path(__file__).with_name("prefect3_task_runner.py")), SAMPLE_CSV]
        + [str(folder), "--repeats", str(repeats)],
        cwd=REPO_ROOT,
        env=server.client_env(),
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        sys.exit(f"the task runner's deployments failed: {done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def line(name: str, values: list[float]) -> str:
    return f"{name:46s} median {statistics.median(values):6.2f} s   runs: {', '.join(f'{v:.2f}' for v in values)}"


def verdict(ok: bool, what: str, reason: str) -> str:
    return f"{'PASS' if ok else 'FAIL'} {what}" + ("" if ok else f"; {reason}")


def main() -> int:  # noqa: C901  (one run, one report)
    from standin.client.process import StandIn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, choices=range(1, 11), metavar="1..10")
    args = parser.parse_args()
    if not (PREFECT3_BIN / "papermill").exists():
        sys.exit("no .venv-prefect3: make .venv-prefect3/.installed (make bench does)")
    papermill_s: dict[str, list[float]] = {"prefect1": [], "prefect3": []}
    p3_cells: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        began = time.perf_counter()
        standin = StandIn.start(username="bench", home=tmp / "standin")
        standin_start = time.perf_counter() - began
        server = None
        try:
            server = SharedPrefect3Server(tmp / "prefect3")  # a new home: it starts from the set-up's template
            first_start = server.ready_seconds
            server.stop()
            server = SharedPrefect3Server(tmp / "prefect3")  # the same home: a later start
            p1_env = clean_env(**standin.environ(), PREFECT__HOME_DIR=str(tmp / "prefect1-home"))
            for i in range(args.repeats):
                p1_out, p3_out = tmp / f"prefect1-{i}.ipynb", tmp / f"prefect3-{i}.ipynb"
                papermill_s["prefect1"].append(papermill(Path(sys.executable).parent, NOTEBOOK, p1_out, p1_env))
                papermill_s["prefect3"].append(papermill(PREFECT3_BIN, PREFECT3_NOTEBOOK, p3_out, server.env))
                p3_cells.append(cells(p3_out))
            p1_runs = standin_flow_run_seconds(standin, p1_env)
            p3_parts = [server.run_parts(CREATED.search(c["run"]["text"])[1]) for c in p3_cells]
            idioms = task_runner_runs(server, tmp / "idioms", args.repeats)
        finally:
            if server is not None:
                server.stop()
            standin.stop()
    p3_runs = [p["created -> final"] for p in p3_parts]
    run_cell_after = [c["run"]["end"] - p["end"] for c, p in zip(p3_cells, p3_parts, strict=True)]
    print(f"{args.repeats} runs of each notebook, alternating, each on a platform that already runs")
    print(line("Prefect 1 notebook, papermill", papermill_s["prefect1"]))
    print(line("Prefect 3 companion, papermill", papermill_s["prefect3"]))
    print(line("Prefect 1 flow run, created -> final", p1_runs))
    print(line("Prefect 3 deployment run, created -> final", p3_runs))
    for part, what in PARTS.items():
        print(line(f"  {part}", [p[part] for p in p3_parts]) + f"   ({what})")
    print(line("Prefect 3 run cell's end after its run's end", run_cell_after))
    for tag in ("connect", "flow-file", "deployment", "run", "result"):
        print(line(f"Prefect 3 cell {tag!r}", [c[tag]["duration"] for c in p3_cells]))
    print(f"the two idioms as deployments on that server, {args.repeats} runs each, alternating, created -> final:")
    for label, values in idioms.items():
        print(line(f"  {label}", values))
    print(
        f"platform start: stand-in {standin_start:.1f} s; Prefect 3 server ready in {first_start:.1f} s "
        f"(new home), {server.ready_seconds:.1f} s (the same home again)"
    )

    p1_nb, p3_nb = (statistics.median(papermill_s[k]) for k in ("prefect1", "prefect3"))
    ratio = p3_nb / p1_nb
    cell_medians = {tag: statistics.median(c[tag]["duration"] for c in p3_cells) for tag in p3_cells[0]}
    slowest = sorted(cell_medians.items(), key=lambda kv: -kv[1])[:3]
    outside_cells = p3_nb - sum(cell_medians.values())
    print(
        verdict(
            ratio <= PAPERMILL_RATIO_GOAL,
            f"companion/notebook under papermill: {ratio:.2f} (goal <= {PAPERMILL_RATIO_GOAL})",
            f"{p3_nb - p1_nb:.1f} s more; its slowest cells: "
            + ", ".join(f"{tag} {s:.1f} s" for tag, s in slowest)
            + f"; the kernel's start and exit (outside the cells) {outside_cells:.1f} s",
        )
    )
    run_median = statistics.median(p3_runs)
    part_medians = {part: statistics.median(p[part] for p in p3_parts) for part in PARTS}
    largest = max(part_medians, key=part_medians.get)
    print(
        verdict(
            run_median <= DEPLOYMENT_RUN_GOAL_S,
            f"deployment run, created -> final: median {run_median:.2f} s (goal <= {DEPLOYMENT_RUN_GOAL_S} s)",
            f"its largest part is {largest}, {part_medians[largest]:.2f} s ({PARTS[largest]}); "
            + ", ".join(f"{part} {s:.2f} s" for part, s in part_medians.items()),
        )
    )
    print(
        verdict(
            first_start <= FRESH_SERVER_GOAL_S,
            f"Prefect 3 server on a new home ready in {first_start:.1f} s (goal <= {FRESH_SERVER_GOAL_S} s)",
            f"the same home again took {server.ready_seconds:.1f} s: that much is the server's own start (its "
            f"imports, its services), which a new home pays too; the rest, {first_start - server.ready_seconds:.1f} s, "
            "is what a new home adds",
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
