"""Drive prefect 1.4.1's own code (its CLI, ``prefect.Client``, ``prefect.backend``, the agent, the
flow-run tasks) against a recording client, and report every GraphQL document it sent, with where
from (standin/tests/component/test_client_surface.py validates them against the stand-in's schema).

``prefect.Client.graphql`` is replaced by a recorder: it turns the query into its GraphQL text with
prefect's own ``parse_graphql``, notes the calling frame (file in the prefect package, function,
line), and answers by executing it in this process against the stand-in's schema and models
(``standin.prefect_cloud``, no HTTP), so that each command gets real answers and goes on to send
what it sends next. A registered flow with a finished run (Local storage, executed in this process)
gives the views, ``get`` and ``describe`` something to find.

Usage: ``python standin/tests/programs/client_surface.py WORKDIR``, with nothing of prefect's configured;
prints ``RESULT:`` and JSON: ``sent`` (site, document), ``drivers`` (each driver's outcome in one line).
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from pathlib import Path

WORKDIR = Path(sys.argv[1])
API_KEY = "client-surface-key"
# Prefect reads its config once, at import: point it at Prefect Cloud (never contacted: every
# request goes to the recorder) before importing it.
os.environ.update(
    PREFECT__BACKEND="cloud",
    PREFECT__CLOUD__API="http://127.0.0.1:9/graphql",
    PREFECT__CLOUD__API_KEY=API_KEY,
    PREFECT__HOME_DIR=str(WORKDIR / "prefect-home"),
    PREFECT__CLOUD__HEARTBEAT_MODE="off",
    PREFECT__CLOUD__SEND_FLOW_RUN_LOGS="true",
    PREFECT__LOGGING__LEVEL="INFO",
)

import pendulum  # noqa: E402
import prefect  # noqa: E402
from click.testing import CliRunner  # noqa: E402
from prefect import Flow, Parameter, task  # noqa: E402
from prefect.client.client import Client  # noqa: E402
from prefect.exceptions import AuthorizationError, ClientError  # noqa: E402
from prefect.utilities.graphql import GraphQLResult, parse_graphql, with_args  # noqa: E402

from standin.prefect_cloud.models import PrefectCloudBackend  # noqa: E402
from standin.prefect_cloud.schema import execute_graphql  # noqa: E402
from standin.shims import prefect as shims  # noqa: E402

PREFECT_DIR = Path(prefect.__file__).parent
BACKEND = PrefectCloudBackend(api_key=API_KEY, tenant_name="surface", tenant_slug="surface")
SENT: list[dict] = []
DRIVERS: dict[str, str] = {}


def _caller_site() -> str:
    """``path/in/prefect.py:function:line`` of the frame that called ``Client.graphql``."""
    frame = sys._getframe(2)
    path = Path(frame.f_code.co_filename)
    try:
        where = path.relative_to(PREFECT_DIR).as_posix()
    except ValueError:
        where = f"<outside prefect>{path.name}"
    return f"{where}:{frame.f_code.co_name}:{frame.f_lineno}"


def recording_graphql(
    self, query, raise_on_error=True, headers=None, variables=None, api_key=None, retry_on_api_error=True
):
    document = parse_graphql(query)
    SENT.append({"site": _caller_site(), "document": document, "variables": sorted(variables or {})})
    agent_id = (headers or {}).get("X-PREFECT-AGENT-ID") or self._attached_headers.get("X-PREFECT-AGENT-ID")
    body = execute_graphql(BACKEND, document, variables, agent_id=agent_id).body
    if raise_on_error and "errors" in body:
        if "UNAUTHENTICATED" in str(body["errors"]):
            raise AuthorizationError(body["errors"])
        raise ClientError(body["errors"])
    return GraphQLResult(body)


Client.graphql = recording_graphql


# ------------------------------------------------------------------------------------------
# a flow of the user's, registered and run once
# ------------------------------------------------------------------------------------------
@task
def numbers(n):
    return list(range(n))


@task
def double(x):
    prefect.context.get("logger").info("doubling %s", x)
    return 2 * x


@task
def total(values):
    return sum(values)


with Flow("surface-flow") as FLOW:
    total(double.map(numbers(Parameter("n", default=3))))

FLOW.storage = prefect.storage.Local(directory=str(WORKDIR / "flows"), stored_as_script=False)


def drive(name: str, call) -> object:
    """Run one driver; its outcome in one line (the run goes on whatever it raised)."""
    try:
        value = call()
    except BaseException as error:  # SystemExit from click, prefect's own errors: all are outcomes
        last = traceback.extract_tb(error.__traceback__)[-1]
        DRIVERS[name] = (
            f"raised {type(error).__name__}: {str(error)[:300]} (at {Path(last.filename).name}:{last.lineno})"
        )
        return None
    DRIVERS[name] = f"ok: {str(value)[:300]}"
    return value


def cli(*args: str) -> str:
    from prefect.cli import cli as prefect_cli

    result = CliRunner().invoke(prefect_cli, list(args), catch_exceptions=True)
    text = result.output.strip().replace("\n", " | ")[:300]
    if result.exception and not isinstance(result.exception, SystemExit):
        return f"exit {result.exit_code} ({type(result.exception).__name__}: {result.exception}) {text}"
    return f"exit {result.exit_code}: {text}"


def main() -> None:
    client = Client()
    drive("Client.tenant_id", lambda: client.tenant_id)
    drive("Client.create_project", lambda: client.create_project("surface", "a project"))
    flow_id = drive("Flow.register", lambda: FLOW.register(project_name="surface", add_default_labels=False))
    drive(
        "Client.register uncompressed",
        lambda: client.register(FLOW, project_name="surface", compressed=False, no_url=True),
    )
    flow_id = drive(
        "FlowView.from_flow_name",
        lambda: prefect.backend.FlowView.from_flow_name("surface-flow", project_name="surface"),
    ).flow_id
    run_id = drive(
        "Client.create_flow_run", lambda: client.create_flow_run(flow_id=flow_id, parameters={"n": 3}, run_name="first")
    )
    from prefect.backend.execution import execute_flow_run

    drive("execute_flow_run", lambda: execute_flow_run(run_id))
    drive("execution's scheduled start time", lambda: shims.scheduled_start_time(run_id))
    drive("execution's next task run start time", lambda: shims.next_task_run_start_time(run_id))

    # -- prefect.Client, method by method --------------------------------------------------
    drive("Client.get_flow_run_info", lambda: client.get_flow_run_info(run_id))
    drive("Client.get_flow_run_state", lambda: client.get_flow_run_state(run_id))
    drive("Client.set_flow_run_name", lambda: client.set_flow_run_name(run_id, "first"))
    drive("Client.update_flow_run_heartbeat", lambda: client.update_flow_run_heartbeat(run_id))
    task_run = drive(
        "FlowRunView.get_task_run",
        lambda: prefect.backend.FlowRunView.from_flow_run_id(run_id).get_task_run(task_slug="total-1"),
    )
    task_run_id = task_run.task_run_id if task_run else None
    drive("Client.get_task_run_info", lambda: client.get_task_run_info(run_id, task_run.task_id, map_index=None))
    drive("Client.get_task_run_state", lambda: client.get_task_run_state(task_run_id))
    drive("Client.set_task_run_name", lambda: client.set_task_run_name(task_run_id, "total"))
    drive(
        "Client.get_latest_cached_states",
        lambda: client.get_latest_cached_states(task_run.task_id, None, pendulum.now("UTC")),
    )
    drive(
        "Client.write_run_logs",
        lambda: client.write_run_logs(
            [
                {
                    "flow_run_id": run_id,
                    "level": "INFO",
                    "message": "hi",
                    "name": "x",
                    "timestamp": "2026-01-01T00:00:00+00:00",
                }
            ]
        ),
    )
    drive("Client.get_default_tenant_slug", lambda: client.get_default_tenant_slug())
    drive("Client.get_cloud_url", lambda: client.get_cloud_url("flow-run", run_id))
    drive("Client.get_available_tenants", lambda: client.get_available_tenants())
    drive("Client.switch_tenant", lambda: client.switch_tenant(tenant_id=BACKEND.tenant_id))
    drive("Client.create_tenant", lambda: client.create_tenant("another"))
    drive("Client.set_secret", lambda: client.set_secret("a", "b"))
    drive("Client.get_task_tag_limit", lambda: client.get_task_tag_limit("tag"))
    drive("Client.update_task_tag_limit", lambda: client.update_task_tag_limit("tag", 3))
    drive("Client.delete_task_tag_limit", lambda: client.delete_task_tag_limit("00000000-0000-0000-0000-000000000000"))
    drive("Client.register_agent", lambda: client.register_agent("LocalAgent", "surface-agent", ["a"]))
    drive("Client.get_agent_config", lambda: client.get_agent_config("00000000-0000-0000-0000-000000000000"))
    drive(
        "Client.create_task_run_artifact", lambda: client.create_task_run_artifact(task_run_id, "link", {"link": "x"})
    )
    drive(
        "Client.update_task_run_artifact",
        lambda: client.update_task_run_artifact("00000000-0000-0000-0000-000000000000", {"link": "y"}),
    )
    drive(
        "Client.delete_task_run_artifact",
        lambda: client.delete_task_run_artifact("00000000-0000-0000-0000-000000000000"),
    )

    # -- prefect.backend -------------------------------------------------------------------
    from prefect.backend import FlowRunView, FlowView, TaskRunView, TenantView, artifacts, kv_store

    drive("FlowView.from_id", lambda: FlowView.from_id(flow_id))
    drive(
        "FlowView.from_flow_group_id",
        lambda: FlowView.from_flow_group_id(
            client.graphql(
                {"query": {with_args("flow_by_pk", {"id": flow_id}): {"flow_group_id"}}}
            ).data.flow_by_pk.flow_group_id
        ),
    )
    view = drive("FlowRunView.from_flow_run_id", lambda: FlowRunView.from_flow_run_id(run_id, load_static_tasks=True))
    drive("FlowRunView.get_latest", lambda: view.get_latest(load_static_tasks=True))
    drive("FlowRunView.get_logs", lambda: len(view.get_logs()))
    drive("FlowRunView.get_all_task_runs", lambda: len(view.get_all_task_runs()))
    drive("FlowRunView.get_task_run by slug", lambda: view.get_task_run(task_slug="double-1"))
    drive("FlowRunView.get_task_run by id", lambda: view.get_task_run(task_run_id=task_run_id))
    drive("FlowRunView.get_flow_metadata", lambda: view.get_flow_metadata(no_cache=True))
    drive("TaskRunView.from_task_run_id", lambda: TaskRunView.from_task_run_id(task_run_id))
    drive("TaskRunView.from_task_slug", lambda: TaskRunView.from_task_slug("double-1", run_id))
    drive("TaskRunView.iter_mapped", lambda: len(list(TaskRunView.from_task_slug("double-1", run_id).iter_mapped())))
    drive("TaskRunView.get_latest", lambda: TaskRunView.from_task_run_id(task_run_id).get_latest())
    drive("TenantView.from_current_tenant", lambda: TenantView.from_current_tenant())
    drive("TenantView.from_tenant_id", lambda: TenantView.from_tenant_id(BACKEND.tenant_id))
    drive("watch_flow_run", lambda: len(list(prefect.backend.flow_run.watch_flow_run(run_id))))
    drive("check_for_compatible_agents", lambda: prefect.backend.flow_run.check_for_compatible_agents(["x"]))
    drive("kv_store.set_key_value", lambda: kv_store.set_key_value("k", "v"))
    drive("kv_store.get_key_value", lambda: kv_store.get_key_value("k"))
    drive("kv_store.list_keys", lambda: kv_store.list_keys())
    drive("kv_store.delete_key", lambda: kv_store.delete_key("k"))
    with prefect.context(task_run_id=task_run_id, running_with_backend=True):
        artifact = drive("artifacts.create_link_artifact", lambda: artifacts.create_link_artifact("http://x"))
        drive("artifacts.update_link_artifact", lambda: artifacts.update_link_artifact(artifact, "http://y"))
        drive("artifacts.create_markdown_artifact", lambda: artifacts.create_markdown_artifact("# x"))
        drive("artifacts.update_markdown_artifact", lambda: artifacts.update_markdown_artifact(artifact, "# y"))
        drive("artifacts.delete_artifact", lambda: artifacts.delete_artifact(artifact))

    # -- the flow-run tasks of prefect.tasks.prefect ---------------------------------------
    from prefect.tasks.prefect import StartFlowRun, create_flow_run, get_task_run_result, wait_for_flow_run

    drive(
        "StartFlowRun task",
        lambda: StartFlowRun(flow_name="surface-flow", project_name="surface").run(run_name="started"),
    )

    child = drive(
        "create_flow_run task",
        lambda: create_flow_run.run(
            flow_name="surface-flow", project_name="surface", parameters={"n": 1}, run_name="child"
        ),
    )
    drive("execute_flow_run child", lambda: execute_flow_run(child))
    drive("wait_for_flow_run task", lambda: wait_for_flow_run.run(child, stream_logs=True))
    drive("get_task_run_result task", lambda: get_task_run_result.run(child, "total-1"))

    # -- the CLI ---------------------------------------------------------------------------
    run_name = FlowRunView.from_flow_run_id(run_id).name
    for args in (
        ("get", "projects"),
        ("get", "projects", "--name", "surface"),
        ("get", "flows"),
        ("get", "flows", "--name", "surface-flow", "--project", "surface", "--version", "1"),
        ("get", "flows", "--all-versions", "--limit", "5"),
        ("get", "flow-runs"),
        ("get", "flow-runs", "--flow", "surface-flow", "--project", "surface", "--started", "--limit", "5"),
        ("get", "tasks"),
        (
            "get",
            "tasks",
            "--name",
            "total",
            "--flow-name",
            "surface-flow",
            "--flow-version",
            "1",
            "--project",
            "surface",
        ),
        ("get", "logs", "--name", run_name),
        ("get", "logs", "--id", run_id, "--info"),
        ("describe", "flows", "--name", "surface-flow"),
        ("describe", "flows", "--name", "surface-flow", "--version", "1", "--project", "surface", "--output", "yaml"),
        ("describe", "tasks", "--name", "surface-flow", "--project", "surface"),
        ("describe", "flow-runs", "--name", run_name, "--flow-name", "surface-flow"),
        ("create", "project", "cli-made", "--description", "d"),
        ("create", "project", "cli-made", "--skip-if-exists"),
        ("delete", "project", "cli-made"),
        ("run", "--name", "surface-flow", "--project", "surface", "--param", "n=2"),
        ("run", "--id", flow_id, "--run-name", "by-id", "--label", "x"),
        ("kv", "set", "k2", "v2"),
        ("kv", "get", "k2"),
        ("kv", "list"),
        ("kv", "delete", "k2"),
        ("auth", "status"),
        ("auth", "list-tenants"),
        ("auth", "switch-tenants", "--slug", "surface"),
        ("auth", "create-key", "--name", "k"),
        ("auth", "list-keys"),
        ("auth", "revoke-key", "--id", "00000000-0000-0000-0000-000000000000"),
        ("auth", "login", "--key", API_KEY),
        ("register", "--project", "surface", "--path", str(WORKDIR / "user_flow.py")),
    ):
        drive("prefect " + " ".join(args), lambda args=args: cli(*args))
    second = drive("Client.create_flow_run for execute", lambda: client.create_flow_run(flow_id=flow_id))
    with prefect.context(flow_run_id=second):
        drive("prefect execute flow-run", lambda: cli("execute", "flow-run"))
    drive("Client.cancel_flow_run", lambda: client.cancel_flow_run(client.create_flow_run(flow_id=flow_id)))

    # -- an agent --------------------------------------------------------------------------
    from prefect.agent.local import LocalAgent

    agent = drive("LocalAgent()", lambda: LocalAgent(labels=["surface"], hostname_label=False))
    if agent is not None:
        drive("agent: connect", lambda: shims.connect_agent(agent))
        ready = drive("agent: ready flow runs", lambda: shims.ready_flow_runs(agent))
        drive(
            "agent: flow run metadata",
            lambda: shims.flow_run_metadata(agent, list(ready or [client_run(client, flow_id)])),
        )

    # last: it deletes the project, its flows and their runs
    drive("Client.delete_project", lambda: client.delete_project("surface"))
    print("RESULT:" + json.dumps({"sent": SENT, "drivers": DRIVERS}))


def client_run(client: Client, flow_id: str) -> str:
    return client.create_flow_run(flow_id=flow_id, labels=["surface"])


if __name__ == "__main__":
    (WORKDIR / "user_flow.py").write_text(
        "from prefect import Flow, task\n"
        "from prefect.storage import Local\n\n"
        "@task\ndef one():\n    return 1\n\n"
        f"with Flow('registered-by-cli', storage=Local(directory={str(WORKDIR / 'flows')!r})) as flow:\n    one()\n"
    )
    main()
