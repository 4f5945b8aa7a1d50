"""The notebook's registration cell, run twice against a stand-in whose flow upload fails once
(standin/tests/component/test_faults.py arms the fault): what the first try raised, the flows Prefect Cloud
holds after it, and what the second try registered.

Usage, in an environment pointed at the stand-in (its variables set before prefect is imported):
``python standin/tests/programs/register_after_upload_fault.py``; prints ``RESULT:`` and a JSON object.
"""

import json

import prefect
from prefect import Flow, task
from prefect_saturn import PrefectCloudIntegration


@task
def inc(x):
    return x + 1


with Flow("upload-fault") as flow:
    inc(1)

client = prefect.Client()
client.create_project("p")
FLOWS = '{ flow(where: {name: {_eq: "upload-fault"}}) { id version archived } }'
out = {}


def register():  # the notebook's registration cell
    integration = PrefectCloudIntegration("p")
    integration.register_flow_with_saturn(flow)
    return integration, flow.register(project_name="p")


try:
    register()
except Exception as exc:
    out["error"] = f"{type(exc).__name__}: {exc}"
out["flows after the failure"] = [dict(f) for f in client.graphql(FLOWS).data.flow]
integration, flow_id = register()  # run the cell again
out["registered"] = {"id": flow_id, "saturn": [integration.flow_id, integration.flow_version_id]}
out["flows"] = [dict(f) for f in client.graphql(FLOWS).data.flow]
print("RESULT:" + json.dumps(out))
