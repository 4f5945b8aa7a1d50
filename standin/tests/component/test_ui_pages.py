"""The stand-in's pages over HTTP (the browser test shows them to a person): access by ticket or
key, never without, XSRF on every change, Quick Run as ``prefect run``, no key in any page, and
what grows with the history a page at a time."""

from __future__ import annotations

import re
import time
import uuid

import pytest
import requests

from standin.client import tickets
from standin.testing import programs, standins
from standin.testing.waiting import wait_for
from standin.ui.pages.base import PAGE_SIZE

PROJECT = "pages"


@pytest.fixture(scope="module")
def standin(tmp_path_factory):
    with standins.marked_standin(tmp_path_factory.mktemp("ui-standin"), uuid.uuid4().hex) as standin:
        yield standin


@pytest.fixture(scope="module")
def flow_id(standin, tmp_path_factory):
    return programs.register_user_flow(
        programs.shell_env(standin, tmp_path_factory.mktemp("prefect-home")), "user-params", PROJECT
    )


@pytest.fixture(scope="module")
def flow_url(standin, flow_id):
    """What ``flow.register`` prints: ``<server.ui.endpoint>/<slug>/flow/<flow group id>``."""
    answer = requests.post(
        standin.url + "/graphql",
        timeout=10,
        json={"query": f'query {{ flow_by_pk(id: "{flow_id}") {{ flow_group_id }} }}'},
        headers={"Authorization": f"Bearer {standin.environ()['PREFECT_USER_TOKEN']}"},
    ).json()
    flow_group_id = answer["data"]["flow_by_pk"]["flow_group_id"]
    return f"{standin.environ()['PREFECT__SERVER__UI__ENDPOINT']}/local/flow/{flow_group_id}"


def graphql(standin, query: str, **variables) -> dict:
    answer = requests.post(
        standin.url + "/graphql",
        timeout=10,
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {standin.environ()['PREFECT_USER_TOKEN']}"},
    ).json()
    assert "errors" not in answer, answer
    return answer["data"]


def logged_in(flow_url) -> tuple[requests.Session, requests.Response]:
    session = requests.Session()
    return session, session.get(flow_url, timeout=10)


def xsrf_of(page: str) -> str:
    return re.search(r'name="_xsrf" value="([^"]+)"', page)[1]


def test_without_the_key_every_page_is_the_login_page(standin, flow_url):
    clean_url = flow_url.replace(flow_url.split("/local/")[0], standin.url + "/ui")
    for url in (clean_url, standin.url + "/ui/local/", standin.url + "/ui/local/flow-run/" + str(uuid.uuid4())):
        page = requests.get(url, timeout=10, allow_redirects=False)
        assert page.status_code == 401 and "<h1>Log in</h1>" in page.text, url
        assert "user-params" not in page.text and "<table" not in page.text  # no data
    post = requests.post(clean_url + "/quick-run", timeout=10, allow_redirects=False)
    assert post.status_code == 401


def test_the_printed_url_opens_the_page_and_drops_its_ticket(standin, flow_url):
    session, page = logged_in(flow_url)
    assert page.status_code == 200 and "<h1>user-params</h1>" in page.text and 'id="quick-run"' in page.text
    assert page.url.startswith(standin.url + "/ui/local/flow/") and "/login/" not in page.url
    assert page.history[0].status_code == 303 and page.history[0].headers["Referrer-Policy"] == "no-referrer"
    cookie = page.history[0].headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/ui" in cookie
    key = standin.environ()["PREFECT_USER_TOKEN"]
    for url in (page.url, standin.url + "/ui/local/"):
        assert key not in session.get(url, timeout=10).text


@pytest.mark.parametrize(
    "ticket, reason",
    [
        (lambda key: tickets.ticket(key, now=time.time() - tickets.VALID_FOR - 5), "This link has expired"),
        (lambda key: tickets.ticket("another stand-in's key"), "This link does not open the pages of this stand-in"),
    ],
)
def test_an_expired_or_forged_ticket_gets_the_login_page(standin, flow_url, ticket, reason):
    url = flow_url.replace(flow_url.split("/login/")[1].split("/")[0], ticket(standin.environ()["PREFECT_USER_TOKEN"]))
    page = requests.get(url, timeout=10, allow_redirects=False)
    assert page.status_code == 403 and f"{reason}." in page.text
    assert "standin-ui=" not in page.headers.get("Set-Cookie", "")  # no session (the login form's XSRF cookie only)


def test_the_login_page_takes_the_key(standin):
    session = requests.Session()
    form = session.get(standin.url + "/ui/login", timeout=10)
    wrong = session.post(
        standin.url + "/ui/login", data={"key": "nope", "_xsrf": xsrf_of(form.text), "next": "/ui/local/"}, timeout=10
    )
    assert wrong.status_code == 403 and "That is not the key of this stand-in." in wrong.text
    right = session.post(
        standin.url + "/ui/login",
        timeout=10,
        data={"key": standin.environ()["PREFECT_USER_TOKEN"], "_xsrf": xsrf_of(form.text), "next": "/ui/local/"},
    )
    assert right.status_code == 200 and right.url == standin.url + "/ui/local/" and "<h2>pages</h2>" in right.text
    forged = requests.post(standin.url + "/ui/login", data={"key": standin.environ()["PREFECT_USER_TOKEN"]}, timeout=10)
    assert forged.status_code == 403  # no XSRF token


def test_quick_run_creates_a_run_as_prefect_run_does_and_the_agent_runs_it(standin, flow_url):
    session, page = logged_in(flow_url)
    forged = session.post(page.url + "/quick-run", timeout=10, allow_redirects=False)
    assert forged.status_code == 403  # a logged-in browser, but no XSRF token: another site's form
    created = session.post(
        page.url + "/quick-run", data={"_xsrf": xsrf_of(page.text)}, timeout=10, allow_redirects=False
    )
    assert created.status_code == 303 and "/ui/local/flow-run/" in created.headers["Location"]
    run_page = standin.url + created.headers["Location"]
    pages = []

    def finished(text: str) -> bool:
        return "Success</span>" in text.split('id="run-state">')[1][:20]

    def succeeded_with_its_logs() -> bool:
        # the flow's log lines reach the backend in batches, the last one after the final state: wait for both
        pages.append(text := session.get(run_page, timeout=10).text)
        return finished(text) and "total: 12" in text

    wait_for(succeeded_with_its_logs, 120, "the quick run did not succeed with its logs", every=0.5)
    # it refreshes itself while the run is not finished, and no longer once it is
    assert all(('<meta http-equiv="refresh"' in page) != finished(page) for page in pages)
    text = pages[-1]
    for state in ("Scheduled", "Submitted", "Running", "Success"):
        assert f'state-{state}">{state}</span>' in text
    assert "Submitted for execution: PID: " in text and "total: 12" in text  # the agent's log line, the flow's
    assert "(mapped: 3 children)" in text and "<summary>3 Success</summary>" in text
    assert "labels saturn-cloud" in text and "parameters {&quot;n&quot;: 3}" in text  # as prefect run's defaults
    flow_page = session.get(page.url, timeout=10).text
    assert flow_page.index(created.headers["Location"]) < flow_page.index("Versions")  # listed, newest first


def ids_in(page: str, table: str, link: str) -> list[str]:
    """The ids that the rows of a page's table link to (``link``: "flow-run"), in the page's order."""
    body = page.split(f'<table id="{table}">', 1)[1].split("</table>", 1)[0]
    return re.findall(rf"/{link}/([0-9a-f-]{{36}})", body)


def test_the_flow_page_shows_its_runs_a_page_at_a_time_newest_first_with_the_total(standin, flow_id, flow_url):
    # runs with a label no agent serves: they stay Scheduled (the agent takes only "saturn-cloud" runs)
    for _ in range(PAGE_SIZE + 7):
        graphql(
            standin,
            'mutation($flow: UUID) { create_flow_run(input: {flow_id: $flow, labels: ["paging"]}) { id } }',
            flow=flow_id,
        )
    runs = graphql(
        standin,
        "query($flow: uuid) { flow_run(where: {flow_id: {_eq: $flow}}, order_by: {created: desc}) { id } }",
        flow=flow_id,
    )["flow_run"]
    newest_first = [run["id"] for run in runs]
    session, page = logged_in(flow_url)
    assert ids_in(page.text, "runs", "flow-run") == newest_first[:PAGE_SIZE]
    pager = " ".join(page.text.split('id="pager-page">')[1].split("</p>")[0].split())
    assert pager.startswith(f"<b>{len(newest_first)} runs</b>, newest first: 1&ndash;{PAGE_SIZE} on page 1 of 2")
    second = session.get(page.url + "?page=2", timeout=10)
    assert ids_in(second.text, "runs", "flow-run") == newest_first[PAGE_SIZE:]
    assert f'rel="prev" href="{page.url.split(standin.url)[1]}"' in second.text  # back to the newest
    assert 'rel="next"' not in second.text  # the oldest page
    bad = session.get(page.url + "?page=two", timeout=10)
    assert bad.status_code == 400 and "page must be a page number from 1, not &#x27;two&#x27;" in bad.text
    beyond = session.get(page.url + "?page=3", timeout=10)
    assert beyond.status_code == 404 and f"No page 3 of runs: {len(newest_first)} runs make 2 pages" in beyond.text


def test_a_run_page_shows_its_logs_a_page_at_a_time_newest_first(standin, flow_id, flow_url):
    run_id = graphql(
        standin,
        'mutation($flow: UUID) { create_flow_run(input: {flow_id: $flow, labels: ["paging"]}) { id } }',
        flow=flow_id,
    )["create_flow_run"]["id"]
    lines = PAGE_SIZE + 3
    graphql(
        standin,
        "mutation($logs: [write_run_log_input!]!) { write_run_logs(input: {logs: $logs}) { success } }",
        logs=[{"flow_run_id": run_id, "level": "INFO", "message": f"line {i:03d}"} for i in range(lines)],
    )
    session, _ = logged_in(flow_url)
    run_page = f"{standin.url}/ui/local/flow-run/{run_id}"
    first, second = (session.get(run_page + query, timeout=10).text for query in ("", "?logs=2"))
    messages = [re.findall(r'<pre class="log">line (\d+)</pre>', page) for page in (first, second)]
    assert messages == [
        [f"{i:03d}" for i in reversed(range(3, lines))],
        [f"{i:03d}" for i in reversed(range(3))],
    ]
    assert f"<b>{lines} log lines</b>" in first


def test_the_pictures_show_the_flow_its_runs_and_a_run_s_task_runs(standin, flow_url):
    """The schematic (user-params: two parameters, a mapped task), the run history (a bar that
    links to each run) and a run's timeline (a bar per task run), drawn into the pages."""
    session, page = logged_in(flow_url)
    schematic = page.text.split('id="schematic"')[1].split("</svg>")[0]
    assert schematic.count('<g class="task') == 6 and schematic.count('<g class="task mapped"') == 1
    assert schematic.count('data-kind="parameter"') == 2 and schematic.count('<path class="edge') == 5
    created = session.post(page.url + "/quick-run", data={"_xsrf": xsrf_of(page.text)}, timeout=10)
    run_pages = []

    def finished() -> bool:
        run_pages.append(text := session.get(created.url, timeout=10).text)
        return '<meta http-equiv="refresh"' not in text

    wait_for(finished, 120, "the quick run did not finish", every=0.5)
    assert all('id="timeline"' in text for text in run_pages)  # while live too
    timeline = run_pages[-1].split('id="timeline"')[1].split("</svg>")[0]
    assert timeline.count('<rect class="task-run state-bar" data-state="Success"') >= 6  # every task ran
    assert "double" in timeline and "3 mapped" in timeline
    history = session.get(page.url, timeout=10).text.split('id="run-history"')[1].split("</svg>")[0]
    assert f'<a href="{created.url.removeprefix(standin.url)}"><rect class="run state-bar"' in history


def test_a_mapped_task_in_the_browser(flow_url, browser_page, screenshot):
    """user-params in a browser: ``double`` a stacked box in the schematic, and in the timeline of
    a quick run its three children in a lane under it."""
    page = browser_page
    page.goto(flow_url)
    mapped = page.locator("#schematic g.task.mapped")
    assert mapped.is_visible() and mapped.locator("title").text_content() == "double (mapped)"
    assert mapped.locator("rect.stacked").count() == 2
    screenshot(page.locator("#schematic"), "standin-schematic-mapped")
    page.click("#quick-run")
    page.wait_for_selector("#run-state.state-Success", timeout=120_000)  # reloads every REFRESH_SECONDS meanwhile
    children = [t for t in page.locator("#timeline rect.task-run title").all_text_contents() if t.startswith("double[")]
    # one bar each, or one for those that touched: "double[0] to double[2]: Success, 3 task runs"
    counted = [int(re.search(r"(\d+) task runs$", t)[1]) if t.endswith("task runs") else 1 for t in children]
    assert sum(counted) == 3 and all(": Success" in t for t in children), children
    assert page.locator("#timeline").is_visible()
    screenshot(page.locator("#timeline"), "standin-timeline-mapped")
