"""Response times and sizes of the stand-in's pages for a flow with many runs, measured in one run and printed.

A stand-in's backend (in this process, no services) gets a flow of the tutorial's shape (its 4 tasks
but the Parameter) and ``--runs`` finished runs, each with its state history, its task runs and
:data:`RUN_LOG_LINES` log lines, as
a real run leaves them, each submitted by Saturn's agent (registered, with a full agent log); the
last run has ``--log-lines`` more log lines. They are made with the backend's own functions, as
the API makes them. The pages are then served on loopback by the stand-in's own application and
each is asked for ``--repeats`` times, with the session cookie a browser would have: the flow's
runs a page at a time (the newest, the next, the oldest), a run, the run with many log lines,
the agents pages.

    python benchmarks/pages.py [--runs 10000] [--repeats 20]      (or: make bench)
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import statistics
import sys
import threading
import time

import requests
import tornado.httpserver
import tornado.netutil

TARGET_MS = 100  # a click answered within a tenth of a second feels immediate
TARGET_KIB = 100  # a page a time: its size must not grow with the history
RUN_LOG_LINES = 20  # each run's own log lines, as a short run leaves them


def build_platform(runs: int, log_lines: int):
    from standin.faults import FaultSet
    from standin.prefect_cloud.models.agents import AGENT_LOG_LINES
    from standin.prefect_cloud.models.states import serialized
    from standin.server import Platform
    from standin.services.agent import AGENT_NAME, AGENT_TYPE, LABELS

    platform = Platform.create(saturn_token="s", prefect_api_key="k", username="bench", faults=FaultSet())
    backend = platform.prefect_cloud
    project = backend.create_project("tutorial")
    slugs = ["_DaskCluster-1", "_DaskCluster.setup-1", "read-1", "_DaskCluster.cleanup-1"]
    flow = backend.create_flow(
        project.id,
        {
            "name": "prefect-resource-manager",
            "__version__": "1.4.1",
            "storage": {"type": "Webhook"},
            "run_config": {"type": "KubernetesRun", "labels": ["saturn-cloud"]},
            "parameters": [],
            "schedule": None,
            "reference_tasks": [],
            "tasks": [{"slug": s, "name": s.rsplit("-", 1)[0]} for s in slugs],
            "edges": [
                {"upstream_task": {"slug": a}, "downstream_task": {"slug": b}} for a, b in itertools.pairwise(slugs)
            ],
        },
    )
    agent = backend.register_agent(AGENT_TYPE, AGENT_NAME, list(LABELS))
    for i in range(runs):
        run = backend.create_flow_run(flow.id)
        backend.set_flow_run_state(
            run.id, serialized("Submitted", "Submitted for execution", inner=run.serialized_state), agent_id=agent.id
        )
        if i >= runs - AGENT_LOG_LINES:  # the agent's log keeps that many lines: the newest
            backend.write_agent_log(agent.id, "INFO", f"flow run {run.id}: submitted for execution: PID: {i}")
        backend.set_flow_run_state(run.id, serialized("Running", "Running flow."))
        for task_run in backend.task_runs_of(run.id):
            backend.set_task_run_state(task_run.id, serialized("Running", "Starting task run."))
            backend.set_task_run_state(task_run.id, serialized("Success", "Task run succeeded."))
        backend.write_run_logs(
            [
                {
                    "flow_run_id": run.id,
                    "level": "INFO",
                    "name": "prefect.CloudTaskRunner",
                    "message": f"log line {i} of the run",
                }
                for i in range(RUN_LOG_LINES)
            ]
        )
        backend.set_flow_run_state(run.id, serialized("Success", "All reference tasks succeeded."))
    backend.write_run_logs(
        [
            {"flow_run_id": run.id, "level": "INFO", "name": "prefect.read", "message": f"line {i}"}
            for i in range(log_lines)
        ]
    )
    return platform, flow, run


def serve(platform):
    """The stand-in's application on loopback, in a thread (no services: nothing runs): its URL, and a function
    that stops it."""
    from standin.server import make_app

    ready, state = threading.Event(), {}

    def run() -> None:
        async def main() -> None:
            (sock,) = tornado.netutil.bind_sockets(0, "127.0.0.1")
            server = tornado.httpserver.HTTPServer(make_app(platform))
            server.add_sockets([sock])
            state.update(port=sock.getsockname()[1], stop=asyncio.Event(), loop=asyncio.get_running_loop())
            ready.set()
            await state["stop"].wait()
            server.stop()

        asyncio.run(main())

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    ready.wait(10)
    return f"http://127.0.0.1:{state['port']}", lambda: (
        state["loop"].call_soon_threadsafe(state["stop"].set),
        thread.join(10),
    )


def main() -> int:
    from standin.client.tickets import ui_endpoint
    from standin.ui.pages.base import page_count

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000, choices=range(1, 100_001), metavar="1..100000")
    parser.add_argument("--log-lines", type=int, default=10_000, choices=range(0, 100_001), metavar="0..100000")
    parser.add_argument("--repeats", type=int, default=20, choices=range(1, 201), metavar="1..200")
    args = parser.parse_args()
    began = time.perf_counter()
    platform, flow, last_run = build_platform(args.runs, args.log_lines)
    print(
        f"a flow with {args.runs:,} finished runs (4 task runs, 4 states and {RUN_LOG_LINES} log lines each, the last "
        f"{args.log_lines:,} more), built in {time.perf_counter() - began:.1f} s"
    )
    url, stop = serve(platform)
    try:
        session = requests.Session()
        session.get(f"{ui_endpoint(url, 'k')}/local/", timeout=30).raise_for_status()  # the session cookie
        flow_page, last_page = f"{url}/ui/local/flow/{flow.flow_group_id}", page_count(args.runs)
        oldest_logs = page_count(RUN_LOG_LINES + args.log_lines)
        first_run = platform.prefect_cloud.runs_of_group(flow.flow_group_id, args.runs - 1, 1)[0]
        pages = {
            "projects and flows": f"{url}/ui/local/",
            "the flow, its newest runs": flow_page,
            "the flow, page 2": f"{flow_page}?page=2",
            f"the flow, its oldest runs (page {last_page})": f"{flow_page}?page={last_page}",
            "a run (its states, task runs, logs)": f"{url}/ui/local/flow-run/{first_run.id}",
            f"a run with {RUN_LOG_LINES + args.log_lines:,} log lines": f"{url}/ui/local/flow-run/{last_run.id}",
            "... its oldest log lines": f"{url}/ui/local/flow-run/{last_run.id}?logs={oldest_logs}",
            "Prefect Cloud's agents": f"{url}/ui/local/agents",
            "Saturn's Prefect Cloud Agent": f"{url}/ui/saturn/prefect-cloud-agent",
        }
        worst, largest = 0.0, 0.0
        for name, page in pages.items():
            times = []
            for _ in range(args.repeats):
                start = time.perf_counter()
                answer = session.get(page, timeout=30)
                times.append((time.perf_counter() - start) * 1000)
                assert answer.status_code == 200 and "<h1>" in answer.text, (page, answer.status_code)
            worst, largest = max(worst, statistics.median(times)), max(largest, len(answer.content) / 1024)
            print(
                f"{name:42s} median {statistics.median(times):7.1f} ms   max {max(times):7.1f} ms   "
                f"{len(answer.content) / 1024:6.1f} KiB"
            )
    finally:
        stop()
    print(
        f"{'PASS' if worst <= TARGET_MS else 'FAIL'}  slowest page's median: {worst:.1f} ms (target <= {TARGET_MS} ms)"
    )
    print(
        f"{'PASS' if largest <= TARGET_KIB else 'FAIL'}  largest page: {largest:.1f} KiB (target <= {TARGET_KIB} KiB)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
