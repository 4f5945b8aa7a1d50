"""Errors of the fault room: a spec that cannot be armed, and the answers the room gives."""

from __future__ import annotations

import http.client

from ..core.exceptions import APIError, code_for


class FaultSpecError(ValueError):
    """A fault that cannot be armed; the message says which field is wrong. The control
    endpoint answers it with 400; ``STANDIN_FAULTS`` with it stops the stand-in at start."""


class InjectedError(APIError):
    """The answer of an ``error`` fault: ``status`` (default 500) and ``message`` (default: the
    status's own phrase), rendered like any error of the API that was called."""

    def __init__(self, status: int | None = None, message: str | None = None):
        status = status or 500
        super().__init__(message or http.client.responses.get(status, "Error"), status=status, code=code_for(status))


class ControlUnauthorized(APIError):
    """The control endpoint was called without the stand-in's own Saturn token."""

    status = 401
    code = "UNAUTHENTICATED"
    message = "Unauthorized: the fault control endpoint needs the stand-in's own SATURN_TOKEN"
