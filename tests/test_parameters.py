"""Parameter checks: a bad value fails at once, naming the parameter and what to do."""

import pytest

from tutorial_kit.exceptions import ParameterError
from tutorial_kit.parameters import check_parameters
from tutorial_kit.sample_data import SAMPLE_CSV

GOOD = dict(project="p", username="u", n_workers=3, data_url=SAMPLE_CSV)


def check(**change):
    check_parameters(**{**GOOD, **change})


def test_defaults_pass():
    check()
    check(data_url="file://" + SAMPLE_CSV)
    check(data_url=SAMPLE_CSV.replace("sample.csv", "sampl*.csv"))


@pytest.mark.parametrize("change, message", [
    ({"n_workers": 0}, "n_workers must be a whole number of at least 1, got 0"),
    ({"n_workers": "3"}, "n_workers must be a whole number of at least 1, got '3'"),
    ({"n_workers": True}, "n_workers must be a whole number"),
    ({"project": ""}, "project must be a non-empty string"),
    ({"username": None}, "username must be a non-empty string"),
    ({"data_url": "/no/such/trips.csv"}, "data_url '/no/such/trips.csv' does not exist"),
    ({"data_url": "file:///no/such/trips.csv"}, "data_url 'file:///no/such/trips.csv' does not exist"),
    ({"data_url": "gs://bucket/trips.csv"}, "data_url scheme 'gs://' is not supported"),
    ({"data_url": "/no/such/*.csv"}, "matches no file"),
])
def test_bad_values_name_the_parameter(change, message):
    with pytest.raises(ParameterError, match=message.replace("*", r"\*")) as info:
        check(**change)
    assert "\n" not in str(info.value)
