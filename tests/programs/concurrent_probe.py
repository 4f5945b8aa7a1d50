"""The probes tests/e2e/test_concurrent_runs.py adds to a copy of the notebook. The cells it adds import
this module (from ``$TEST_PROGRAMS``) and have cloudpickle send it by value with the flow, so that
:func:`note_cluster`, a state handler on ``read``, runs in the flow-run process.
"""

import json
import os
import stat
from pathlib import Path


def note_cluster(task, old_state, new_state):
    """A state handler on ``read``: when it starts running (in the flow-run process), the cluster it
    runs on, into ``$RUN_PROBE_DIR/cluster.json``."""
    if new_state.is_running():
        from distributed import default_client

        with open(os.path.join(os.environ["RUN_PROBE_DIR"], "cluster.json"), "w") as f:
            # cluster_url is dask-saturn's: the stand-in's
            json.dump(
                {"scheduler": default_client().scheduler.address, "cluster_url": default_client().cluster.cluster_url},
                f,
            )
    return new_state


def report(connection, project_id: str, flow_id: str) -> None:
    """What this run used, in the kernel after the run: one line, ``RUN-PROBE`` and JSON; no secret is
    printed (whether auth.toml holds the run's own key is a yes or no)."""
    import prefect
    import toml

    home = Path(os.environ["PREFECT__HOME_DIR"])
    used = json.loads((Path(os.environ["RUN_PROBE_DIR"]) / "cluster.json").read_text())
    auth = toml.loads((home / "auth.toml").read_text())
    # prefect's own reading of auth.toml: the section of the API this run uses, if there is one
    own = prefect.Client().load_auth_from_disk()
    found = {
        "kernel_pid": os.getpid(),
        "standin_url": connection.standin.url,
        "standin_pid": connection.standin.proc.pid,
        "prefect_home": str(home),
        "auth_mode": stat.S_IMODE((home / "auth.toml").stat().st_mode),
        "auth_sections": sorted(auth),
        "own_key_matches": own.get("api_key") == os.environ["PREFECT_USER_TOKEN"],
        "scheduler": used.get("scheduler"),
        "cluster_url": used.get("cluster_url"),
        "project_id": project_id,
        "flow_id": flow_id,
    }
    print("RUN-PROBE " + json.dumps(found))
