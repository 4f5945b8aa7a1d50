"""Prefect 1 flows of a user's own, registered the way the tutorial registers its flow
(``PrefectCloudIntegration(...).register_flow_with_saturn(flow)`` then ``flow.register``), so that
the tests can run them through ``prefect run --watch`` against the stand-in.

Usage, in an environment pointed at the stand-in (its variables set before prefect is imported):
``python user_flows.py NAME PROJECT`` (``programs.register_user_flow``); prints the registered flow's
id. A program, run as a file, so that cloudpickle sends its flows by value, as a user's script's.

- ``user-params``: a ``Parameter``, a mapped task, a task that fails its first try and succeeds on
  its retry, and a task that raises when the ``fail`` parameter is true (LocalExecutor);
- ``user-dask``: ``register_flow_with_saturn(flow, dask_cluster_kwargs=...)``, which gives the
  flow a ``DaskExecutor`` on ``SaturnCluster``: its tasks run on the Dask cluster itself (Saturn's
  other tutorial);
- ``user-gate``: the tutorial's resource manager around a task that writes its process id to
  ``<gate>/running`` and waits (at most :data:`GATE_SECONDS`) for ``<gate>/go``: the tests stop or kill a run there;
- ``user-scheduled``: a trivial flow on an ``IntervalSchedule`` of a minute (Prefect Cloud's
  shortest) whose first event comes :data:`FIRST_EVENT_AFTER` after the flow is built, so shortly after its
  registration; ``user-scheduled-off`` registers
  the same flow as a new version with its schedule off (the old version's waiting runs go).
"""

from __future__ import annotations

import os
import sys
import time
from datetime import timedelta
from pathlib import Path

import pendulum
import prefect
from dask.distributed import Client
from dask_saturn import SaturnCluster
from prefect import Flow, Parameter, resource_manager, task
from prefect.executors import LocalExecutor
from prefect.schedules import IntervalSchedule
from prefect_saturn import PrefectCloudIntegration

GATE_SECONDS = 120

#: When ``user-scheduled``'s first event comes, from the moment its flow is built: long enough for the registration
#: that follows (a few HTTP calls) even on a busy machine, for the event must still be ahead when Prefect Cloud's
#: scheduler reads the schedule; short, because the test waits for it.
FIRST_EVENT_AFTER = timedelta(seconds=8)


@task
def numbers(n):
    return list(range(1, n + 1))


@task
def double(x):
    return 2 * x


@task(max_retries=1, retry_delay=timedelta(seconds=1))
def flaky_sum(values):
    if prefect.context.get("task_run_count", 1) == 1:
        raise RuntimeError("the first try fails on purpose")
    return sum(values)


@task
def check(total, fail):
    if fail:
        raise ValueError(f"asked to fail (the total was {total})")
    prefect.context.get("logger").info("total: %s", total)
    return total


@task
def where_am_i():
    """On a Dask worker when the flow's executor is a DaskExecutor."""
    from distributed import get_worker

    try:
        name = get_worker().address
    except ValueError:
        name = "not a Dask worker"
    prefect.context.get("logger").info("ran on %s", name)
    return name


@resource_manager
class _DaskCluster:
    def __init__(self, n_workers):
        self.n_workers = n_workers

    def setup(self):
        return Client(SaturnCluster(n_workers=self.n_workers))

    def cleanup(self, client):
        cluster = client.cluster
        client.close()
        cluster.close()


@task
def wait_at(gate):
    gate = Path(gate)
    (gate / "running").write_text(str(os.getpid()))
    deadline = time.monotonic() + GATE_SECONDS
    while not (gate / "go").exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"nobody opened {gate / 'go'} within {GATE_SECONDS} s")
        time.sleep(0.1)
    return "through"


@task
def hello():
    prefect.context.get("logger").info("hello from a scheduled run")


def build(name: str) -> tuple[Flow, dict]:
    """The flow and the keyword arguments of ``register_flow_with_saturn``."""
    if name == "user-params":
        with Flow(name) as flow:
            n, fail = Parameter("n", default=3), Parameter("fail", default=False)
            check(flaky_sum(double.map(numbers(n))), fail)
        return flow, {}
    if name == "user-dask":
        with Flow(name) as flow:
            where_am_i()
        return flow, {"dask_cluster_kwargs": {"n_workers": 1}}
    if name == "user-gate":
        with Flow(name) as flow:
            gate = Parameter("gate")
            with _DaskCluster(n_workers=1):
                wait_at(gate)
        return flow, {}
    if name in ("user-scheduled", "user-scheduled-off"):
        first = pendulum.now("UTC") + FIRST_EVENT_AFTER
        schedule = IntervalSchedule(start_date=first.subtract(minutes=1), interval=timedelta(minutes=1))
        with Flow("user-scheduled", schedule=schedule) as flow:
            hello()
        return flow, {}
    raise SystemExit(f"unknown flow {name!r}")


def main(name: str, project: str) -> None:
    flow, options = build(name)
    prefect.Client().create_project(project_name=project)
    flow = PrefectCloudIntegration(prefect_cloud_project_name=project).register_flow_with_saturn(flow=flow, **options)
    if not options.get("dask_cluster_kwargs"):
        flow.executor = LocalExecutor()
    print(flow.register(project_name=project, no_url=True, set_schedule_active=not name.endswith("-off")))


if __name__ == "__main__":
    main(*sys.argv[1:])
