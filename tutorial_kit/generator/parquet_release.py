"""A taxi CSV in the original 18-column layout, rewritten in the layout of the TLC's Parquet.

In May 2022 the TLC replaced its CSV files with Parquet files
(``https://d37ci6vzurychx.cloudfront.net/trip-data/yellow_tripdata_2019-01.parquet``), which is
what readers of the tutorial find today.  The Parquet file of January 2019 differs from the
original CSV in layout, not only in format:

* 19 columns: ``airport_fee`` is added at the end (all null for January 2019; the fee started
  in 2021);
* the TLC's dtypes: ``passenger_count`` and ``RatecodeID`` are doubles (the CSV's integers, so
  that a missing value can be null), the IDs and ``payment_type`` int64, the datetimes
  ``timestamp[us]``, the flag a string, every amount a double;
* snappy compression, row groups of about a million rows.

:func:`write_parquet` converts a CSV such as ``output.write_month()`` writes
into that layout, streaming (a few blocks of the CSV and one row group in memory at a time), so a
reader can be timed on both formats of the same trips.  The bad-clock pickups of 2001 and 2088
are ordinary timestamps here, as in the TLC's file.

Command line::

    python -m tutorial_kit.generator.parquet_release CSV PARQUET [--row-group-size N]
"""

from __future__ import annotations

import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ..files import atomic_output
from ..whole_numbers import check_whole_number
from .text import HEADER

#: Rows per row group in the TLC's files (2**20).
ROW_GROUP_SIZE = 1_048_576

#: The TLC's Parquet layout of a yellow taxi month of 2019, in order.
SCHEMA = pa.schema(
    [
        ("VendorID", pa.int64()),
        ("tpep_pickup_datetime", pa.timestamp("us")),
        ("tpep_dropoff_datetime", pa.timestamp("us")),
        ("passenger_count", pa.float64()),
        ("trip_distance", pa.float64()),
        ("RatecodeID", pa.float64()),
        ("store_and_fwd_flag", pa.string()),
        ("PULocationID", pa.int64()),
        ("DOLocationID", pa.int64()),
        ("payment_type", pa.int64()),
        ("fare_amount", pa.float64()),
        ("extra", pa.float64()),
        ("mta_tax", pa.float64()),
        ("tip_amount", pa.float64()),
        ("tolls_amount", pa.float64()),
        ("improvement_surcharge", pa.float64()),
        ("total_amount", pa.float64()),
        ("congestion_surcharge", pa.float64()),
        ("airport_fee", pa.float64()),
    ]
)

#: How much of the CSV is parsed at a time.  Small on purpose: the streaming reader parses
#: several blocks ahead, so its memory grows with the block size while its speed does not
#: (measured on the month-size file when it was chosen: docs/benchmarks.md#the-generators-parquet-conversion).
_BLOCK_SIZE = 1 << 20


def _read_header(csv_path: Path) -> list[str]:
    with open(csv_path, "rb") as handle:
        first = handle.readline(4096).decode("ascii", "replace").rstrip("\r\n")
    return first.split(",")


def write_parquet(csv_path, parquet_path, row_group_size: int = ROW_GROUP_SIZE) -> Path:
    """Write the CSV at ``csv_path`` to ``parquet_path`` in the TLC's Parquet layout
    (:data:`SCHEMA`), atomically; return the Parquet path.

    Row groups hold ``row_group_size`` rows, the last one the rest.  Memory: a few CSV blocks
    (:data:`_BLOCK_SIZE`) and one row group, whatever the file's size.  Raises ``ValueError`` when
    the CSV's header is not the original 18-column header, and leaves no file behind then or on any
    other failure.
    """
    csv_path, parquet_path = Path(csv_path), Path(parquet_path)
    check_whole_number("row_group_size", row_group_size)
    header = _read_header(csv_path)
    if header != list(HEADER):
        raise ValueError(
            f"{csv_path} does not have the original 18-column header of the TLC's "
            f"yellow taxi CSV; its first line is {','.join(header)[:300]!r}"
        )
    csv_types = {field.name: field.type for field in SCHEMA if field.name in HEADER}
    reader = pacsv.open_csv(
        csv_path,
        read_options=pacsv.ReadOptions(block_size=_BLOCK_SIZE),
        # Empty fields are null (congestion_surcharge), except in the one string column.
        convert_options=pacsv.ConvertOptions(column_types=csv_types, strings_can_be_null=False),
    )
    with atomic_output(parquet_path) as tmp, pq.ParquetWriter(tmp, SCHEMA, compression="snappy") as writer:
        pending, pending_rows = [], 0
        for batch in reader:
            batch = pa.RecordBatch.from_arrays([*batch.columns, pa.nulls(batch.num_rows, pa.float64())], schema=SCHEMA)
            pending.append(batch)
            pending_rows += batch.num_rows
            while pending_rows >= row_group_size:
                table = pa.Table.from_batches(pending, schema=SCHEMA)
                writer.write_table(table.slice(0, row_group_size), row_group_size)
                rest = table.slice(row_group_size)
                pending, pending_rows = rest.to_batches(), rest.num_rows
        if pending_rows:
            writer.write_table(pa.Table.from_batches(pending, schema=SCHEMA), row_group_size)
    return parquet_path


def main(argv=None) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m tutorial_kit.generator.parquet_release",
        description="Rewrite a taxi CSV of the original 18-column layout in the layout of the "
        "TLC's 2022 Parquet release (19 columns, the TLC's dtypes, snappy).",
    )
    parser.add_argument("csv", help="the CSV to read")
    parser.add_argument("parquet", help="the Parquet file to write (replaced atomically)")
    parser.add_argument(
        "--row-group-size", type=int, default=ROW_GROUP_SIZE, help="rows per row group (default: %(default)s)"
    )
    args = parser.parse_args(argv)
    try:
        path = write_parquet(args.csv, args.parquet, args.row_group_size)
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    metadata = pq.ParquetFile(path).metadata
    print(f"wrote {path} ({metadata.num_rows} rows, {metadata.num_row_groups} row groups)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
