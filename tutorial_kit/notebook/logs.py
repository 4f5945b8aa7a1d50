"""Where the support code's log lines go.

Inside a Prefect task they go through the task's own logger, so that they appear with the run's
other lines (in the notebook, in a papermill output, in Prefect Cloud's run log). Outside a task,
once prefect is imported, they go to the logger of prefect's context (``prefect``); before that
(``connect()`` comes before prefect's import), to the ``tutorial_kit`` logger.
"""

from __future__ import annotations

import logging
import sys


def task_logger() -> logging.Logger:
    prefect = sys.modules.get("prefect")  # never import prefect here: connect() must come first
    logger = prefect.context.get("logger") if prefect is not None else None
    return logger if logger is not None else logging.getLogger("tutorial_kit")
