"""Headless Chromium for the browser tests, driven by Playwright.

The browser is the system's Chromium (Debian's ``chromium`` package, or the one ``CHROMIUM`` names),
launched through Playwright's ``executable_path``: Playwright downloads nothing (never run
``playwright install``). Without a Chromium, a test that asks for a page is skipped with one line
that says how to get one; ``.ci/run`` installs it, so CI always runs these tests (with ``CI`` set, or
under ``make screenshots``, a missing Chromium fails them instead).

For any test (each suite's conftest.py exposes the fixtures below)::

    def test_page(browser_page, screenshot):
        browser_page.goto(url)
        ...
        screenshot(browser_page, "my-page")   # <tmp_path>/my-page.png, and docs/screenshots/ under make screenshots

Every test that uses ``browser_page`` is marked ``browser`` (``levels.py``), so ``pytest -m browser`` runs
them all; ``make screenshots`` does that with ``SCREENSHOTS_DIR=docs/screenshots``, which is how the
README's images are made.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest

#: The hosts a browser test's page may reach: this machine.
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
#: Where Debian's package puts it; ``CHROMIUM`` names another.
DEFAULT_CHROMIUM = "/usr/bin/chromium"
INSTALL_HINT = "no Chromium for the browser tests: apt-get install chromium (or set CHROMIUM to one)"
#: Headless, and nothing that reaches for Google's servers (this machine's network refuses them): no
#: background networking, component updates, sync or QUIC; no host name resolves but localhost, so a
#: page reaches loopback only (blocked in the browser itself: a Playwright route would stall every
#: request while the test waits outside Playwright). --no-sandbox because CI runs as root, where
#: Chromium's sandbox does not start. Playwright gives every launch a fresh, temporary user-data-dir.
CHROMIUM_ARGS = [
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: The page's size: the README's screenshots are taken at this size.
VIEWPORT = {"width": 1280, "height": 860}
#: Set by ``make screenshots``: every screenshot is also written there (the README's images).
SCREENSHOTS_ENV = "SCREENSHOTS_DIR"


def chromium_path() -> str | None:
    """The Chromium to drive: ``$CHROMIUM``, else Debian's; None when there is none."""
    return shutil.which(os.environ.get("CHROMIUM") or DEFAULT_CHROMIUM)


@pytest.fixture(scope="module")
def chromium():
    """One headless Chromium for a test module, shut down after its last test (so that no browser
    and no Playwright event loop lingers in the test process while other modules run)."""
    path = chromium_path()
    if path is None:
        # CI (.ci/run installs Chromium) and make screenshots must not pass by skipping
        (pytest.fail if os.environ.get("CI") or os.environ.get(SCREENSHOTS_ENV) else pytest.skip)(INSTALL_HINT)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def outside_requests() -> list[str]:
    """The URLs the test's page asked for beyond this machine (none resolves: see CHROMIUM_ARGS)."""
    return []


@pytest.fixture
def browser_page(chromium, outside_requests):
    """A new page in a context of its own (no cookies or storage shared between tests); every request
    it makes beyond loopback is recorded in ``outside_requests`` (the pages we serve must need nothing
    from outside). The record is read as Playwright reports requests: after a Playwright call."""
    context = chromium.new_context(viewport=VIEWPORT)

    def record_outside(request) -> None:
        url = request.url
        if not url.startswith(("data:", "blob:")) and urlsplit(url).hostname not in LOOPBACK_HOSTS:
            outside_requests.append(url)

    context.on("request", record_outside)
    try:
        yield context.new_page()
    finally:
        context.close()


def save_screenshot(target, folder: Path, name: str) -> Path:
    """A PNG of ``target`` (a Playwright Page, or a Locator for one element) as ``folder/name.png``;
    also into ``$SCREENSHOTS_DIR`` when that is set. Returns the first path."""
    path = Path(folder) / f"{name}.png"
    target.screenshot(path=str(path))
    if extra := os.environ.get(SCREENSHOTS_ENV):
        Path(extra).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, Path(extra) / path.name)
    return path


@pytest.fixture
def screenshot(tmp_path):
    """``screenshot(page_or_locator, name)``: :func:`save_screenshot` into the test's ``tmp_path``,
    next to the test's other outputs."""
    return lambda target, name: save_screenshot(target, tmp_path, name)
