"""The candidates tried for a faster dask read of the month, interleaved on one warm cluster.

    python benchmarks/read_candidates.py csv|parquet [--rounds 7] [--workers 2] [--only NAME ...]
                                         [--stream] [--cluster-settings]

Each candidate is one way of writing the notebook's ``read`` with dask's own readers and settings
(``dd.read_csv`` / ``dd.read_parquet``, a dask config, pyarrow's thread count in the workers); all of them run
on the same warm LocalCluster, one after the other in each round (``--rounds`` of them, after one untimed
warm-up round), so that a busy moment of the shared machine falls on all of them alike; the table shows each
one's median and its ratio to the first line (the notebook's reader options, with its ``reads`` cell's
columns, dtypes and block size: the candidates differ from it), with the workers' CPU seconds
(``time.process_time`` in each worker, summed: what a busy machine disturbs least).  A candidate whose result
is not the notebook's to the last digit is marked ``NO``.
``--stream`` then shows where one read's wall goes (dask's task stream; dask's performance report would need
bokeh, which the project does not install); ``--cluster-settings`` compares settings of the workers' start
instead.

Why a script of its own: ``read_engines.py`` (``make bench``) measures what the notebook does;
this one measures what it could do instead, so that each candidate of docs/benchmarks.md is kept or
dropped for a figure anyone can measure again.  It reads the month that ``read_engines.py``
generated (run that first).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import dask
import dask.dataframe as dd
from dask.distributed import Client, LocalCluster

sys.path.insert(0, str(Path(__file__).parent))
from read_engines import CACHE  # noqa: E402 - the benchmark's own cache

from tutorial_kit.generator.calibration import MONTH_ROWS  # noqa: E402
from tutorial_kit.tooling.notebook_code import reads_constants  # noqa: E402

READS = reads_constants()  # what the notebook's flow reads
COLUMNS, DTYPES, BLOCKSIZE = READS["COLUMNS"], READS["DTYPES"], READS["BLOCKSIZE"]
MORE_THAN_ONE = [("passenger_count", ">", 1)]


def candidate(fmt: str, **options):
    """(reader options, dask config, pyarrow threads in each worker): ``_config`` and
    ``_arrow_threads`` are taken out of the reader's options."""
    config = options.pop("_config", {})
    threads = options.pop("_arrow_threads", 1)
    if fmt == "csv":
        options.setdefault("engine", "pyarrow")
    return options, config, threads


TUNE_OFF = {"optimization.tune.active": False}


def candidates(fmt: str) -> dict:
    if fmt == "parquet":
        return {
            "notebook (filters, tune off)": candidate(
                fmt, blocksize=BLOCKSIZE, filters=MORE_THAN_ONE, _config=TUNE_OFF
            ),
            "before: no filters, tune on": candidate(fmt, blocksize="64MiB"),
            "filesystem=arrow": candidate(fmt, filesystem="arrow"),
            "filesystem=arrow, filters": candidate(fmt, filesystem="arrow", filters=MORE_THAN_ONE),
            "filesystem=arrow, tune off": candidate(fmt, filesystem="arrow", _config=TUNE_OFF),
            "filesystem=arrow, filters, tune off": candidate(
                fmt, filesystem="arrow", filters=MORE_THAN_ONE, _config=TUNE_OFF
            ),
            "filters": candidate(fmt, blocksize="64MiB", filters=MORE_THAN_ONE),
            "split_row_groups=1": candidate(fmt, split_row_groups=1),
            "split_row_groups=2": candidate(fmt, split_row_groups=2),
            "split_row_groups=4": candidate(fmt, split_row_groups=4),
            "tune off": candidate(fmt, blocksize="64MiB", _config=TUNE_OFF),
            "tune off, split_row_groups=2": candidate(fmt, split_row_groups=2, _config=TUNE_OFF),
            "tune off, split_row_groups=4": candidate(fmt, split_row_groups=4, _config=TUNE_OFF),
            "tune off, filters, split 4": candidate(fmt, split_row_groups=4, filters=MORE_THAN_ONE, _config=TUNE_OFF),
            "pyarrow 2 threads": candidate(fmt, blocksize="64MiB", _arrow_threads=2),
            "dtype_backend=pyarrow": candidate(fmt, blocksize="64MiB", dtype_backend="pyarrow"),
        }
    return {
        f"notebook (pyarrow, {BLOCKSIZE})": candidate(fmt, blocksize=BLOCKSIZE),
        "before: blocksize 64MiB": candidate(fmt, blocksize="64MiB"),
        "blocksize 32MiB": candidate(fmt, blocksize="32MiB"),
        "blocksize 44MiB": candidate(fmt, blocksize="44MiB"),
        "blocksize 128MiB": candidate(fmt, blocksize="128MiB"),
        "engine=c": candidate(fmt, blocksize="64MiB", engine="c"),
        "dtype_backend=pyarrow": candidate(fmt, blocksize="64MiB", dtype_backend="pyarrow"),
        "pyarrow 2 threads": candidate(fmt, blocksize="64MiB", _arrow_threads=2),
        "pyarrow 2 threads, 128MiB": candidate(fmt, blocksize="128MiB", _arrow_threads=2),
    }


def build(fmt: str, path: str, options: dict):
    """The notebook's computation with these reader options, and the rows it keeps (whose
    partitions, once optimized, are what the workers read)."""
    if fmt == "parquet":
        taxi = dd.read_parquet(path, columns=COLUMNS, **options).astype(DTYPES)
    else:
        taxi = dd.read_csv(path, usecols=COLUMNS, dtype=DTYPES, **options)
    kept = taxi[taxi.passenger_count > 1]
    return kept.groupby("VendorID", dropna=True).passenger_count.std(split_out=1), kept


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("format", choices=("csv", "parquet"))
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", nargs="*", help="candidates whose name contains one of these")
    parser.add_argument(
        "--cluster-settings",
        action="store_true",
        help="instead: the first candidate on clusters started with other worker settings, side by side",
    )
    parser.add_argument(
        "--stream", action="store_true", help="then the first candidate once more, under dask's task stream"
    )
    args = parser.parse_args()
    fmt = args.format
    month = CACHE / f"rows-{MONTH_ROWS}" / f"yellow_tripdata_2019-01.{fmt}"
    path = str(month.resolve())  # absolute: pyarrow's filesystem needs it
    if not Path(path).exists():
        sys.exit(f"{path} is missing: run benchmarks/read_engines.py first (it generates the month)")
    if args.cluster_settings:
        return cluster_settings(fmt, path, candidates(fmt)[next(iter(candidates(fmt)))][0], args)
    chosen = {
        name: c
        for i, (name, c) in enumerate(candidates(fmt).items())
        if i == 0 or not args.only or any(word in name for word in args.only)
    }
    with (
        LocalCluster(n_workers=args.workers, threads_per_worker=1, dashboard_address=":0") as cluster,
        Client(cluster) as client,
    ):
        walls = {name: [] for name in chosen}
        cpus = {name: [] for name in chosen}  # the workers' CPU seconds: less noisy than the wall
        partitions = {}
        results = {}
        for round_ in range(args.rounds + 1):  # round 0: the warm-up
            for name, (options, config, threads) in chosen.items():
                client.run(_arrow_threads, threads)
                with dask.config.set(config):
                    before = sum(client.run(time.process_time).values())
                    start = time.perf_counter()
                    result = client.compute(build(fmt, path, options)[0]).result()
                    wall = time.perf_counter() - start
                    cpu = sum(client.run(time.process_time).values()) - before
                    if not round_:  # the partitions the optimizer's plan reads
                        partitions[name] = build(fmt, path, options)[1].optimize().npartitions
                if round_:
                    walls[name].append(wall)
                    cpus[name].append(cpu)
                results[name] = {float(k): float(v) for k, v in result.items()}
        first = next(iter(chosen))
        reference, base = results[first], statistics.median(walls[first])
        base_cpu = statistics.median(cpus[first])
        print(f"\n{fmt}, {args.workers} workers, median of {args.rounds} interleaved rounds\n")
        for name, measured in walls.items():
            median = statistics.median(measured)
            same = "yes" if results[name] == reference else "NO"
            cpu = statistics.median(cpus[name])
            print(
                f"{name:<38}{partitions[name]:>4} parts{median:>8.3f} s{median / base:>7.2f}x"
                f"  (min {min(measured):.3f})  workers' CPU {cpu:6.2f} s{cpu / base_cpu:>6.2f}x  same: {same}"
            )
        if args.stream:
            options = chosen[first][0]
            task_stream(client, lambda: client.compute(build(fmt, path, options)[0]).result())
    return 0


#: Settings of the workers' start that a cluster's owner could set (the stand-in's clusters.py sets the profiler off
#: and leaves MALLOC_TRIM_THRESHOLD_ as distributed sets it): the Nanny's environment without glibc's
#: MALLOC_TRIM_THRESHOLD_, and the workers' statistical profiler off.
NANNY_ENVIRON = "distributed.nanny.pre-spawn-environ"
CLUSTER_SETTINGS = {
    "distributed's defaults": {},
    "no MALLOC_TRIM_THRESHOLD_": {
        NANNY_ENVIRON: {k: v for k, v in dask.config.get(NANNY_ENVIRON).items() if k != "MALLOC_TRIM_THRESHOLD_"}
    },
    "profiler off": {"distributed.worker.profile.enabled": False},
}


def cluster_settings(fmt: str, path: str, options: dict, args) -> int:
    """The notebook's read on one cluster per setting, all started first, then taken in turn in
    each round: the wall and the workers' CPU seconds, median of ``--rounds``."""
    import contextlib

    with contextlib.ExitStack() as stack:
        clients = {}
        for name, config in CLUSTER_SETTINGS.items():
            with dask.config.set(config):
                cluster = stack.enter_context(
                    LocalCluster(n_workers=args.workers, threads_per_worker=1, dashboard_address=":0")
                )
            clients[name] = stack.enter_context(Client(cluster, set_as_default=False))
        walls = {name: [] for name in clients}
        cpus = {name: [] for name in clients}
        for round_ in range(args.rounds + 1):
            for name, client in clients.items():
                before = sum(client.run(time.process_time).values())
                start = time.perf_counter()
                client.compute(build(fmt, path, options)[0]).result()
                wall = time.perf_counter() - start
                if round_:
                    walls[name].append(wall)
                    cpus[name].append(sum(client.run(time.process_time).values()) - before)
        print(f"\n{fmt}, the notebook's read, {args.workers} workers, median of {args.rounds} interleaved rounds\n")
        first = next(iter(clients))
        base, base_cpu = statistics.median(walls[first]), statistics.median(cpus[first])
        for name in clients:
            wall, cpu = statistics.median(walls[name]), statistics.median(cpus[name])
            print(f"{name:<30}{wall:>8.3f} s{wall / base:>7.2f}x  workers' CPU {cpu:6.2f} s{cpu / base_cpu:>6.2f}x")
    return 0


def task_stream(client, compute) -> None:
    """Where one read's wall goes, from dask's task stream: before the first task starts (the
    client's planning, the graph's trip to the scheduler), the workers' busy and idle time, after
    the last task ends (the result's trip back)."""
    from dask.distributed import get_task_stream

    with get_task_stream(client) as stream:
        start = time.time()
        compute()
        end = time.time()
    spans = [s for task in stream.data for s in task["startstops"]]
    first, last = min(s["start"] for s in spans), max(s["stop"] for s in spans)
    print(f"\none read of the first candidate under the task stream: {end - start:.3f} s")
    print(f"  before the first task starts: {first - start:.3f} s;  after the last ends: {end - last:.3f} s")
    for worker in sorted({task["worker"] for task in stream.data}):
        mine = [s for task in stream.data if task["worker"] == worker for s in task["startstops"]]
        busy = {}
        for s in mine:
            busy[s["action"]] = busy.get(s["action"], 0) + s["stop"] - s["start"]
        tasks = sum(1 for task in stream.data if task["worker"] == worker)
        text = ", ".join(f"{action} {seconds:.3f} s" for action, seconds in sorted(busy.items()))
        print(f"  {worker}: {tasks} tasks, {text}, idle {last - first - sum(busy.values()):.3f} s of the span")


def _arrow_threads(n: int) -> None:
    import pyarrow

    pyarrow.set_cpu_count(n)


if __name__ == "__main__":
    sys.exit(main())
