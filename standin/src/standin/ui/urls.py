"""Routes of the stand-in's pages, under ``/ui`` on the stand-in's port."""

from __future__ import annotations

import hashlib
import hmac

from ..client.tickets import LOGIN_PATH, UI_PATH
from .pages.agents import AgentsHandler, SaturnAgentHandler
from .pages.base import SATURN_AGENT_PATH
from .pages.flow_runs import FlowRunHandler
from .pages.flows import FlowHandler, HomeHandler, ProjectsHandler, QuickRunHandler
from .pages.login import LoginHandler, TicketHandler

_SLUG = r"([A-Za-z0-9_-]+)"
_ID = r"([0-9a-f-]{36})"


def url_patterns(backend) -> list:
    kwargs = {"backend": backend}
    return [
        (rf"{UI_PATH}/?", HomeHandler, kwargs),
        (rf"{LOGIN_PATH}", LoginHandler, kwargs),
        (rf"{LOGIN_PATH}/([0-9]+\.[0-9a-f]+)/(.*)", TicketHandler, kwargs),
        (rf"{UI_PATH}/{_SLUG}/?", ProjectsHandler, kwargs),
        (rf"{UI_PATH}/{_SLUG}/flow/{_ID}", FlowHandler, kwargs),
        (rf"{UI_PATH}/{_SLUG}/flow/{_ID}/quick-run", QuickRunHandler, kwargs),
        (rf"{UI_PATH}/{_SLUG}/flow-run/{_ID}", FlowRunHandler, kwargs),
        (rf"{UI_PATH}/{_SLUG}/agents", AgentsHandler, kwargs),
        (SATURN_AGENT_PATH, SaturnAgentHandler, kwargs),
    ]


def cookie_secret(key: str) -> str:
    """The pages' cookie secret, from the stand-in's own key: sessions outlive a restart of the
    shared stand-in (same key), and a stand-in never accepts another's cookie."""
    return hmac.new(key.encode(), b"standin-ui-cookie", hashlib.sha256).hexdigest()
