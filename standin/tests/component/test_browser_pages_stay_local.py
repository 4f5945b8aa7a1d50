"""The browser tests' page reaches loopback only (``standin.testing.browser``): a request beyond
this machine fails in the browser and is recorded, so that a test can say its page asked for none."""

from standin.testing.waiting import wait_for


def test_a_request_beyond_loopback_fails_and_is_recorded(browser_page, outside_requests):
    failed = []
    browser_page.on("requestfailed", lambda request: failed.append(request.url))
    browser_page.set_content('<img src="https://news.example.org/feed.png">')
    wait_for(lambda: browser_page.evaluate("1") and failed, 10, "the outside request failed")
    assert failed == ["https://news.example.org/feed.png"]
    assert outside_requests == ["https://news.example.org/feed.png"]
