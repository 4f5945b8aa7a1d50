"""Errors of the emulated Saturn Cloud REST API.

Each carries the HTTP status and the message the real API puts in its JSON body:
dask-saturn raises ``ValueError(response.json()["message"])`` on any non-2xx answer, so
the message is what the user ends up reading. They derive from the stand-in's one error type,
``core.exceptions.APIError``, which the request pipeline answers as ``{"message": ...}`` with
the message also in the status line (``core/responses.py``).
"""

from ..core.exceptions import APIError


class SaturnError(APIError):
    status = 400


class Unauthorized(SaturnError):
    status = 401
    code = "UNAUTHENTICATED"
    message = "Unauthorized: invalid or missing SATURN_TOKEN"


class NotFound(SaturnError):
    status = 404
    code = "NOT_FOUND"


class InvalidRequest(SaturnError):
    status = 400


class ClusterStartFailed(SaturnError):
    """The emulated platform could not start the Dask cluster (reported as status "error")."""

    status = 500
    code = "INTERNAL_SERVER_ERROR"


class ClusterUnavailable(SaturnError):
    """The cluster's scheduler does not answer (e.g. the user stopped their own cluster)."""

    status = 503
    code = "SERVICE_UNAVAILABLE"
