"""Where the support code's log lines go.

Inside a Prefect task they go through the task's own logger, so that they appear with the run's
other lines (in the notebook, in a papermill output, in Prefect Cloud's run log). Anywhere else
they go to the ``tutorial_kit`` logger.
"""

from __future__ import annotations

import logging
import sys


def task_logger() -> logging.Logger:
    prefect = sys.modules.get("prefect")  # never import prefect here: connect() must come first
    logger = prefect.context.get("logger") if prefect is not None else None
    return logger if logger is not None else logging.getLogger("tutorial_kit")
