"""The parameter checks through papermill, as a scheduled run gets them: every message is unit-tested
from ``check_parameters`` (tests/unit/test_parameters.py); this one run proves the plumbing."""

from __future__ import annotations

import re

import nbformat
import pytest

from support import notebooks
from tutorial_kit.exceptions import ParameterError
from tutorial_kit.notebook.parameters import check_parameters
from tutorial_kit.paths import NOTEBOOK, SAMPLE_CSV
from tutorial_kit.tooling.notebook_code import reads_constants


# A value parsed by papermill (2.5, a float) reaches check_parameters, which stops the run in the
# connect cell, before connect() starts the stand-in, with its message (the one the unit test checks
# for 2.5) in the scheduler's log.
def test_papermill_stops_before_anything_starts(tmp_path, mark):
    with pytest.raises(ParameterError) as raised:
        reads = reads_constants()
        check_parameters("x", "y", 2.5, SAMPLE_CSV, reads["COLUMNS"], reads["DTYPES"])
    params, message = ["-p", "n_workers", "2.5"], f"ParameterError: {raised.value}"
    out = tmp_path / "out.ipynb"
    run = notebooks.run_papermill(NOTEBOOK, out, "-p", "project", "x", "-p", "username", "y", *params, mark=mark)
    assert run.returncode != 0
    assert message.split(": ", 1)[1] in run.stderr  # what a scheduler's log shows
    assert run.stderr.rstrip().splitlines()[-1] == message  # its last line, after papermill's own traceback
    nb = nbformat.read(out, as_version=4)
    failed = [c for c in nb.cells if any(o.output_type == "error" for o in c.get("outputs", []))]
    assert len(failed) == 1
    (error,) = [o for o in failed[0].outputs if o.output_type == "error"]
    assert f"{error.ename}: {error.evalue}" == message
    assert "connect" in failed[0].metadata.tags
    traceback = re.sub(r"\x1b\[[0-9;]*m", "", "".join(error.traceback))
    assert re.search(r"-+> \d+ check_parameters\(", traceback)  # raised by the check, before connect() runs
    texts = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    assert "started the local stand-in" not in texts
    executed = [c for c in nb.cells if c.cell_type == "code" and c.get("execution_count")]
    assert executed[-1] is failed[0]  # nothing ran after it
