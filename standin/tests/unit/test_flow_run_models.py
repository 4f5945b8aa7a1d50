"""Flow runs in the emulated Prefect Cloud, without HTTP or processes: the semantics of Prefect
Server's ``api/runs.py`` and ``api/states.py`` (see ``standin.prefect_cloud.models.flow_runs``), the
Hasura-style relations the agent's and the CLI's queries need, the scheduler, and persistence."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from standin.prefect_cloud.exceptions import InvalidInput, NotFound, UniquenessViolation
from standin.prefect_cloud.hasura import matches
from standin.prefect_cloud.models import PrefectCloudBackend
from standin.prefect_cloud.models.states import serialized
from standin.prefect_cloud.schema import execute_graphql
from standin.store import Store
from standin.testing.clocks import T0


def flow_dict(name="f", labels=("saturn-cloud",), parameters=(), schedule=None):
    return {
        "name": name,
        "__version__": "1.4.1",
        "storage": {"type": "Webhook"},
        "schedule": schedule,
        "run_config": {"type": "KubernetesRun", "labels": list(labels), "env": {"A": "1"}},
        "parameters": list(parameters),
        "reference_tasks": [],
        "tasks": [{"slug": "a-1", "name": "a"}, {"slug": "b-1", "name": "b"}],
        "edges": [{"upstream_task": {"slug": "a-1"}, "downstream_task": {"slug": "b-1"}}],
    }


@pytest.fixture
def backend(clock):
    return PrefectCloudBackend("key", clock=clock)


@pytest.fixture
def flow(backend):
    project = backend.create_project("p")
    return backend.create_flow(
        project.id,
        flow_dict(
            parameters=[
                {"name": "n", "default": 3, "required": False},
                {"name": "off", "default": False, "required": False},
            ]
        ),
    )


# -- creating a run -----------------------------------------------------------------------------------
def test_a_new_run_is_scheduled_with_its_task_runs_pending(backend, flow):
    run = backend.create_flow_run(flow.id)
    assert (run.state, run.version, run.state_message) == ("Scheduled", 1, "Flow run scheduled.")
    assert run.state_start_time == run.scheduled_start_time == run.created
    assert run.labels == ["saturn-cloud"] and run.run_config == flow.run_config
    assert run.run_config is not flow.run_config  # a copy: the flow's stays as registered
    assert run.parameters == {"n": 3}  # a falsy default is left out, as Prefect Server did
    first, second = run.name.split("-")
    assert first.isalpha() and second.isalpha()
    task_runs = backend.task_runs_of(run.id)
    assert sorted(backend.tasks[t.task_id].slug for t in task_runs) == ["a-1", "b-1"]
    assert {(t.state, t.version, t.map_index, t.state_message) for t in task_runs} == {
        ("Pending", 0, -1, "Task run created")
    }


def test_labels_come_from_the_first_that_says(backend, flow):
    group = backend.flow_groups[flow.flow_group_id]
    assert backend.create_flow_run(flow.id, labels=["x", "a"]).labels == ["a", "x"]
    assert backend.create_flow_run(flow.id, run_config={"type": "LocalRun", "labels": ["rc"]}).labels == ["rc"]
    group.labels = ["group"]
    assert backend.create_flow_run(flow.id).labels == ["group"]
    group.labels, group.run_config = None, {"labels": ["group-rc"]}
    run = backend.create_flow_run(flow.id)
    assert run.labels == ["group-rc"] and run.run_config == {"labels": ["group-rc"]}


def test_parameters_and_idempotency(backend):
    project = backend.create_project("p")
    flow = backend.create_flow(project.id, flow_dict(parameters=[{"name": "x", "default": None, "required": True}]))
    with pytest.raises(InvalidInput, match=r"Required parameters were not supplied: \{'x'\}"):
        backend.create_flow_run(flow.id)
    run = backend.create_flow_run(flow.id, parameters={"x": 1}, idempotency_key="k")
    assert backend.create_flow_run(flow.id, parameters={"x": 2}, idempotency_key="k").id == run.id
    assert backend.create_flow_run(flow.id, parameters={"x": 2}, idempotency_key="other").id != run.id
    with pytest.raises(NotFound):
        backend.create_flow_run("00000000-0000-4000-8000-000000000000")
    backend.create_flow(project.id, flow_dict())  # version 2 archives version 1
    with pytest.raises(InvalidInput, match="is archived"):
        backend.create_flow_run(flow.id, parameters={"x": 1})
    assert backend.create_flow_run(version_group_id=flow.version_group_id).flow_id != flow.id


# -- states -------------------------------------------------------------------------------------------
def test_states_keep_their_history_and_the_run_its_times(backend, flow, clock):
    run = backend.create_flow_run(flow.id)
    backend.set_flow_run_state(run.id, serialized("Submitted", "s", inner=run.serialized_state))
    backend.set_flow_run_state(run.id, serialized("Running", "r"))
    clock.now += timedelta(seconds=5)
    backend.set_flow_run_state(run.id, serialized("Success", "ok"))
    history = backend.states_of(run.id)
    assert [s.state for s in history] == ["Scheduled", "Submitted", "Running", "Success"]
    assert [s.version for s in history] == [1, 2, 3, 4] and run.version == 4
    stamps = [s.timestamp for s in history]
    assert stamps == sorted(set(stamps))  # strictly increasing, though the clock stood still
    assert history[1].start_time == history[0].start_time  # Submitted keeps its Scheduled inside
    assert run.start_time == history[2].timestamp and run.end_time == history[3].timestamp
    assert run.heartbeat == history[2].timestamp  # Running is a heartbeat


def test_state_rules(backend, flow):
    run = backend.create_flow_run(flow.id)
    task_run = backend.task_runs_of(run.id)[0]
    with pytest.raises(InvalidInput, match="is not in a running state"):
        backend.set_task_run_state(task_run.id, serialized("Running"))
    backend.set_flow_run_state(run.id, serialized("Submitted"))
    with pytest.raises(InvalidInput, match="already been submitted"):
        backend.set_flow_run_state(run.id, serialized("Submitted"))
    with pytest.raises(InvalidInput):
        backend.set_flow_run_state(run.id, "Running")
    backend.set_flow_run_state(run.id, serialized("Running"))
    backend.set_task_run_state(task_run.id, serialized("Running"))
    backend.set_task_run_state(task_run.id, serialized("Success"))
    backend.set_flow_run_state(run.id, serialized("Cancelled", "stop"))  # unfinished task runs too
    assert {t.id: t.state for t in backend.task_runs_of(run.id)} == {
        t.id: ("Success" if t.id == task_run.id else "Cancelled") for t in backend.task_runs_of(run.id)
    }


def test_cancel(backend, flow):
    waiting, running, done = (backend.create_flow_run(flow.id) for _ in range(3))
    for run in (running, done):
        backend.set_flow_run_state(run.id, serialized("Running"))
    backend.set_flow_run_state(done.id, serialized("Success"))
    for run in (waiting, running, done):
        backend.cancel_flow_run(run.id)
    assert (waiting.state, running.state, done.state) == ("Cancelled", "Cancelling", "Success")


def test_mapped_children_are_created_on_demand(backend, flow):
    run = backend.create_flow_run(flow.id)
    task_id = backend.task_runs_of(run.id)[0].task_id
    children = [backend.get_or_create_task_run(run.id, task_id, i) for i in range(3)]
    assert [c.map_index for c in children] == [0, 1, 2]
    assert backend.get_or_create_task_run(run.id, task_id, 1).id == children[1].id
    assert len(backend.task_runs_of(run.id)) == 5


# -- the agents' queue ----------------------------------------------------------------------------------
def test_the_queue_gives_due_runs_with_the_agents_labels(backend, flow, clock):
    due = backend.create_flow_run(flow.id)
    other_labels = backend.create_flow_run(flow.id, labels=["saturn-cloud", "agentless-run-1234"])
    unlabelled = backend.create_flow_run(flow.id, labels=[])
    later = backend.create_flow_run(flow.id, scheduled_start_time=T0 + timedelta(minutes=5))
    assert backend.runs_in_queue(["saturn-cloud"]) == [due.id]
    assert backend.runs_in_queue([]) == [unlabelled.id]  # an agent without labels takes unlabelled runs only
    assert set(backend.runs_in_queue(["saturn-cloud", "agentless-run-1234"])) == {due.id, other_labels.id}
    assert later.id in backend.runs_in_queue(["saturn-cloud"], before=T0 + timedelta(minutes=6))
    assert backend.next_due(["saturn-cloud"]) == due.state_start_time
    backend.set_flow_run_state(due.id, serialized("Submitted", inner=due.serialized_state))
    assert backend.runs_in_queue(["saturn-cloud"]) == []


# -- logs and GraphQL shapes --------------------------------------------------------------------------
def test_logs_levels_are_names_and_keep_their_order(backend, flow):
    run = backend.create_flow_run(flow.id)
    backend.write_run_logs(
        [
            {"flow_run_id": run.id, "level": 40, "message": "m1", "timestamp": T0},
            {"flow_run_id": run.id, "level": "info", "message": "m2", "timestamp": T0},
        ]
    )
    assert [(log.level, log.message) for log in backend.logs_of(run.id)] == [("ERROR", "m1"), ("INFO", "m2")]
    with pytest.raises(NotFound):
        backend.write_run_logs([{"flow_run_id": "00000000-0000-4000-8000-000000000000", "message": "x"}])


def test_the_agents_query_with_an_array_relation(backend, flow):
    """``task_runs`` in a ``where`` is EXISTS; ``_and`` may be one object (GraphQL list coercion)."""
    run = backend.create_flow_run(flow.id)
    backend.set_flow_run_state(run.id, serialized("Running"))
    task_run = backend.task_runs_of(run.id)[0]
    backend.set_task_run_state(task_run.id, serialized("Retrying", start_time=T0 + timedelta(seconds=30)))
    where = {
        "id": {"_in": [run.id]},
        "_or": [
            {"state": {"_eq": "Scheduled"}},
            {"state": {"_eq": "Running"}, "task_runs": {"state_start_time": {"_lte": T0 + timedelta(minutes=1)}}},
        ],
    }
    assert matches(run, where, backend.related)
    where["_or"][1]["task_runs"]["state_start_time"]["_lte"] = T0
    assert not matches(run, where, backend.related)
    assert matches(run, {"_and": {"state": {"_eq": "Running"}}}, backend.related)
    assert matches(run, {"_and": [{}, {"flow": {"name": {"_eq": "f"}}}]}, backend.related)


def test_prefects_watch_query_reads_states_and_logs(backend, flow):
    run = backend.create_flow_run(flow.id)
    backend.write_run_logs([{"flow_run_id": run.id, "message": "hello", "timestamp": T0 + timedelta(seconds=1)}])
    query = (
        f'query {{ flow_run(where: {{id: {{_eq: "{run.id}"}}}}) {{ id updated states {{ timestamp serialized_state }} '
        f"logs(order_by: {{timestamp: asc}}, "
        f'where: {{_and: [{{timestamp: {{_lte: "{(T0 + timedelta(seconds=2)).isoformat()}"}}}}, {{}}]}}) '
        "{ timestamp message level } } }"
    )
    outcome = execute_graphql(backend, query)
    assert "errors" not in outcome.body, outcome.body
    (answer,) = outcome.body["data"]["flow_run"]
    assert answer["states"][0]["serialized_state"]["type"] == "Scheduled"
    assert answer["logs"] == [
        {"timestamp": (T0 + timedelta(seconds=1)).isoformat(), "message": "hello", "level": "INFO"}
    ]
    assert set(answer) == {"id", "updated", "states", "logs"}  # only what was asked (FlowRunView needs that)


# -- the scheduler ---------------------------------------------------------------------------------
def test_the_scheduler_keeps_the_next_ten_runs(backend):
    import pendulum
    from prefect.schedules import IntervalSchedule
    from prefect.serialization.schedule import ScheduleSchema

    from standin.services.scheduler import Scheduler

    start = pendulum.now("UTC").add(minutes=1)
    schedule = ScheduleSchema().dump(IntervalSchedule(start_date=start, interval=timedelta(hours=1)))
    backend.clock = lambda: datetime.now(UTC)
    project = backend.create_project("p")
    flow = backend.create_flow(project.id, flow_dict(schedule=json.loads(json.dumps(schedule))))
    assert flow.is_schedule_active
    scheduler = Scheduler(backend)
    created = scheduler.schedule_once()
    assert len(created) == 10 and scheduler.schedule_once() == []  # idempotent
    runs = sorted(backend.flow_runs.values(), key=lambda r: r.scheduled_start_time)
    assert all(r.auto_scheduled and r.state == "Scheduled" for r in runs)
    assert runs[0].scheduled_start_time.replace(microsecond=0) == start.replace(microsecond=0)
    backend.create_flow(project.id, flow_dict())  # a new version: the old one's waiting runs go
    assert not [r for r in backend.flow_runs.values() if r.flow_id == flow.id]


# -- persistence -----------------------------------------------------------------------------------
def test_everything_acknowledged_is_there_after_a_restart(tmp_path, clock):
    store = Store(tmp_path / "state.sqlite")
    backend = PrefectCloudBackend("key", clock=clock, store=store)
    project = backend.create_project("p")
    flow = backend.create_flow(project.id, flow_dict())
    run = backend.create_flow_run(flow.id)
    backend.set_flow_run_state(run.id, serialized("Running"))
    backend.write_run_logs([{"flow_run_id": run.id, "message": "m", "level": "INFO"}])
    with pytest.raises(UniquenessViolation):
        backend.create_project("p")  # refused: nothing of it written
    store.close()

    again = PrefectCloudBackend("key", store=Store(tmp_path / "state.sqlite"))
    assert again.tenant_id == backend.tenant_id
    for table in backend.TABLES:
        assert getattr(again, table) == getattr(backend, table), table
    assert [s.state for s in again.states_of(run.id)] == ["Scheduled", "Running"]
    assert [log.message for log in again.logs_of(run.id)] == ["m"]
    assert len(again.task_runs_of(run.id)) == 2
    assert again.create_flow_run(flow.id).version == 1  # and it goes on
