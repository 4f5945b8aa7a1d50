"""The flow's ``read`` task on every source users have and every kind of bad data, with the exact
message a user sees.

``read`` here is the notebook's own cell (dask's ``dd.read_csv`` / ``dd.read_parquet`` after the
checks of ``tutorial_kit.notebook.trips``), executed with Prefect's ``@task`` replaced by the identity (see
tutorial_kit/tooling/notebook_code.py), on a real two-worker Dask cluster: what these tests run is what
the flow runs.
"""

from __future__ import annotations

import gzip
import os
import shutil
import tempfile

import dask.dataframe as dd
import pandas as pd
import pytest
from dask.distributed import Client, LocalCluster

from standin.testing import servers
from support import notebooks, programs
from tutorial_kit.exceptions import DataError, ParameterError
from tutorial_kit.generator.parquet_release import write_parquet
from tutorial_kit.generator.text import HEADER
from tutorial_kit.notebook.report import std_per_vendor
from tutorial_kit.notebook.trips import _PROBE_BYTES
from tutorial_kit.notebook.trips import inspect_trips as inspect_for
from tutorial_kit.paths import SAMPLE_CSV, SAMPLE_CSV_PATH
from tutorial_kit.tooling.notebook_code import read_cell, read_function, reads_constants

TOLERANCE = 1e-12
#: What the notebook's flow reads (its ``reads`` cell): what the checks look for.
READS = reads_constants()


def inspect_trips(data_url):
    """The checks, as the notebook makes them: for the columns and dtypes its read reads."""
    return inspect_for(data_url, READS["COLUMNS"], READS["DTYPES"])


@pytest.fixture(scope="module")
def client():
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        Client(cluster) as c,
    ):
        yield c


@pytest.fixture(scope="module")
def read(client):
    return read_function()


@pytest.fixture(scope="module")
def expected():
    """The tutorial's own computation (all 18 columns, dates parsed), with pandas alone."""
    df = pd.read_csv(SAMPLE_CSV, parse_dates=["tpep_pickup_datetime", "tpep_dropoff_datetime"])
    return df[df.passenger_count > 1].groupby("VendorID").passenger_count.std()


@pytest.fixture(scope="module")
def sample_parquet(tmp_path_factory):
    path = tmp_path_factory.mktemp("parquet") / "yellow_tripdata_2019-01.parquet"
    write_parquet(SAMPLE_CSV_PATH, path)
    return path


def assert_same(got: pd.Series, want: pd.Series, rtol=TOLERANCE):
    assert list(got.index) == list(want.index), (got, want)
    for vendor in want.index:
        assert abs(got[vendor] - want[vendor]) <= rtol * abs(want[vendor]), (vendor, got[vendor], want[vendor])


def write(path, text: str, newline="\r\n"):
    path.write_bytes(text.replace("\n", newline).encode())
    return path


# ------------------------------------------------------------------------------------------
# Sources that work
# ------------------------------------------------------------------------------------------


def test_two_columns_give_exactly_what_the_tutorials_full_read_gives(read, client):
    """Same partitioning, same rows: reading 2 columns instead of 18, as numbers, changes no bit."""
    got = read(SAMPLE_CSV)
    taxi = dd.read_csv(SAMPLE_CSV, parse_dates=["tpep_pickup_datetime", "tpep_dropoff_datetime"])
    tutorial = taxi[taxi.passenger_count > 1].groupby("VendorID").passenger_count.std().compute()
    pd.testing.assert_series_equal(got, tutorial, check_exact=True)


def test_local_csv_path_and_file_url(read, expected):
    assert_same(read(SAMPLE_CSV), expected)
    assert_same(read(SAMPLE_CSV_PATH.as_uri()), expected)


def test_parquet_release_layout(read, expected, sample_parquet):
    import pyarrow.parquet as pq

    schema = pq.read_schema(sample_parquet)
    assert len(schema.names) == 19 and "airport_fee" in schema.names
    assert str(schema.field("passenger_count").type) == "double"
    assert_same(read(str(sample_parquet)), expected)


def test_parquet_rows_filtered_by_pyarrow_give_the_same_bits(client, tmp_path):  # noqa: ARG001 (a cluster)
    """The notebook's Parquet read hands ``passenger_count > 1`` to pyarrow (``filters``): on a file
    of 10 row groups in several partitions, the result is the one without that filter, to the last
    bit."""
    path = tmp_path / "row-groups.parquet"
    write_parquet(SAMPLE_CSV_PATH, path, row_group_size=1_000)
    cell = read_cell()
    unfiltered = dd.read_parquet(str(path), columns=cell["COLUMNS"], blocksize="64KiB").astype(cell["DTYPES"])
    assert unfiltered.optimize().npartitions > 2
    kept = unfiltered[unfiltered.passenger_count > 1]
    want = kept.groupby("VendorID", dropna=True).passenger_count.std(split_out=1).compute()
    got = read_function(blocksize="64KiB")(str(path))
    pd.testing.assert_series_equal(got, std_per_vendor(want.to_dict()), check_exact=True)


def test_every_row_is_read_once_whatever_the_block_size(client, expected, tmp_path):
    """dask splits blocks at line breaks (CRLF and LF): in 64 KiB blocks (more than 10 of them), the sample
    gives the result of one block, so no row was lost or read twice at a block's edge."""
    lf = tmp_path / "lf.csv"
    lf.write_bytes(SAMPLE_CSV_PATH.read_bytes().replace(b"\r\n", b"\n"))
    assert dd.read_csv(SAMPLE_CSV, blocksize="64KiB").npartitions > 10
    small = read_function(blocksize="64KiB")
    for path in (SAMPLE_CSV, str(lf)):
        assert_same(small(path), expected)


@pytest.mark.parametrize("ranges", [True, False], ids=["ranges", "no-ranges"])
def test_http_csv_and_parquet(read, expected, sample_parquet, tmp_path, ranges):
    """From a server that answers Range requests (fsspec reads ranges) and from one that ignores
    them (Python's http.server: the file is downloaded once, then read locally)."""
    shutil.copy(SAMPLE_CSV, tmp_path / "yellow_tripdata_2019-01.csv")
    shutil.copy(sample_parquet, tmp_path / "yellow_tripdata_2019-01.parquet")
    with servers.web_server(tmp_path, ranges=ranges) as url:
        for name in ("yellow_tripdata_2019-01.csv", "yellow_tripdata_2019-01.parquet"):
            (path,) = inspect_trips(f"{url}/{name}").paths  # what dask reads: the server, or a local copy
            assert path.startswith(url if ranges else tempfile.gettempdir()), path
            assert_same(read(f"{url}/{name}"), expected)
        with pytest.raises(ParameterError) as missing:
            read(f"{url}/yellow_tripdata_2019-02.parquet")
    assert str(missing.value) == (
        f"data_url '{url}/yellow_tripdata_2019-02.parquet' does not exist: pass -p data_url PATH_OR_URL, "
        "or leave it out to use the bundled sample"
    )


def test_no_ranges_server_gives_blocks_and_rows_as_a_local_file(client, tmp_path):  # noqa: ARG001 (a cluster)
    """The downloaded copy is read as a local file: split into blocks (a worker holds one block,
    whatever the file's size), every row once; downloaded once per process, removed at its exit."""
    import subprocess
    import sys

    (tmp_path / "served").mkdir()
    shutil.copy(SAMPLE_CSV, tmp_path / "served" / "trips.csv")
    with servers.web_server(tmp_path / "served", ranges=False) as url:
        pd.testing.assert_series_equal(
            read_function(blocksize="64KiB")(f"{url}/trips.csv"),
            read_function(blocksize="64KiB")(SAMPLE_CSV),
            check_exact=True,
        )
        first, again = (inspect_trips(f"{url}/trips.csv").paths[0] for _ in range(2))
        assert first == again and first.startswith(tempfile.gettempdir())  # one download, reused
        run = subprocess.run(
            [sys.executable, str(programs.PROGRAMS / "downloaded_copy.py"), f"{url}/trips.csv"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert run.returncode == 0, run.stderr
    copy = run.stdout.strip()
    assert copy.endswith("trips.csv") and not os.path.exists(copy) and not os.path.exists(os.path.dirname(copy))


def test_no_ranges_download_cut_short_is_refused(tmp_path, monkeypatch):
    """A server that announces more bytes than it sends: the copy is refused, and removed."""
    from tutorial_kit.notebook import filesystems

    (tmp_path / "served").mkdir()
    shutil.copy(SAMPLE_CSV, tmp_path / "served" / "trips.csv")
    with servers.web_server(tmp_path / "served", ranges=False) as url:
        fs, path = filesystems.open_filesystem(f"{url}/trips.csv")
        size = fs.info(path)["size"]
        filesystems.local_copy(fs, path, f"{url}/other.csv")  # the copies' folder exists from here on
        before = os.listdir(filesystems._copies_folder[0])
        with pytest.raises(DataError) as error:
            filesystems.local_copy(fs, path, f"{url}/trips.csv", expected=size + 10)
    assert str(error.value) == (
        f"data_url '{url}/trips.csv' stopped after {size:,} of its {size + 10:,} bytes: "
        "try again, or download it yourself and pass the local path"
    )
    assert f"{url}/trips.csv" not in filesystems._copies
    assert os.listdir(filesystems._copies_folder[0]) == before


def test_s3_anonymous_csv_and_parquet(read, expected, sample_parquet, monkeypatch):
    objects = {
        "saturn-public-data/nyc-taxi/data/yellow_tripdata_2019-01.parquet": sample_parquet,
        "saturn-public-data/nyc-taxi/data/yellow_tripdata_2019-01.csv": SAMPLE_CSV_PATH,
    }
    for variable in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"):
        monkeypatch.delenv(variable, raising=False)  # anonymous, as for a public bucket
    with servers.s3_server(objects) as endpoint:
        monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
        for target in objects:
            assert_same(read(f"s3://{target}"), expected)
        with pytest.raises(ParameterError, match="does not exist"):
            read("s3://saturn-public-data/nyc-taxi/data/yellow_tripdata_2019-02.parquet")


def test_gzip_csv_is_streamed(read, expected, tmp_path):
    path = tmp_path / "trips.csv.gz"
    path.write_bytes(gzip.compress(SAMPLE_CSV_PATH.read_bytes()))
    assert_same(read(str(path)), expected)


def test_glob_reads_every_match(read, expected, tmp_path):
    """Two copies of the sample: every trip twice, so each vendor's std is the same up to n/(n-1)."""
    for name in ("a.csv", "b.csv"):
        shutil.copy(SAMPLE_CSV, tmp_path / name)
    source = inspect_trips(str(tmp_path / "*.csv"))
    assert [p.rsplit("/", 1)[-1] for p in source.paths] == ["a.csv", "b.csv"]
    df = pd.read_csv(SAMPLE_CSV)
    twice = pd.concat([df, df])
    assert_same(
        read(str(tmp_path / "*.csv")), twice[twice.passenger_count > 1].groupby("VendorID").passenger_count.std()
    )


# ------------------------------------------------------------------------------------------
# Copies re-saved by other tools: the same result
# ------------------------------------------------------------------------------------------

TRIPS = """VendorID,tpep_pickup_datetime,tpep_dropoff_datetime,passenger_count,trip_distance,fare_amount
1,2019-01-01 00:46:40,2019-01-01 00:53:20,2,1.50,7
1,2019-01-01 00:59:47,2019-01-01 01:18:59,3,2.60,14
2,2019-01-01 00:21:28,2019-01-01 00:28:37,5,.92,6.5
2,2019-01-01 00:32:01,2019-01-01 00:45:39,2,1.10,13.5
2,2019-01-01 00:57:32,2019-01-01 01:09:32,6,.00,2.5
"""
TRIPS_STD = pd.Series({1: 0.7071067811865476, 2: 2.0816659994661326}, name="passenger_count")


@pytest.mark.parametrize(
    "variant",
    [
        "crlf",
        "lf",
        "no final line break",
        "byte order mark",
        "quoted",
        "floats from pandas",
        "US dates",
        "semicolons",
        "empty passenger_count",
        "no VendorID",
    ],
)
def test_resaved_copies_give_the_same_result(read, tmp_path, variant):
    text, newline = TRIPS, "\r\n"
    if variant == "lf":
        newline = "\n"
    elif variant == "no final line break":
        text = text.rstrip("\n")
    elif variant == "byte order mark":  # Excel's "CSV UTF-8"
        text = "\ufeff" + text
    elif variant == "quoted":
        text = "\n".join(",".join(f'"{f}"' for f in line.split(",")) for line in text.splitlines()) + "\n"
    elif variant == "floats from pandas":  # an integer column with a NaN somewhere is re-saved as 2.0
        text = text.replace(",2,1.50", ",2.0,1.50").replace(",5,", ",5.0,").replace("\n1,", "\n1.0,")
    elif variant == "US dates":  # NYC Open Data's export: 01/01/2019 12:46:40 AM
        text = text.replace("2019-01-01 00:", "01/01/2019 12:").replace("2019-01-01 01:", "01/01/2019 01:")
    elif variant == "semicolons":  # Excel in many locales
        text = text.replace(",", ";")
    elif variant == "empty passenger_count":  # no count: not a trip with more than one passenger
        text += "2,2019-01-01 01:00:00,2019-01-01 01:05:00,,1.0,6\n"
    elif variant == "no VendorID":  # no vendor: in no group, as pandas' groupby drops it
        text += ",2019-01-01 01:00:00,2019-01-01 01:05:00,4,1.0,6\n"
    path = write(tmp_path / "trips.csv", text, newline)
    assert_same(read(str(path)), TRIPS_STD)


# ------------------------------------------------------------------------------------------
# Bad data: a clear error, before the expensive work where it can be seen early
# ------------------------------------------------------------------------------------------


def test_renamed_columns_name_the_missing_and_the_found(read, tmp_path):
    path = write(tmp_path / "renamed.csv", "vendor_id,pickup_datetime,passenger_count\n1,2019-01-01 00:00:00,2\n")
    with pytest.raises(DataError) as error:
        inspect_trips(str(path))  # the check the notebook runs before any cluster starts
    assert str(error.value) == (
        f"{path} lacks the column(s) VendorID (found: vendor_id, pickup_datetime, passenger_count); "
        "the pipeline needs the TLC's columns VendorID and passenger_count: rename them in your copy"
    )
    with pytest.raises(DataError, match="lacks the column"):
        read(str(path))


def test_renamed_parquet_columns(read, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "renamed.parquet"
    pq.write_table(pa.table({"vendorid": [1, 2], "passenger_count": [2.0, 3.0]}), path)
    with pytest.raises(DataError) as error:
        read(str(path))
    assert str(error.value) == (
        f"{path} lacks the column(s) VendorID (found: vendorid, passenger_count); "
        "the pipeline needs the TLC's columns VendorID and passenger_count: rename them in your copy"
    )


def test_text_in_passenger_count_near_the_top_fails_before_the_read(tmp_path):
    path = write(tmp_path / "text.csv", TRIPS.replace(",3,2.60", ",three,2.60"))
    with pytest.raises(DataError) as error:
        inspect_trips(str(path))
    assert str(error.value) == (
        f"column 'passenger_count' of {path} holds a value that is not a number: 'three' (near the top); "
        "fix or drop that row"
    )


def test_text_deep_in_the_file_fails_on_the_worker_naming_column_and_value(read, tmp_path):
    path = notebooks.bad_deep_in_the_file(tmp_path)
    offset = len(b"\r\n".join(path.read_bytes().split(b"\r\n")[: notebooks.DEEP_BAD_ROW]))
    assert offset > 2 * _PROBE_BYTES  # beyond what the early check reads
    inspect_trips(str(path))  # the top is fine
    with pytest.raises(DataError) as error:
        read(str(path))
    assert str(error.value) == (
        f"column 'passenger_count' of {path} holds a value that is not a number: 'two'; fix or drop that row"
    )


def test_text_in_parquet_passenger_count(read, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "strings.parquet"
    pq.write_table(pa.table({"VendorID": [1, 2, 2], "passenger_count": ["2", "two", "3"]}), path)
    with pytest.raises(DataError) as error:
        inspect_trips(str(path))  # refused before any read, from the file's schema
    assert str(error.value) == (
        f"column 'passenger_count' of {path} holds string values, not numbers: use a copy with numeric passenger_count"
    )
    with pytest.raises(DataError):
        read(str(path))


def test_a_fractional_vendor_id_is_a_vendor_of_its_own(read, tmp_path):
    """VendorID is read as a number (so that an empty one is NaN and in no group): 1.5 is a group of
    its own, as pandas would make it, and the result shows it as it is."""
    path = write(tmp_path / "half.csv", "VendorID,passenger_count\n1,2\n1,4\n1.5,3\n1.5,5\n")
    assert read(str(path)).to_dict() == {1: 1.4142135623730951, 1.5: 1.4142135623730951}


def test_empty_file_is_refused(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(DataError) as error:
        inspect_trips(str(path))
    assert str(error.value) == f"{path} is empty: expected a CSV header with the columns VendorID, passenger_count"


def test_header_only_gives_an_empty_result(read, tmp_path):
    path = write(tmp_path / "header.csv", ",".join(HEADER) + "\n")
    result = read(str(path))
    assert len(result) == 0 and result.name == "passenger_count"


def cut_file(tmp_path):
    """The real file's first 1,024 bytes when ../shared is here, else the sample cut the same way."""
    real = notebooks.SHARED_SAMPLE_DIR / "yellow_tripdata_2019-01.head-1024-bytes.csv"
    if real.exists():
        return real
    path = tmp_path / "cut.csv"
    path.write_bytes(SAMPLE_CSV_PATH.read_bytes()[:1024])
    return path


def test_file_cut_mid_row_is_refused_before_the_read(tmp_path):
    """Decision: a last row with fewer fields than the header means the download stopped; the
    file is refused (its other rows would give a result that silently differs)."""
    path = cut_file(tmp_path)
    data = path.read_bytes()
    assert b"\r\n" in data and not data.endswith(b"\n")
    last = data.rsplit(b"\r\n", 1)[1].decode()
    with pytest.raises(DataError) as error:
        inspect_trips(str(path))
    assert str(error.value) == (
        f"{path} ends in the middle of a row (its last row has {last.count(',') + 1} of the header's 18 fields: "
        f"{last[:60]!r}): the file is cut off; download it again"
    )


@pytest.mark.skipif(not notebooks.SHARED_SAMPLE_DIR.is_dir(), reason="../shared/data/tlc-yellow-2019-01 is not here")
def test_the_real_cut_file_message():
    path = notebooks.SHARED_SAMPLE_DIR / "yellow_tripdata_2019-01.head-1024-bytes.csv"
    with pytest.raises(DataError) as error:
        inspect_trips(str(path))
    assert str(error.value) == (
        f"{path} ends in the middle of a row (its last row has 6 of the header's 18 fields: "
        "'1,2019-01-01 00:32:01,2019-01-01 00:45:39,1,3.70,'): the file is cut off; download it again"
    )


def test_real_rows_with_the_cut_row_removed_parse(read, tmp_path):
    """The whole rows of the cut file read fine once the partial row is dropped."""
    path = cut_file(tmp_path)
    data = path.read_bytes()
    whole = tmp_path / "whole.csv"
    whole.write_bytes(data[: data.rfind(b"\r\n") + 2])
    want = pd.read_csv(whole)
    got = read(str(whole))
    pd.testing.assert_series_equal(
        got, want[want.passenger_count > 1].groupby("VendorID").passenger_count.std(), rtol=TOLERANCE
    )  # NaN where a vendor has a single such trip, as pandas


def test_cut_parquet_is_refused(sample_parquet, tmp_path):
    path = tmp_path / "cut.parquet"
    path.write_bytes(sample_parquet.read_bytes()[:5_000])
    with pytest.raises(DataError) as error:
        inspect_trips(str(path))
    assert str(error.value).startswith(f"{path} is not a readable Parquet file (")
    assert str(error.value).endswith("): it may be cut off; download it again")


def test_cut_gzip_fails_with_a_clear_message(read, tmp_path):
    path = tmp_path / "cut.csv.gz"
    path.write_bytes(gzip.compress(SAMPLE_CSV_PATH.read_bytes())[:50_000])
    with pytest.raises(DataError) as error:
        read(str(path))
    assert str(error.value).startswith(f"{path} cannot be decompressed (")


@pytest.mark.parametrize(
    "data_url, message",
    [
        (
            "ftp://example.org/yellow.csv",
            "data_url scheme 'ftp://' is not supported: use a local path, file://, http://, https://, s3://",
        ),
        ("", "data_url must be a path or URL, got '': pass -p data_url PATH_OR_URL"),
    ],
)
def test_unusable_data_url(data_url, message):
    with pytest.raises(ParameterError) as error:
        inspect_trips(data_url)
    assert str(error.value) == message
