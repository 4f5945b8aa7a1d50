"""The flow's ``read`` task on a full month of trips, against pandas, DuckDB and polars.

    python benchmarks/read_engines.py [--repeats N] [--rows N]      (or: make bench; --rows: the month's by default)

Generates, once, a month-size file with the project's generator (as the original CSV and as the
TLC's 2022 Parquet layout) in ``benchmarks/.cache/`` (ignored by git), then, in this one run,
times the same computation (std of passenger_count per VendorID over trips with more than one
passenger) with:

* dask: the notebook's own ``read`` task on a fresh LocalCluster of :data:`WORKERS` workers (1 thread each);
* pandas: one process, ``usecols`` of the two columns;
* DuckDB and polars: their own readers, with their default threads.

Each engine runs in its own process, so that its peak memory (VmHWM; for dask, the largest
worker's) is its own.  Each does one untimed warm-up run (the file is then in the page
cache for everyone) and ``--repeats`` timed runs; the table shows the median.  Every result must
agree with DuckDB's to 1e-9 relative, or the script exits 1.  The read's targets are printed
as PASS/FAIL lines; they are measured here, never in a timed test.  How the read grows with the
rows (1, 2, 4 months) and with the workers is ``read_growth.py``'s.

Why: the notebook reads with dask's own readers, as a Dask tutorial should, and a reader of the
tutorial should know what that costs against the engines people would otherwise reach for, on the
data the tutorial reads, measured the same way each time.  ``run_dask_scan`` times dask's Parquet
reader alone, so that reading can be told apart from the computation.  The figures, and what was
measured to explain them, are in docs/benchmarks.md: this module measures, that page keeps the
results.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from tutorial_kit.generator.calibration import MONTH_ROWS
from tutorial_kit.paths import NOTEBOOK, REPO_ROOT

CACHE = REPO_ROOT / "benchmarks" / ".cache"
#: The goal for the notebook on the month's CSV under papermill, end to end, in seconds.
NOTEBOOK_TARGET = 12.0
#: Where the notebook's run on the month is written.
NOTEBOOK_OUTPUT = CACHE / "notebook-month.ipynb"
AGREEMENT = 1e-9
QUERY = (
    "SELECT VendorID, stddev_samp(passenger_count) AS std FROM {source} "
    "WHERE passenger_count > 1 GROUP BY VendorID ORDER BY VendorID"
)


# ------------------------------------------------------------------------------------------
# Runners: each is called in a fresh process as `read_engines.py --run ENGINE PATH REPEATS`
# ------------------------------------------------------------------------------------------


def peak_mib() -> float:
    """This process's peak resident memory (VmHWM). Not ``ru_maxrss``: Linux carries that across
    exec, so a runner would report the peak of the benchmark process that started it."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status: peak memory needs Linux")


#: Workers of the runners' clusters unless told otherwise (--workers): the machine's two cores.
WORKERS = 2


def local_cluster(workers: int = WORKERS):
    """A fresh LocalCluster of ``workers`` processes (1 thread each) as dask's default client;
    ``(peak, close)``: the largest worker's peak memory, and closing both."""
    from dask.distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0")
    client = Client(cluster)
    return (lambda: max(client.run(peak_mib).values())), (lambda: (client.close(), cluster.close()))


def run_dask(path: str, workers: int):
    from tutorial_kit.tooling.notebook_code import read_function

    read = read_function()
    peak, close = local_cluster(workers)
    return (lambda: read(path)), peak, close


def run_dask_scan(path: str, workers: int):
    """Only dask's Parquet reader, with the notebook's own columns and blocksize: the row count of
    each partition, nothing computed on the rows. What reading alone costs, for the Parquet target."""
    import dask.dataframe as dd

    from tutorial_kit.tooling.notebook_code import read_cell

    cell = read_cell()
    peak, close = local_cluster(workers)

    def once():
        taxi = dd.read_parquet(path, columns=cell["COLUMNS"], blocksize=cell["BLOCKSIZE"])
        return {"rows": float(taxi.map_partitions(len).sum().compute())}

    return once, peak, close


def run_pandas(path: str, workers: int):  # noqa: ARG001 - one process
    import pandas as pd

    def once():
        if path.endswith(".parquet"):
            df = pd.read_parquet(path, columns=["VendorID", "passenger_count"])
        else:
            df = pd.read_csv(path, usecols=["VendorID", "passenger_count"])
        return df[df.passenger_count > 1].groupby("VendorID").passenger_count.std()

    return once, peak_mib, lambda: None


def run_duckdb(path: str, workers: int):  # noqa: ARG001 - its own threads
    import duckdb
    import pandas as pd

    source = f"read_parquet('{path}')" if path.endswith(".parquet") else f"read_csv('{path}')"

    def once():
        rows = duckdb.sql(QUERY.format(source=source)).fetchall()
        return pd.Series({vendor: std for vendor, std in rows})

    return once, peak_mib, lambda: None


def run_polars(path: str, workers: int):  # noqa: ARG001 - its own threads
    import pandas as pd
    import polars as pl

    def once():
        scan = pl.scan_parquet(path) if path.endswith(".parquet") else pl.scan_csv(path)
        frame = (
            scan.select("VendorID", "passenger_count")
            .filter(pl.col("passenger_count") > 1)
            .group_by("VendorID")
            .agg(pl.col("passenger_count").std())
            .sort("VendorID")
            .collect()
        )
        return pd.Series(dict(zip(frame["VendorID"].to_list(), frame["passenger_count"].to_list(), strict=True)))

    return once, peak_mib, lambda: None


RUNNERS = {
    "dask": run_dask,
    "dask-scan": run_dask_scan,
    "pandas": run_pandas,
    "duckdb": run_duckdb,
    "polars": run_polars,
}


def runner_main(engine: str, path: str, repeats: int, workers: int) -> None:
    once, peak, close = RUNNERS[engine](path, workers)
    result = once()  # warm-up: imports, worker start-up, page cache
    walls = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = once()
        walls.append(time.perf_counter() - start)
    result = {str(k) if isinstance(k, str) else str(int(k)): float(v) for k, v in result.items()}
    report = {"walls": walls, "peak_mib": peak(), "result": result}
    close()
    print(json.dumps(report))


# ------------------------------------------------------------------------------------------
# The benchmark
# ------------------------------------------------------------------------------------------


def month_files(rows: int) -> dict[str, Path]:
    """The cached month-size CSV and Parquet (made once)."""
    from tutorial_kit.generator.output import write_month
    from tutorial_kit.generator.parquet_release import write_parquet

    folder = CACHE / f"rows-{rows}"
    csv, parquet = folder / "yellow_tripdata_2019-01.csv", folder / "yellow_tripdata_2019-01.parquet"
    if not csv.exists():
        print(f"generating {rows:,} rows into {csv.relative_to(REPO_ROOT)} (once) ...", flush=True)
        start = time.perf_counter()
        write_month(csv, rows=rows)
        print(f"  {time.perf_counter() - start:.0f} s, {csv.stat().st_size / 1e6:,.0f} MB", flush=True)
    if not parquet.exists():
        start = time.perf_counter()
        write_parquet(csv, parquet)
        print(f"  Parquet: {time.perf_counter() - start:.0f} s, {parquet.stat().st_size / 1e6:,.0f} MB", flush=True)
    return {"csv": csv, "parquet": parquet}


def measure(engine: str, path: Path | str, repeats: int, workers: int = WORKERS) -> dict:
    """One runner in a process of its own: its timed runs, its peak and its result."""
    done = subprocess.run(
        [sys.executable, __file__, "--run", engine, str(path), str(repeats), "--workers", str(workers)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if done.returncode != 0:
        sys.exit(f"{engine} on {path} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def notebook_seconds(path: Path) -> float:
    """``make run``'s papermill command on the month, end to end (set-up already done)."""
    from standin.testing.processes import clean_env  # here: the runners' processes import none of it

    cmd = [
        str(Path(sys.executable).parent / "papermill"),
        "--no-progress-bar",
        str(NOTEBOOK),
        str(NOTEBOOK_OUTPUT),
        "-p",
        "data_url",
        str(path),
    ]
    start = time.perf_counter()
    subprocess.run(cmd, cwd=REPO_ROOT, env=clean_env(), check=True, capture_output=True, timeout=600)
    return time.perf_counter() - start


def agree(result: dict, reference: dict) -> bool:
    return result.keys() == reference.keys() and all(
        abs(result[k] - reference[k]) <= AGREEMENT * abs(reference[k]) for k in reference
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, choices=range(1, 11), metavar="1..10")
    parser.add_argument(
        "--rows", type=int, default=MONTH_ROWS, help="rows of the generated month (default: %(default)s)"
    )
    parser.add_argument("--run", nargs=3, metavar=("ENGINE", "PATH", "REPEATS"), help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=WORKERS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        engine, path, repeats = args.run
        runner_main(engine, path, int(repeats), args.workers)
        return 0

    files = month_files(args.rows)
    rows = args.rows
    table, failures = [], []
    for fmt in ("csv", "parquet"):
        measured = {
            engine: measure(engine, files[fmt], args.repeats) for engine in ("duckdb", "dask", "pandas", "polars")
        }
        reference = measured["duckdb"]["result"]
        duck = statistics.median(measured["duckdb"]["walls"])
        for engine, m in measured.items():
            wall = statistics.median(m["walls"])
            ok = agree(m["result"], reference)
            if not ok:
                failures.append(f"{engine} on {fmt}: {m['result']} differs from DuckDB's {reference}")
            table.append((fmt.upper(), engine, wall, rows / wall, m["peak_mib"], wall / duck, ok))
    # what dask's Parquet reader alone costs (no computation on the rows), against DuckDB's whole query
    scan = measure("dask-scan", files["parquet"], args.repeats)
    if scan["result"] != {"rows": float(rows)}:
        failures.append(f"dask-scan read {scan['result']} rows, not {rows:,}")
    scan_wall = statistics.median(scan["walls"])
    parquet_duck = next(row[2] for row in table if row[:2] == ("PARQUET", "duckdb"))
    return report(table, files, rows, failures, (scan_wall, scan_wall / parquet_duck))


def report(table, files, rows, failures, scan) -> int:
    print(f"\nstd of passenger_count per VendorID, {rows:,} rows; median of the timed runs\n")
    print(f"{'format':<8}{'engine':<8}{'wall s':>9}{'rows/s':>14}{'peak MiB':>10}{'vs DuckDB':>11}  agrees")
    for fmt, engine, wall, per_second, peak, ratio, ok in table:
        peak_text = f"{peak:,.0f}" + ("*" if engine == "dask" else " ")
        print(
            f"{fmt:<8}{engine:<8}{wall:>9.3f}{per_second:>14,.0f}{peak_text:>10}{ratio:>10.2f}x"
            f"  {'yes' if ok else 'NO'}"
        )
    print("* dask: the largest worker's peak")
    print(
        f"dask's read_parquet alone (the notebook's columns and blocksize, rows counted, nothing computed): "
        f"{scan[0]:.3f} s, {scan[1]:.2f}x DuckDB's whole query"
    )
    dask = {fmt: row for row in table if row[1] == "dask" for fmt in [row[0]]}
    csv_pandas = next(row[2] for row in table if row[:2] == ("CSV", "pandas"))
    seconds = notebook_seconds(files["csv"])
    checks = [
        (
            f"CSV: dask read {dask['CSV'][2] / csv_pandas:.2f}x pandas in one process (target <= 1.00x)",
            dask["CSV"][2] <= csv_pandas,
        ),
        (f"CSV: dask read {dask['CSV'][5]:.2f}x DuckDB (then toward <= 1.00x)", dask["CSV"][5] <= 1.0),
        (f"Parquet: dask read {dask['PARQUET'][5]:.2f}x DuckDB (target <= 3.00x)", dask["PARQUET"][5] <= 3.0),
        (
            f"largest dask worker: {max(dask['CSV'][4], dask['PARQUET'][4]):,.0f} MiB (target <= 512)",
            max(dask["CSV"][4], dask["PARQUET"][4]) <= 512,
        ),
        (
            f"notebook end to end with papermill on the month's CSV: {seconds:.1f} s (target <= {NOTEBOOK_TARGET:g} s)",
            seconds <= NOTEBOOK_TARGET,
        ),
    ]
    print()
    for text, ok in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {text}")
    if seconds > NOTEBOOK_TARGET:
        from notebook_vs_script import where_the_seconds_went

        print(
            "  why: the notebook on the month, " + where_the_seconds_went(NOTEBOOK_OUTPUT, seconds, "papermill's start")
        )
    for failure in failures:
        print(f"DISAGREE  {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
