"""Whether the month's trips can be read: the cheap checks the ``read`` task makes before dask's
own readers (``dd.read_csv``, ``dd.read_parquet``) read them.

Why: users have the month as a CSV or as the TLC's current Parquet file, on disk, on a web
server or in S3, and the copies differ: renamed columns, other delimiters, a byte order mark,
downloads cut off half-way. :func:`inspect_trips` checks the files cheaply (a CSV's header,
first rows and last row, or a Parquet file's footer), so that a bad file fails
with a message that says what is wrong, before any worker reads it; and it tells the readers
what these files need (:meth:`TripSource.read_options`): the delimiter and encoding of a
re-saved CSV, one block for a compressed CSV (which dask cannot split), the filesystem's options.

A bad value deep in a file is found by a worker, by pyarrow, as an exception whose text is
pyarrow's; :meth:`TripSource.data_errors` turns it into one :class:`~tutorial_kit.exceptions.DataError`
line naming the column and the value, as the checks do.

Where the bytes are (a path, a glob, a web server with or without Range requests, S3) is
:mod:`.filesystems`' question, answered once (:func:`~.filesystems.locate`); this module decides
whether they are the month's trips.

This module never imports dask: the parameter checks use it before anything starts.
"""

from __future__ import annotations

import contextlib
import csv
import re
from dataclasses import dataclass

from ..exceptions import DataError
from .filesystems import LocatedFile, Location, first_line, locate

#: How much of a CSV file the checks read at each end.
_PROBE_BYTES = 64 * 2**10
#: Delimiters a re-saved copy may use instead of the TLC's comma (e.g. Excel in many locales).
_DELIMITERS = (",", ";", "\t", "|")
_PARQUET_MAGIC = b"PAR1"


@dataclass(frozen=True)
class TripFile:
    """One file, as the checks found it."""

    url: str  # what messages name
    format: str  # "csv" or "parquet"
    compression: str | None = None  # "gzip", "bz2", ... for a compressed CSV, read as one stream
    columns: tuple = ()  # the CSV header
    delimiter: str = ","
    encoding: str = "utf-8"  # "utf-8-sig" for a CSV that starts with a byte order mark (Excel)


@dataclass(frozen=True)
class TripSource:
    """What ``data_url`` names, checked: where the files are, and what dask's readers need to read
    them (the notebook's ``read`` passes these on)."""

    location: Location
    files: tuple[TripFile, ...]
    #: The columns the caller reads (the notebook's ``COLUMNS``): what the checks looked for.
    columns: tuple[str, ...]

    @property
    def url(self) -> str:
        return self.location.url

    @property
    def paths(self) -> list[str]:
        """The files, as dask's readers open them (a glob expanded; a local copy's path)."""
        return self.location.paths

    @property
    def format(self) -> str:
        """ "csv" or "parquet" (one for all the files: :func:`inspect_trips` refuses a mix)."""
        return self.files[0].format

    @property
    def compressed(self) -> bool:
        return any(f.compression is not None for f in self.files)

    def read_options(self, blocksize: str) -> dict:
        """The options of ``dd.read_csv`` / ``dd.read_parquet`` that these files decide: the
        filesystem's ``storage_options`` (anonymous S3), ``blocksize`` (None for a compressed
        CSV: one stream, one block), and a re-saved CSV's delimiter (``sep``) and ``encoding``."""
        options = {
            "blocksize": None if self.compressed else blocksize,
            "storage_options": self.location.storage_options,
        }
        if self.format == "csv":
            options.update(sep=self.files[0].delimiter, encoding=self.files[0].encoding)
        return options

    def data_errors(self):
        """Turn what pyarrow or pandas raise about bad data (in a worker) into one
        :class:`DataError` line naming the column and the value; anything else goes through."""
        return _data_errors(self.url, self.format, self.compressed, self.columns)


@contextlib.contextmanager
def _data_errors(url: str, format: str, compressed: bool, columns, where: str = ""):
    try:
        yield
    except DataError:
        raise
    except (ValueError, TypeError, OSError, EOFError) as error:
        translated = _as_data_error(error, url, format, compressed, columns, where)
        if translated is None:
            raise
        raise translated from None


def _as_data_error(
    error: BaseException, url: str, format: str, compressed: bool, columns, where: str
) -> DataError | None:
    message = first_line(error)
    wrapped = re.search(r"Original Message: (.*)", str(error))  # dask's wrapper around a reader's error
    if wrapped:
        message = wrapped[1].strip()
    place = f" ({where})" if where else ""
    not_a_number = re.search(
        r"could not convert string to float: '(.*?)'(?:: Error while type casting "
        r"for column '(.*)')?$",
        message,
    )
    if not_a_number:
        value, column = not_a_number.groups()
        column = column or " or ".join(columns)  # pandas' own parser names no column
        return DataError(
            f"column {column!r} of {url} holds a value that is not a number: {value!r}{place}; fix or drop that row"
        )
    short_row = re.search(r"Expected (\d+) columns, got (\d+): (.*)", message)
    if short_row:
        expected, got, row = short_row.groups()
        return DataError(
            f"{url} has a row with {got} fields where the header has {expected}{place}: "
            f"{row[:60]!r}; the file is damaged or cut off: download it again"
        )
    if compressed and isinstance(error, (EOFError, OSError)):
        return DataError(f"{url} cannot be decompressed ({message}): it may be cut off; download it again")
    if format == "parquet" and isinstance(error, OSError):
        return DataError(f"{url} cannot be read as Parquet ({message}): it may be damaged; download it again")
    return None


# --------------------------------------------------------------------------------------------
# Checking (on the client, before any cluster work)
# --------------------------------------------------------------------------------------------


def inspect_trips(data_url: str | None, columns, dtypes: dict[str, str]) -> TripSource:
    """Find the files ``data_url`` names (:func:`~.filesystems.locate`) and check each of them for
    what the caller reads, ``columns`` with ``dtypes`` (the notebook's ``COLUMNS`` and ``DTYPES``:
    its read cell owns them); raise a one-line error if they cannot be used.

    Reads the ends of each file only (a CSV's first and last ``_PROBE_BYTES``, a Parquet footer;
    over HTTP or S3, in the filesystem's own blocks), and a file from a web server that ignores
    Range requests is downloaded once first.  Raises :class:`~tutorial_kit.exceptions.ParameterError`
    when nothing is there, :class:`DataError` when what is there cannot give the result.
    """
    location = locate(data_url)
    columns = tuple(columns)
    files = tuple(_inspect_file(location.fs, file, columns, dtypes) for file in location.files)
    for what in ("format", "delimiter", "encoding"):  # one way to read every file
        values = sorted({getattr(f, what) for f in files})
        if len(values) > 1:
            raise DataError(
                f"data_url {location.url!r} names files of different {what}s ({', '.join(map(repr, values))}): "
                "read them one at a time, or make them alike"
            )
    return TripSource(location, files, columns)


def _inspect_file(fs, file: LocatedFile, columns: tuple[str, ...], dtypes: dict[str, str]) -> TripFile:
    import fsspec

    url, path, size = file.url, file.path, file.size
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
        raise DataError(f"data_url {url!r} cannot be read: {first_line(error)}") from None
    if parquet:
        return _inspect_parquet(fs, path, url, columns)
    return _inspect_csv(url, head, tail, size if compression is None else None, compression, columns, dtypes)


def _inspect_csv(
    url: str, head: bytes, tail: bytes, size: int | None, compression: str | None, wanted, dtypes
) -> TripFile:
    if not head.strip():
        raise DataError(f"{url} is empty: expected a CSV header with the columns {', '.join(wanted)}")
    if b"\n" not in head and len(head) == _PROBE_BYTES:
        raise DataError(f"{url} has no line break in its first {_PROBE_BYTES:,} bytes: it is not a CSV file")
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        # the end of the probe may cut a multi-byte character; only complain about the header
        text = head[: error.start].decode("utf-8-sig")
        if "\n" not in text:
            raise DataError(f"{url} is not UTF-8 text: it is neither a CSV nor a Parquet file") from None
    encoding = "utf-8-sig" if head.startswith(b"\xef\xbb\xbf") else "utf-8"
    header, _, body = text.partition("\n")
    header = header.rstrip("\r")
    delimiter = max(_DELIMITERS, key=header.count)
    columns = tuple(next(csv.reader([header], delimiter=delimiter)))
    _check_columns(url, columns, wanted)
    if size is not None:
        has_rows = size > len(head) or bool(body.strip())
    else:
        has_rows = bool(body.strip()) or len(head) == _PROBE_BYTES
    file = TripFile(url, "csv", compression, columns, delimiter, encoding)
    if compression is None and has_rows:
        _check_last_row(file, tail or head)
        # The first rows, parsed as the workers will parse them (pandas with pyarrow, the columns
        # the caller reads with its dtypes): a bad value near the top fails here in a millisecond.
        _parse_first_rows(file, head[: head.rfind(b"\n") + 1], wanted, dtypes)
    return file


def _parse_first_rows(file: TripFile, complete: bytes, wanted, dtypes) -> None:
    import io

    import pandas as pd

    with _data_errors(file.url, file.format, compressed=False, columns=wanted, where="near the top"):
        pd.read_csv(
            io.BytesIO(complete),
            usecols=list(wanted),
            engine="pyarrow",
            sep=file.delimiter,
            encoding=file.encoding,
            dtype=dtypes,
        )


def _check_columns(url: str, columns, wanted) -> None:
    missing = [c for c in wanted if c not in columns]
    if missing:
        found = ", ".join(columns) if columns else "none"
        raise DataError(
            f"{url} lacks the column(s) {', '.join(missing)} (found: {found}); "
            f"the pipeline needs the TLC's columns {' and '.join(wanted)}: rename them in your copy"
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


def _inspect_parquet(fs, path: str, url: str, wanted) -> TripFile:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        with fs.open(path, "rb") as f:
            metadata = pq.ParquetFile(f).metadata
    except (pa.ArrowException, OSError) as error:
        raise DataError(
            f"{url} is not a readable Parquet file ({first_line(error)}): it may be cut off; download it again"
        ) from None
    schema = metadata.schema.to_arrow_schema()
    _check_columns(url, tuple(schema.names), wanted)
    for name in wanted:
        # Text is refused too: the notebook's read hands `passenger_count > 1` to pyarrow (filters),
        # where a text column cannot be compared with a number (a CSV's text is cast first).
        kind = schema.field(name).type
        if not (
            pa.types.is_integer(kind)
            or pa.types.is_floating(kind)
            or pa.types.is_decimal(kind)
            or pa.types.is_null(kind)
        ):
            raise DataError(
                f"column {name!r} of {url} holds {kind} values, not numbers: use a copy with numeric {name}"
            )
    return TripFile(url, "parquet")
