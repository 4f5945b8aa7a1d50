"""The kit's shims (``tutorial_kit/shims/``), each against the real library: a test fails when the
library stops behaving as its shim relies on. (dask-saturn's shim is the stand-in client's:
``standin/tests/component/test_standin_shims.py``.)"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import dask
from distributed import Client, LocalCluster

from tutorial_kit.shims.distributed import ProgressCounts


def test_distributed_hands_each_answer_of_the_scheduler_to_on_counts():
    """``ProgressBar.listen`` calls ``_draw_bar`` with the remaining and all tasks' counts until the
    computation is finished: the shim's ``on_counts`` gets them as done and total."""
    counts = []

    class Recorder(ProgressCounts):
        def on_counts(self, done, total):
            counts.append((done, total))

    parts = [dask.delayed(sum)([i, i]) for i in range(8)]
    with (
        LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=":0") as cluster,
        Client(cluster) as client,
    ):
        future = client.compute(dask.delayed(sum)(parts))
        client.sync(Recorder([future], client.scheduler.address, interval="20ms").listen)
        assert future.result() == 56
    assert counts and counts[-1] == (9, 9), counts  # eight parts and their sum
    assert [done for done, _ in counts] == sorted(done for done, _ in counts)


def test_pytest_reruns_every_test_of_a_whole_file_with_lf(tmp_path):
    """Two files with a failing test each: ``--lf`` reruns only the failed test of the plain file,
    and all three tests of the file that the shim's plugin names."""
    (tmp_path / "pytest.ini").write_text("[pytest]\n")  # not the repo's settings (nbval, levels)
    (tmp_path / "conftest.py").write_text(
        textwrap.dedent(
            """
            from tutorial_kit.shims.pytest import RerunWholeFiles

            def pytest_configure(config):
                config.pluginmanager.register(RerunWholeFiles("_whole.py"), "whole-files")
            """
        )
    )
    body = "def test_first():\n    pass\n\ndef test_second():\n    assert False\n\ndef test_third():\n    pass\n"
    (tmp_path / "test_cells_whole.py").write_text(body)
    (tmp_path / "test_plain.py").write_text(body)

    def run(*options: str) -> list[str]:
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-rA", *options],
            cwd=tmp_path,
            env=dict(os.environ, PYTEST_DISABLE_PLUGIN_AUTOLOAD="1"),  # pytest's own plugins only: a faster start
            capture_output=True,
            text=True,
            timeout=120,
        )
        return sorted(line for line in done.stdout.splitlines() if line.startswith(("PASSED ", "FAILED ")))

    assert len(run()) == 6
    assert run("--lf") == [
        "FAILED test_cells_whole.py::test_second - assert False",
        "FAILED test_plain.py::test_second - assert False",
        "PASSED test_cells_whole.py::test_first",
        "PASSED test_cells_whole.py::test_third",
    ]
