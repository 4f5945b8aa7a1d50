"""The test-only fault room, from the outside: arm faults in a running stand-in, read them back
with their hits, clear them. It calls the room's control endpoint (``standin.faults``), which
answers only the stand-in's own Saturn token; no request-handling code imports it (the room joins
the request pipeline through a hook: see ``core/responses.py``).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from ..client import StandIn, StandInError
from ..client.protocol import FAULTS_CONTROL_PATH


class FaultRoom:
    """The fault room of the stand-in at ``url``, reached with its ``saturn_token``."""

    def __init__(self, url: str, saturn_token: str):
        self.url = url
        self._saturn_token = saturn_token

    @classmethod
    def of(cls, standin: StandIn) -> FaultRoom:
        return cls(standin.url, standin.environ()["SATURN_TOKEN"])

    def arm(self, *faults: dict) -> list[dict]:
        """Arm ``faults`` (see ``faults/__init__.py`` for their fields); returns them as armed."""
        return self._control("POST", list(faults))["armed"]

    def armed(self) -> list[dict]:
        """Every armed fault, with its hits so far."""
        return self._control("GET")["faults"]

    def clear(self) -> int:
        """Disarm every fault; returns how many there were."""
        return self._control("DELETE")["cleared"]

    def _control(self, method: str, body=None) -> dict:
        request = urllib.request.Request(
            self.url + FAULTS_CONTROL_PATH,
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"token {self._saturn_token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return json.load(answer)
        except urllib.error.HTTPError as exc:
            raise StandInError(
                f"the stand-in refused {method} {FAULTS_CONTROL_PATH}: {exc.code} {json.load(exc).get('message')}"
            ) from None
