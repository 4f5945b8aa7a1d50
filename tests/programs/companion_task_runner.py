"""Run the companion's ``DaskTaskRunner`` snippet exactly as its markdown shows it, appended to the flow's file as the
notebook's cells write it, as a flow call against the server in ``PREFECT_API_URL`` (run in .venv-prefect3/), and
print its result as ``make run`` prints it.

    python tests/programs/companion_task_runner.py DATA_URL FOLDER
"""

from __future__ import annotations

import sys
from pathlib import Path

from prefect.flows import load_flow_from_entrypoint

from tutorial_kit.notebook.report import result_text, std_per_vendor
from tutorial_kit.tooling.companion import flow_source, task_runner_snippet


def main(data_url: str, folder: str) -> None:
    _, flow_code = flow_source()
    path = Path(folder) / "taxi_std_on_task_runner.py"
    path.write_text(flow_code + "\n\n" + task_runner_snippet())
    flow = load_flow_from_entrypoint(f"{path}:taxi_std_on_task_runner", use_placeholder_flow=False)
    print(result_text(std_per_vendor(flow(data_url=data_url))))


if __name__ == "__main__":
    main(*sys.argv[1:])
