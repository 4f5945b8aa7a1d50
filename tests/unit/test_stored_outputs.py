"""The notebook's stored outputs, as `make outputs` made them: one top-to-bottom run, the computation on
the bundled sample, no secret or machine path. nbval compares them with a fresh run (notebooks/), and
really compares them: tests/e2e/test_nbval.py."""

from __future__ import annotations

from pathlib import Path

import nbformat

from tutorial_kit.paths import NOTEBOOK, REPO_ROOT, SAMPLE_CSV
from tutorial_kit.tooling.results import read_result


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
    from standin.client.tickets import TICKET_IN_URL

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
