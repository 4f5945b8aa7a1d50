"""pytest's shim: ``--lf`` reruns every test of a file when one of them failed, for files whose tests
cannot run alone (nbval's cells of a notebook run one after another in one kernel, so a cell alone
would miss what the cells before it made). ``conftest.py`` registers it for notebooks.

pytest's last-failed plugin has no public way to add tests to what it reruns: it reads its record of
the last failures (``lastfailed``, from the cache's ``cache/lastfailed``) when it is made, and keeps
only the recorded tests of each file it collects. This module adds the rest of such a file's tests to
that record as the file is collected, just before the plugin filters them.

What it relies on (the pytest that requirements/tests.txt pins): the plugin registered as
``lfplugin``, its dict ``lastfailed`` keyed by each test's id, and its collection wrapper filtering
what an inner ``pytest_make_collect_report`` wrapper returned. Its test: ``tests/component/test_kit_shims.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest


class RerunWholeFiles:
    """A plugin: with ``--lf``, a file ending in ``suffix`` with a failed test reruns all its tests."""

    def __init__(self, suffix: str):
        self.suffix = suffix

    @pytest.hookimpl(wrapper=True, trylast=True)  # inside --lf's own wrapper, which filters what this returns
    def pytest_make_collect_report(self, collector):
        report = yield
        lf = collector.config.pluginmanager.get_plugin("lfplugin")
        if (
            lf is not None
            and collector.config.getoption("lf")
            and Path(str(collector.path)).name.endswith(self.suffix)
            and any(recorded_id(item) in lf.lastfailed for item in report.result)
        ):
            lf.lastfailed.update((recorded_id(item), True) for item in report.result)
        return report


def recorded_id(node):
    """How pytest's last-failed record names a test: its structured id (pytest 9), else its nodeid."""
    return getattr(node, "id", node.nodeid)
