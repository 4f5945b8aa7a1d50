"""The fault room's control endpoint: arm, list and clear faults over HTTP, from a test.

TEST-ONLY, like the whole room (``__init__.py``). It is a route of its own, not part of either
emulated API: moto's ``/moto-api/`` is the model. It runs the same request pipeline as the APIs
(``core/responses.py``) except that no fault ever applies to it (``api`` is None) and its body
is a fault spec, a JSON object or list, which ``models.parse`` reads.
"""

from __future__ import annotations

from ..core.exceptions import BadRequest
from ..core.responses import APIHandler
from .exceptions import ControlUnauthorized, FaultSpecError
from .models import FaultSet


class FaultsHandler(APIHandler):
    """At :data:`~.urls.CONTROL_PATH`; only the stand-in's own Saturn token opens it.
    ``GET``: the armed faults and their hits; ``POST`` a JSON object or list: arm them (all or
    none; 400 with the reason if one is malformed); ``DELETE``: disarm all."""

    json_route = False  # a list is a valid body here: models.parse checks it
    unauthorized = ControlUnauthorized

    def initialize(self, faults: FaultSet, token: str) -> None:
        self.faults, self.token = faults, token

    def authenticate(self) -> None:
        if not self.authorization_is(f"token {self.token}"):
            raise self.unauthorized()

    def get(self) -> None:
        self.write_json({"faults": self.faults.describe()})

    def post(self) -> None:
        try:
            armed = self.faults.arm(self.request.body)
        except FaultSpecError as exc:
            raise BadRequest(str(exc)) from None
        self.write_json({"armed": armed, "faults": self.faults.describe()})

    def delete(self) -> None:
        self.write_json({"cleared": self.faults.clear()})
