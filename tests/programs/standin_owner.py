"""A notebook's process, as far as the stand-in is concerned: ``connect()`` starts a stand-in, and a
2-worker cluster is made through dask-saturn; then ``ready`` is printed.

Usage: ``python tests/programs/standin_owner.py exit|sigkill`` — ``exit``: a normal exit at once (atexit
stops the stand-in); anything else: sleep until killed (tests/component/test_standin_owner.py sends SIGKILL).
"""

import sys
import time

from tutorial_kit.notebook.connect import connect

cluster = None  # kept until the interpreter exits, as a notebook's kernel keeps it


def main(mode: str) -> None:
    global cluster
    connect("owner")
    from dask_saturn import SaturnCluster  # after connect(), as in the notebook

    cluster = SaturnCluster(n_workers=2)
    print("ready", flush=True)
    if mode == "exit":
        sys.exit(0)  # a normal exit: atexit stops the stand-in
    time.sleep(120)  # wait for SIGKILL


if __name__ == "__main__":
    main(sys.argv[1])
