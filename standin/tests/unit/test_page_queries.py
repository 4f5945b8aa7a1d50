"""What the pages ask the emulated Prefect Cloud for, without HTTP: a page of a flow group's runs,
of an agent's runs, of a run's logs (newest first, a slice of an index kept in order, also after a
restart), and the agents' own log, bounded; Saturn's agent and the zombie killer write it."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from standin.prefect_cloud.models import PrefectCloudBackend
from standin.prefect_cloud.models.agents import AGENT_LOG_LINES
from standin.prefect_cloud.models.states import serialized
from standin.saturn.models import SaturnBackend
from standin.services.agent import AGENT_NAME, SaturnAgent
from standin.services.zombie_killer import ZombieKiller
from standin.store import Store


def a_flow(backend):
    tasks = [{"slug": "a-1", "name": "a"}]
    serialized_flow = {
        "name": "f",
        "__version__": "1.4.1",
        "storage": {"type": "Webhook"},
        "schedule": None,
        "run_config": {"type": "KubernetesRun", "labels": ["saturn-cloud"]},
        "parameters": [],
        "reference_tasks": [],
        "tasks": tasks,
        "edges": [],
    }
    return backend.create_flow(backend.create_project("p").id, serialized_flow)


def test_a_flow_groups_runs_newest_first_a_slice_at_a_time_also_after_a_restart(tmp_path, clock):
    store = Store(tmp_path / "state.db")
    backend = PrefectCloudBackend("key", clock=clock, store=store)
    flow = a_flow(backend)
    runs = [backend.create_flow_run(flow.id) for _ in range(7)]
    # a state written later moves a run's record to the end of the store: the index must not follow
    backend.set_flow_run_state(runs[0].id, serialized("Cancelled", "no"))
    newest_first = [run.id for run in reversed(runs)]
    group = flow.flow_group_id
    for b in (backend, PrefectCloudBackend("key", clock=clock, store=store)):
        assert b.count_runs_of_group(group) == 7
        assert [r.id for r in b.runs_of_group(group, 0, 3)] == newest_first[:3]
        assert [r.id for r in b.runs_of_group(group, 3, 3)] == newest_first[3:6]
        assert [r.id for r in b.runs_of_group(group, 6, 3)] == newest_first[6:]
        assert b.runs_of_group(group, 7, 3) == [] and b.runs_of_group("no such group", 0, 3) == []
    store.close()


def test_the_runs_an_agent_submitted_newest_first_across_its_registrations(clock):
    backend = PrefectCloudBackend("key", clock=clock)
    flow = a_flow(backend)
    first, second = (backend.register_agent("KubernetesAgent", AGENT_NAME, ["saturn-cloud"]) for _ in range(2))
    runs = [backend.create_flow_run(flow.id) for _ in range(5)]
    for i, run in enumerate(runs):
        agent = first if i % 2 else second
        backend.set_flow_run_state(run.id, serialized("Submitted", "s", inner=run.serialized_state), agent_id=agent.id)
    both = [first.id, second.id]
    assert backend.count_runs_of_agents(both) == 5 and backend.count_runs_of_agents([first.id]) == 2
    assert [r.id for r in backend.runs_of_agents(both, 1, 3)] == [r.id for r in reversed(runs)][1:4]


def test_a_runs_logs_newest_first_in_time_order_whatever_order_they_came_in(clock):
    backend = PrefectCloudBackend("key", clock=clock)
    run = backend.create_flow_run(a_flow(backend).id)
    t0 = clock.now
    backend.write_run_logs(
        [{"flow_run_id": run.id, "message": f"at {s}", "timestamp": t0 + timedelta(seconds=s)} for s in (1, 3, 0, 2)]
    )
    assert backend.count_logs_of(run.id) == 4
    assert [log.message for log in backend.newest_logs_of(run.id, 0, 3)] == ["at 3", "at 2", "at 1"]
    assert [log.message for log in backend.newest_logs_of(run.id, 3, 3)] == ["at 0"]
    assert [log.message for log in backend.logs_of(run.id)] == ["at 0", "at 1", "at 2", "at 3"]


def test_the_agent_log_keeps_its_newest_lines_only(clock):
    backend = PrefectCloudBackend("key", clock=clock)
    for i in range(AGENT_LOG_LINES + 5):
        backend.write_agent_log("agent", "INFO", f"line {i}")
    assert backend.count_agent_log("agent") == AGENT_LOG_LINES
    newest = backend.newest_agent_log("agent", 0, 2) + backend.newest_agent_log("agent", AGENT_LOG_LINES - 1, 5)
    assert [line.message for line in newest] == [f"line {AGENT_LOG_LINES + 4}", f"line {AGENT_LOG_LINES + 3}", "line 5"]


def test_saturns_agent_and_the_zombie_killer_write_the_agents_log(clock):
    backend = PrefectCloudBackend("key", clock=clock)
    saturn = SaturnBackend(token="t", username="u", start_cluster=None)
    agent = SaturnAgent(backend, saturn, "http://127.0.0.1:1/graphql", {})
    run = backend.create_flow_run(a_flow(backend).id)
    backend.set_flow_run_state(run.id, serialized("Running", "r"))
    agent.reap_orphans()  # registers the agent, then fails what a killed stand-in left in flight
    clock.now += timedelta(hours=1)
    other = backend.create_flow_run(run.flow_id)
    backend.set_flow_run_state(other.id, serialized("Running", "r"))
    clock.now += timedelta(hours=1)
    assert asyncio.run(ZombieKiller(backend, agent, heartbeat=1).reap_once()) == [other.id]
    lines = [(line.level, line.message) for line in backend.newest_agent_log(agent.agent_id)][::-1]
    assert lines[0] == (
        "INFO",
        f"Agent {AGENT_NAME} started with labels saturn-cloud; it runs each flow run with prefect execute flow-run",
    )
    assert lines[1][0] == "WARNING" and lines[1][1].startswith(
        f"flow run {run.id} ({run.name}): The stand-in restarted"
    )
    assert lines[2] == (
        "WARNING",
        f"flow run {other.id} ({other.name}): the zombie killer: No heartbeat detected from the flow run for 6 s; "
        "marking the run as failed.",
    )
    assert len(lines) == 3 and logging.getLevelName(lines[2][0]) == logging.WARNING
