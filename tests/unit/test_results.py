"""Reading the result back out of an executed notebook (what `make run` prints, what tests compare)."""

import nbformat
import pytest

from tutorial_kit.tooling.results import ResultNotFound, parse_result, read_result


def test_parse_result_reads_full_precision_rows():
    text = (
        "std of passenger_count per VendorID (trips with passenger_count > 1):\n"
        "VendorID\n1   0.6938714792963351\n4   1.4142135623730951\n"
    )
    assert parse_result(text) == {1: 0.6938714792963351, 4: 1.4142135623730951}


def test_a_run_that_failed_before_the_result_says_so(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("print(1)", metadata={"tags": ["result"]})]
    path = tmp_path / "failed.ipynb"
    nbformat.write(nb, path)
    with pytest.raises(ResultNotFound, match="has no output"):
        read_result(path)
    nb.cells[0].metadata["tags"] = []
    nbformat.write(nb, path)
    with pytest.raises(ResultNotFound, match="no cell tagged 'result'"):
        read_result(path)


@pytest.mark.parametrize("computed", [{1: 0.6591827707568412, 2: 1.5560741620839789, 4: 1.1690451944500124}, {}])
def test_the_result_comes_back_from_prefect_cloud_digit_for_digit(computed):
    """read returns {VendorID: std}; PrefectResult keeps it as JSON (keys become text); the notebook
    shows it as the Series the tutorial computed, with every digit, or says it is empty."""
    import json

    from tutorial_kit.notebook.report import EMPTY, result_text, std_per_vendor

    kept = json.loads(json.dumps(computed))  # what Prefect Cloud stores and FlowRunView reads back
    shown = std_per_vendor(kept)
    assert shown.to_dict() == computed and shown.index.name == "VendorID" and str(shown.dtype) == "float64"
    assert parse_result(result_text(shown)) == computed
    assert (EMPTY in result_text(shown)) == (not computed)
