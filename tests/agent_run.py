"""Run the newest registered version of a flow the way a Prefect agent does: look the flow up in
Prefect Cloud, rebuild its storage from what was registered, pull the flow from that storage
(``storage.get_flow``, here Saturn's Webhook storage on the stand-in) and run it.

Usage (in an environment pointed at the platform, e.g. from the notebook's kernel):
    python tests/agent_run.py FLOW_NAME PROJECT
Prints the std per VendorID at full precision, like the notebook's result cell.
"""

import gc
import sys

from prefect.backend import FlowView


def main(flow_name: str, project: str) -> int:
    view = FlowView.from_flow_name(flow_name, project_name=project)
    flow = view.storage.get_flow(view.name)
    state = flow.run()
    if not state.is_successful():
        print(f"flow run failed: {state.message}", file=sys.stderr)
        return 1
    (read_task,) = flow.get_tasks(name="read")
    print(f"flow {view.flow_id} from {type(view.storage).__name__} storage")
    print(state.result[read_task].result.to_string(float_format=str))
    # SaturnCluster.__del__ asks the platform for the cluster's status: let it run now, while
    # the platform answers, rather than at interpreter exit.
    del state
    gc.collect()
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
