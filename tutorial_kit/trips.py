"""Read the two columns the tutorial needs from wherever users keep the month's trips.

Why this module: the tutorial's ``dd.read_csv(url, parse_dates=[...])`` read one URL that has
been dead since 2022, parsed two date columns it never used and inferred the dtypes of all 18
columns from the first rows.  Users have the month as a CSV or as the TLC's current Parquet file,
on disk, on a web server or in S3, and the copies differ: renamed columns, other number formats,
downloads cut off half-way.  So:

* :func:`inspect_source` opens the data and checks it cheaply (a CSV's header, first rows and
  last row, or a Parquet file's footer), so that a bad file fails within a second with a message
  that says what is wrong, before a cluster works on it;
* :func:`read_trips` gives a dask DataFrame of ``VendorID`` (int64) and ``passenger_count``
  (float64) only: one partition per :data:`BLOCKSIZE` of CSV or per Parquet row group, parsed by
  pyarrow on the workers, so that no worker holds more than one block whatever the file's size.

A web server that ignores HTTP Range requests (Python's own ``http.server`` among many simple
ones) can only send a file whole, from its start, while reading a Parquet footer or a CSV block
other than the first needs ranges: such a file is downloaded once, streamed to a temporary file
that is removed when this process exits (:func:`local_copy`), and read from there.

``passenger_count`` is read as a float, as the TLC's Parquet release stores it: an empty value is
then NaN (and no trip with "more than one passenger"), and ``1.0`` written by a tool that re-saved
the file reads as ``1``.  ``VendorID`` is read as a number and must be whole; rows without one
belong to no vendor, so they are dropped, as pandas' groupby drops them.
"""

from __future__ import annotations

import atexit
import csv
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass
from urllib.parse import urlparse

from .exceptions import DataError, ParameterError
from .logs import task_logger

#: The columns the computation reads; everything else in the file is skipped.
REQUIRED_COLUMNS = ("VendorID", "passenger_count")
#: Bytes of CSV per partition: small enough that a worker's memory stays well under 512 MiB,
#: large enough that scheduling costs nothing next to parsing.
BLOCKSIZE = 64 * 2**20
#: A Parquet partition is one row group, or consecutive small row groups up to this many rows.
PARQUET_PARTITION_ROWS = 2_097_152
#: data_url schemes that can be read: a local path (no scheme or file://), a web server, S3.
SCHEMES = {"": "a local path", "file": "file://", "http": "http://", "https": "https://", "s3": "s3://"}
#: How much of a CSV file the checks read at each end.
_PROBE_BYTES = 64 * 2**10
#: Delimiters a re-saved copy may use instead of the TLC's comma (e.g. Excel in many locales).
_DELIMITERS = (",", ";", "\t", "|")
_PARQUET_MAGIC = b"PAR1"


@dataclass(frozen=True)
class TripFile:
    """One file of a source, as the checks found it."""

    url: str  # as the user wrote it (or as a glob expanded it): what messages name
    path: str  # the filesystem's path
    format: str  # "csv" or "parquet"
    size: int | None  # bytes; None when compressed (the size that matters is unknown)
    compression: str | None  # "gzip", "bz2", ... for a compressed CSV, read as one stream
    columns: tuple = ()  # the CSV header
    delimiter: str = ","
    has_rows: bool = True
    row_groups: tuple = ()  # rows per Parquet row group
    copied: bool = False  # downloaded to a local copy: its server ignores Range requests


@dataclass(frozen=True)
class TripSource:
    """What ``data_url`` names: a filesystem and the files in it."""

    url: str
    fs: object  # an fsspec filesystem: pickled into every task, so the workers can open the files
    files: tuple

    @property
    def has_rows(self) -> bool:
        return any(f.has_rows for f in self.files)

    def describe(self) -> str:
        """One line for the log, without the local folder (which differs between machines)."""
        names = ", ".join(f.url.rsplit("/", 1)[-1] for f in self.files[:3])
        more = f" and {len(self.files) - 3} more" if len(self.files) > 3 else ""
        formats = "/".join(sorted({f.format.upper() for f in self.files}))
        copied = ", downloaded once: its server ignores Range requests" if any(f.copied for f in self.files) else ""
        return f"{names}{more} ({formats}{copied})"


# --------------------------------------------------------------------------------------------
# Opening and checking (on the client, before any cluster work)
# --------------------------------------------------------------------------------------------


def bundled_sample_if_none(data_url: str | None) -> str:
    """``data_url``, or the bundled sample's path for None: the notebook's default, which each
    process (the kernel, a flow run on another machine) resolves in its own checkout."""
    if data_url is None:
        from .paths import SAMPLE_CSV

        return SAMPLE_CSV
    return data_url


def open_filesystem(data_url: str):
    """``(fs, path)`` for a supported ``data_url``; S3 is read anonymously (public buckets).

    ``AWS_ENDPOINT_URL``, boto's own variable, points S3 at another server (the tests use a
    loopback S3 server that way).
    """
    import fsspec

    if not isinstance(data_url, str) or not data_url.strip():
        raise ParameterError(f"data_url must be a path or URL, got {data_url!r}: pass -p data_url PATH_OR_URL")
    scheme = urlparse(data_url).scheme.lower()
    if len(scheme) == 1:  # a Windows drive letter, not a scheme
        scheme = ""
    if scheme not in SCHEMES:
        raise ParameterError(
            f"data_url scheme {scheme + '://'!r} is not supported: use {', '.join(SCHEMES.values())}"
        )
    options = {}
    if scheme == "s3":
        options["anon"] = True
        if os.environ.get("AWS_ENDPOINT_URL"):
            # carried inside the pickled filesystem, so workers (whose environment may differ,
            # on a cluster started earlier or elsewhere) read from the same server
            options["endpoint_url"] = os.environ["AWS_ENDPOINT_URL"]
    return fsspec.core.url_to_fs(data_url, **options)


def inspect_source(data_url: str) -> TripSource:
    """Open ``data_url`` and check every file it names; raise a one-line error if it cannot be used.

    Reads at most a few hundred KiB per file, except from a web server that ignores Range
    requests: that file is downloaded once first (:func:`local_copy`).  Raises :class:`ParameterError` when nothing is
    there, :class:`DataError` when what is there cannot give the result.
    """
    import fsspec

    data_url = bundled_sample_if_none(data_url)
    fs, path = open_filesystem(data_url)
    info = _info(fs, path, data_url) if _is_http(fs) else None
    if info is not None and not _serves_ranges(fs, path, data_url, info):
        from fsspec.implementations.local import LocalFileSystem

        fs, path = LocalFileSystem(), local_copy(fs, path, data_url, info.get("size"))
        return TripSource(url=data_url, fs=fs, files=(_inspect_file(fs, path, data_url, copied=True),))
    if fsspec.core.has_magic(path) and not _is_http(fs):
        paths = sorted(fs.glob(path))
        if not paths:
            raise ParameterError(f"data_url {data_url!r} matches no file: pass -p data_url PATH_OR_URL")
        urls = [_url_of(fs, p, data_url) for p in paths]
    else:
        paths, urls = [path], [data_url]
    files = tuple(_inspect_file(fs, p, u) for p, u in zip(paths, urls))
    return TripSource(url=data_url, fs=fs, files=files)


def _url_of(fs, path: str, data_url: str) -> str:
    return fs.unstrip_protocol(path) if "://" in data_url else path


def _info(fs, path: str, url: str) -> dict:
    try:
        return fs.info(path)
    except FileNotFoundError:
        raise ParameterError(
            f"data_url {url!r} does not exist: pass -p data_url PATH_OR_URL, or leave it out to use the bundled sample"
        ) from None
    except OSError as error:
        raise DataError(f"data_url {url!r} cannot be opened: {_first_line(error)}") from None


def _inspect_file(fs, path: str, url: str, copied: bool = False) -> TripFile:
    import dataclasses

    import fsspec

    info = _info(fs, path, url)
    if info.get("type") == "directory":
        raise ParameterError(f"data_url {url!r} is a folder: name a file, or a glob such as {url.rstrip('/')}/*.csv")
    size = info.get("size")
    compression = fsspec.utils.infer_compression(path)
    try:
        with fs.open(path, "rb", compression=compression) as f:
            head = f.read(_PROBE_BYTES)
            parquet = head.startswith(_PARQUET_MAGIC) and compression is None
            tail = b""
            if not parquet and compression is None and size is not None and size > _PROBE_BYTES:
                f.seek(max(_PROBE_BYTES, size - _PROBE_BYTES))
                tail = f.read()
    except (OSError, EOFError) as error:
        raise DataError(f"data_url {url!r} cannot be read: {_first_line(error)}") from None
    if parquet:
        file = _inspect_parquet(fs, path, url, size)
    else:
        file = _inspect_csv(url, path, head, tail, size if compression is None else None, compression)
    return dataclasses.replace(file, copied=copied) if copied else file


def _inspect_csv(url, path, head: bytes, tail: bytes, size, compression) -> TripFile:
    if not head.strip():
        raise DataError(f"{url} is empty: expected a CSV header with the columns {', '.join(REQUIRED_COLUMNS)}")
    if b"\n" not in head and len(head) == _PROBE_BYTES:
        raise DataError(f"{url} has no line break in its first {_PROBE_BYTES:,} bytes: it is not a CSV file")
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        # the end of the probe may cut a multi-byte character; only complain about the header
        text = head[: error.start].decode("utf-8-sig")
        if "\n" not in text:
            raise DataError(f"{url} is not UTF-8 text: it is neither a CSV nor a Parquet file") from None
    header, _, body = text.partition("\n")
    header = header.rstrip("\r")
    delimiter = max(_DELIMITERS, key=header.count)
    columns = tuple(next(csv.reader([header], delimiter=delimiter)))
    _check_columns(url, columns)
    if size is not None:
        has_rows = size > len(head) or bool(body.strip())
    else:
        has_rows = bool(body.strip()) or len(head) == _PROBE_BYTES
    file = TripFile(url=url, path=path, format="csv", size=size, compression=compression,
                    columns=columns, delimiter=delimiter, has_rows=has_rows)
    if compression is None and has_rows:
        _check_last_row(file, tail or head)
        # The first rows, parsed exactly as the workers will parse them: a bad value near the
        # top (a whole column of text, say) fails here in a millisecond.
        complete = head[: head.rfind(b"\n") + 1]
        _parse_csv_block(file, complete, first=True, where="near the top")
    return file


def _check_columns(url: str, columns) -> None:
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        found = ", ".join(columns) if columns else "none"
        raise DataError(
            f"{url} lacks the column(s) {', '.join(missing)} (found: {found}); "
            f"the pipeline needs the TLC's columns {' and '.join(REQUIRED_COLUMNS)}: rename them in your copy"
        )


def _check_last_row(file: TripFile, end: bytes) -> None:
    """A file whose last row has fewer fields than the header was cut off (a download that
    stopped half-way): refuse it rather than count a trip with half its values.  A complete
    last row without a final line break is fine; many tools write files that way."""
    text = end.decode("utf-8", errors="replace")
    lines = [line for line in text.replace("\r", "").split("\n") if line.strip()]
    if not lines:
        return
    last = lines[-1]
    fields = next(csv.reader([last], delimiter=file.delimiter))
    if len(fields) < len(file.columns) and not text.endswith("\n"):
        raise DataError(
            f"{file.url} ends in the middle of a row (its last row has {len(fields)} of the header's "
            f"{len(file.columns)} fields: {last[:60]!r}): the file is cut off; download it again"
        )


def _inspect_parquet(fs, path: str, url: str, size) -> TripFile:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        with fs.open(path, "rb") as f:
            metadata = pq.ParquetFile(f).metadata
    except (pa.ArrowException, OSError) as error:
        raise DataError(
            f"{url} is not a readable Parquet file ({_first_line(error)}): it may be cut off; download it again"
        ) from None
    schema = metadata.schema.to_arrow_schema()
    _check_columns(url, tuple(schema.names))
    for name in REQUIRED_COLUMNS:
        kind = schema.field(name).type
        if not (pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind)
                or pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_null(kind)):
            raise DataError(f"column {name!r} of {url} holds {kind} values, not numbers: use a copy with numeric {name}")
    row_groups = tuple(metadata.row_group(i).num_rows for i in range(metadata.num_row_groups))
    return TripFile(url=url, path=path, format="parquet", size=size, compression=None,
                    has_rows=metadata.num_rows > 0, row_groups=row_groups)


# --------------------------------------------------------------------------------------------
# Web servers that ignore Range requests
# --------------------------------------------------------------------------------------------

#: The local copies made in this process: ``{data_url: path}``, in one folder removed at exit.
_copies: dict[str, str] = {}
_copies_lock = threading.Lock()
_copies_folder: list[str] = []  # created on first use


def _is_http(fs) -> bool:
    from fsspec.implementations.http import HTTPFileSystem

    return isinstance(fs, HTTPFileSystem)


def _serves_ranges(fs, path: str, url: str, info: dict) -> bool:
    """Does the server answer a Range request for the file's last byte with that byte alone?

    A server that ignores ``Range`` answers 200 with the whole file; fsspec refuses that answer
    for any read that does not start at 0 ("The HTTP server doesn't appear to support range
    requests").  A server that says ``Accept-Ranges: none``, or no size, is not asked."""
    size = info.get("size")
    if not size or info.get("partial") is False:
        return False
    try:
        with fs.open(path, "rb", block_size=1, size=size) as f:
            f.seek(size - 1)
            f.read(1)
    except ValueError as error:
        if "range requests" in str(error):
            return False
        raise
    except OSError as error:
        raise DataError(f"data_url {url!r} cannot be read: {_first_line(error)}") from None
    return True


def local_copy(fs, path: str, url: str, expected: int | None = None) -> str:
    """The path of a local copy of ``url``, downloaded once per process as a stream (1 MiB at a
    time: memory does not grow with the file) into a temporary folder removed at exit.
    ``expected``: the size the server announced; a shorter download is refused.

    The copy is on this machine: workers of a Dask cluster on other machines cannot read it
    (README, "Run the unmodified notebook on your own Dask cluster")."""
    with _copies_lock:
        if url in _copies and os.path.exists(_copies[url]):
            return _copies[url]
        if not _copies_folder:
            _copies_folder.append(tempfile.mkdtemp(prefix="tutorial-trips-"))
            atexit.register(shutil.rmtree, _copies_folder[0], ignore_errors=True)
        target = os.path.join(_copies_folder[0], f"{len(_copies)}-{os.path.basename(path) or 'data'}")
        try:
            with fs.open(path, "rb", block_size=0) as source, open(target, "wb") as copy:
                shutil.copyfileobj(source, copy, 2**20)
        except (OSError, ValueError) as error:
            os.unlink(target)
            raise DataError(f"data_url {url!r} could not be downloaded ({_first_line(error)}): try again, "
                            "or download it yourself and pass the local path") from None
        got = os.path.getsize(target)
        if expected is not None and got != expected:
            os.unlink(target)
            raise DataError(f"data_url {url!r} stopped after {got:,} of its {expected:,} bytes: try again, "
                            "or download it yourself and pass the local path")
        _copies[url] = target
        return target


def _first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]


# --------------------------------------------------------------------------------------------
# Reading (on the workers)
# --------------------------------------------------------------------------------------------


def read_trips(data_url: str, blocksize: int = BLOCKSIZE):
    """A dask DataFrame of ``VendorID`` and ``passenger_count`` from ``data_url``, checked first.

    Nothing is read beyond the checks until the frame is computed.  A file with a header and no
    rows gives an empty frame (and a warning in the log), not an error.
    """
    import dask.dataframe as dd

    if blocksize < 2**16:
        raise ValueError(f"blocksize must be at least 64 KiB, got {blocksize}")
    source = inspect_source(data_url)
    parts = []
    for file in source.files:
        parts.extend(_partitions(source.fs, file, blocksize))
    logger = task_logger()
    logger.info("Reading %s: %d partition(s) of %s", source.describe(), len(parts), ", ".join(REQUIRED_COLUMNS))
    if not source.has_rows:
        logger.warning("%s has a header but no rows: the result will be empty", source.describe())
    return dd.from_map(_read_part, parts, meta=_empty_frame(), label="read-trips", enforce_metadata=False)


@dataclass(frozen=True)
class _Part:
    fs: object
    file: TripFile
    offset: int = 0  # CSV: byte range [offset, offset + length) of row starts; None = all
    length: int | None = None
    row_groups: tuple = ()  # Parquet


def _partitions(fs, file: TripFile, blocksize: int) -> list:
    if file.format == "parquet":
        groups, current, rows = [], [], 0
        for index, count in enumerate(file.row_groups):
            if current and rows + count > PARQUET_PARTITION_ROWS:
                groups.append(tuple(current))
                current, rows = [], 0
            current.append(index)
            rows += count
        if current:
            groups.append(tuple(current))
        return [_Part(fs, file, row_groups=g) for g in groups] or [_Part(fs, file, row_groups=())]
    if file.compression is not None or not file.size:
        return [_Part(fs, file)]  # a compressed stream cannot be split: one partition, streamed
    blocksize = _balanced(file.size, blocksize)
    return [_Part(fs, file, offset, blocksize) for offset in range(0, file.size, blocksize)]


def _balanced(size: int, blocksize: int) -> int:
    """At most ``blocksize``, and so that a file of several blocks splits into a multiple of the
    cluster's threads: 11 blocks on 2 workers would leave one worker idle for the last one."""
    if size <= blocksize:
        return blocksize
    try:
        from distributed import default_client

        threads = sum(default_client().nthreads().values())
    except (ImportError, ValueError):  # no cluster: dask's local scheduler
        return blocksize
    count = -(-size // blocksize)
    count = -(-count // threads) * threads if threads else count
    return -(-size // count)


def _empty_frame():
    import numpy as np
    import pandas as pd

    return pd.DataFrame({"VendorID": np.empty(0, "int64"), "passenger_count": np.empty(0, "float64")})


def _read_part(part: _Part):
    """One partition as a pandas DataFrame (runs on a worker)."""
    file = part.file
    if file.format == "parquet":
        return _read_parquet_part(part)
    if file.compression is not None:
        return _read_compressed_csv(part)
    where = f"in bytes {part.offset:,}-{min(part.offset + part.length, file.size):,}"
    if _is_local(part.fs):
        import pyarrow as pa

        with pa.memory_map(file.path) as source:
            start, end = _block_bounds(source, part.offset, part.length, file.size)
            source.seek(start)
            block = source.read_buffer(end - start)
            return _parse_csv_block(file, block, first=part.offset == 0, where=where)
    from fsspec.utils import read_block

    with part.fs.open(file.path, "rb") as f:
        block = read_block(f, part.offset, part.length, delimiter=b"\n")
    return _parse_csv_block(file, block, first=part.offset == 0, where=where)


def _is_local(fs) -> bool:
    from fsspec.implementations.local import LocalFileSystem

    return isinstance(fs, LocalFileSystem)


def _block_bounds(source, offset: int, length: int, size: int) -> tuple[int, int]:
    """The rows that START in [offset, offset + length): from the line after the first line
    break at or after ``offset - 1``, to the line break at or after ``offset + length - 1``
    (the same rule as ``fsspec.utils.read_block``, so that every row lands in one block)."""
    start = 0 if offset == 0 else _next_line(source, offset - 1, size)
    end = size if offset + length >= size else _next_line(source, offset + length - 1, size)
    return start, max(start, end)


def _next_line(source, position: int, size: int) -> int:
    """The position just after the first b"\\n" at or after ``position`` (or ``size``)."""
    step = 1 << 16
    while position < size:
        chunk = source.read_at(min(step, size - position), position)
        found = chunk.find(b"\n")
        if found >= 0:
            return position + found + 1
        position += len(chunk)
    return size


def _convert_options():
    import pyarrow as pa
    import pyarrow.csv as pacsv

    return pacsv.ConvertOptions(
        include_columns=list(REQUIRED_COLUMNS),
        column_types={name: pa.float64() for name in REQUIRED_COLUMNS},
    )


def _parse_csv_block(file: TripFile, block, first: bool, where: str):
    import pyarrow as pa
    import pyarrow.csv as pacsv

    if not len(block):
        return _empty_frame()
    try:
        table = pacsv.read_csv(
            pa.BufferReader(block),
            # one thread: dask already parses the blocks in parallel, one per worker thread
            read_options=pacsv.ReadOptions(column_names=list(file.columns), skip_rows=1 if first else 0,
                                           use_threads=False),
            parse_options=pacsv.ParseOptions(delimiter=file.delimiter),
            convert_options=_convert_options(),
        )
    except pa.ArrowInvalid as error:
        raise _csv_error(file, error, where) from None
    return _to_frame(table, file.url)


def _read_compressed_csv(part: _Part):
    """A compressed CSV, decompressed as a stream: only the two columns are kept in memory."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    file = part.file
    batches = []
    with part.fs.open(file.path, "rb", compression=file.compression) as f:
        try:
            reader = pacsv.open_csv(
                f,
                read_options=pacsv.ReadOptions(column_names=list(file.columns), skip_rows=1),
                parse_options=pacsv.ParseOptions(delimiter=file.delimiter),
                convert_options=_convert_options(),
            )
            for batch in reader:
                batches.append(batch)
        except pa.ArrowInvalid as error:
            raise _csv_error(file, error, "") from None
        except (OSError, EOFError) as error:
            raise DataError(f"{file.url} cannot be decompressed ({_first_line(error)}): it may be cut off; "
                            "download it again") from None
    if not batches:
        return _empty_frame()
    return _to_frame(pa.Table.from_batches(batches), file.url)


def _csv_error(file: TripFile, error: Exception, where: str) -> DataError:
    import re

    message = _first_line(error)
    place = f" ({where})" if where else ""
    bad_value = re.search(r"In CSV column #(\d+): .*invalid value '(.*)'", message)
    if bad_value:
        column = file.columns[int(bad_value.group(1))]
        return DataError(
            f"column {column!r} of {file.url} holds a value that is not a number: {bad_value.group(2)!r}{place}; "
            "fix or drop that row"
        )
    short_row = re.search(r"Expected (\d+) columns, got (\d+): (.*)", message)
    if short_row:
        expected, got, row = short_row.groups()
        return DataError(
            f"{file.url} has a row with {got} fields where the header has {expected}{place}: {row[:60]!r}; "
            "the file is damaged or cut off: download it again"
        )
    return DataError(f"{file.url} cannot be parsed as CSV{place}: {message}")


def _read_parquet_part(part: _Part):
    import pyarrow as pa
    import pyarrow.parquet as pq

    file = part.file
    try:
        if _is_local(part.fs):
            table = pq.ParquetFile(file.path).read_row_groups(part.row_groups, columns=list(REQUIRED_COLUMNS),
                                                              use_threads=False)
        else:
            with part.fs.open(file.path, "rb") as f:
                table = pq.ParquetFile(f).read_row_groups(part.row_groups, columns=list(REQUIRED_COLUMNS),
                                                          use_threads=False)
    except (pa.ArrowException, OSError) as error:
        raise DataError(f"{file.url} cannot be read as Parquet ({_first_line(error)}): "
                        "it may be damaged; download it again") from None
    return _to_frame(table, file.url)


def _to_frame(table, url: str):
    """The checked pandas frame: VendorID int64 (rows without one dropped), passenger_count float64."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    columns = {}
    for name in REQUIRED_COLUMNS:
        column = table[name]
        if not (pa.types.is_floating(column.type) or pa.types.is_integer(column.type)):  # text, decimal, null
            try:
                column = pc.cast(column, pa.float64())
            except pa.ArrowInvalid as error:
                value = _quoted_value(_first_line(error))
                raise DataError(
                    f"column {name!r} of {url} holds a value that is not a number: {value}; fix or drop that row"
                ) from None
        columns[name] = column
    vendor, passengers = columns["VendorID"], columns["passenger_count"]
    if not pa.types.is_floating(passengers.type):
        passengers = pc.cast(passengers, pa.float64())
    if vendor.null_count:
        keep = pc.is_valid(vendor)
        vendor, passengers = pc.filter(vendor, keep), pc.filter(passengers, keep)
    try:
        vendor = pc.cast(vendor, pa.int64())
    except pa.ArrowInvalid:
        bad = pc.filter(vendor, pc.not_equal(vendor, pc.floor(vendor)))[0].as_py()
        raise DataError(f"column 'VendorID' of {url} holds a value that is not a whole number: {bad!r}; "
                        "fix or drop that row") from None
    return pd.DataFrame({
        "VendorID": vendor.to_numpy(),
        "passenger_count": passengers.to_numpy(zero_copy_only=False),
    })


def _quoted_value(message: str) -> str:
    """The value pyarrow quotes in "Failed to parse string: 'two' as a scalar of type double"."""
    import re

    found = re.search(r"'(.*)'", message)
    return repr(found.group(1)) if found else message
