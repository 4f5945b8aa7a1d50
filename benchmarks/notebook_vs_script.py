"""Wall time of `make run` (papermill) against a plain Python script running the same flow
against the same stand-in; prints the times and their ratio, measured in this one run.

The script is made from the notebook's own code cells (the `%%bash` login cell and the `!prefect run`
line become `subprocess.run`s), so both run exactly the same code. Runs alternate to share machine noise.

    python benchmarks/notebook_vs_script.py [--repeats 3]      (or: make bench)
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from tutorial_kit.paths import NOTEBOOK, REPO_ROOT

#: issue 18's goal for make run's time over the plain script's (medians)
RATIO_TARGET = 1.3


def notebook_as_script(path: Path) -> str:
    parts = []
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type != "code":
            continue
        source = cell.source
        if source.startswith("%%bash"):
            body = source.split("\n", 1)[1]
            source = f"import subprocess\nsubprocess.run(['bash', '-c', {body!r}], check=True)"
        # IPython's `!command {expression}`: the same command, its {expressions} as an f-string's
        source = "\n".join(
            f"import subprocess; subprocess.run(f{line[1:]!r}, shell=True)" if line.startswith("!") else line
            for line in source.splitlines()
        )
        parts.append(source)
    return "\n\n".join(parts) + "\n"


def timed(cmd: list[str], env: dict) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=REPO_ROOT, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, choices=range(1, 11), metavar="1..10")
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SATURN", "PREFECT")) and k != "BASE_URL"}
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "prefect_resource_manager.py"
        script.write_text(notebook_as_script(NOTEBOOK))
        runs = {
            "make run (papermill)": ["make", "--no-print-directory", "run"],
            "plain script": [sys.executable, str(script)],
        }
        times = {name: [] for name in runs}
        timed(runs["plain script"], env)  # warm the file cache once, untimed
        for _ in range(args.repeats):
            for name, cmd in runs.items():
                times[name].append(timed(cmd, env))
    medians = {name: statistics.median(t) for name, t in times.items()}
    for name, t in times.items():
        print(f"{name:22s} median {medians[name]:6.2f} s   runs: {', '.join(f'{x:.2f}' for x in t)}")
    ratio = medians["make run (papermill)"] / medians["plain script"]
    print(f"ratio notebook/script: {ratio:.2f} (target: within {RATIO_TARGET})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
