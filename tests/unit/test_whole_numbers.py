"""The kit's one whole-number check, and the callers that use it, each with its own message."""

from __future__ import annotations

import pytest

from tutorial_kit.exceptions import ParameterError
from tutorial_kit.generator import month, output
from tutorial_kit.notebook.parameters import check_n_workers
from tutorial_kit.whole_numbers import check_whole_number


@pytest.mark.parametrize("value", [0, -1, "3", 2.0, True, None])
def test_anything_but_a_whole_number_of_at_least_the_minimum_is_refused(value):
    with pytest.raises(ValueError) as refused:
        check_whole_number("jobs", value)
    assert str(refused.value) == f"jobs must be a whole number of at least 1, got {value!r}"


def test_a_whole_number_is_returned_and_the_caller_chooses_the_error_the_minimum_and_the_advice():
    assert check_whole_number("n", 1) == 1
    assert check_whole_number("n", 0, minimum=0) == 0
    with pytest.raises(ParameterError, match=r"^n must be a whole number of at least 2, got 1: try 3$"):
        check_whole_number("n", 1, minimum=2, error=ParameterError, advice=": try 3")


def test_each_caller_says_which_value_is_wrong(tmp_path):
    advice = ": pass -p n_workers 3"
    with pytest.raises(ParameterError, match=rf"^n_workers must be a whole number of at least 1, got 0{advice}$"):
        check_n_workers(0)
    with pytest.raises(ValueError, match=r"^jobs must be a whole number of at least 1, got True$"):
        output.write(tmp_path / "trips.csv", month.MIN_ROWS, output.SEED, jobs=True)
    assert not (tmp_path / "trips.csv").exists()
