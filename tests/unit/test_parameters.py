"""Parameter checks: a bad value fails at once, naming the parameter and what to do, before any
stand-in or cluster starts. Each message is checked here, from ``check_parameters``; that a papermill
``-p`` value reaches it, and its message the user: tests/e2e/test_parameter_plumbing.py."""

import pytest

from standin.client import protocol
from tutorial_kit.exceptions import ParameterError
from tutorial_kit.notebook.parameters import (
    MAX_PROJECT_NAME_LENGTH,
    MAX_USERNAME_LENGTH,
    MAX_WORKERS,
    check_parameters,
)
from tutorial_kit.paths import SAMPLE_CSV
from tutorial_kit.tooling.notebook_code import reads_constants

READS = reads_constants()  # what the notebook's flow reads, which the data's check looks for
GOOD = dict(
    project="p", username="u", n_workers=3, data_url=SAMPLE_CSV, columns=READS["COLUMNS"], dtypes=READS["DTYPES"]
)
USERNAME_RULE = (
    f"use 1 to {MAX_USERNAME_LENGTH} lowercase letters, digits and single hyphens, starting and ending with a "
    "letter or digit"
)
SCHEMES = "use a local path, file://, http://, https://, s3://"


def check(**change):
    check_parameters(**{**GOOD, **change})


def test_every_n_workers_the_notebooks_accept_the_standin_can_start():
    """The notebooks' bound is theirs; offline, the stand-in must be able to start that many worker processes."""
    assert 1 <= MAX_WORKERS <= protocol.MAX_WORKERS


def test_defaults_pass():
    check()
    check(data_url="file://" + SAMPLE_CSV)
    check(data_url=SAMPLE_CSV.replace("sample.csv", "sampl*.csv"))


@pytest.mark.parametrize(
    "change",
    [
        {"n_workers": 1},
        {"n_workers": MAX_WORKERS},
        {"username": "data-engineer"},
        {"username": "a"},
        {"username": "7"},
        {"username": "j-doe-2"},
        {"username": "x" * MAX_USERNAME_LENGTH},
        # Prefect Cloud's own example, and others like it: spaces and punctuation are fine in a project name
        {"project": "Hello, World!"},
        {"project": "nightly taxi"},
        {"project": "données 2019"},
        {"project": "x" * MAX_PROJECT_NAME_LENGTH},
    ],
)
def test_edge_values_pass(change):
    check(**change)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"n_workers": 0}, "n_workers must be a whole number of at least 1, got 0"),
        ({"n_workers": "3"}, "n_workers must be a whole number of at least 1, got '3'"),
        ({"n_workers": True}, "n_workers must be a whole number"),
        ({"project": ""}, "project must be a non-empty string"),
        ({"username": None}, "username must be a non-empty string"),
        ({"data_url": "/no/such/trips.csv"}, "data_url '/no/such/trips.csv' does not exist"),
        ({"data_url": "file:///no/such/trips.csv"}, "data_url 'file:///no/such/trips.csv' does not exist"),
        ({"data_url": "gs://bucket/trips.csv"}, "data_url scheme 'gs://' is not supported"),
        ({"data_url": "/no/such/*.csv"}, "matches no file"),
    ],
)
def test_bad_values_name_the_parameter(change, message):
    with pytest.raises(ParameterError, match=message.replace("*", r"\*")) as info:
        check(**change)
    assert "\n" not in str(info.value)


WHOLE = "n_workers must be a whole number of at least 1, got {}: pass -p n_workers 3"
CAP = (
    f"n_workers must be at most {MAX_WORKERS} (MAX_WORKERS in tutorial_kit/notebook/parameters.py), got {{}}: "
    "each worker is a process here or a billed instance on Saturn Cloud; pass -p n_workers 3"
)
NOT_A_USER = "username {!r} is not a Saturn Cloud user name ({}): " + USERNAME_RULE

EXACT = [
    ({"n_workers": 0}, WHOLE.format(0)),
    ({"n_workers": -2}, WHOLE.format(-2)),
    ({"n_workers": 2.5}, WHOLE.format(2.5)),
    ({"n_workers": "three"}, WHOLE.format("'three'")),
    ({"n_workers": MAX_WORKERS + 1}, CAP.format(MAX_WORKERS + 1)),
    ({"n_workers": 1000}, CAP.format(1000)),
    ({"project": ""}, "project must be a non-empty string, got '': pass -p project NAME"),
    ({"project": "   "}, "project must be a non-empty string, got '   ': pass -p project NAME"),
    (
        {"project": "taxi\nrides"},
        "project 'taxi\\nrides' holds a control or invisible character ('\\n' at "
        "position 4): a Prefect Cloud project name is one line of visible text",
    ),
    (
        {"project": "taxi\trides"},
        "project 'taxi\\trides' holds a control or invisible character ('\\t' at "
        "position 4): a Prefect Cloud project name is one line of visible text",
    ),
    (
        {"project": "taxi\u200b"},
        "project 'taxi\\u200b' holds a control or invisible character ('\\u200b' at "
        "position 4): a Prefect Cloud project name is one line of visible text",
    ),
    (
        {"project": "taxi "},
        "project 'taxi ' starts or ends with a space: Prefect Cloud matches project names "
        "exactly, so it would be another project than 'taxi'; pass -p project 'taxi'",
    ),
    (
        {"project": "x" * (MAX_PROJECT_NAME_LENGTH + 1)},
        f"project is {MAX_PROJECT_NAME_LENGTH + 1} characters long, more than {MAX_PROJECT_NAME_LENGTH}: "
        f"{'x' * 40!r}... is not a project name",
    ),
    (
        {"project": 2024},
        "project must be text, got the number 2024: papermill reads -p values that look like "
        "numbers as numbers; pass -r project 2024 to keep it as text",
    ),
    ({"username": ""}, "username must be a non-empty string, got '': pass -p username NAME"),
    ({"username": "JDoe"}, NOT_A_USER.format("JDoe", "'J' is not allowed; Saturn user names are lowercase: 'jdoe'")),
    ({"username": "J.Doe"}, NOT_A_USER.format("J.Doe", "'J' is not allowed")),  # no lowercase form: j.doe is not one
    ({"username": "j.doe"}, NOT_A_USER.format("j.doe", "'.' is not allowed")),
    ({"username": "j_doe"}, NOT_A_USER.format("j_doe", "'_' is not allowed")),
    ({"username": "j doe"}, NOT_A_USER.format("j doe", "' ' is not allowed")),
    ({"username": "jdoé"}, NOT_A_USER.format("jdoé", "'é' is not allowed")),
    ({"username": "-jdoe"}, NOT_A_USER.format("-jdoe", "it starts or ends with a hyphen")),
    ({"username": "jdoe-"}, NOT_A_USER.format("jdoe-", "it starts or ends with a hyphen")),
    ({"username": "j--doe"}, NOT_A_USER.format("j--doe", "it has two hyphens in a row")),
    (
        {"username": "x" * (MAX_USERNAME_LENGTH + 1)},
        NOT_A_USER.format(
            "x" * (MAX_USERNAME_LENGTH + 1),
            f"it is {MAX_USERNAME_LENGTH + 1} characters long, more than {MAX_USERNAME_LENGTH}",
        ),
    ),
    (
        {"username": 42},
        "username must be text, got the number 42: papermill reads -p values that look like "
        "numbers as numbers; pass -r username 42 to keep it as text",
    ),
    ({"data_url": "ftp://example.org/trips.csv"}, f"data_url scheme 'ftp://' is not supported: {SCHEMES}"),
]


@pytest.mark.parametrize("change, message", EXACT, ids=[f"{k}={v!r}"[:40] for (c, _) in EXACT for k, v in c.items()])
def test_bad_values_give_this_exact_message(change, message):
    with pytest.raises(ParameterError) as info:
        check(**change)
    assert str(info.value) == message
    assert "\n" not in str(info.value)
