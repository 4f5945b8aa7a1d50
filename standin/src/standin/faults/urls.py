"""Route of the fault room: its control endpoint, mounted next to the two APIs by ``server.py``."""

#: The control endpoint's path, on the stand-in's loopback port (``standin.testing.faults.FaultRoom`` calls it).
from ..client.protocol import FAULTS_CONTROL_PATH as CONTROL_PATH
from .responses import FaultsHandler


def url_patterns(faults, token: str) -> list:
    """Tornado rules for ``faults`` (a :class:`~.models.FaultSet`); ``token``: the stand-in's own
    Saturn token, the only key that opens the endpoint."""
    return [(CONTROL_PATH, FaultsHandler, {"faults": faults, "token": token})]
