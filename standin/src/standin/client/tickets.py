"""The key to the stand-in's pages, in the URLs prefect prints.

prefect builds its "Flow URL" and a run's URL as ``<server.ui.endpoint>/<tenant slug>/flow/<id>``
(``Client.get_cloud_url``), from a setting read once, at import. The stand-in points that setting
at ``http://127.0.0.1:PORT/ui/login/<ticket>``, so that every URL prefect prints opens the pages
in one click, the way Jupyter's ``?token=`` URL does: the ticket is checked once, sets a session
cookie, and the browser is sent on to the same page without it.

A ticket is not a key: it is an HMAC of its expiry time under the stand-in's Prefect API key, so
it opens the pages (never the APIs) and only until it expires (:data:`VALID_FOR`). It is still
printed in a notebook's output; that is why it expires, and why an expired or forged one gets
the login page, which takes the key itself (``PREFECT_USER_TOKEN``).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time

#: How long a ticket opens the pages: a working day, so that the URLs of an open notebook keep working.
VALID_FOR = 8 * 3600
#: Where the pages are mounted, and the ticket's path below it.
UI_PATH = "/ui"
LOGIN_PATH = UI_PATH + "/login"
#: A ticket in a URL of the pages: group 1 is everything before it.
TICKET_IN_URL = re.compile(r"(https?://[^/\s]+" + re.escape(LOGIN_PATH) + r"/)\d+\.[0-9a-f]+/")


def ticket(key: str, now: float | None = None, valid_for: float = VALID_FOR) -> str:
    expires = int((time.time() if now is None else now) + valid_for)
    return f"{expires}.{_sign(key, expires)}"


def check(key: str, value: str, now: float | None = None) -> str | None:
    """None if ``value`` is a ticket of ``key`` that has not expired, else why not."""
    expires, _, signature = value.partition(".")
    if not expires.isdigit() or not hmac.compare_digest(signature, _sign(key, int(expires))):
        return "this link does not open the pages of this stand-in"
    if int(expires) < (time.time() if now is None else now):
        return "this link has expired"
    return None


def ui_endpoint(url: str, key: str) -> str:
    """``server.ui.endpoint`` for a stand-in at ``url``: prefect puts ``/<slug>/flow/<id>`` after it."""
    return f"{url}{LOGIN_PATH}/{ticket(key)}"


def _sign(key: str, expires: int) -> str:
    return hmac.new(key.encode(), f"standin-ui-ticket:{expires}".encode(), hashlib.sha256).hexdigest()[:32]
