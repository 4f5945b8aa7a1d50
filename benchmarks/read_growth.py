"""How the notebook's read grows: 1, 2 and 4 months of trips, and the month on 1, 2 and 3 workers.

    python benchmarks/read_growth.py [--repeats N]      (or: make bench, after read_engines.py)

Months 2 to 4 are made by the project's generator like the month of ``read_engines.py`` (same
rows, other seeds: other trips), as CSV and as the TLC's Parquet, once, into
``benchmarks/.cache/rows-<MONTH_ROWS>/months/`` (ignored by git; their size and the time to make them:
docs/benchmarks.md).  ``data_url`` is then a glob of 1,
2 or 4 of these files, as a user with several months would pass it.  The notebook's own ``read``
runs on one fresh LocalCluster (1 thread per worker) per size, all started side by side, so that
the largest worker's peak (VmHWM) is that size's; one untimed warm-up round, then ``--repeats``
rounds that take the sizes in turn (a busy moment of the shared machine falls on all of them),
median.

Targets, as PASS/FAIL lines: time grows at most as :data:`TIME_LIMITS` with the rows, and the
largest worker's peak stays within :data:`PEAK_GROWTH` of the month's, on each format.  The 1, 2, 3 workers lines
are printed without a target: on this 2-core machine a third worker shares a core (see
docs/benchmarks.md for what changes on a real cluster).
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from read_engines import CACHE, month_files, peak_mib  # noqa: E402 - the benchmark's own cache and peak

from tutorial_kit.generator.calibration import MONTH_ROWS  # noqa: E402
from tutorial_kit.generator.output import SEED  # noqa: E402

MONTHS = (1, 2, 4)
#: The targets: time at most this many times the month's, per number of months.
TIME_LIMITS = {1: 1.0, 2: 2.1, 4: 4.2}
PEAK_GROWTH = 0.20
WORKERS = (1, 2, 3)


def months_folder(rows: int = MONTH_ROWS) -> Path:
    """``months/month-K.csv`` and ``.parquet`` for K in 1..4: month 1 is ``read_engines.py``'s file
    (a link), month K the generator's with seed ``SEED + K - 1``; each made once."""
    from tutorial_kit.generator.output import write_month
    from tutorial_kit.generator.parquet_release import write_parquet

    first = month_files(rows)
    folder = CACHE / f"rows-{rows}" / "months"
    folder.mkdir(exist_ok=True)
    for fmt in ("csv", "parquet"):
        link = folder / f"month-1.{fmt}"
        if not link.exists():  # none yet, or one left dangling
            link.unlink(missing_ok=True)
            # relative: the cache stays whole when the checkout moves
            link.symlink_to(os.path.relpath(first[fmt], folder))
    for month in range(2, max(MONTHS) + 1):
        csv, parquet = folder / f"month-{month}.csv", folder / f"month-{month}.parquet"
        if not csv.exists():
            print(f"generating month {month} (seed {SEED + month - 1}) into {csv} (once) ...", flush=True)
            write_month(csv, rows=rows, seed=SEED + month - 1)
        if not parquet.exists():
            write_parquet(csv, parquet)
    return folder


def glob_of(folder: Path, months: int, fmt: str) -> str:
    return str(folder / f"month-[1-{months}].{fmt}")


def interleaved(runs: dict, repeats: int) -> dict:
    """``runs``: {name: (workers, data_url)}.  One fresh LocalCluster per name, all started first;
    then, after a warm-up round, ``repeats`` rounds that run the notebook's read once on each in
    turn, so that a busy moment of the shared machine falls on all of them alike.  {name: (median
    wall, the largest worker's peak, the result)}."""
    import contextlib

    from dask.distributed import Client, LocalCluster

    from tutorial_kit.tooling.notebook_code import read_function

    read = read_function()
    # the read's progress lines are not this table's: prefect's logger, quietened after prefect's import
    # (which the read's first progress check does) has set its level
    import prefect  # noqa: F401

    logging.getLogger("prefect").setLevel(logging.WARNING)
    with contextlib.ExitStack() as stack:
        clients = {}
        for name, (workers, _) in runs.items():
            cluster = stack.enter_context(
                LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0")
            )
            clients[name] = stack.enter_context(Client(cluster, set_as_default=False))
        walls = {name: [] for name in runs}
        results = {}
        for round_ in range(repeats + 1):
            for name, (_, url) in runs.items():
                with clients[name].as_current():
                    start = time.perf_counter()
                    results[name] = read(url)
                    if round_:
                        walls[name].append(time.perf_counter() - start)
        return {
            name: (statistics.median(walls[name]), max(clients[name].run(peak_mib).values()), results[name])
            for name in runs
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, choices=range(1, 11), metavar="1..10")
    parser.add_argument("--generate-only", action="store_true", help="make the files, measure nothing")
    args = parser.parse_args()
    folder = months_folder()
    if args.generate_only:
        return 0
    checks = []
    print(f"\nthe notebook's read on 2 workers, months of {MONTH_ROWS:,} rows; median of {args.repeats} interleaved\n")
    print(f"{'format':<8}{'months':>7}{'wall s':>9}{'ratio':>8}{'peak MiB':>10}{'ratio':>8}")
    for fmt in ("csv", "parquet"):
        measured = interleaved({n: (WORKERS[1], glob_of(folder, n, fmt)) for n in MONTHS}, args.repeats)
        wall = {n: m[0] for n, m in measured.items()}
        peak = {n: m[1] for n, m in measured.items()}
        for n in MONTHS:
            print(
                f"{fmt.upper():<8}{n:>7}{wall[n]:>9.3f}{wall[n] / wall[1]:>8.2f}"
                f"{peak[n]:>10,.0f}{peak[n] / peak[1]:>8.2f}"
            )
        ratios = " : ".join(f"{wall[n] / wall[1]:.2f}" for n in MONTHS)
        limits = " : ".join(f"{TIME_LIMITS[n]:g}" for n in MONTHS)
        checks.append(
            (
                f"{fmt.upper()}: time for 1, 2, 4 months {ratios} (target <= {limits})",
                all(wall[n] / wall[1] <= TIME_LIMITS[n] for n in MONTHS),
            )
        )
        growth = max(peak.values()) / peak[1] - 1
        checks.append(
            (
                f"{fmt.upper()}: largest worker for 1, 2, 4 months "
                + " / ".join(f"{peak[n]:,.0f}" for n in MONTHS)
                + f" MiB, {growth:+.1%} (target <= +{PEAK_GROWTH:.0%})",
                growth <= PEAK_GROWTH,
            )
        )
    print(f"\nthe month's read on 1, 2, 3 workers (1 thread each, this machine has {cpu_count()} cores)\n")
    print(f"{'format':<8}{'workers':>8}{'wall s':>9}{'vs 1':>8}{'peak MiB':>10}  same result")
    for fmt in ("csv", "parquet"):
        measured = interleaved({n: (n, glob_of(folder, 1, fmt)) for n in WORKERS}, args.repeats)
        for n in WORKERS:
            wall, peak, result = measured[n]
            same = "yes" if result.equals(measured[WORKERS[0]][2]) else "NO (partition sums in another order)"
            print(f"{fmt.upper():<8}{n:>8}{wall:>9.3f}{wall / measured[1][0]:>8.2f}{peak:>10,.0f}  {same}")
    print()
    for text, ok in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {text}")
    return 0


def cpu_count() -> int:
    import os

    return len(os.sched_getaffinity(0))


if __name__ == "__main__":
    sys.exit(main())
