"""``papermill --help-notebook`` on the notebook: each parameter with its type and its rule."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tutorial_kit.notebook.parameters import MAX_PROJECT_NAME_LENGTH, MAX_USERNAME_LENGTH, MAX_WORKERS
from tutorial_kit.paths import NOTEBOOK


def test_help_notebook_gives_each_parameter_its_type_and_rule():
    """`papermill --help-notebook` reads the annotations and comments of the parameters cell; the
    bounds it prints are the ones the checks apply."""
    run = subprocess.run(
        [str(Path(sys.executable).parent / "papermill"), "--help-notebook", str(NOTEBOOK)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    help_text = " ".join(run.stdout.split())
    assert "Unknown type" not in help_text
    for name, kind, rule in [
        ("project", "str", f"1 to {MAX_PROJECT_NAME_LENGTH} visible characters, no space at either end"),
        ("username", "str", f"1 to {MAX_USERNAME_LENGTH} lowercase letters, digits and single hyphens"),
        ("n_workers", "int", f"Dask workers for the flow's cluster: 1 to {MAX_WORKERS}"),
        (
            "data_url",
            "Optional[str]",
            "CSV or Parquet: a path, glob, file://, https:// or s3:// URL; None: the bundled sample",
        ),
    ]:
        found = re.search(rf"{name}: (\S+) \(default .*?\) (.*?)(?= \w+: \w+ \(default|$)", help_text)
        assert found and found[1] == kind and rule in found[2], (name, help_text)
