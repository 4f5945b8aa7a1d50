"""The notebook run with papermill on the data sources users have, and on bad data: the result,
or the one-line error a scheduled run reports, exactly."""

from __future__ import annotations

import pandas as pd
import pytest

from standin.testing import servers
from support import notebooks
from tutorial_kit.generator.parquet_release import write_parquet
from tutorial_kit.paths import NOTEBOOK, SAMPLE_CSV, SAMPLE_CSV_PATH
from tutorial_kit.tooling.results import read_result

TOLERANCE = 1e-12


@pytest.fixture(scope="module")
def expected():
    df = pd.read_csv(SAMPLE_CSV)
    return df[df.passenger_count > 1].groupby("VendorID").passenger_count.std().to_dict()


def run(tmp_path, data_url, mark, **env):
    out = tmp_path / "out.ipynb"
    # one worker: these runs are about the data, and each worker is a process to start
    done = notebooks.run_papermill(
        NOTEBOOK,
        out,
        *notebooks.papermill_params(project="X", username="y", data_url=data_url, n_workers="1"),
        mark=mark,
        **env,
    )
    return done, out


def the_error(path) -> str:
    (error,) = notebooks.errors_of(path)
    return error


def assert_close(got: dict, want: dict):
    assert sorted(got) == sorted(want)
    for vendor in want:
        assert abs(got[vendor] - want[vendor]) <= TOLERANCE * want[vendor], (vendor, got, want)


def test_parquet_over_https(tmp_path, mark, expected):
    """The TLC's current form: a Parquet file on an HTTPS server (here a loopback one whose
    certificate the kernel trusts through SSL_CERT_FILE)."""
    served = tmp_path / "trip-data"
    served.mkdir()
    write_parquet(SAMPLE_CSV_PATH, served / "yellow_tripdata_2019-01.parquet")
    cert, key = servers.self_signed_certificate(tmp_path)
    with servers.web_server(served, cert, key) as url:
        done, out = run(tmp_path, f"{url}/yellow_tripdata_2019-01.parquet", mark, SSL_CERT_FILE=str(cert))
    assert done.returncode == 0, done.stderr[-3000:]
    assert_close(read_result(out), expected)


def test_csv_from_anonymous_s3(tmp_path, mark, expected):
    key = "saturn-public-data/nyc-taxi/data/yellow_tripdata_2019-01.csv"
    with servers.s3_server({key: SAMPLE_CSV_PATH}) as endpoint:
        done, out = run(tmp_path, f"s3://{key}", mark, AWS_ENDPOINT_URL=endpoint)
    assert done.returncode == 0, done.stderr[-3000:]
    assert_close(read_result(out), expected)


def test_renamed_columns_stop_the_run_before_any_cluster(tmp_path, mark):
    path = tmp_path / "renamed.csv"
    path.write_text("vendor_id,passenger_count\n1,2\n")
    done, out = run(tmp_path, str(path), mark)
    assert done.returncode != 0
    assert the_error(out) == (
        f"DataError: {path} lacks the column(s) VendorID (found: vendor_id, passenger_count); "
        "the pipeline needs the TLC's columns VendorID and passenger_count: rename them in your copy"
    )
    assert "started the local stand-in" not in notebooks.outputs_text(out)


def test_cut_file_stops_the_run_before_any_cluster(tmp_path, mark):
    path = tmp_path / "cut.csv"
    path.write_bytes(SAMPLE_CSV_PATH.read_bytes()[:1024])
    last = path.read_bytes().rsplit(b"\r\n", 1)[1].decode()
    done, out = run(tmp_path, str(path), mark)
    assert done.returncode != 0
    assert the_error(out) == (
        f"DataError: {path} ends in the middle of a row (its last row has {last.count(',') + 1} of the header's "
        f"18 fields: {last!r}): the file is cut off; download it again"
    )
