"""nbval really compares the notebook's stored outputs with a fresh run: a changed digit of the printed
result, or a changed bar label of the chart, fails its cell."""

from __future__ import annotations

import subprocess
import sys

import nbformat

from standin.testing import processes
from support import notebooks
from tutorial_kit.paths import NOTEBOOK
from tutorial_kit.tooling.results import RESULT_TAG, read_result


def _nbval(notebook, tmp_path):
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--nbval",
            "--nbval-current-env",
            "-p",
            "no:cacheprovider",
            "--nbval-sanitize-with",
            str(notebooks.NBVAL_SANITIZE),
            str(notebook),
            # -rN --color=no: the same report whether CI is set or not (with CI=true pytest repeats each
            # failure's message in its short summary, and colours it)
            "-q",
            "-rN",
            "--color=no",
            "--rootdir",
            str(tmp_path),
        ],
        cwd=tmp_path,
        env=processes.clean_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )


def _result_cell(nb):
    (cell,) = [c for c in nb.cells if RESULT_TAG in c.metadata.get("tags", [])]
    return cell


def test_nbval_fails_when_a_stored_digit_or_bar_label_changes(tmp_path):
    """One nbval run (one flow run) of a notebook whose result cell is there twice: the first with a
    digit of the printed result changed, the second with a bar label of the chart's SVG changed.
    Exactly those two cells fail, each on its own change: nbval compares every digit and the chart."""
    import copy

    nb = nbformat.read(NOTEBOOK, as_version=4)
    cell = _result_cell(nb)
    std = f"{read_result(NOTEBOOK)[1]!r}"
    wrong = std[:-1] + str((int(std[-1]) + 1) % 10)
    chart_cell = copy.deepcopy(cell)
    cell.outputs[0]["text"] = cell.outputs[0]["text"].replace(std, wrong)
    (shown,) = [o for o in chart_cell.outputs if o.output_type == "display_data"]
    label = f"{read_result(NOTEBOOK)[2]:.3f}"
    assert shown.data["text/html"].count(f">{label}<") == 1  # the bar label of VendorID 2
    shown.data["text/html"] = shown.data["text/html"].replace(f">{label}<", ">9.999<")
    chart_cell.metadata["tags"] = []  # one cell tagged "result"
    chart_cell.id = "chart-tampered"
    nb.cells.insert(nb.cells.index(cell) + 1, chart_cell)
    tampered = tmp_path / NOTEBOOK.name
    nbformat.write(nb, tampered)
    run = _nbval(tampered, tmp_path)
    assert run.returncode == 1, run.stdout[-2000:]
    assert "2 failed" in run.stdout and run.stdout.count("Cell outputs differ") == 2, run.stdout[-3000:]
    assert "mismatch 'stdout'" in run.stdout and wrong[-11:] in run.stdout, run.stdout[-3000:]
    assert "mismatch 'text/html'" in run.stdout and "9.999" in run.stdout, run.stdout[-3000:]
