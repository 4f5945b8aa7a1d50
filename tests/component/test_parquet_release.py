"""Tests of tutorial_kit.generator.parquet_release: a CSV of the original layout, rewritten in the layout
of the TLC's 2022 Parquet release, holds the same trips and gives the tutorial the same result.

The CSV is a small month-size file from tutorial_kit.generator.output.write_month().
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from tutorial_kit.generator import output, parquet_release
from tutorial_kit.generator.text import HEADER
from tutorial_kit.paths import REPO_ROOT

REPO = REPO_ROOT
ROWS = 30_000
ROW_GROUP = 8_192
DATES = ["tpep_pickup_datetime", "tpep_dropoff_datetime"]

#: The TLC's layout, written out here rather than taken from the module under test.
TLC_LAYOUT = [
    ("VendorID", "int64"),
    ("tpep_pickup_datetime", "timestamp[us]"),
    ("tpep_dropoff_datetime", "timestamp[us]"),
    ("passenger_count", "double"),
    ("trip_distance", "double"),
    ("RatecodeID", "double"),
    ("store_and_fwd_flag", "string"),
    ("PULocationID", "int64"),
    ("DOLocationID", "int64"),
    ("payment_type", "int64"),
    ("fare_amount", "double"),
    ("extra", "double"),
    ("mta_tax", "double"),
    ("tip_amount", "double"),
    ("tolls_amount", "double"),
    ("improvement_surcharge", "double"),
    ("total_amount", "double"),
    ("congestion_surcharge", "double"),
    ("airport_fee", "double"),
]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("release")
    csv_path = output.write_month(folder / "month.csv", rows=ROWS, jobs=1)
    parquet_path = folder / "month.parquet"
    written = parquet_release.write_parquet(csv_path, parquet_path, row_group_size=ROW_GROUP)
    assert written == parquet_path
    return csv_path, parquet_path


@pytest.fixture(scope="module")
def csv_frame(files):
    return pd.read_csv(files[0], parse_dates=DATES)


@pytest.fixture(scope="module")
def parquet_frame(files):
    return pd.read_parquet(files[1])


def tutorial_std(df):
    return df[df.passenger_count > 1].groupby("VendorID").passenger_count.std()


def test_schema_is_the_tlc_layout(files):
    schema = pq.read_schema(files[1])
    assert [(field.name, str(field.type)) for field in schema] == TLC_LAYOUT
    assert len(schema) == 19


def test_airport_fee_is_all_null(files):
    table = pq.read_table(files[1], columns=["airport_fee", "congestion_surcharge"])
    assert table.num_rows == ROWS
    assert table.column("airport_fee").null_count == ROWS


def test_row_groups_and_compression(files):
    metadata = pq.ParquetFile(files[1]).metadata
    assert metadata.num_rows == ROWS
    sizes = [metadata.row_group(i).num_rows for i in range(metadata.num_row_groups)]
    assert sizes == [ROW_GROUP] * (ROWS // ROW_GROUP) + [ROWS % ROW_GROUP]
    codecs = {
        metadata.row_group(i).column(j).compression
        for i in range(metadata.num_row_groups)
        for j in range(metadata.num_columns)
    }
    assert codecs == {"SNAPPY"}
    assert parquet_release.ROW_GROUP_SIZE == 1_048_576


def test_same_trips_as_the_csv(files, csv_frame, parquet_frame):
    assert list(parquet_frame.columns) == [name for name, _ in TLC_LAYOUT]
    assert len(parquet_frame) == len(csv_frame) == ROWS
    for column in HEADER:
        ours, theirs = parquet_frame[column], csv_frame[column]
        if column in DATES:
            assert (ours.to_numpy() == theirs.to_numpy()).all(), column
        elif column == "store_and_fwd_flag":
            assert ours.tolist() == theirs.tolist()
        else:  # NaN (empty congestion_surcharge) in the same rows, equal values elsewhere
            assert np.array_equal(ours.to_numpy(float), theirs.to_numpy(float), equal_nan=True), column
    # Empty congestion_surcharge fields are nulls in the file, as in the TLC's.
    table = pq.read_table(files[1], columns=["congestion_surcharge"])
    assert table.column(0).null_count == csv_frame.congestion_surcharge.isna().sum() > 0


def test_bad_clock_pickups_survive_as_timestamps(parquet_frame):
    pickups = parquet_frame.tpep_pickup_datetime
    assert str(pickups.dtype).startswith("datetime64")
    odd = pickups[pickups.dt.year != 2019]
    assert sorted(odd.dt.year) == [2001, 2088]
    assert odd.min() < pd.Timestamp("2001-02-03") and odd.max() >= pd.Timestamp("2088-01-24")


def test_tutorial_result_is_the_same_from_csv_and_parquet(csv_frame, parquet_frame):
    from_csv = tutorial_std(csv_frame).sort_index()
    from_parquet = tutorial_std(parquet_frame).sort_index()
    assert list(from_csv.index) == list(from_parquet.index) == [1, 2, 4]
    np.testing.assert_allclose(from_parquet.to_numpy(), from_csv.to_numpy(), rtol=1e-12, atol=0)


def test_a_csv_of_another_layout_is_refused_and_nothing_is_left(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"VendorID,pickup\r\n1,2019-01-01 00:00:00\r\n")
    target = tmp_path / "out.parquet"
    with pytest.raises(ValueError, match="18-column header"):
        parquet_release.write_parquet(bad, target)
    with pytest.raises(ValueError, match="row_group_size"):
        parquet_release.write_parquet(bad, target, row_group_size=0)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv"]


def test_a_failure_while_writing_leaves_the_old_file(files, tmp_path):
    broken = tmp_path / "broken.csv"
    text = files[0].read_bytes()
    broken.write_bytes(text + b"1,not a time,2019-01-01 00:00:00,1,.50,1,N,1,1,1,1,0,0,0,0,0,1,\r\n")
    target = tmp_path / "out.parquet"
    target.write_bytes(b"old")
    with pytest.raises(Exception, match="not a time|timestamp"):
        parquet_release.write_parquet(broken, target, row_group_size=ROW_GROUP)
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.csv", "out.parquet"]


def run_cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "tutorial_kit.generator.parquet_release", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli(files, tmp_path):
    target = tmp_path / "cli.parquet"
    result = run_cli(str(files[0]), str(target), "--row-group-size", "10000")
    assert result.returncode == 0, result.stderr
    assert f"{ROWS} rows, 3 row groups" in result.stdout
    assert pq.read_table(target).equals(pq.read_table(files[1]))

    result = run_cli(str(tmp_path / "missing.csv"), str(tmp_path / "x.parquet"))
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1 and "missing.csv" in result.stderr
