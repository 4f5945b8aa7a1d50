"""The companion's two idioms as deployments, timed in one run (run by benchmarks/prefect3_runs.py in .venv-prefect3):
the flow's file as the notebook's cells write it, plus prefect-dask's ``DaskTaskRunner`` snippet as its markdown
shows it; each flow served by a ``serve`` process, both run ``--repeats`` times, alternating, on the data given.
Prints one JSON line: each deployment's runs' created -> final seconds, from the server's records.

    .venv-prefect3/bin/python benchmarks/prefect3_task_runner.py DATA_URL FOLDER [--repeats 3]
    (PREFECT_API_URL and PREFECT_HOME: a running server's, as connect() sets them)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from pathlib import Path

from tutorial_kit.prefect3.serve import ServeProcess
from tutorial_kit.prefect3.server import client_environ
from tutorial_kit.tooling.companion import flow_source, task_runner_snippet

FLOWS = {"context manager": "taxi_std", "DaskTaskRunner": "taxi_std_on_task_runner"}


async def run_all(deployments: dict[str, str], data_url: str, repeats: int) -> dict[str, list[float]]:
    from prefect import get_client
    from prefect.deployments import run_deployment
    from prefect.flow_runs import wait_for_flow_run

    seconds: dict[str, list[float]] = {label: [] for label in deployments}
    async with get_client() as client:
        for _ in range(repeats):
            for label, name in deployments.items():
                created = await run_deployment(name, parameters={"data_url": data_url}, timeout=0)
                done = await wait_for_flow_run(created.id, client=client)
                if not done.state.is_completed():
                    raise SystemExit(f"{label}'s run ended {done.state.name}: {done.state.message}")
                seconds[label].append((done.end_time - done.created).total_seconds())
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_url")
    parser.add_argument("folder", type=Path)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    _, code = flow_source()
    flow_file = args.folder / "taxi_std_both.py"
    flow_file.write_text(code + "\n\n" + task_runner_snippet())
    env = client_environ(Path(os.environ["PREFECT_HOME"]), os.environ["PREFECT_API_URL"])
    serving = []
    try:
        from prefect.flows import load_flow_from_entrypoint

        deployments = {}
        for label, function in FLOWS.items():
            entrypoint = f"{flow_file}:{function}"
            name = f"bench-{function.replace('_', '-')}"
            flow = load_flow_from_entrypoint(entrypoint, use_placeholder_flow=False)
            serving.append(ServeProcess.start(entrypoint, flow.name, name, env, args.folder / f"{name}.log"))
            deployments[label] = serving[-1].deployment
        print(json.dumps(asyncio.run(run_all(deployments, args.data_url, args.repeats))))
    finally:
        for process in serving:
            process.stop()


if __name__ == "__main__":
    main()
