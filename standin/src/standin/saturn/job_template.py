"""The Kubernetes Job template that Saturn hands prefect-saturn for a registered flow, and the
image in it.

prefect-saturn puts the template in the flow's ``KubernetesRun`` when it registers the flow
(``GET /api/prefect_cloud/flows/<id>/run_job_spec``). The stand-in runs no Kubernetes (its
agent starts each run as a process: ``services/agent.py``), so the template is only read back:
it has the shape prefect-saturn and prefect's ``KubernetesRun`` expect.
"""

from __future__ import annotations

#: The image the tutorial's own recipe ran in; handed back to prefect-saturn for its KubernetesRun.
IMAGE = "public.ecr.aws/saturncloud/saturn:2022.03.01"
#: What the template's container has in its environment, which the agent's run processes get too: dask-saturn
#: closes its cluster on exit in a flow run's process.
FLOW_RUN_ENV = {"SATURN_RESOURCE_TYPE": "PrefectCloudFlow"}


def run_job_spec(flow) -> dict:
    """The Kubernetes Job template prefect-saturn puts in the ``KubernetesRun`` of ``flow`` (a
    registered ``models.SaturnFlow``)."""
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"labels": {"saturncloud.io/flow-id": flow.id}},
        "spec": {
            "template": {
                "spec": {
                    "restartPolicy": "Never",
                    "containers": [
                        {
                            "name": "flow",
                            "image": IMAGE,
                            "env": [{"name": name, "value": value} for name, value in FLOW_RUN_ENV.items()],
                        }
                    ],
                }
            }
        },
    }
