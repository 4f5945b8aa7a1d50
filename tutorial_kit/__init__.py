"""What the tutorial notebook needs that is not the tutorial itself: the local stand-in of
Saturn Cloud and Prefect Cloud (``standin/``), the generated taxi sample (``sample_data``),
the choice between them and the real platform (``connect``), and the parameter checks."""

from pathlib import Path

#: The repository checkout (the package is installed in editable mode from it).
REPO_ROOT = Path(__file__).resolve().parents[1]
#: Everything the stand-ins write (logs, Prefect's auth.toml, the shared stand-in's state):
#: project-local and git-ignored.
STANDIN_HOME = REPO_ROOT / ".standin"
