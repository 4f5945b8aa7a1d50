"""Tests of the generator (tutorial_kit.generator) and of the committed sample it made.

The committed file is what the notebook reads, so the tests check it (not only the generator):
it must be exactly what the generator makes, written the way the original TLC file is written,
calibrated to the original's published figures, and readable by pandas and by dask as the
tutorial reads it.  The sample and a month-size file are one algorithm at two sizes, so the
file's structure (rows per day, pickup order, row 1, the forced rows, the congestion split) is
checked on both.  Comparisons with real rows run only when ../shared (beside the repository)
exists; everything else runs without it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re
import subprocess
import sys
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from support import programs
from tutorial_kit import paths
from tutorial_kit.generator import calibration, month, output
from tutorial_kit.generator.text import HEADER

REPO = paths.REPO_ROOT
README = REPO / "data" / "README.md"
SHARED = paths.REPO_ROOT.parent / "shared"
REAL = SHARED / "data" / "tlc-yellow-2019-01"
REAL_HEAD = REAL / "yellow_tripdata_2019-01.head-1024-bytes.csv"
REAL_SAMPLE = REAL / "yellow_tripdata_2019-01.sample-0.2pct.csv"
needs_shared = pytest.mark.skipif(not SHARED.exists(), reason="../shared (real TLC rows) is not here")

DATES = ["tpep_pickup_datetime", "tpep_dropoff_datetime"]
INTS = ["VendorID", "passenger_count", "RatecodeID", "PULocationID", "DOLocationID", "payment_type"]
MONEY = ["fare_amount", "extra", "mta_tax", "tip_amount", "tolls_amount", "improvement_surcharge", "total_amount"]
FLOATS = ["trip_distance", *MONEY, "congestion_surcharge"]

# The original file's text styles, as regular expressions over one field.
STYLE = {
    "datetime": re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"),
    "int": re.compile(r"0|[1-9]\d*"),
    "distance": re.compile(r"(?:[1-9]\d*)?\.\d\d"),  # .92 1.10 .00: two decimals, no leading 0
    "money": re.compile(r"(?!-0$)-?(?:0|[1-9]\d*)(?:\.\d?[1-9])?"),  # 7 0.5 9.95 -0.3: shortest
    "flag": re.compile(r"[NY]"),
    "congestion": re.compile(r"|0|2\.5"),
}
COLUMN_STYLE = {
    **{c: "datetime" for c in DATES},
    **{c: "int" for c in INTS},
    **{c: "money" for c in MONEY},
    "trip_distance": "distance",
    "store_and_fwd_flag": "flag",
    "congestion_surcharge": "congestion",
}


def within(observed: float, expected: float, n: int, sigmas: float = 4.0) -> bool:
    """True if a share observed in n independent draws is within `sigmas` binomial standard
    errors of the expected share.  4 standard errors: a generator drawing with the right
    probabilities fails one such check with probability about 6e-5 for any seed, while a
    calibration error of 2 points on a 38 % share (10,000 rows: 1 SE = 0.49 points) fails it."""
    return abs(observed - expected) <= sigmas * math.sqrt(expected * (1 - expected) / n)


@pytest.fixture(scope="module")
def data() -> bytes:
    return paths.SAMPLE_CSV_PATH.read_bytes()


@pytest.fixture(scope="module")
def rows(data) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("ascii"), newline="")))


@pytest.fixture(scope="module")
def frame():
    import pandas as pd

    return pd.read_csv(paths.SAMPLE_CSV, parse_dates=DATES)


def tutorial_std(df):
    """The tutorial's computation."""
    return df[df.passenger_count > 1].groupby("VendorID").passenger_count.std()


# --- the committed file is generate()'s output, and generate() is deterministic ----------------


def test_paths_and_defaults():
    assert str(REPO / "data" / "yellow_tripdata_2019-01.sample.csv") == paths.SAMPLE_CSV
    assert isinstance(paths.SAMPLE_CSV, str)
    assert Path(paths.SAMPLE_CSV).is_absolute()
    assert Path(paths.SAMPLE_CSV) == paths.SAMPLE_CSV_PATH
    assert paths.REPO_ROOT == REPO


def test_committed_file_is_exactly_what_generate_makes(data):
    first = output.generate()
    second = output.generate()
    assert hashlib.sha256(first).hexdigest() == hashlib.sha256(data).hexdigest(), (
        "data/yellow_tripdata_2019-01.sample.csv is stale: run `make data`"
    )
    assert first == second


def test_the_sample_is_the_months_algorithm_at_10000_rows(tmp_path, data):
    """One algorithm: the month-size writer, on two processes, makes the sample's bytes."""
    path = output.write_month(tmp_path / "month.csv", rows=output.SAMPLE_ROWS, jobs=2)
    assert path.read_bytes() == data


def test_seed_and_rows_change_the_output():
    small = output.generate(rows=50)
    assert small.count(b"\r\n") == 51
    assert output.generate(rows=50, seed=1) != small
    assert output.generate(rows=month.MIN_ROWS).count(b"\r\n") == month.MIN_ROWS + 1
    with pytest.raises(ValueError, match=f"at least {month.MIN_ROWS}"):
        output.generate(rows=month.MIN_ROWS - 1)


def test_readme_states_the_committed_files_figures(data, frame):
    """The figures of data/README.md that come from the file itself: regenerate, then update."""
    text = README.read_text(encoding="utf-8")
    assert hashlib.sha256(data).hexdigest() in text, "data/README.md names another sha256"
    assert f"{len(data):,} bytes" in text, "data/README.md names another size"
    for value in tutorial_std(frame).tolist():
        assert repr(value) in text, f"data/README.md does not state the std {value!r}"
    vendors = frame.VendorID.value_counts()
    assert " / ".join(f"{vendors[v]:,}" for v in (1, 2, 4)) in text, "VendorID counts"
    counts = frame.passenger_count.value_counts()
    assert ", ".join(f"{counts.get(n, 0):,}" for n in range(10)) in text, "passenger_count counts"
    assert f"{frame.congestion_surcharge.isna().sum():,} (" in text, "empty congestion_surcharge"


# --- text format: the original's header, line endings and number styles -----------------------


def test_header_is_the_original_header(data):
    first_line = data.split(b"\r\n", 1)[0].decode("ascii")
    assert first_line == ",".join(HEADER)
    assert len(HEADER) == 18
    assert HEADER[0] == "VendorID" and HEADER[-1] == "congestion_surcharge"


@needs_shared
def test_header_equals_the_real_files_first_line():
    real_first_line = REAL_HEAD.read_bytes().split(b"\r\n", 1)[0].decode("ascii")
    assert ",".join(HEADER) == real_first_line


def test_every_line_ends_with_crlf(data):
    assert data.endswith(b"\r\n")
    assert data.count(b"\n") == data.count(b"\r\n") == 10_001
    assert data.count(b"\r") == data.count(b"\r\n")


def test_every_field_has_the_original_text_style(rows):
    assert len(rows) == 10_000
    assert_text_style(rows)
    for row in rows:
        assert list(row) == list(HEADER)
        for column in DATES:
            datetime.strptime(row[column], "%Y-%m-%d %H:%M:%S")
    # Both styles of the original show up: ".92" (no leading zero) and "1.10" (trailing zero).
    distances = {r["trip_distance"] for r in rows}
    assert any(d.startswith(".") for d in distances) and any(d.endswith("0") for d in distances)
    assert {r["trip_distance"][-1] for r in rows if r["VendorID"] == "1"} == {"0"}  # tenths only
    assert {r["mta_tax"] for r in rows} >= {"0.5", "-0.5"}
    assert {r["improvement_surcharge"] for r in rows} == {"0.3", "-0.3"}


@needs_shared
def test_the_style_patterns_describe_the_real_file():
    """The patterns above are the real file's styles, not only this generator's."""
    with REAL_SAMPLE.open(newline="") as handle:
        real = list(csv.DictReader(handle))
    assert_text_style(real)


def assert_text_style(rows) -> None:
    """Every styled column of every row in the original file's text style."""
    for number, row in enumerate(rows, start=2):
        assert None not in row and len(row) == 18, number
        for column, style in COLUMN_STYLE.items():
            assert STYLE[style].fullmatch(row[column]), (number, column, row[column])


@pytest.mark.parametrize("made_by", ["rows", "month_rows"])  # generate() and write_month()
def test_money_columns_add_up_to_the_cent(made_by, request):
    for row in request.getfixturevalue(made_by):
        parts = [Decimal(row[c]) for c in MONEY[:-1]]
        parts.append(Decimal(row["congestion_surcharge"] or "0"))
        assert sum(parts) == Decimal(row["total_amount"]), row


# --- calibration to the whole file's published figures ------------------------------------------


@pytest.mark.parametrize("made_by", ["frame", "month_frame"])  # generate() and write_month()
def test_vendor_shares(made_by, request):
    frame = request.getfixturevalue(made_by)
    n = len(frame)
    counts = frame.VendorID.value_counts()
    assert set(counts.index) == {1, 2, 4}
    assert within(counts[1] / n, 0.3833, n)
    assert within(counts[2] / n, 0.6067, n)
    assert within(counts[4] / n, 0.0100, n)


def test_passenger_counts(frame):
    n = len(frame)
    pc = frame.passenger_count
    assert pc.min() == 0 and pc.max() == 9
    assert set(pc.unique()) == set(range(10))
    assert within((pc == 0).mean(), 0.0153, n)
    # mean within 4 standard errors (sd 1.224 / sqrt(n) = 0.012); std within 5 %.
    assert abs(pc.mean() - 1.5670782410373156) <= 4 * 1.2244306152539546 / math.sqrt(n)
    assert abs(pc.std() - 1.2244306152539546) <= 0.05 * 1.2244306152539546


def test_std_per_vendor_differs_like_the_real_data(frame):
    """VendorID 1 carries small groups, VendorID 2 often 5-6 people (real sample: 0.69 / 1.52).
    Tolerances are about 4 standard errors of a std from ~700 and ~2,000 rows."""
    std = tutorial_std(frame)
    assert set(std.index) == {1, 2, 4}
    assert abs(std[1] - 0.694) < 0.12
    assert abs(std[2] - 1.523) < 0.15
    assert std[2] - std[1] > 0.5
    assert math.isfinite(std[4])


def test_ratecode_and_payment_shares(frame):
    n = len(frame)
    assert within((frame.RatecodeID == 1).mean(), 7_430_139 / 7_667_792, n)
    assert within((frame.RatecodeID == 2).mean(), 166_090 / 7_667_792, n)
    assert set(frame.RatecodeID.unique()) <= {1, 2, 3, 4, 5, 6, 99}
    assert within((frame.payment_type == 1).mean(), 0.715464, n)
    assert within((frame.payment_type == 2).mean(), 0.278752, n)
    assert frame.payment_type.max() == 4


def test_quirks_of_the_real_file_are_present(frame):
    years = frame.tpep_pickup_datetime.dt.year
    assert {2001, 2088} <= set(years)
    assert (years == 2019).sum() == len(frame) - 2
    january = frame.tpep_pickup_datetime.between("2019-01-01", "2019-01-31 23:59:59")
    assert january.sum() == len(frame) - 2
    backwards = frame.tpep_dropoff_datetime < frame.tpep_pickup_datetime
    assert backwards.sum() == 1  # every other trip ends after it starts
    negative = frame[frame.total_amount < 0]
    assert len(negative) >= 1
    assert set(negative.payment_type) <= {3, 4}
    assert (negative[MONEY] <= 0).all().all()
    assert set(frame.store_and_fwd_flag.unique()) == {"N", "Y"}
    assert abs(frame.trip_distance.mean() - 2.8010838491705305) < 0.3
    assert abs(frame.total_amount.mean() - 15.68222216009666) < 1.0


# --- reading it the way the tutorial does --------------------------------------------------------

EXPECTED_DTYPES = {
    **{c: "int64" for c in INTS},
    **{c: "float64" for c in FLOATS},
    **{c: "datetime64" for c in DATES},
    "store_and_fwd_flag": "string",
}


def assert_dtypes(df):
    import pandas as pd

    assert list(df.columns) == list(HEADER)
    for column, kind in EXPECTED_DTYPES.items():
        dtype = df.dtypes[column]
        if kind == "datetime64":
            assert pd.api.types.is_datetime64_dtype(dtype), (column, dtype)
        elif kind == "string":
            assert pd.api.types.is_string_dtype(dtype), (column, dtype)
        else:
            assert str(dtype) == kind, (column, dtype)


def test_pandas_reads_the_expected_dtypes(frame):
    assert len(frame) == 10_000
    assert_dtypes(frame)


@pytest.mark.parametrize("blocksize", [None, 100_000], ids=["default", "small-blocks"])
def test_dask_reads_it_like_the_tutorial_and_agrees_with_pandas(frame, blocksize):
    """The tutorial's call, without dtype=: dask guesses dtypes from the first 10 rows and
    applies them to every partition, so this fails if a later row contradicts them."""
    import dask.dataframe as dd

    kwargs = {} if blocksize is None else {"blocksize": blocksize}
    df = dd.read_csv(paths.SAMPLE_CSV, parse_dates=DATES, **kwargs)
    if blocksize:
        assert df.npartitions > 1
    assert_dtypes(df)
    std = tutorial_std(df).compute().sort_index()
    expected = tutorial_std(frame).sort_index()
    assert list(std.index) == list(expected.index)
    assert (std - expected).abs().max() <= 1e-12
    assert len(df) == len(frame)


@needs_shared
def test_same_columns_and_dtypes_as_the_real_sample(frame):
    import pandas as pd

    real = pd.read_csv(REAL_SAMPLE, parse_dates=DATES)
    assert list(frame.columns) == list(real.columns)
    assert frame.dtypes.to_dict() == real.dtypes.to_dict()


# --- the command line and the module itself ------------------------------------------------------


def run_cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "tutorial_kit.generator", *args], cwd=REPO, capture_output=True, text=True, timeout=120
    )


def test_check_passes_on_the_committed_file():
    result = run_cli("--check")
    assert result.returncode == 0, result.stderr


def test_check_fails_with_one_line_naming_the_file(tmp_path):
    target = tmp_path / "sample.csv"
    assert output.write(target, rows=50) == target
    assert target.read_bytes() == output.generate(rows=50)
    assert [p.name for p in tmp_path.iterdir()] == ["sample.csv"]  # no temporary file left
    assert run_cli("--check", "--output", str(target), "--rows", "50").returncode == 0

    target.write_bytes(target.read_bytes().replace(b"\r\n", b"\n"))
    result = run_cli("--check", "--output", str(target), "--rows", "50")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and str(target) in lines[0] and "make data" in lines[0]

    target.unlink()
    assert run_cli("--check", "--output", str(target), "--rows", "50").returncode == 1


def test_cli_writes_the_file(tmp_path):
    target = tmp_path / "out.csv"
    result = run_cli("--output", str(target), "--rows", "60", "--seed", "7")
    assert result.returncode == 0, result.stderr
    assert target.read_bytes() == output.generate(rows=60, seed=7)

    result = run_cli("--output", str(target), "--rows", str(month.MIN_ROWS - 1))
    assert result.returncode == 2 and f"at least {month.MIN_ROWS}" in result.stderr
    assert target.read_bytes() == output.generate(rows=60, seed=7)  # untouched


def test_paths_and_the_generator_import_only_the_standard_library():
    """paths is imported by the notebook's process, the tests and the benchmarks; the generator runs in
    worker processes that should start fast.  Only parquet_release needs pyarrow."""
    modules = ("paths", "generator.__main__", "generator.output", "generator.month")
    result = subprocess.run(
        [sys.executable, str(programs.PROGRAMS / "heavy_imports.py"), *("tutorial_kit." + m for m in modules)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


# --- a month-size file, and the structure the sample shares with it -------------------------------
# The same algorithm at any size, streamed day by day in worker processes.  Small row counts keep
# these fast; the properties do not depend on the size.

MONTH_ROWS = 40_000
#: A structure test runs on the committed sample and on a month-size file.
BOTH = pytest.mark.parametrize("made_by", ["", "month_"], ids=["sample", "month"])


@pytest.fixture(scope="module")
def month_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("month") / "month.csv"
    assert output.write_month(path, rows=MONTH_ROWS, jobs=2) == path
    return path


@pytest.fixture(scope="module")
def month_data(month_path) -> bytes:
    return month_path.read_bytes()


@pytest.fixture(scope="module")
def month_rows(month_data) -> list[dict]:
    return list(csv.DictReader(io.StringIO(month_data.decode("ascii"), newline="")))


@pytest.fixture(scope="module")
def month_frame(month_path):
    import pandas as pd

    return pd.read_csv(month_path, parse_dates=DATES)


def test_month_is_the_same_bytes_every_time_and_for_any_jobs(tmp_path):
    made = {}
    for name, jobs in (("a", 1), ("b", 2), ("c", 1), ("d", 3)):
        made[name] = output.write_month(tmp_path / f"{name}.csv", rows=20_000, jobs=jobs).read_bytes()
    assert made["a"] == made["b"] == made["c"] == made["d"] == output.generate(rows=20_000)
    other_seed = output.write_month(tmp_path / "e.csv", rows=20_000, seed=7, jobs=1)
    assert other_seed.read_bytes() != made["a"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "a.csv",
        "b.csv",
        "c.csv",
        "d.csv",
        "e.csv",
    ]  # no temporary file left


def test_month_header_crlf_and_text_style(month_data, month_rows):
    assert month_data.split(b"\r\n", 1)[0].decode("ascii") == ",".join(HEADER)
    assert month_data.endswith(b"\r\n")
    assert month_data.count(b"\n") == month_data.count(b"\r\n") == month_data.count(b"\r") == MONTH_ROWS + 1
    assert len(month_rows) == MONTH_ROWS
    assert_text_style(month_rows)


@BOTH
def test_rows_are_split_between_days_by_the_day_weights(made_by, request):
    frame = request.getfixturevalue(made_by + "frame")
    weights = calibration.day_weights()
    assert len(weights) == 31 and set(weights.values()) == {80, 95, 100}
    pickups = frame.tpep_pickup_datetime
    january = pickups[pickups.dt.year == 2019]
    assert len(january) == len(frame) - 2
    per_day = january.dt.day.value_counts().to_dict()
    total = sum(weights.values())
    for day, weight in weights.items():  # exact shares, rounded down or up
        share = len(january) * weight / total
        assert math.floor(share) <= per_day[day] <= math.ceil(share), (day, per_day[day], share)


@BOTH
def test_pickups_are_in_order_except_the_two_bad_clocks(made_by, request):
    frame = request.getfixturevalue(made_by + "frame")
    pickups = frame.tpep_pickup_datetime
    bad = pickups.index[pickups.dt.year != 2019].tolist()
    assert sorted(pickups[bad].dt.year) == [2001, 2088]
    assert 0 not in bad and len(frame) - 1 not in bad  # in the middle
    january = pickups.drop(index=bad)
    assert january.is_monotonic_increasing
    assert january.iloc[0] < pd_timestamp("2019-01-01 00:01:00")
    assert january.iloc[-1] >= pd_timestamp("2019-01-31 00:00:00")


def pd_timestamp(text):
    import pandas as pd

    return pd.Timestamp(text)


@BOTH
def test_row_1_has_cents_in_every_money_column(made_by, request):
    """What dask's dtype inference from the first rows needs (see Model.first_trip)."""
    rows = request.getfixturevalue(made_by + "rows")
    first = rows[0]
    for column in MONEY:
        assert "." in first[column], (column, first[column])
    assert first["tpep_pickup_datetime"].startswith("2019-01-01 00:00:")
    assert all(row["congestion_surcharge"] == "" for row in rows[:10])


@BOTH
def test_congestion_surcharge_is_empty_in_the_first_63_33_percent(made_by, request):
    frame = request.getfixturevalue(made_by + "frame")
    n = len(frame)
    empty = frame.congestion_surcharge.isna()
    first_filled = round(n * 0.6333)
    assert empty.sum() == first_filled and empty.iloc[:first_filled].all()  # the first rows
    filled = frame.congestion_surcharge[~empty]
    assert filled.value_counts().to_dict() == {0.0: n - first_filled - 1, 2.5: 1}
    assert frame.total_amount[frame.congestion_surcharge == 2.5].iloc[0] > 0


@BOTH
def test_the_forced_rare_rows_are_there(made_by, request):
    frame = request.getfixturevalue(made_by + "frame")
    pc = frame.passenger_count
    assert set(pc.unique()) == set(range(10))
    assert (pc >= 7).sum() == 3  # the forced 7, 8 and 9
    multi = frame[pc > 1]
    assert (multi.VendorID == 4).sum() >= 2
    backwards = frame.tpep_dropoff_datetime < frame.tpep_pickup_datetime
    assert backwards.sum() == 1
    refunds = frame[frame.total_amount < 0]
    assert len(refunds) >= 1
    assert set(refunds.payment_type) <= {3, 4} and set(refunds.VendorID) == {2}
    assert (refunds[MONEY] <= 0).all().all()
    assert set(frame.store_and_fwd_flag.unique()) == {"N", "Y"}


def test_month_std_per_vendor_is_calibrated(month_frame):
    """Tolerances: about 4 standard errors of a std from ~3,000 and ~8,000 rows."""
    std = tutorial_std(month_frame)
    assert abs(std[1] - 0.694) < 0.06
    assert abs(std[2] - 1.523) < 0.07
    assert abs(month_frame.passenger_count.mean() - 1.5670782410373156) < 0.03


def test_month_reads_with_dask_like_the_tutorial(month_path, month_frame):
    """Without dtype=, as the tutorial reads it: dask takes every partition's dtypes from the
    first 10 rows, so this fails unless row 1 makes every money column a float."""
    import dask.dataframe as dd
    import pandas as pd

    df = dd.read_csv(str(month_path), parse_dates=DATES, blocksize=1_000_000)
    assert df.npartitions > 1
    assert_dtypes(df)
    std = tutorial_std(df).compute().sort_index()
    expected = tutorial_std(month_frame).sort_index()
    assert list(std.index) == list(expected.index)
    assert (std - expected).abs().max() <= 1e-12
    # Every column of every partition, not only the two the tutorial's result needs.
    pd.testing.assert_frame_equal(df.compute().reset_index(drop=True), month_frame, check_dtype=False)


def test_month_streams_day_by_day(tmp_path):
    """jobs=1 runs in this process: its Python allocations peak at a few times one day's rows
    (about a fifth of the file here, a 31st at the full size) because each day is written as
    soon as it is made.  Holding the whole file would take at least its size."""
    import tracemalloc

    output.write_month(tmp_path / "warm.csv", rows=2_000, jobs=1)  # one-time caches
    tracemalloc.start()
    try:
        path = output.write_month(tmp_path / "m.csv", rows=8_000, jobs=1)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    size = path.stat().st_size
    assert peak < size / 2, (peak, size)


def test_month_rejects_bad_arguments_and_leaves_nothing(tmp_path, monkeypatch):
    target = tmp_path / "m.csv"
    with pytest.raises(ValueError, match=f"at least {month.MIN_ROWS}"):
        output.write_month(target, rows=month.MIN_ROWS - 1)
    with pytest.raises(ValueError, match="jobs"):
        output.write_month(target, rows=5_000, jobs=0)
    target.write_bytes(b"old")
    calls = []

    def failing_day(day):
        calls.append(day.day)
        if len(calls) == 3:
            raise OSError("disk full")
        return b""

    monkeypatch.setattr(month, "day_text", failing_day)
    with pytest.raises(OSError, match="disk full"):
        output.write_month(target, rows=5_000, jobs=1)
    assert calls == [1, 2, 3]
    assert target.read_bytes() == b"old"  # untouched
    assert [p.name for p in tmp_path.iterdir()] == ["m.csv"]  # no temporary file left


def test_month_cli(tmp_path):
    target = tmp_path / "cli.csv"
    result = run_cli("--month", "--rows", "3000", "--jobs", "2", "--output", str(target))
    assert result.returncode == 0, result.stderr
    assert str(target) in result.stdout
    assert target.read_bytes() == output.generate(rows=3_000)

    before = paths.SAMPLE_CSV_PATH.stat().st_mtime_ns
    result = run_cli("--month", "--rows", "3000")  # no --output: must not touch the sample
    assert result.returncode == 2 and "--output" in result.stderr
    assert run_cli("--jobs", "2", "--output", str(target)).returncode == 2
    assert paths.SAMPLE_CSV_PATH.stat().st_mtime_ns == before
