"""Errors of the emulated Prefect Cloud 1.x API.

The models raise these; the GraphQL layer turns each into a GraphQL error whose
``message`` is ``str(exc)`` and whose ``extensions.code`` is ``exc.code``. They derive from the
stand-in's one error type, ``core.exceptions.APIError``, with HTTP status 200: GraphQL reports
them next to ``data``, and prefect's client reads them there (``Unauthenticated``, raised by the
request pipeline's token step, is answered that way too; see ``responses.py``).

Prefect 1.4.1's client reacts to the TEXT of the errors it gets back, so the
messages below are chosen for that, not for style:

- ``Client.graphql`` raises ``AuthorizationError`` when ``"UNAUTHENTICATED"`` occurs
  anywhere in ``str(result["errors"])``; ``prefect auth login`` turns that into
  "Unauthorized. Invalid Prefect Cloud API key."
- ``Client.create_project`` falls back to looking the project up when
  ``"'Uniqueness violation.'"`` (WITH the single quotes of a Python repr) occurs in
  ``str(ClientError(result["errors"]))``. That only matches when the message is
  exactly ``Uniqueness violation.``: Hasura's own text ("Uniqueness violation.
  duplicate key value ...") would not.
- Never use the code ``API_ERROR``: the client retries any answer containing it up
  to six times with back-off.
"""

from __future__ import annotations

from ..core.exceptions import APIError


class PrefectCloudError(APIError):
    """Base class: an error the API reports as a GraphQL error (HTTP 200)."""

    status = 200
    code = "INTERNAL_SERVER_ERROR"
    default_message = "Internal server error."

    def __init__(self, message: str | None = None, *, code: str | None = None):
        super().__init__(message if message is not None else self.default_message, code=code)

    @property
    def extensions(self) -> dict:
        return {"code": self.code}


class Unauthenticated(PrefectCloudError):
    """Missing, malformed or wrong API key, or a tenant the key does not belong to."""

    code = "UNAUTHENTICATED"
    #: Names the tutorial's variable: prefect shows this text in its AuthorizationError.
    default_message = "Unauthenticated: the API key is missing or invalid (check PREFECT_USER_TOKEN)"


class UniquenessViolation(PrefectCloudError):
    """A unique constraint (e.g. project name within a tenant) would be broken.

    The message must stay exactly ``Uniqueness violation.``; see the module docstring.
    """

    code = "CONSTRAINT_VIOLATION"
    default_message = "Uniqueness violation."

    def __init__(self, detail: str | None = None):
        # The message is fixed (the client only recognises the exact text); what was
        # violated goes to ``extensions.detail`` instead.
        self.detail = detail
        super().__init__(self.default_message)

    @property
    def extensions(self) -> dict:
        ext = super().extensions
        if self.detail:
            ext["detail"] = self.detail
        return ext


class NotFound(PrefectCloudError):
    """An id in the input does not name an existing object."""

    code = "NOT_FOUND"
    default_message = "Not found."


class InvalidInput(PrefectCloudError):
    """The input is well-typed GraphQL but the API rejects its content."""

    code = "BAD_USER_INPUT"
    default_message = "Invalid input."


class Declined(PrefectCloudError):
    """Something Prefect Cloud did that the stand-in does not (keep secrets, mint API keys, enforce
    task concurrency limits): refused, as Prefect Cloud refused what a user's role did not allow."""

    code = "FORBIDDEN"
    default_message = "Forbidden."
