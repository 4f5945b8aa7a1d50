"""What the tutorial notebook needs that is not the tutorial itself: the local stand-in of
Saturn Cloud and Prefect Cloud (``standin/``), the generated taxi sample (``sample_data``),
the choice between them and the real platform (``connect``), and the parameter checks."""

from pathlib import Path

#: The repository checkout (the package is installed in editable mode from it).
REPO_ROOT = Path(__file__).resolve().parents[1]
