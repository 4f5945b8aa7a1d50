"""What every page shares: :class:`PageHandler` (the session cookie, the login page for a request
without it, the HTML error page, the names every template uses) and :class:`Page`, one page of a
table that grows with the history (:data:`PAGE_SIZE` rows, newest first)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import tornado.web
from tornado.httputil import url_concat

from ...client.tickets import UI_PATH
from ...prefect_cloud.models import PrefectCloudBackend
from ..pictures import palette

#: The session cookie's name; its value is signed with the application's ``cookie_secret``.
COOKIE = "standin-ui"
TEMPLATES = Path(__file__).parents[1] / "templates"
#: Rows per page of every table that grows with the history; the one owner of the page size.
PAGE_SIZE = 50
#: Saturn Cloud's "Prefect Cloud Agent" page (``agents.py``), which every page's header links to.
SATURN_AGENT_PATH = UI_PATH + "/saturn/prefect-cloud-agent"


def page_count(total: int, size: int = PAGE_SIZE) -> int:
    """How many pages ``total`` rows make, ``size`` a page (an empty table is one empty page)."""
    return max(1, -(-total // size))


@dataclass
class Page:
    """One page of a table, newest first: its rows, its number (from 1) and the total."""

    rows: list
    number: int
    total: int
    parameter: str  # the query parameter that names the page: "page"
    #: the page's link to page ``n`` (the same URL, with the page's parameter set to ``n``)
    href: Callable[[int], str]
    what: str = "rows"  # what the rows are, plural: "runs"
    size: int = PAGE_SIZE

    @property
    def count(self) -> int:
        return page_count(self.total, self.size)

    @property
    def first(self) -> int:
        """The position (from 1) of the page's first row among all of them, newest first."""
        return (self.number - 1) * self.size + 1


class PageHandler(tornado.web.RequestHandler):
    """HTML pages behind the session cookie; errors as a small HTML page."""

    def initialize(self, backend: PrefectCloudBackend) -> None:
        self.backend = backend

    def get_template_path(self) -> str:
        return str(TEMPLATES)

    def get_current_user(self):
        return self.get_signed_cookie(COOKIE, max_age_days=1) is not None or None

    def prepare(self) -> None:
        self.set_header("Cache-Control", "no-store")
        self.set_header("X-Frame-Options", "DENY")
        self.set_header("Referrer-Policy", "no-referrer")  # a ticket in the URL goes no further
        if not self.current_user:
            self.login_page(reason=None, status=401)

    def login_page(self, reason: str | None, status: int) -> None:
        self.set_status(status)
        next_page = self.request.path if self.request.path.startswith(UI_PATH + "/") else UI_PATH + "/"
        self.render("login.html", reason=reason, next_page=next_page, **self.common())
        self.finish()

    def common(self) -> dict:
        return {
            "ui": UI_PATH,
            "tenant": self.backend.tenant,
            "saturn_agent_path": SATURN_AGENT_PATH,
            "when": when,
            "duration": duration,
            "state_styles": palette.STATE_STYLES,
            "pager": lambda page: self.render_string("pager.html", page=page),
        }

    def page(self, parameter: str, total: int, rows: Callable[[int, int], list], what: str) -> Page:
        """The page the request asks for (``?<parameter>=N``, 1 if absent) of a table of ``total``
        rows, newest first; ``rows(offset, limit)`` reads that page's rows only."""
        text = self.get_query_argument(parameter, "1")
        if not text.isdigit() or int(text) < 1:
            raise tornado.web.HTTPError(400, reason=f"{parameter} must be a page number from 1, not {text!r}")
        number = int(text)
        last = page_count(total)
        if number > last:
            raise tornado.web.HTTPError(
                404, reason=f"No page {number} of {what}: {total} {what} make {last} page{'s' * (last > 1)}"
            )
        others = {k: self.get_query_argument(k) for k in self.request.query_arguments if k != parameter}
        return Page(
            rows=rows((number - 1) * PAGE_SIZE, PAGE_SIZE),
            number=number,
            total=total,
            parameter=parameter,
            href=lambda n: url_concat(self.request.path, {**others, parameter: str(n)} if n > 1 else others),
            what=what,
        )

    def start_session(self) -> None:
        self.set_signed_cookie(
            COOKIE, secrets.token_hex(8), expires_days=None, httponly=True, samesite="Strict", path=UI_PATH
        )

    def write_error(self, status_code: int, **kwargs) -> None:
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        self.finish(
            f"<!doctype html><title>{status_code}</title><p>{status_code}: "
            f"{tornado.escape.xhtml_escape(self._reason)}</p><p><a href='{UI_PATH}/'>Projects</a></p>"
        )

    def tenant_or_404(self, slug: str):
        if slug != self.backend.tenant.slug:
            raise tornado.web.HTTPError(404, reason=f"No tenant {slug!r} here")
        return self.backend.tenant


def when(moment: datetime | None, precise: bool = False) -> str:
    if moment is None:
        return ""
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] if precise else moment.strftime("%Y-%m-%d %H:%M:%S")


def duration(start: datetime | None, end: datetime | None) -> str:
    if start is None:
        return ""
    if end is None:
        return "running"
    return f"{(end - start).total_seconds():.1f} s"
