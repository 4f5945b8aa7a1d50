"""Errors of the emulated Saturn Cloud REST API.

Each carries the HTTP status and the message the real API puts in its JSON body:
dask-saturn raises ``ValueError(response.json()["message"])`` on any non-2xx answer, so
the message is what the user ends up reading.
"""


class SaturnError(Exception):
    status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class Unauthorized(SaturnError):
    status = 401

    def __init__(self, message: str = "Unauthorized: invalid or missing SATURN_TOKEN"):
        super().__init__(message)


class NotFound(SaturnError):
    status = 404


class InvalidRequest(SaturnError):
    status = 400


class ClusterStartFailed(SaturnError):
    """The emulated platform could not start the Dask cluster (reported as status "error")."""

    status = 500


class ClusterUnavailable(SaturnError):
    """The cluster's scheduler does not answer (e.g. the user stopped their own cluster)."""

    status = 503


class UnsupportedMediaType(SaturnError):
    status = 415


class InjectedError(SaturnError):
    """An error answer asked for by a test (``faults.py``): any status, any message."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
