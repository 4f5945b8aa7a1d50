"""Checks of the notebook's parameters, run before anything is started: a bad value must
fail in a second with a message naming it, not after a cluster has spun up."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

from .exceptions import ParameterError

#: Schemes dask reads remotely; a location with one of these cannot be checked offline.
REMOTE_SCHEMES = {"http", "https", "s3", "gcs", "gs", "abfs", "az", "hdfs"}


def check_parameters(project, username, n_workers, data_url) -> None:
    """Raise :class:`ParameterError` for the first invalid parameter."""
    for name, value in (("project", project), ("username", username)):
        if not isinstance(value, str) or not value.strip():
            raise ParameterError(f"{name} must be a non-empty string, got {value!r}: pass -p {name} NAME")
    if not isinstance(n_workers, int) or isinstance(n_workers, bool) or n_workers < 1:
        raise ParameterError(
            f"n_workers must be a whole number of at least 1, got {n_workers!r}: pass -p n_workers 3"
        )
    check_data_url(data_url)


def check_data_url(data_url) -> None:
    """A local path (or file:// URL) must name an existing file; remote URLs are left to dask."""
    if not isinstance(data_url, str) or not data_url:
        raise ParameterError(f"data_url must be a path or URL, got {data_url!r}")
    scheme = urlparse(data_url).scheme
    if scheme in REMOTE_SCHEMES:
        return
    path = Path(urlparse(data_url).path if scheme == "file" else data_url).expanduser()
    if any(ch in str(path) for ch in "*?["):  # a glob: dask reads every match
        if not list(path.parent.glob(path.name)):
            raise ParameterError(f"data_url {data_url!r} matches no file: pass -p data_url PATH_OR_URL")
        return
    if not path.is_file():
        raise ParameterError(
            f"data_url {str(path.resolve())!r} does not exist: pass -p data_url PATH_OR_URL, "
            "or leave it out to use the bundled sample"
        )
