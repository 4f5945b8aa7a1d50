"""The real prefect 1.4.1 client against the Prefect Cloud stand-in
(standin/tests/component/test_prefect_cloud_standin.py).

Usage, in an environment pointed at the stand-in and logged in (its variables set before prefect is
imported): ``python standin/tests/programs/prefect_client.py CASE [STORAGE_FOLDER]``; prints ``RESULT:`` and
what the case found, as JSON. The cases:

- ``create-project-twice``: the ids ``Client.create_project`` returns for the same name twice;
- ``register-twice``: a flow (Local storage in STORAGE_FOLDER) registered twice, looked up with
  ``FlowView``, then registered uncompressed;
- ``register-into-missing-project``: the error of a registration into a project that does not exist;
- ``syntax-error``: the error of a GraphQL request that does not parse.
"""

import json
import sys

import prefect
from prefect import Flow, task


def report(obj) -> None:
    print("RESULT:" + json.dumps(obj))


@task
def inc(x):
    return x + 1


with Flow("tutorial-flow") as flow:
    inc(inc(1))


def register(project: str):
    flow.storage = prefect.storage.Local(directory=sys.argv[2])
    return flow.register(project_name=project)


def create_project_twice() -> None:
    c = prefect.Client()
    report([c.create_project("p"), c.create_project("p", "again")])


def register_twice() -> None:
    from prefect.backend import FlowView

    first = register("p")
    second = register("p")
    view = FlowView.from_flow_name("tutorial-flow", project_name="p")
    third = prefect.Client().register(flow, project_name="p", compressed=False, no_url=True)
    report({"first": first, "second": second, "view": view.flow_id, "view_project": view.project_name, "third": third})


def register_into_missing_project() -> None:
    try:
        register("missing")
    except ValueError as exc:
        report({"error": str(exc)})


def syntax_error() -> None:
    from prefect.exceptions import ClientError

    try:
        prefect.Client().graphql("query { tenant { id ")
    except ClientError as exc:
        report({"type": type(exc).__name__, "text": str(exc)})


CASES = {
    "create-project-twice": create_project_twice,
    "register-twice": register_twice,
    "register-into-missing-project": register_into_missing_project,
    "syntax-error": syntax_error,
}

if __name__ == "__main__":
    CASES[sys.argv[1]]()
