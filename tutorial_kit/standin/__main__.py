"""Entry point of the stand-in process: ``python -m tutorial_kit.standin``.

Started by ``process.StandIn.start``; not meant to be typed by hand. The two secrets come
from the environment (never argv, which any user can read in ``ps``). It prints one JSON line
with its URL when ready, and stops when its standard input closes, which is what happens when
the process that started it exits, even if that process is killed: nothing outlives it.
"""

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
import threading

from .faults import ENV_VAR as FAULTS_VAR
from .faults import FaultSet, FaultSpecError
from .saturn.clusters import SCHEDULER_EXAMPLE, check_scheduler_address
from .server import Platform, serve
from .services.agent import heartbeat_seconds

TOKEN_VARS = ("STANDIN_SATURN_TOKEN", "STANDIN_PREFECT_API_KEY")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tutorial_kit.standin", description=__doc__)
    parser.add_argument("--username", required=True, help="the emulated Saturn user")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: a free one)")
    parser.add_argument(
        "--dask-scheduler", metavar="ADDRESS", type=_scheduler_address, default=None,
        help=f"hand out the Dask cluster whose scheduler is at ADDRESS (e.g. {SCHEDULER_EXAMPLE}) instead of "
             "starting a LocalCluster; the stand-in never scales or stops it",
    )
    args = parser.parse_args(argv)
    missing = [v for v in TOKEN_VARS if not os.environ.get(v)]
    if missing:
        parser.error(f"set {' and '.join(missing)} in the environment")

    logging.basicConfig(
        stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s"
    )
    try:  # test-only: faults armed from the start (see faults.py)
        faults = FaultSet.from_env()
    except FaultSpecError as exc:
        parser.error(f"{FAULTS_VAR}: {exc}")
    os.environ.pop(FAULTS_VAR, None)  # not inherited by the clusters' processes
    try:
        heartbeat = heartbeat_seconds()
    except ValueError as exc:
        parser.error(str(exc))
    platform = Platform.create(
        saturn_token=os.environ.pop("STANDIN_SATURN_TOKEN"),
        prefect_api_key=os.environ.pop("STANDIN_PREFECT_API_KEY"),
        username=args.username,
        dask_scheduler=args.dask_scheduler,
        faults=faults,
        heartbeat=heartbeat,
    )
    if args.dask_scheduler:
        logging.getLogger("tutorial_kit.standin").info(
            "Dask clusters: the user's own, at %s (never scaled or stopped)", args.dask_scheduler)

    async def run() -> None:
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)

        def watch_parent() -> None:
            sys.stdin.buffer.read()  # returns at EOF: our parent closed the pipe or died
            loop.call_soon_threadsafe(stop.set)

        threading.Thread(target=watch_parent, name="parent-watch", daemon=True).start()

        def ready(url: str) -> None:
            print(json.dumps({"url": url}), flush=True)

        await serve(platform, stop, port=args.port, on_ready=ready)

    asyncio.run(run())
    return 0


def _scheduler_address(value: str) -> str:
    try:
        return check_scheduler_address(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{value!r} is not a scheduler address like {SCHEDULER_EXAMPLE}: {exc}")


if __name__ == "__main__":
    sys.exit(main())
