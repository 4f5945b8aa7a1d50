"""The agents pages over HTTP and in a browser: Prefect Cloud's agents page lists every agent that
queried the backend (Saturn's, and one a user starts with ``prefect agent local start``), and
Saturn's "Prefect Cloud Agent" page shows Saturn's agent: its status, the runs it submitted and
its log (the submission with its PID, the process's end). Both from the pages' header, behind the
session cookie, with no key in them."""

from __future__ import annotations

import html
import re
import uuid

import pytest
import requests

from standin.services.agent import AGENT_NAME
from standin.testing import programs, standins
from standin.testing.waiting import wait_for

PROJECT = "agents"
USER_AGENT = "my-laptop-agent"


@pytest.fixture(scope="module")
def standin(tmp_path_factory):
    with standins.marked_standin(tmp_path_factory.mktemp("ui-agents-standin"), uuid.uuid4().hex) as standin:
        yield standin


@pytest.fixture(scope="module")
def flow_url(standin, shell):
    """The flow's URL as ``flow.register`` prints it (with its ticket)."""
    flow_id = programs.register_user_flow(shell, "user-params", PROJECT)
    answer = requests.post(
        standin.url + "/graphql",
        timeout=10,
        json={"query": f'query {{ flow_by_pk(id: "{flow_id}") {{ flow_group_id }} }}'},
        headers={"Authorization": f"Bearer {standin.environ()['PREFECT_USER_TOKEN']}"},
    ).json()
    group_id = answer["data"]["flow_by_pk"]["flow_group_id"]
    return f"{standin.environ()['PREFECT__SERVER__UI__ENDPOINT']}/local/flow/{group_id}"


@pytest.fixture(scope="module")
def user_agent(shell):
    """A user's own agent: ``prefect agent local start``, which registers, polls a few times (no
    run has its label) and exits by itself."""
    done = programs.prefect_cli(
        shell, "agent", "local", "start", "--name", USER_AGENT, "--label", "my-laptop", "--no-hostname-label",
        "--max-polls", "3", timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return done


@pytest.fixture(scope="module")
def quick_run(standin, flow_url):
    """A run that Saturn's agent ran (Quick Run), finished: ``(its id, its agent's PID line's PID)``."""
    session = requests.Session()
    page = session.get(flow_url, timeout=10)
    xsrf = re.search(r'name="_xsrf" value="([^"]+)"', page.text)[1]
    created = session.post(page.url + "/quick-run", data={"_xsrf": xsrf}, timeout=10, allow_redirects=False)
    run_page = standin.url + created.headers["Location"]
    text = wait_for(
        lambda: (
            "Success</span>" in (t := session.get(run_page, timeout=10).text).split('id="run-state">')[1][:20] and t
        ),
        120,
        "the quick run did not succeed",
        every=0.5,
    )
    return run_page.rsplit("/", 1)[1], int(re.search(r"Submitted for execution: PID: (\d+)", text)[1])


def rows_of(page: str, table: str) -> list[list[str]]:
    """A table's rows as the text of their cells (tags dropped, whitespace collapsed)."""
    body = page.split(f'<table id="{table}">', 1)[1].split("</table>", 1)[0].split("<tbody>", 1)[1]
    return [
        [
            html.unescape(" ".join(re.sub(r"<[^>]+>", " ", cell).split()))
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def test_the_agents_pages_need_the_session(standin):
    for path in ("/ui/local/agents", "/ui/saturn/prefect-cloud-agent"):
        page = requests.get(standin.url + path, timeout=10, allow_redirects=False)
        assert page.status_code == 401 and "<h1>Log in</h1>" in page.text and "<table" not in page.text, path


def test_prefect_clouds_agents_page_lists_every_agent_that_queried(standin, flow_url, user_agent, quick_run):
    session = requests.Session()
    session.get(flow_url, timeout=10)
    page = session.get(standin.url + "/ui/local/agents", timeout=10)
    agents = {row[0].split()[0]: row for row in rows_of(page.text, "agents")}
    assert set(agents) == {AGENT_NAME, USER_AGENT}, agents
    name, type_, labels, last_query, health, runs, registered = agents[USER_AGENT]
    assert (type_, labels) == ("LocalAgent", "my-laptop") and re.fullmatch(r"[\d-]+ [\d:]+", last_query)
    assert health == "healthy" and runs == "0"  # it queried within HEALTHY_WITHIN; nothing had its label
    name, type_, labels, last_query, health, runs, registered = agents[AGENT_NAME]
    assert (type_, labels, health, runs) == ("KubernetesAgent", "saturn-cloud", "healthy", "1")
    assert f'<a href="/ui/saturn/prefect-cloud-agent">{AGENT_NAME}</a>' in page.text
    assert standin.environ()["PREFECT_USER_TOKEN"] not in page.text


def test_saturns_agent_page_shows_its_status_its_runs_and_its_log(standin, flow_url, quick_run):
    run_id, pid = quick_run
    session = requests.Session()
    session.get(flow_url, timeout=10)
    # the run reports Success from its process, which exits a moment later: the agent's last line
    page = wait_for(
        lambda: (
            "exited with code" in (text := session.get(standin.url + "/ui/saturn/prefect-cloud-agent", timeout=10).text)
            and text
        ),
        30,
        "the agent did not log its run's process exiting",
        every=0.2,
    )
    assert '<dd id="agent-labels">saturn-cloud</dd>' in page
    assert '<dd id="agent-status"><span class="healthy">running</span>' in page
    assert re.search(r'<dd id="agent-last-poll">[\d-]+ [\d:]+</dd>', page)
    (run,) = rows_of(page, "agent-runs")
    assert run[1:3] == ["user-params", "Success"] and f"/flow-run/{run_id}" in page
    log = [row[2] for row in rows_of(page, "agent-log")][::-1]  # oldest first
    started = f"Agent {AGENT_NAME} started with labels saturn-cloud; it runs each flow run with prefect execute"
    assert log[0] == started + " flow-run"
    assert re.fullmatch(
        rf"flow run {run_id} \([a-z]+-[a-z]+, flow user-params\): submitted for execution: PID: {pid}", log[1]
    )
    assert log[2:] == [f"flow run {run_id}: its flow-run process (PID {pid}) exited with code 0; the run is Success"]
    assert standin.environ()["PREFECT_USER_TOKEN"] not in page


def test_the_agents_pages_from_the_header_in_a_browser(flow_url, user_agent, quick_run, browser_page, screenshot):
    page = browser_page
    page.goto(flow_url)
    page.click("#nav-agents")
    page.wait_for_url("**/ui/local/agents")
    assert page.locator("h1").inner_text() == "Agents"
    names = [name.split("\n")[0] for name in page.locator("#agents tbody tr td:nth-child(1)").all_inner_texts()]
    assert sorted(names) == sorted([AGENT_NAME, USER_AGENT])
    screenshot(page, "standin-agents")
    page.click("#nav-saturn-agent")
    page.wait_for_url("**/ui/saturn/prefect-cloud-agent")
    assert page.locator("h1").inner_text() == "Prefect Cloud Agent"
    assert page.locator("#agent-status").inner_text() == "running"
    assert "submitted for execution: PID: " in "\n".join(page.locator("#agent-log pre.log").all_inner_texts())
    screenshot(page, "standin-saturn-agent")
    page.click(f"#agent-runs a[href$='/flow-run/{quick_run[0]}']")  # on to the run the agent submitted
    page.wait_for_selector("#run-state.state-Success")
