"""The probes tests/e2e/test_secrets.py adds to a copy of the notebook, imported by the cells it adds
(from ``$TEST_PROGRAMS``); none prints a secret. Their findings go to files in ``$SECRETS_TEST_DIR``.
"""

import json
import os
import stat
import string
from pathlib import Path


def dump_tokens() -> None:
    """Hand the tokens this kernel uses to the test, through a file (``tokens.json``)."""
    with open(os.path.join(os.environ["SECRETS_TEST_DIR"], "tokens.json"), "w") as f:
        json.dump(
            {"SATURN_TOKEN": os.environ["SATURN_TOKEN"], "PREFECT_USER_TOKEN": os.environ["PREFECT_USER_TOKEN"]}, f
        )


def reprs_and_stored(connection, flow, flow_run, prefect_client, integration) -> None:
    """Print the reprs a user may display (the notebook's objects), and write what the platforms stored:
    the bytes Saturn's Webhook storage holds (an agent downloads them), every registered version of the
    flow in Prefect Cloud, and the run's Prefect home (``auth.json``: modes, files, whether it holds the key)."""
    import prefect
    import requests

    folder = Path(os.environ["SECRETS_TEST_DIR"])
    for obj in (
        connection,
        getattr(connection, "standin", None),
        flow,
        flow.storage,
        flow.run_config,
        flow.executor,
        flow_run,
        prefect_client,
        integration,
        prefect.Client(),
        prefect.context.config.cloud,
    ):
        print(repr(obj))
    print(flow.storage.build_request_kwargs, flow.storage.get_flow_request_kwargs)
    # what Saturn's Webhook storage holds: the bytes an agent downloads, with the request's ${VARIABLES}
    # filled in from the environment as the Webhook storage fills them in
    request = flow.storage.get_flow_request_kwargs
    content = requests.get(
        string.Template(request["url"]).substitute(os.environ),
        headers={name: string.Template(value).substitute(os.environ) for name, value in request["headers"].items()},
        timeout=30,
    )
    content.raise_for_status()
    (folder / "saturn-flow-content.pickle").write_bytes(content.content)
    # what Prefect Cloud holds: every registered version of the flow
    stored = prefect.Client().graphql(
        'query { flow(where: {name: {_eq: "prefect-resource-manager"}}) { id serialized_flow storage run_config } }'
    )
    (folder / "prefect-cloud-flows.json").write_text(json.dumps(stored))
    home = Path(os.environ["PREFECT__HOME_DIR"])
    auth = home / "auth.toml"
    found = {
        "home": str(home),
        "home_mode": stat.S_IMODE(home.stat().st_mode),
        "auth_mode": stat.S_IMODE(auth.stat().st_mode),
        "holds_the_key": os.environ["PREFECT_USER_TOKEN"] in auth.read_text(),
        "files": sorted(p.name for p in home.iterdir()),
    }
    (folder / "auth.json").write_text(json.dumps(found))
