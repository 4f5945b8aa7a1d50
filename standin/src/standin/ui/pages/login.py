"""How a browser gets a session: the login page, which takes the stand-in's key itself, and the
tickets in the URLs prefect prints (``client/tickets.py`` makes and checks them)."""

from __future__ import annotations

import hmac

from ...client.tickets import UI_PATH, check
from .base import PageHandler


class LoginHandler(PageHandler):
    """``GET /ui/login``: the login page. ``POST``: the key (``PREFECT_USER_TOKEN``) starts a session."""

    def prepare(self) -> None:
        self.set_header("Cache-Control", "no-store")

    def get(self) -> None:
        self.login_page(reason=None, status=200)

    def post(self) -> None:
        self.check_xsrf_cookie()
        key = self.get_body_argument("key", "")
        next_page = self.get_body_argument("next", UI_PATH + "/")
        if not hmac.compare_digest(key.encode(), self.backend.api_key.encode()):
            self.login_page(reason="That is not the key of this stand-in", status=403)
            return
        self.start_session()
        self.redirect(next_page if next_page.startswith(UI_PATH + "/") else UI_PATH + "/", status=303)


class TicketHandler(PageHandler):
    """``GET /ui/login/<ticket>/<page>``: the URLs prefect prints. A valid ticket starts a session
    and sends the browser on to ``/ui/<page>``, so that the ticket leaves the address bar."""

    def prepare(self) -> None:
        self.set_header("Cache-Control", "no-store")
        self.set_header("Referrer-Policy", "no-referrer")

    def get(self, value: str, page: str) -> None:
        problem = check(self.backend.api_key, value)
        if problem is not None:
            self.login_page(reason=problem.capitalize(), status=403)
            return
        self.start_session()
        self.redirect(f"{UI_PATH}/{page}", status=303)
