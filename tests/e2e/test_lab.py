"""JupyterLab in a real browser: `make lab`'s server, the notebook run with Run > Run All Cells, and
the result as a reader sees it (the printed digits, the table, the chart) equal to the stored outputs;
then the Prefect 3 companion, opened from the file browser beside it, with its own venv's kernel.

The server is `make lab` itself, on a free port, with Jupyter's config, data and runtime folders in
the test's tmp_path (nothing touches ~/.jupyter). The browser opens the URL the server prints, token
included, as a user clicks it. The notebook runs offline against the private stand-in its connect cell
starts. The canonical notebook is opened from the repo and never written: the test's own Jupyter
settings turn autosave off, and nothing saves it. JupyterLab makes a checkpoint (a copy) of a notebook it
opens, in notebooks/.ipynb_checkpoints/ (git ignores it); the test removes that folder if it made it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import urllib.request
from contextlib import contextmanager, suppress

import nbformat

from lifeline import address
from standin.testing import processes
from standin.testing.waiting import wait_for
from tutorial_kit.notebook.report import TITLE
from tutorial_kit.paths import NOTEBOOK, PREFECT3_BIN, PREFECT3_NOTEBOOK, REPO_ROOT
from tutorial_kit.tooling.kernel import PREFECT3_KERNEL_NAME as PREFECT3_KERNEL  # installed into .venv by make
from tutorial_kit.tooling.results import RESULT_TAG, parse_result, read_result

#: The line the server prints for the user to click: make lab's default URL is the notebook.
SERVER_URL = re.compile(r"http://127\.0\.0\.1:(\d+)/lab/tree/(\S+)\?token=(\w+)")
#: JupyterLab settings of the test's own config folder. autosave off: the run must not write the repo's
#: notebook. (Nothing about news: that `make lab` asks nothing is what the test checks.)
LAB_SETTINGS = {
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
}
#: JupyterLab's question to every new user, which would lead it to the internet.
NEWS_PROMPT = "Would you like to get notified about official Jupyter news?"
#: Bounds: the server's start, the notebook's page and kernel, the run (several times its time alone: make
#: test's other test processes share the cores), the server's exit after /api/shutdown.
START_S, PAGE_S, RUN_S, STOP_S = 90, 90, 300, 30
PROMPTS = "[...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')].map(p => p.textContent)"
STDOUT = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stdout"]'
STDERR = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'


@contextmanager
def make_lab(tmp_path, mark: str):
    """`make lab` on a free port; yields the URL it prints. Shuts the server down through its API (as
    JupyterLab's File > Shut Down does), which stops its kernels; fails if it does not exit."""
    jupyter = tmp_path / "jupyter"
    for name, values in LAB_SETTINGS.items():
        path = jupyter / "config" / "lab" / "user-settings" / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    env = processes.clean_env(
        **{processes.MARK: mark},
        JUPYTER_CONFIG_DIR=str(jupyter / "config"),
        JUPYTER_DATA_DIR=str(jupyter / "data"),
        JUPYTER_RUNTIME_DIR=str(jupyter / "runtime"),
    )
    for name in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "PYTHON"):  # make as a user runs it
        env.pop(name, None)
    log = tmp_path / "lab.log"  # holds the token: the test's tmp_path only
    # -o: never (re)make the venv from inside a test; it is the one running this test
    cmd = ["make", "--no-print-directory", "-o", ".venv/.installed", "lab", f"LAB_PORT={address.free_port()}"]
    with open(log, "w") as out:
        server = subprocess.Popen(
            cmd,
            cwd=REPO_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    checkpoints = NOTEBOOK.parent / ".ipynb_checkpoints"
    made_checkpoints = not checkpoints.exists()
    url = None
    try:

        def printed_url():
            assert server.poll() is None, f"make lab exited with {server.returncode}:\n{log.read_text()[-2000:]}"
            return SERVER_URL.search(log.read_text())

        url = wait_for(printed_url, START_S, "make lab's URL", every=0.2)[0]
        yield url
    finally:
        exited = stop_lab(server, url)
        if made_checkpoints:
            shutil.rmtree(checkpoints, ignore_errors=True)
    assert exited, f"JupyterLab did not exit within {STOP_S} s of /api/shutdown (killed)"
    assert server.returncode == 0, f"make lab exited with {server.returncode}:\n{log.read_text()[-2000:]}"


def lab_api(url: str, path: str, method: str = "GET"):
    """The server's REST API, with the token of the URL it printed."""
    port, token = SERVER_URL.search(url)[1], SERVER_URL.search(url)[3]
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/{path}", method=method, headers={"Authorization": f"token {token}"}
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read() or b"null")


def kernel_of(url: str, notebook=NOTEBOOK) -> dict | None:
    """The kernel of a notebook's session, as the server knows it (None: no session yet)."""
    path = notebook.relative_to(REPO_ROOT).as_posix()
    return next((s["kernel"] for s in lab_api(url, "sessions") if s["path"] == path), None)


def kernel_state(url: str, notebook=NOTEBOOK) -> str | None:
    """The execution state of a notebook's kernel (None: no session yet)."""
    return (kernel_of(url, notebook) or {}).get("execution_state")


def stop_lab(server: subprocess.Popen, url: str | None) -> bool:
    """POST /api/shutdown; True if make lab exits within STOP_S, else its process group is killed."""
    if url is not None and server.poll() is None:
        with suppress(OSError):
            lab_api(url, "shutdown", "POST")
    try:
        server.wait(STOP_S if url is not None else 0)
        return True
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)  # its own session: make and the server (kernels have theirs)
        server.wait(10)
        return False


def test_notebook_runs_in_jupyterlab(browser_page, outside_requests, screenshot, mark, tmp_path):
    page = browser_page
    page.set_default_timeout(PAGE_S * 1000)
    cells = nbformat.read(NOTEBOOK, as_version=4).cells
    n_code = sum(c.cell_type == "code" for c in cells)
    result_index = next(i for i, c in enumerate(cells) if RESULT_TAG in c.metadata.get("tags", []))
    stored = read_result(NOTEBOOK)

    with make_lab(tmp_path, mark) as url:
        assert SERVER_URL.search(url)[2] == NOTEBOOK.relative_to(REPO_ROOT).as_posix()
        page.goto(url)
        # every cell on the page; the notebook's kernel started (the server's sessions) and idle
        page.wait_for_function(f"{PROMPTS}.length === {n_code}", timeout=PAGE_S * 1000)
        wait_for(lambda: kernel_state(url) == "idle", PAGE_S, "the notebook's kernel idle", every=0.2)
        page.locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]').wait_for()
        assert "Python (prefect-tutorial)" in page.locator(".jp-StatusBar-Widget").first.text_content()

        # Edit > Clear Outputs of All Cells: what the run shows is new, not the stored outputs
        page.get_by_role("menuitem", name="Edit", exact=True).click()
        page.locator('li[data-command="editmenu:clear-all"]').click()
        result_cell = page.locator(".jp-Notebook .jp-Cell").nth(result_index)
        assert result_cell.locator(".jp-OutputArea-output").count() == 0

        # Run > Run All Cells, then wait until no cell is queued or running
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.locator('li[data-command="runmenu:run-all"]').click()
        page.wait_for_function(f"{PROMPTS}.some(p => p !== '[ ]:')", timeout=PAGE_S * 1000)
        page.wait_for_function(f"!{PROMPTS}.some(p => p.includes('*'))", timeout=RUN_S * 1000, polling=500)

        result_cell.evaluate("cell => cell.scrollIntoView({block: 'start'})")
        screenshot(page, "jupyterlab-result")
        # every cell ran, in order, and none raised (an error shows as a traceback on stderr)
        prompts = page.evaluate(PROMPTS)
        errors = [text for text in page.locator(STDERR).all_text_contents() if "Traceback" in text]
        assert not errors and prompts == [f"[{i}]:" for i in range(1, n_code + 1)], (
            f"the run failed: prompts {prompts}\n" + "\n".join(errors)[-3000:]
        )

        # the printed digits, exactly the stored ones (read at once: the run has ended)
        assert result_cell.locator(STDOUT).count() == 1, "the result cell printed nothing"
        printed = result_cell.locator(STDOUT).text_content()
        assert TITLE in printed and parse_result(printed) == stored
        # the table: VendorID, vendor, std to 6 places
        rows = result_cell.locator(".jp-OutputArea-output table tbody tr")
        shown = {
            int(row.locator("td").nth(0).text_content()): row.locator("td").nth(2).text_content() for row in rows.all()
        }
        assert shown == {vendor: f"{std:.6f}" for vendor, std in stored.items()}
        # the chart, drawn: one bar label per vendor, to 3 places
        chart = result_cell.locator(".jp-OutputArea-output svg").first
        assert chart.is_visible() and chart.bounding_box()["width"] > 100, "the result cell shows no chart"
        labels = chart.locator("text").all_text_contents()
        assert all(f"{std:.3f}" in labels for std in stored.values()), labels
        # the companion, beside it in the file browser, opens with its own kernel: .venv-prefect3's Python
        page.locator(".jp-DirListing-item", has_text=PREFECT3_NOTEBOOK.name).dblclick()
        wait_for(
            lambda: kernel_state(url, PREFECT3_NOTEBOOK) == "idle", PAGE_S, "the companion's kernel idle", every=0.2
        )
        assert kernel_of(url, PREFECT3_NOTEBOOK)["name"] == PREFECT3_KERNEL
        companion_spec = lab_api(url, f"kernelspecs/{PREFECT3_KERNEL}")["spec"]
        assert companion_spec["argv"][0] == str(PREFECT3_BIN / "python")
        page.locator(".jp-StatusBar-Widget", has_text=companion_spec["display_name"]).first.wait_for()

        # make lab asked nothing (by now JupyterLab would have, in a toast) and reached for nothing outside
        assert page.get_by_text(NEWS_PROMPT).count() == 0, "JupyterLab asks about news"
        assert outside_requests == [], f"the page asked for what is beyond this machine: {outside_requests}"
