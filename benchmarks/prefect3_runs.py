"""The Prefect 3 companion beside the Prefect 1 notebook, measured in one run and printed:

- each notebook end to end with papermill (its own venv's), on a platform that already runs: the Prefect 1 notebook
  on a private stand-in, the companion on a shared Prefect 3 server (``make prefect3-server``'s, in a folder of
  this run's own);
- each notebook's flow run, created -> final state, from the platform's own records: the stand-in's GraphQL API,
  the Prefect 3 server's REST API (the deployment run that ``prefect deployment run --watch`` created);
- each platform's start: the stand-in's, and the Prefect 3 server's time to ready on a fresh database (the first
  start, which migrates it) and on the same database again (a later start).

Runs alternate, Prefect 1 then Prefect 3, to share the machine's noise; medians of ``--repeats``.

    python benchmarks/prefect3_runs.py [--repeats 3]      (or: make bench)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import requests

from tutorial_kit.paths import NOTEBOOK, PREFECT3_NOTEBOOK, REPO_ROOT

sys.path.insert(0, str(Path(__file__).parent))
from notebook_vs_script import timed  # noqa: E402

PREFECT3_BIN = REPO_ROOT / ".venv-prefect3" / "bin"
#: Bound of a Prefect 3 server's start (a fresh database's migration takes 20-30 s on a busy 2-core machine).
SERVER_START_S = 120
#: What the shared server prints once it answers.
READY = re.compile(r"ready in ([\d.]+) s")


def outside_env() -> dict[str, str]:
    """This machine's environment without any platform's settings (as the benchmarks next to this one)."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("SATURN", "PREFECT")) and k != "BASE_URL"}


class SharedPrefect3Server:
    """``python -m tutorial_kit.prefect3.server`` (``make prefect3-server``) on ``home``, in the background."""

    def __init__(self, home: Path):
        self.home = home
        self.address_file = home / "shared-server.json"
        self.env = dict(
            outside_env(), TUTORIAL_PREFECT3_HOME=str(home), PREFECT3_SHARED_SERVER_FILE=str(self.address_file)
        )
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
            time.sleep(0.25)
        #: Seconds to its first healthy answer, as the server measures it.
        self.ready_seconds = float(ready[1])
        self.api_url = json.loads(self.address_file.read_text())["api_url"]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # its Ctrl-C: stops the server, removes the address file
            self.proc.wait(60)

    def flow_run_seconds(self) -> list[float]:
        """Every flow run's created -> end time, oldest first, from the server's records."""
        runs = requests.post(self.api_url + "/flow_runs/filter", json={"sort": "START_TIME_ASC"}, timeout=30).json()
        bad = [r["state_name"] for r in runs if r["state_type"] != "COMPLETED"]
        if bad:
            sys.exit(f"Prefect 3 flow runs did not complete: {bad}")
        return [seconds_between(r["created"], r["end_time"]) for r in runs]


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


def main() -> int:
    from standin.client.process import StandIn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, choices=range(1, 11), metavar="1..10")
    args = parser.parse_args()
    if not (PREFECT3_BIN / "papermill").exists():
        sys.exit("no .venv-prefect3: make .venv-prefect3/.installed (make bench does)")
    papermill_s: dict[str, list[float]] = {"prefect1": [], "prefect3": []}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        began = time.perf_counter()
        standin = StandIn.start(username="bench", home=tmp / "standin")
        standin_start = time.perf_counter() - began
        server = None
        try:
            server = SharedPrefect3Server(tmp / "prefect3")  # a fresh database: the first start migrates it
            first_start = server.ready_seconds
            server.stop()
            server = SharedPrefect3Server(tmp / "prefect3")  # the same database: a later start
            p1_env = dict(outside_env(), **standin.environ(), PREFECT__HOME_DIR=str(tmp / "prefect1-home"))
            for i in range(args.repeats):
                p1_out, p3_out = tmp / f"prefect1-{i}.ipynb", tmp / f"prefect3-{i}.ipynb"
                papermill_s["prefect1"].append(papermill(REPO_ROOT / ".venv" / "bin", NOTEBOOK, p1_out, p1_env))
                papermill_s["prefect3"].append(papermill(PREFECT3_BIN, PREFECT3_NOTEBOOK, p3_out, server.env))
            p1_runs = standin_flow_run_seconds(standin, p1_env)
            p3_runs = server.flow_run_seconds()
        finally:
            if server is not None:
                server.stop()
            standin.stop()
    figures = {
        "Prefect 1 notebook, papermill": papermill_s["prefect1"],
        "Prefect 3 companion, papermill": papermill_s["prefect3"],
        "Prefect 1 flow run, created -> final": p1_runs,
        "Prefect 3 deployment run, created -> final": p3_runs,
    }
    print(f"{args.repeats} runs of each notebook, alternating, each on a platform that already runs")
    for name, values in figures.items():
        print(f"{name:44s} median {statistics.median(values):6.2f} s   runs: {', '.join(f'{v:.2f}' for v in values)}")
    p3_nb, p1_nb = (statistics.median(papermill_s[k]) for k in ("prefect3", "prefect1"))
    print(f"ratio companion/notebook (papermill): {p3_nb / p1_nb:.2f}")
    print(f"ratio deployment run/flow run: {statistics.median(p3_runs) / statistics.median(p1_runs):.2f}")
    print(
        f"platform start: stand-in {standin_start:.1f} s; Prefect 3 server ready in {first_start:.1f} s "
        f"(fresh database), {server.ready_seconds:.1f} s (later start)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
