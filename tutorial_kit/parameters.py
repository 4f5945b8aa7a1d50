"""Checks of the notebook's parameters, run before anything is started: a bad value must
fail in a second with a message naming it, not after a cluster has spun up."""

from __future__ import annotations

from .exceptions import ParameterError


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
    """Open the data and check it (header, first and last rows, or Parquet footer): a missing
    file, an unsupported scheme or unusable data fails here, before any cluster starts."""
    from .trips import inspect_source

    inspect_source(data_url)
