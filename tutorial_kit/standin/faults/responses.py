"""The fault room's control endpoint: arm, list and clear faults over HTTP, from a test.

TEST-ONLY, like the whole room (``__init__.py``). It is a route of its own, not part of either
emulated API: moto's ``/moto-api/`` is the model.
"""

from __future__ import annotations

import hmac

import tornado.web

from ..web import JSONHandler, reason_phrase
from .exceptions import FaultSpecError
from .models import FaultSet


class FaultsHandler(JSONHandler):
    """TEST-ONLY control endpoint of the fault injection (see ``__init__.py``), at
    :data:`~.urls.CONTROL_PATH` on the stand-in's loopback port. Only the stand-in's own Saturn
    token opens it. ``GET``: the armed faults and their hits; ``POST`` a JSON object or list:
    arm them (all or none; 400 with the reason if one is malformed); ``DELETE``: disarm all."""

    def initialize(self, faults: FaultSet, token: str) -> None:
        self.faults, self.token = faults, token

    def prepare(self) -> None:
        self.check_body_size()
        given = self.request.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), f"token {self.token}".encode()):
            message = "Unauthorized: the fault control endpoint needs the stand-in's own SATURN_TOKEN"
            raise tornado.web.HTTPError(401, reason=reason_phrase(message))

    def get(self) -> None:
        self.send_json(200, {"faults": self.faults.describe()})

    def post(self) -> None:
        try:
            armed = self.faults.arm(self.request.body)
        except FaultSpecError as exc:
            raise tornado.web.HTTPError(400, reason=reason_phrase(str(exc))) from None
        self.send_json(200, {"armed": armed, "faults": self.faults.describe()})

    def delete(self) -> None:
        self.send_json(200, {"cleared": self.faults.clear()})
