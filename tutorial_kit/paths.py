"""Where things are in the checkout: the one owner of each path that several parts use.

Why a module of its own: the notebook's process (the default ``data_url``, through
``filesystems.py``; the stand-in's home, which ``connect.py`` hands to the stand-in), the generator,
the tests and the benchmarks all need these paths, and each used to build them itself.  It imports
only the standard library, so the notebook's kernel pays nothing for it.
"""

import os
from pathlib import Path

#: The repository checkout (the package is installed in editable mode from it).
REPO_ROOT = Path(__file__).resolve().parents[1]

#: Everything the stand-ins write (logs, Prefect's auth.toml, the shared stand-in's state):
#: project-local and git-ignored.
STANDIN_HOME = REPO_ROOT / ".standin"

#: The canonical notebook, with its stored outputs.
NOTEBOOK = REPO_ROOT / "notebooks" / "prefect-resource-manager.ipynb"

#: The bundled, generated taxi sample (``python -m tutorial_kit.generator`` writes it).
SAMPLE_CSV_PATH = REPO_ROOT / "data" / "yellow_tripdata_2019-01.sample.csv"

#: The same, as a ``str``: the notebook's default ``data_url`` (papermill parameters are plain
#: values, and ``dask.dataframe.read_csv`` takes a str path like it takes a URL).
SAMPLE_CSV = str(SAMPLE_CSV_PATH)

#: What ``make run`` prints at its end (the notebook's result cell): the README links it, ``.ci/run``
#: compares each Python's ``make run`` with it, and a test keeps it equal to the stored outputs.
MAKE_RUN_RESULT = REPO_ROOT / "docs" / "make-run-result.txt"

#: The companion notebook: the same pipeline on Prefect 3 (its own venv, .venv-prefect3/).
PREFECT3_NOTEBOOK = REPO_ROOT / "notebooks" / "prefect3-dask-cluster.ipynb"

#: The companion's venv's programs (python, papermill, prefect): the Makefile's PREFECT3_BIN, for the tests and
#: benchmarks that run the companion from .venv.
PREFECT3_BIN = REPO_ROOT / ".venv-prefect3" / "bin"

#: Everything the companion's Prefect 3 server and clients write (PREFECT_HOME: the SQLite database, the UI's
#: files, persisted results; the deployment's flow source): project-local and git-ignored. The tests give their
#: server a home of its own (PREFECT3_HOME_VAR): two servers on one SQLite database mix their deployments.
PREFECT3_HOME_VAR = "TUTORIAL_PREFECT3_HOME"
PREFECT3_HOME = Path(os.environ.get(PREFECT3_HOME_VAR) or REPO_ROOT / ".prefect3")
