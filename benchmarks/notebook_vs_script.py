"""Wall time of `make run` (papermill) against a script running the same flow against the same
stand-in; prints the times, their ratio and the targets' PASS/FAIL lines, measured in this one run.

The script is the notebook's code cells as nbconvert exports them (the `%%bash` login cell becomes
IPython's `run_cell_magic`), run by `ipython`, so both run exactly the same code. Runs alternate to
share machine noise. A missed target is followed by where `make run`'s seconds went, from papermill's
own record of each cell in the executed notebook.

    python benchmarks/notebook_vs_script.py [--repeats 3]      (or: make bench)
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbconvert import PythonExporter

from standin.testing.processes import clean_env
from tutorial_kit.paths import NOTEBOOK, REPO_ROOT

#: The goal for `make run` on the bundled sample, from the command to its exit (median), in seconds.
MAKE_RUN_TARGET = 10.0
#: The goal for `make run`'s time over the script's (medians).
RATIO_TARGET = 1.3
#: Where `make run` writes the executed notebook (the Makefile's OUTPUT).
MAKE_RUN_OUTPUT = REPO_ROOT / "output" / "prefect-resource-manager.ipynb"
#: IPython, which runs the exported script (its `%%bash` cell is IPython's).
IPYTHON = Path(sys.executable).parent / "ipython"


def notebook_as_script(path: Path) -> str:
    """The notebook's code cells as a script for ``ipython``, by nbconvert."""
    body, _ = PythonExporter().from_notebook_node(nbformat.read(path, as_version=4))
    return body


def timed(cmd: list[str], env: dict) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=REPO_ROOT, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def where_the_seconds_went(executed: Path, wall: float, outside: str) -> str:
    """One line: ``wall`` seconds of a papermill run, split by papermill's record in ``executed``
    into its cells (the largest first), the kernel's start and the gaps between cells, and the rest
    (``outside``: what ran before and after papermill executed the notebook)."""
    nb = nbformat.read(executed, as_version=4)
    cells = {
        c.metadata.get("tags", ["untagged"])[0]: c.metadata.papermill.duration
        for c in nb.cells
        if c.cell_type == "code"
    }
    execution = nb.metadata.papermill.duration
    largest = ", ".join(f"{tag} {s:.2f}" for tag, s in sorted(cells.items(), key=lambda item: -item[1])[:5])
    return (
        f"{wall:.2f} s: papermill's execution {execution:.2f} s (cells {sum(cells.values()):.2f} s, the largest "
        f"{largest}; the kernel's start and between cells {execution - sum(cells.values()):.2f} s), "
        f"{outside} {wall - execution:.2f} s"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, choices=range(1, 11), metavar="1..10")
    args = parser.parse_args()
    env = clean_env()
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "prefect_resource_manager.py"
        script.write_text(notebook_as_script(NOTEBOOK))
        runs = {
            "make run (papermill)": ["make", "--no-print-directory", "run"],
            "the script (ipython)": [str(IPYTHON), str(script)],
        }
        times = {name: [] for name in runs}
        timed(runs["the script (ipython)"], env)  # warm the file cache once, untimed
        for _ in range(args.repeats):
            for name, cmd in runs.items():
                times[name].append(timed(cmd, env))
    medians = {name: statistics.median(t) for name, t in times.items()}
    for name, t in times.items():
        print(f"{name:22s} median {medians[name]:6.2f} s   runs: {', '.join(f'{x:.2f}' for x in t)}")
    make_run = medians["make run (papermill)"]
    ratio = make_run / medians["the script (ipython)"]
    checks = [
        (
            f"make run on the sample: median {make_run:.2f} s (target <= {MAKE_RUN_TARGET:g} s)",
            make_run <= MAKE_RUN_TARGET,
        ),
        (f"make run over the script: {ratio:.2f} (target <= {RATIO_TARGET})", ratio <= RATIO_TARGET),
    ]
    for text, ok in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {text}")
    if not all(ok for _, ok in checks):
        last = times["make run (papermill)"][-1]
        print(
            "  why: the last make run, "
            + where_the_seconds_went(MAKE_RUN_OUTPUT, last, "papermill's start and the results step")
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
