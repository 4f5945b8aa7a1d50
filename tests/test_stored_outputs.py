"""The notebook's stored outputs: made by `make outputs`, checked by nbval, and nbval really
compares them (a changed digit fails)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
from conftest import clean_env

from tutorial_kit.paths import NOTEBOOK, REPO_ROOT, SAMPLE_CSV
from tutorial_kit.tooling.results import RESULT_TAG, read_result


def test_stored_outputs_come_from_one_top_to_bottom_run():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1))
    assert all("execution" not in c.metadata for c in code)  # `make outputs` records no timing
    assert not any(o.output_type == "error" for c in code for o in c.outputs)


def test_stored_result_is_the_computation_on_the_bundled_sample():
    import pandas as pd

    df = pd.read_csv(SAMPLE_CSV)
    want = df[df.passenger_count > 1].groupby("VendorID").passenger_count.std().to_dict()
    got = read_result(NOTEBOOK)
    assert sorted(got) == sorted(want) and all(abs(got[k] - want[k]) <= 1e-12 for k in want)


def stored_output_texts(nb) -> list[str]:
    """Every text a reader of the stored notebook sees in an output: streams, results, displays."""
    texts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            texts.append(output.get("text", ""))
            texts.extend(str(value) for value in output.get("data", {}).values())
            texts.extend(output.get("traceback", []))
    return texts


#: What a machine path in an output looks like: this clone's folder, a home folder, an installed package.
MACHINE_PATHS = (str(REPO_ROOT), str(Path.home()), "/home/", "/root/", "/Users/", "site-packages/")


def test_stored_outputs_hold_no_secret_or_machine_path():
    from tutorial_kit.launcher.tickets import TICKET_IN_URL

    nb = nbformat.read(NOTEBOOK, as_version=4)
    texts = stored_output_texts(nb)
    for text in texts:
        for needle in ("SATURN_TOKEN=", "Bearer ", "api_key", *MACHINE_PATHS):
            assert needle not in text, f"{needle!r} in a stored output: {text[:300]!r}"
        assert not TICKET_IN_URL.search(text), text  # make outputs replaced the pages' ticket by TICKET
    assert any("/ui/login/TICKET/local/flow/" in text for text in texts)  # the Flow URL opens the pages


def test_machine_path_check_can_fail():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    for path in (
        str(REPO_ROOT / ".venv" / "lib" / "x.py"),
        "/opt/conda/lib/python3.11/site-packages/prefect/x.py",
        str(Path.home() / "notes.txt"),
    ):
        nb.cells[-1].setdefault("outputs", []).append(
            nbformat.v4.new_output("stream", name="stderr", text=f"{path}:1: UserWarning: x")
        )
        assert any(needle in text for text in stored_output_texts(nb) for needle in MACHINE_PATHS)
        nb.cells[-1]["outputs"].pop()


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
            str(REPO_ROOT / "tests" / "nbval-sanitize.cfg"),
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
        env=clean_env(),
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
