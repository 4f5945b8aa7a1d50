"""Papermill runs of the notebook, as a user runs them, what an executed notebook shows, and where
its stand-ins log."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from standin.testing.processes import MARK, clean_env
from tutorial_kit.paths import REPO_ROOT, SAMPLE_CSV_PATH, STANDIN_HOME

#: Where the notebook's stand-ins log (shared by every run of this checkout: read after an offset,
#: or grep by a name of the test's own).
STANDIN_LOG = STANDIN_HOME / "standin.log"
#: nbval's sanitizers: what it masks in the stored outputs.
NBVAL_SANITIZE = Path(__file__).resolve().parents[1] / "nbval-sanitize.cfg"
#: Real rows of the TLC's file (``../shared``, beside the checkout, when it is there): never copied here.
SHARED_SAMPLE_DIR = REPO_ROOT.parent / "shared" / "data" / "tlc-yellow-2019-01"
#: What the run cell raises when the flow run fails: FlowRunFailed naming the run and the task.
RUN_FAILED = r"FlowRunFailed: flow run '[a-z]+-[a-z]+' ended Failed, "
#: The sample's row with text in passenger_count: far enough down that the early check (which
#: parses the first ``trips._PROBE_BYTES``) passes it, so ``read`` itself fails, on the cluster.
DEEP_BAD_ROW = 9_000
_TERMINAL_CODES = re.compile(r"\x1b\[[0-9;]*m|\r")


def run_papermill(notebook: Path, output: Path, *params: str, mark: str, timeout: float = 300, cwd=REPO_ROOT, **env):
    """Run the papermill CLI as a user would; returns the CompletedProcess."""
    cmd = [str(Path(sys.executable).parent / "papermill"), "--no-progress-bar", str(notebook), str(output), *params]
    return subprocess.run(
        cmd, cwd=cwd, env=clean_env(**{MARK: mark}, **env), capture_output=True, text=True, timeout=timeout
    )


def papermill_params(**values) -> list[str]:
    """``-p NAME VALUE`` for each parameter, in order: ``run_papermill(nb, out, *papermill_params(project="x"))``."""
    return [arg for name, value in values.items() for arg in ("-p", name, str(value))]


def outputs_text(path) -> str:
    """Every text output of an executed notebook, as a reader sees it: without the terminal colour
    codes and carriage returns that a command's output may hold."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    return _TERMINAL_CODES.sub("", "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", [])))


def errors_of(path) -> list[str]:
    """``Name: message`` of every error output of an executed notebook."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    return [f"{o.ename}: {o.evalue}" for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]


def bad_deep_in_the_file(tmp_path) -> Path:
    """The bundled sample with 'two' in passenger_count at row :data:`DEEP_BAD_ROW`."""
    lines = SAMPLE_CSV_PATH.read_bytes().split(b"\r\n")
    fields = lines[DEEP_BAD_ROW].split(b",")
    fields[3] = b"two"
    lines[DEEP_BAD_ROW] = b",".join(fields)
    path = tmp_path / "deep.csv"
    path.write_bytes(b"\r\n".join(lines))
    return path
