"""Where ``data_url``'s bytes are: :func:`locate` answers it once, as a :class:`Location` (the
filesystem, the files a glob names, and a local copy of a file whose web server cannot send parts
of it), which :mod:`.trips` then checks and dask's readers read.

Why a module of its own: the checks of :mod:`.trips` and dask's readers must open the same
files the same way (S3 anonymously, at ``AWS_ENDPOINT_URL`` when set), and how to get at bytes
is another question than whether they are the month's trips.

A web server that ignores HTTP Range requests (Python's own ``http.server`` among many simple
ones) can only send a file whole, from its start, while reading a Parquet footer or a CSV block
other than the first needs ranges: such a file is downloaded once, streamed to a temporary file
that is removed when this process exits (:func:`local_copy`), and read from there.

Like :mod:`.trips`, this module never imports dask.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass
from urllib.parse import urlparse

from ..exceptions import DataError, ParameterError

#: data_url schemes that can be read: a local path (no scheme or file://), a web server, S3.
SCHEMES = {"": "a local path", "file": "file://", "http": "http://", "https": "https://", "s3": "s3://"}

#: The local copies made in this process: ``{data_url: path}``, in one folder removed at exit.
_copies: dict[str, str] = {}
_copies_lock = threading.Lock()
_copies_folder: list[str] = []  # created on first use


@dataclass(frozen=True)
class LocatedFile:
    """One file of a location: a file, not a folder, that exists."""

    url: str  # as the user wrote it (or as a glob expanded it): what messages name
    path: str  # the filesystem's path (a local copy's, for a server that ignores Range requests)
    size: int | None  # bytes, when the filesystem says


@dataclass(frozen=True)
class Location:
    """What ``data_url`` names: a filesystem and the files in it, in the order dask reads them."""

    url: str  # data_url (the bundled sample's path for None)
    fs: object  # an fsspec filesystem
    files: tuple[LocatedFile, ...]

    @property
    def paths(self) -> list[str]:
        """The files as dask's readers open them: with their protocol (a local file: its path)."""
        return [f.path if is_local(self.fs) else self.fs.unstrip_protocol(f.path) for f in self.files]

    @property
    def storage_options(self) -> dict:
        """The filesystem's options for dask's readers: anonymous S3, at ``AWS_ENDPOINT_URL`` if set."""
        return dict(getattr(self.fs, "storage_options", {}) or {})


def locate(data_url: str | None) -> Location:
    """Find the files ``data_url`` names (None: the bundled sample), each an existing file; a file
    on a web server that ignores Range requests is downloaded once first (:func:`local_copy`).

    Raises :class:`ParameterError` when nothing usable is there (an unsupported scheme, a missing
    file, a folder, a glob that matches nothing), :class:`DataError` when it cannot be read."""
    import fsspec

    data_url = bundled_sample_if_none(data_url)
    fs, path = open_filesystem(data_url)
    if is_http(fs):
        info = info_of(fs, path, data_url)
        if serves_ranges(fs, path, data_url, info):
            return Location(data_url, fs, (_file(fs, path, data_url, info),))
        from fsspec.implementations.local import LocalFileSystem

        local = LocalFileSystem()
        copy = local_copy(fs, path, data_url, info.get("size"))
        return Location(data_url, local, (_file(local, copy, data_url),))
    if fsspec.core.has_magic(path):
        paths = sorted(fs.glob(path))
        if not paths:
            raise ParameterError(f"data_url {data_url!r} matches no file: pass -p data_url PATH_OR_URL")
        found = [(p, url_of(fs, p, data_url)) for p in paths]
    else:
        found = [(path, data_url)]
    return Location(data_url, fs, tuple(_file(fs, p, u) for p, u in found))


def _file(fs, path: str, url: str, info: dict | None = None) -> LocatedFile:
    info = info if info is not None else info_of(fs, path, url)
    if info.get("type") == "directory":
        raise ParameterError(f"data_url {url!r} is a folder: name a file, or a glob such as {url.rstrip('/')}/*.csv")
    return LocatedFile(url=url, path=path, size=info.get("size"))


def bundled_sample_if_none(data_url: str | None) -> str:
    """``data_url``, or the bundled sample's path for None: the notebook's default, which each
    process (the kernel, a flow run on another machine) resolves in its own checkout."""
    if data_url is None:
        from ..paths import SAMPLE_CSV

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
        raise ParameterError(f"data_url scheme {scheme + '://'!r} is not supported: use {', '.join(SCHEMES.values())}")
    options = {}
    if scheme == "s3":
        options["anon"] = True
        if os.environ.get("AWS_ENDPOINT_URL"):
            # carried inside the pickled filesystem, so workers (whose environment may differ,
            # on a cluster started earlier or elsewhere) read from the same server
            options["endpoint_url"] = os.environ["AWS_ENDPOINT_URL"]
    return fsspec.core.url_to_fs(data_url, **options)


def url_of(fs, path: str, data_url: str) -> str:
    return fs.unstrip_protocol(path) if "://" in data_url else path


def info_of(fs, path: str, url: str) -> dict:
    try:
        return fs.info(path)
    except FileNotFoundError:
        raise ParameterError(
            f"data_url {url!r} does not exist: pass -p data_url PATH_OR_URL, or leave it out to use the bundled sample"
        ) from None
    except OSError as error:
        raise DataError(f"data_url {url!r} cannot be opened: {first_line(error)}") from None


def is_http(fs) -> bool:
    from fsspec.implementations.http import HTTPFileSystem

    return isinstance(fs, HTTPFileSystem)


def serves_ranges(fs, path: str, url: str, info: dict) -> bool:
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
        raise DataError(f"data_url {url!r} cannot be read: {first_line(error)}") from None
    return True


def local_copy(fs, path: str, url: str, expected: int | None = None) -> str:
    """The path of a local copy of ``url``, downloaded once per process as a stream (1 MiB at a
    time: memory does not grow with the file) into a temporary folder removed at exit.
    ``expected``: the size the server announced; a shorter download is refused.

    The copy is on this machine: workers of a Dask cluster on other machines cannot read it
    (docs/own-dask-cluster.md)."""
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
            raise DataError(
                f"data_url {url!r} could not be downloaded ({first_line(error)}): try again, "
                "or download it yourself and pass the local path"
            ) from None
        got = os.path.getsize(target)
        if expected is not None and got != expected:
            os.unlink(target)
            raise DataError(
                f"data_url {url!r} stopped after {got:,} of its {expected:,} bytes: try again, "
                "or download it yourself and pass the local path"
            )
        _copies[url] = target
        return target


def first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]


def is_local(fs) -> bool:
    from fsspec.implementations.local import LocalFileSystem

    return isinstance(fs, LocalFileSystem)
