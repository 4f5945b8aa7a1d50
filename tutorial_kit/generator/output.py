"""The generated files: the bundled sample and a month-size CSV, both :mod:`.month` written out.

Why they share everything: the sample is the month's algorithm at :data:`SAMPLE_ROWS` rows in
one process; a month-size file is the same at :data:`~.calibration.MONTH_ROWS` rows, its days
made on ``jobs`` processes and written in order as each is ready.  Both are written through
:func:`tutorial_kit.files.atomic_output`, so a reader (the notebook, a test, a benchmark) sees
the old file or the whole new one.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..files import atomic_output
from ..paths import SAMPLE_CSV_PATH
from ..whole_numbers import check_whole_number
from . import month
from .calibration import MONTH_ROWS
from .text import header_line

#: Rows of the bundled sample.
SAMPLE_ROWS = 10_000
#: The seed of every generated file unless told otherwise.
SEED = 20190101


def generate(rows: int = SAMPLE_ROWS, seed: int = SEED) -> bytes:
    """The file of ``rows`` rows as bytes (header included), made in this process: by default,
    the bundled sample.  Same ``rows`` and ``seed``, same bytes, on any machine."""
    return b"".join([header_line().encode("ascii"), *map(month.day_text, month.plan(rows, seed))])


def write(path=SAMPLE_CSV_PATH, rows: int = SAMPLE_ROWS, seed: int = SEED, jobs: int | None = 1) -> Path:
    """Write ``generate(rows, seed)`` to ``path``, atomically, streaming day by day; return the
    path.

    The days are made in ``jobs`` processes (None: ``os.cpu_count()``; 1: in this process) and
    written in order as each is ready, so memory stays at a few days' rows whatever ``rows`` is,
    and the bytes do not depend on ``jobs``.  Workers are started with multiprocessing's
    ``spawn``, so a script that calls this with ``jobs`` > 1 needs the usual
    ``if __name__ == "__main__":`` guard (the command line, pytest and Jupyter need nothing).
    """
    days = month.plan(rows, seed)  # first: a bad ``rows`` fails before anything is written
    jobs = (os.cpu_count() or 1) if jobs is None else jobs
    check_whole_number("jobs", jobs)
    jobs = min(jobs, len(days))
    path = Path(path)
    with atomic_output(path) as tmp, open(tmp, "wb") as out:
        out.write(header_line().encode("ascii"))
        for text in _days_in_order(days, jobs):
            out.write(text)
    return path


def _days_in_order(days: list, jobs: int):
    """Each day's text, in the days' order, made in this process (``jobs`` 1) or on ``jobs``
    worker processes."""
    if jobs == 1:
        yield from map(month.day_text, days)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    # spawn, not fork: the caller may have threads (dask, a benchmark's timers), and a forked
    # child would copy its memory page by page as the child's gc touches it.  An executor, not
    # multiprocessing.Pool: a worker that dies makes it raise instead of hang.  map() hands the
    # days out in order and yields them in order.
    context = multiprocessing.get_context("spawn")
    try:
        with ProcessPoolExecutor(jobs, mp_context=context) as pool:
            yield from pool.map(month.day_text, days)
    except BrokenProcessPool as error:
        raise RuntimeError(
            f"a generator worker process died ({error}).  Worker processes are started with "
            "multiprocessing's 'spawn', which imports the main script again: a script that "
            "writes with jobs > 1 must do so under `if __name__ == '__main__':`.  jobs=1 needs "
            "no worker"
        ) from error


def write_month(path, rows: int = MONTH_ROWS, seed: int = SEED, jobs: int | None = None) -> Path:
    """A month-size file (by default the original's :data:`~.calibration.MONTH_ROWS` rows) at ``path``:
    :func:`write` with the month's defaults, on every CPU."""
    return write(path, rows, seed, jobs)


def check(path=SAMPLE_CSV_PATH, rows: int = SAMPLE_ROWS, seed: int = SEED) -> str | None:
    """``None`` if ``path`` holds exactly ``generate(rows, seed)``, else why not (one line)."""
    path = Path(path)
    try:
        on_disk = path.read_bytes()
    except FileNotFoundError:
        on_disk = None
    if on_disk == generate(rows, seed):
        return None
    what = "is missing" if on_disk is None else "differs from what the generator makes"
    return f"{path} {what}; run `make data` (or `python -m tutorial_kit.generator`) to rewrite it"
