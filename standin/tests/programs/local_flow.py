"""A flow of a user's own with ``Local`` storage and a ``LocalRun`` run config, registered for a plain
``prefect agent local start`` (not Saturn's agent: its label is not ``saturn-cloud``).

Usage, in an environment pointed at the stand-in: ``python standin/tests/programs/local_flow.py PROJECT
STORAGE_DIR LABEL``; prints the registered flow's id.
"""

from __future__ import annotations

import sys

import prefect
from prefect import Flow, task
from prefect.run_configs import LocalRun
from prefect.storage import Local


@task
def say_where():
    import os

    prefect.context.get("logger").info("ran by a local agent in PID %s", os.getpid())


def main(project: str, storage_dir: str, label: str) -> None:
    with Flow("local-agent-flow", storage=Local(directory=storage_dir, add_default_labels=False)) as flow:
        say_where()
    flow.run_config = LocalRun(labels=[label])
    prefect.Client().create_project(project_name=project)
    print(flow.register(project_name=project, no_url=True, add_default_labels=False))


if __name__ == "__main__":
    main(*sys.argv[1:])
