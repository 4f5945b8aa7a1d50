"""Secrets: the Prefect API key (``PREFECT_USER_TOKEN``) and the Saturn token (``SATURN_TOKEN``)
never reach an output notebook, papermill's printed log (``--log-output``: every cell's output),
the stand-in's log, nor what the flow registration stores; offline, Prefect's ``auth.toml`` is
written only in the run's own folder under ``.standin/prefect/``, with mode 0600, and removed
when the run ends.

Two ways the tokens reach the notebook:

- on Saturn Cloud, the platform puts the user's tokens in the environment and the libraries send
  them. Here a stand-in started by the test with distinctive tokens plays the platform, and the
  notebook runs in its Saturn mode (``SATURN_BASE_URL`` and ``SATURN_TOKEN`` set): a success, a
  failed flow run, and each token wrong (a wrong token is often a real one, of another account);
- offline, ``connect()`` starts the stand-in with tokens it generates and puts them in the
  kernel's environment; a user's own ``PREFECT_USER_TOKEN`` left in the environment is replaced,
  never used. Both are looked for.

Each token is looked for as written, by its random part alone, by its first and last 12
characters (a shortened display), and base64-encoded (alone and as its ``Authorization`` header).
"""

from __future__ import annotations

import base64
import json
import re
import selectors
import stat
import subprocess
import sys
import uuid
from pathlib import Path

import nbformat
import pytest

from standin.testing import processes
from support import notebooks, programs
from tutorial_kit.notebook.prefect_home import PREFECT_HOMES
from tutorial_kit.paths import NOTEBOOK
from tutorial_kit.tooling.notebook_code import cell_index, notebook

STORED = ("saturn-flow-content.pickle", "prefect-cloud-flows.json")


def distinctive(kind: str) -> str:
    return f"{kind}-{uuid.uuid4().hex}{uuid.uuid4().hex[:8]}"


def forms(token: str) -> dict[str, str]:
    random_part = token.split("-", 1)[-1]
    b64 = lambda text: base64.b64encode(text.encode()).decode().rstrip("=")  # noqa: E731
    return {
        "as written": token,
        "random part": random_part,
        "first 12": random_part[:12],
        "last 12": random_part[-12:],
        "base64": b64(token),
        "base64 'token <t>'": b64(f"token {token}"),
        "base64 'Bearer <t>'": b64(f"Bearer {token}"),
    }


def leaks(tokens: dict[str, str], places: dict[str, str | bytes]) -> list[str]:
    """Every (token, form, place) where a form of a token occurs."""
    found = []
    for name, token in tokens.items():
        for form, text in forms(token).items():
            for place, content in places.items():
                needle = text.encode() if isinstance(content, bytes) else text
                if needle in content:
                    found.append(f"{name} ({form}) in {place}")
    return found


# Cells the test adds to a copy of the notebook; what they run is tests/programs/secrets_probe.py.
DUMP_TOKENS = """\
# test probe (tests/e2e/test_secrets.py): hand the tokens this kernel uses to the test, through a file
import os, sys
sys.path.insert(0, os.environ["TEST_PROGRAMS"])
import secrets_probe
secrets_probe.dump_tokens()
"""

REPRS_AND_STORED = """\
# test probe (tests/e2e/test_secrets.py): the reprs a user may display, and what the platforms stored
secrets_probe.reprs_and_stored(connection, flow, flow_run, prefect_client, integration)
"""


def probed_notebook(path: Path) -> None:
    nb = notebook()
    nb.cells.insert(
        cell_index(nb, "connect") + 1, nbformat.v4.new_code_cell(DUMP_TOKENS, metadata={"tags": ["secrets-probe"]})
    )
    nb.cells.append(nbformat.v4.new_code_cell(REPRS_AND_STORED, metadata={"tags": ["secrets-probe"]}))
    nbformat.write(nb, path)


def run(
    tmp_path: Path, name: str, data_url: str | None, mark: str, **env
) -> tuple[subprocess.CompletedProcess, Path, Path]:
    """One papermill run of the probed notebook, with every cell's output in the printed log."""
    work = tmp_path / name
    work.mkdir()
    copy, out = work / "probed.ipynb", work / "out.ipynb"
    probed_notebook(copy)
    params = ["-p", "project", "secret-test", "-p", "username", "jdoe", "-p", "n_workers", "1"]
    if data_url is not None:
        params += ["-p", "data_url", data_url]
    done = notebooks.run_papermill(
        copy,
        out,
        "--log-output",
        *params,
        mark=mark,
        SECRETS_TEST_DIR=str(work),
        TEST_PROGRAMS=str(programs.PROGRAMS),
        **env,
    )
    return done, out, work


def places(done, out: Path, work: Path, log: bytes) -> dict[str, str | bytes]:
    found = {
        "output notebook": out.read_text(),
        "papermill stdout": done.stdout,
        "papermill stderr": done.stderr,
        "stand-in log": log,
    }
    for stored in STORED:
        if (work / stored).exists():
            found[f"stored flow ({stored})"] = (work / stored).read_bytes()
    return found


def error_of(out: Path) -> str | None:
    failed = failed_cell(out)
    return (
        None if failed is None else next(f"{o.ename}: {o.evalue}" for o in failed.outputs if o.output_type == "error")
    )


def failed_cell(out: Path):
    nb = nbformat.read(out, as_version=4)
    return next((c for c in nb.cells if any(o.output_type == "error" for o in c.get("outputs", []))), None)


# -- on Saturn Cloud: the user's own tokens, from the environment -------------------------------
class PlatformStandIn:
    """The stand-in run as the platform: started by the test, with the tokens the test chose."""

    def __init__(self, tmp: Path, mark: str):
        self.saturn_token, self.prefect_key = distinctive("saturn"), distinctive("prefect")
        self.log_path = tmp / "platform.log"
        env = processes.clean_env(
            **{processes.MARK: mark}, STANDIN_SATURN_TOKEN=self.saturn_token, STANDIN_PREFECT_API_KEY=self.prefect_key
        )
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "standin", "--username", "jdoe"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                env=env,
                cwd=tmp,
            )
        with selectors.DefaultSelector() as sel:
            sel.register(self.proc.stdout, selectors.EVENT_READ)
            assert sel.select(timeout=60), "the stand-in did not start in 60 s"
        self.url = json.loads(self.proc.stdout.readline())["url"]

    def environ(self, tmp: Path, saturn_token: str | None = None, prefect_key: str | None = None) -> dict:
        """What Saturn Cloud sets in a Jupyter server or a flow run (PREFECT__HOME_DIR: the run's own)."""
        return {
            "SATURN_BASE_URL": self.url,
            "BASE_URL": self.url,
            "SATURN_IS_INTERNAL": "true",
            "SATURN_TOKEN": saturn_token or self.saturn_token,
            "PREFECT__BACKEND": "cloud",
            "PREFECT__CLOUD__API": self.url + "/graphql",
            "PREFECT__HOME_DIR": str(tmp / "prefect-home"),
            "PREFECT_USER_TOKEN": prefect_key or self.prefect_key,
        }

    def stop(self) -> None:
        self.proc.stdin.close()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    mark = uuid.uuid4().hex
    standin = PlatformStandIn(tmp_path_factory.mktemp("platform"), mark)
    yield standin
    standin.stop()
    processes.assert_none_left(mark)


CASES = {  # what changes, and the tag of the cell that must fail (where the token was sent)
    "success": {},
    "failed flow run (bad data)": {"bad_data": True, "fails in": "run"},
    "wrong SATURN_TOKEN": {"saturn_token": distinctive("wrongsaturn"), "fails in": "register"},
    "wrong PREFECT_USER_TOKEN": {"prefect_key": distinctive("wrongprefect"), "fails in": "login"},
}


@pytest.mark.parametrize("case", CASES)
def test_users_tokens_on_saturn_reach_no_output_or_log(tmp_path, mark, platform, case):
    change = CASES[case]
    data = str(notebooks.bad_deep_in_the_file(tmp_path)) if change.get("bad_data") else None
    env = platform.environ(tmp_path, change.get("saturn_token"), change.get("prefect_key"))
    log_start = platform.log_path.stat().st_size
    done, out, work = run(tmp_path, "run", data, mark, **env)
    error = error_of(out)
    if case == "success":
        assert done.returncode == 0 and error is None, done.stderr[-3000:]
        assert all((work / stored).stat().st_size > 1000 for stored in STORED)
    else:
        assert done.returncode != 0 and change["fails in"] in failed_cell(out).metadata.tags, error
    tokens = {"SATURN_TOKEN": platform.saturn_token, "PREFECT_USER_TOKEN": platform.prefect_key}
    tokens.update(
        {
            k: v
            for k, v in (
                ("wrong SATURN_TOKEN", change.get("saturn_token")),
                ("wrong PREFECT_USER_TOKEN", change.get("prefect_key")),
            )
            if v
        }
    )
    log = platform.log_path.read_bytes()[log_start:]
    found = places(done, out, work, log)
    assert len(found["papermill stderr"]) > 1000  # --log-output: the cells' outputs are there to look in
    assert leaks(tokens, found) == [], error


# -- offline: tokens generated by connect(), and a user's own left in the environment -----------
@pytest.mark.parametrize("case", ["success", "failed flow run (bad data)"])
def test_offline_tokens_reach_no_output_or_log_and_auth_toml_is_private(tmp_path, mark, case):
    home = tmp_path / "home"
    home.mkdir()
    users_key = distinctive("userprefect")  # e.g. exported in the user's shell for the real Prefect Cloud
    data = str(notebooks.bad_deep_in_the_file(tmp_path)) if case != "success" else None
    log_start = notebooks.STANDIN_LOG.stat().st_size if notebooks.STANDIN_LOG.exists() else 0
    done, out, work = run(tmp_path, "run", data, mark, HOME=str(home), PREFECT_USER_TOKEN=users_key)
    if case == "success":
        assert done.returncode == 0, done.stderr[-3000:]
    else:
        assert done.returncode != 0 and re.match(
            notebooks.RUN_FAILED + "task 'read': DataError: column 'passenger_count'", error_of(out)
        ), error_of(out)
    generated = json.loads((work / "tokens.json").read_text())
    assert users_key not in generated.values()  # replaced: offline, the user's key is never sent anywhere
    tokens = {
        "the user's PREFECT_USER_TOKEN": users_key,
        **{f"generated {name}": value for name, value in generated.items()},
    }
    log = notebooks.STANDIN_LOG.read_bytes()[log_start:]  # shared with any other run: looked at as a whole
    assert leaks(tokens, places(done, out, work, log)) == []

    if case == "success":  # auth.toml: the run's own, private, with the key; gone after the run
        auth = json.loads((work / "auth.json").read_text())
        run_home = Path(auth["home"])
        assert run_home.parent == PREFECT_HOMES and run_home.name.startswith("run-")
        assert auth["home_mode"] == 0o700 and auth["auth_mode"] == 0o600, auth
        assert auth["holds_the_key"] and auth["files"] == [".lock", "auth.toml"]  # and the run's (empty) lock
        assert stat.S_IMODE(PREFECT_HOMES.stat().st_mode) == 0o700
        assert not run_home.exists()  # removed when the run ended
    assert not (home / ".prefect").exists()  # never the user's ~/.prefect
    assert not any(f.name == "auth.toml" for f in PREFECT_HOMES.iterdir())  # no shared file


def test_a_half_set_saturn_environment_does_not_show_the_token(tmp_path, mark):
    """SATURN_TOKEN set without SATURN_BASE_URL: the error names the variables, not the value."""
    token = distinctive("saturn")
    out = tmp_path / "out.ipynb"
    done = notebooks.run_papermill(
        NOTEBOOK, out, "--log-output", "-p", "project", "x", "-p", "username", "y", mark=mark, SATURN_TOKEN=token
    )
    assert done.returncode != 0
    assert error_of(out) == (
        "PlatformConfigError: SATURN_TOKEN is set but SATURN_BASE_URL is not: set both to "
        "use Saturn Cloud, or neither to run offline"
    )
    assert (
        leaks(
            {"SATURN_TOKEN": token},
            {"output notebook": out.read_text(), "papermill stdout": done.stdout, "papermill stderr": done.stderr},
        )
        == []
    )
