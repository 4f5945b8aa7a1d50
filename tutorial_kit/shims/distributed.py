"""distributed's shim: its progress bar without the bar, for ``notebook/progress.py``.

distributed's ``ProgressBar.listen`` asks the scheduler for the counts of a computation's tasks
every ``interval`` and hands each answer to the bar's ``_draw_bar``: the hook that distributed's
own bars (the text bar, the widget) define, with no public name. :class:`ProgressCounts` turns it
into :meth:`~ProgressCounts.on_counts`, for a subclass to define.

What it relies on (the distributed that requirements/notebook.txt pins): ``ProgressBar(keys,
scheduler, interval)``, its coroutine ``listen``, and its call of ``_draw_bar(remaining=...,
all=..., ...)`` with each answer. Its test: ``tests/component/test_kit_shims.py``.
"""

from __future__ import annotations

from distributed.diagnostics.progressbar import ProgressBar


class ProgressCounts(ProgressBar):
    """Run ``listen`` on the client's loop; each answer of the scheduler calls :meth:`on_counts`."""

    def _draw_bar(self, remaining, all, **kwargs):
        self.on_counts(all - remaining, all)

    def on_counts(self, done: int, total: int) -> None:
        """``done`` of the ``total`` tasks are finished (a subclass says what to do with that)."""
        raise NotImplementedError
