"""prefect's shim: the GraphQL calls of prefect 1's agent and flow-run execution that no public
function makes on its own, for ``standin/tests/programs/client_surface.py``, which drives every call site
that sends Prefect Cloud a query, so that the stand-in is checked against each of them.

The public ways reach them only with a process or idle seconds around them:
``execute_flow_run_in_subprocess`` asks for the start times, then runs ``prefect execute flow-run``
in a subprocess; ``Agent.start`` connects and polls, then waits on its heartbeat thread and its
poll interval before it returns.

What it relies on (the prefect that requirements/notebook.txt pins): the functions of
``prefect.backend.execution`` and the methods of ``prefect.agent.Agent`` named below, each sending
its query when called. Its test: ``standin/tests/component/test_client_surface.py``, which fails
when a call site is no longer reached.
"""

from __future__ import annotations


def scheduled_start_time(flow_run_id: str):
    """When the run is scheduled to start (``execution._get_flow_run_scheduled_start_time``)."""
    from prefect.backend import execution

    return execution._get_flow_run_scheduled_start_time(flow_run_id)


def next_task_run_start_time(flow_run_id: str):
    """When the run's next retried task run starts (``execution._get_next_task_run_start_time``)."""
    from prefect.backend import execution

    return execution._get_next_task_run_start_time(flow_run_id)


def connect_agent(agent) -> None:
    """The agent registers itself and checks the API (what ``Agent.start`` does first)."""
    agent._setup_api_connection()


def ready_flow_runs(agent) -> set:
    """The ids of the flow runs ready for the agent (one poll of its loop)."""
    return agent._get_ready_flow_runs()


def flow_run_metadata(agent, flow_run_ids) -> list:
    """What the agent reads about those runs before it deploys them."""
    return agent._get_flow_run_metadata(flow_run_ids)
