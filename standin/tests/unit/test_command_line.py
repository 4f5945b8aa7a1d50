"""``python -m standin``'s command line (``standin/src/standin/__main__.py``), parsed in the test
process: each mistake is one line that names it, said by the parser of the command it was made in.
Nothing is started: every case stops before the stand-in would."""

from __future__ import annotations

import pytest

from standin.__main__ import main
from standin.client.protocol import SHARED_HOME_VAR, TOKEN_VARS


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        ([], "python -m standin: error: the following arguments are required: --username"),
        (["--username", "u"], f"python -m standin: error: set {' and '.join(TOKEN_VARS)} in the environment"),
        (
            ["--username", "u", "--dask-scheduler", "nope"],
            "python -m standin: error: argument --dask-scheduler: 'nope' is not a scheduler address like "
            "tcp://10.0.0.5:8786: it has no scheme",
        ),
        (["--port", "abc"], "python -m standin: error: argument --port: invalid int value: 'abc'"),
        (["env", "extra"], "python -m standin env: error: unrecognized arguments: extra"),
        (["shared", "--bogus"], "python -m standin shared: error: unrecognized arguments: --bogus"),
        (
            ["shared", "--dask-scheduler", "tcp://host"],
            "python -m standin shared: error: argument --dask-scheduler: 'tcp://host' is not a scheduler address "
            "like tcp://10.0.0.5:8786: it has no port",  # and why (check_scheduler_address's own words)
        ),
        # and the choices, quoted or not as the Python's argparse quotes them
        (["bogus"], "python -m standin: error: argument {shared,env}: invalid choice: 'bogus' (choose from "),
    ],
)
def test_a_mistake_on_the_command_line_is_one_line_from_its_commands_parser(monkeypatch, capsys, argv, said):
    for name in TOKEN_VARS:
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1].startswith(said)


def test_env_without_a_shared_standin_says_how_to_start_one(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv(SHARED_HOME_VAR, str(tmp_path))
    assert main(["env"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"python -m standin env: no shared stand-in is running (none answers from {tmp_path}")
    assert err.rstrip().endswith("start one with `make standin` in another terminal")
