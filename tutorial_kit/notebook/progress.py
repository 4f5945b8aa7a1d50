"""Compute a dask collection on the current cluster and show how far it got.

Why: reading the whole month takes long enough that a user wants to see it move.  In Jupyter
(a kernel started by a Jupyter server, which sets ``JPY_SESSION_NAME``) that is dask's own
progress bar widget; in a terminal it is dask's text bar.  Under papermill, or anything else that
writes its output to a file, a bar would store widget state or carriage returns in the output,
so progress goes to the task's log instead: a line when the work starts, one every
:data:`LOG_EVERY` seconds while it runs, and one at the end.
"""

from __future__ import annotations

import os
import sys
import time

from distributed import default_client, progress

from ..shims.distributed import ProgressCounts
from .logs import task_logger

#: Seconds between two progress lines in the log.
LOG_EVERY = 10.0
#: How often the scheduler answers the log's bar with its counts (see ``_result_with_log_lines``).
BAR_INTERVAL = "100ms"


def interactive() -> bool:
    """True in a Jupyter session or a terminal, where a progress bar can be drawn, unless the
    task runs for Prefect Cloud (a flow-run process): its log is what the user watches then."""
    import prefect

    if prefect.context.get("running_with_backend"):
        return False
    return bool(os.environ.get("JPY_SESSION_NAME")) or sys.stdout.isatty()


def compute_with_progress(collection, label: str = "read"):
    """``collection.compute()`` on the default distributed client, with progress shown.

    In Jupyter and in the log the bar follows the work in the background: waiting for the result
    does not wait for the bar's next poll of the scheduler, which would add up to its interval to
    every run (in a terminal, dask's text bar blocks until it sees the end).  The
    collection is optimized once, here, for the number of tasks in the log: ``client.compute``
    optimizes what it gets again, which costs far less on a graph optimized before than on the
    month's unoptimized read (the graph's own ``__dask_graph__`` would optimize it a third time;
    the figures: docs/benchmarks.md#where-the-seconds-go).
    """
    client = default_client()
    logger = task_logger()
    optimized = collection.optimize()  # a dask DataFrame's or Series' (dask.optimize does not lower it)
    logger.info("%s: computing %d tasks", label, len(optimized.__dask_graph__()))
    began = time.monotonic()
    future = client.compute(optimized)
    if interactive():
        progress(future)  # a widget in Jupyter (drawn while the cell runs), a text bar in a terminal
        result = future.result()
    else:
        result = _result_with_log_lines(client, future, label, logger, began)
    logger.info("%s: done", label)
    return result


def _result_with_log_lines(client, future, label: str, logger, began: float):
    """The result; a :class:`LogProgress` only once it has not come within :data:`LOG_EVERY` seconds.

    Why not at once: the bar's counts come from a feed that the scheduler runs for it, which
    outlives the computation by up to two of the bar's intervals (the last answer, then the write
    that finds the bar gone), and a cluster closed meanwhile (``cleanup`` comes right after
    ``read``) cancels the feed, which the scheduler logs as an error with its traceback. A
    computation that ends before the first line is due starts no feed."""
    try:
        return future.result(timeout=LOG_EVERY)
    except TimeoutError:
        pass
    bar = LogProgress([future], label, logger, client.scheduler.address, since=began)
    client.loop.add_callback(bar.listen)
    return future.result()


class LogProgress(ProgressCounts):
    """dask's progress counts, as a log line every :data:`LOG_EVERY` seconds (from ``since``, a
    ``time.monotonic()``) while tasks remain."""

    def __init__(self, keys, label: str, logger, scheduler: str, since: float):
        self.label = label
        self.logger = logger
        self.last_line = since
        super().__init__(keys, scheduler, interval=BAR_INTERVAL)

    def on_counts(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self.last_line >= LOG_EVERY:
            self.logger.info("%s: %d of %d tasks done", self.label, done, total)
            self.last_line = now
        # the end is not logged here: compute_with_progress says when it is done, after the result is in
