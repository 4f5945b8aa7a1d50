"""Entry point of the stand-in process: ``python -m standin [shared | env]``.

- no subcommand: a notebook's private stand-in, started by ``process.StandIn.start`` (not meant
  to be typed by hand). Its two secrets come from the environment (never argv, which any user can
  read in ``ps``). It prints one JSON line with its URL when ready, and stops when its standard
  input closes, which is what happens when the process that started it exits, even if that
  process is killed: nothing outlives it.
- ``shared``: the shared stand-in (``make standin``, see ``client/shared.py``) in the foreground, until
  Ctrl-C or SIGTERM, with its state in SQLite.
- ``env``: ``export`` lines that point a shell at the running shared stand-in:
  ``eval "$(.venv/bin/python -m standin env)"``; a one-line error when none runs.
"""

import argparse
import asyncio
import json
import logging
import os
import signal
import sys

from lifeline.parent import on_parent_exit

from .client.protocol import (
    DEFAULT_USERNAME,
    FAULTS_VAR,
    PREFECT_API_KEY_VAR,
    SATURN_TOKEN_VAR,
    SCHEDULER_EXAMPLE,
    TOKEN_VARS,
    check_scheduler_address,
    new_secret,
)
from .client.shared import (
    LOG,
    STATE,
    SharedStandIn,
    not_running_message,
    remove_discovery,
    shared_home,
    write_discovery,
)
from .faults import FaultSet, FaultSpecError
from .server import Platform, serve
from .services.agent import heartbeat_seconds
from .store import Store

LOG_FORMAT = "%(asctime)s %(name)s %(levelname)s %(message)s"


def main(argv=None) -> int:
    args, extra = command_line().parse_known_args(sys.argv[1:] if argv is None else list(argv))
    if extra:  # said by the command's own parser, as without subcommands: "python -m standin env: error: ..."
        args.parser.error(f"unrecognized arguments: {' '.join(extra)}")
    return args.run(args.parser, args)


def command_line() -> argparse.ArgumentParser:
    """``python -m standin``: with no command, a notebook's private stand-in (its options are the
    top level's); the commands ``shared`` and ``env``, each with options of its own."""
    private = argparse.ArgumentParser(prog="python -m standin", description=__doc__)
    private.add_argument("--username", help="the emulated Saturn user (required without a command)")
    _common_options(private)
    private.set_defaults(run=main_private, parser=private)
    commands = private.add_subparsers(title="commands", metavar="{shared,env}")
    shared = commands.add_parser(
        "shared",
        help="the shared stand-in (make standin), in the foreground",
        description="The shared stand-in (make standin), until Ctrl-C or SIGTERM.",
    )
    shared.add_argument(
        "--username", default=None, help=f"the emulated Saturn user (first start: {DEFAULT_USERNAME}; then kept)"
    )
    _common_options(shared)
    shared.set_defaults(run=main_shared, parser=shared)
    env = commands.add_parser(
        "env",
        help="export lines that point a shell at the shared stand-in",
        description='Print export lines for the shared stand-in: eval "$(.venv/bin/python -m standin env)"',
    )
    env.set_defaults(run=main_env, parser=env)
    return private


def _common_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: a free one)")
    parser.add_argument(
        "--dask-scheduler",
        metavar="ADDRESS",
        type=_scheduler_address,
        default=None,
        help=f"hand out the Dask cluster whose scheduler is at ADDRESS (e.g. {SCHEDULER_EXAMPLE}) instead of "
        "starting a LocalCluster; the stand-in never scales or stops it",
    )


def _platform(
    parser, saturn_token: str, prefect_api_key: str, username: str, dask_scheduler, store: Store | None = None
) -> Platform:
    try:  # test-only: faults armed from the start (see faults/__init__.py)
        faults = FaultSet.from_env()
    except FaultSpecError as exc:
        parser.error(f"{FAULTS_VAR}: {exc}")
    os.environ.pop(FAULTS_VAR, None)  # not inherited by the clusters' or the flow runs' processes
    try:
        heartbeat = heartbeat_seconds()
    except ValueError as exc:
        parser.error(str(exc))
    platform = Platform.create(
        saturn_token=saturn_token,
        prefect_api_key=prefect_api_key,
        username=username,
        dask_scheduler=dask_scheduler,
        faults=faults,
        store=store,
        heartbeat=heartbeat,
    )
    if dask_scheduler:
        logging.getLogger("standin").info(
            "Dask clusters: the user's own, at %s (never scaled or stopped)", dask_scheduler
        )
    return platform


def _run(platform: Platform, port: int, on_ready, watch_stdin: bool, any_port: bool = False) -> None:
    async def run() -> None:
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        if watch_stdin:  # our parent closed the pipe or died
            on_parent_exit(lambda: loop.call_soon_threadsafe(stop.set))
        await serve(platform, stop, port=port, on_ready=on_ready, any_port=any_port)

    asyncio.run(run())


# -- a notebook's private stand-in ----------------------------------------------------------------
def main_private(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if args.username is None:
        parser.error("the following arguments are required: --username")
    missing = [v for v in TOKEN_VARS if not os.environ.get(v)]
    if missing:
        parser.error(f"set {' and '.join(missing)} in the environment")
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format=LOG_FORMAT)
    platform = _platform(
        parser,
        os.environ.pop(SATURN_TOKEN_VAR),
        os.environ.pop(PREFECT_API_KEY_VAR),
        args.username,
        args.dask_scheduler,
    )
    _run(platform, args.port, lambda url: print(json.dumps({"url": url}), flush=True), watch_stdin=True)
    return 0


# -- the shared stand-in ------------------------------------------------------------------------
def main_shared(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    home = shared_home()
    running = SharedStandIn.find(home)
    if running is not None:
        parser.exit(
            1,
            f"{parser.prog}: a shared stand-in already runs at {running.url} (PID {running.pid}): "
            "use it, or stop it first\n",
        )
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(home, 0o700)
    logging.basicConfig(
        level=logging.INFO,
        format=LOG_FORMAT,
        handlers=[logging.StreamHandler(sys.stderr), _private_file_handler(home / LOG)],
    )
    store = Store(home / STATE)
    saturn_token = _kept(store, "saturn_token", new_secret)
    prefect_api_key = _kept(store, "prefect_api_key", new_secret)
    username = args.username or store.get_meta("username") or DEFAULT_USERNAME
    store.set_meta("username", username)
    port = args.port or int(store.get_meta("port") or 0)
    platform = _platform(parser, saturn_token, prefect_api_key, username, args.dask_scheduler, store)
    runs = len(platform.prefect_cloud.flow_runs)

    def ready(url: str) -> None:
        store.set_meta("port", url.rsplit(":", 1)[1])
        write_discovery(
            home,
            SharedStandIn(
                url=url,
                pid=os.getpid(),
                username=username,
                tenant_id=platform.prefect_cloud.tenant_id,
                saturn_token=saturn_token,
                prefect_api_key=prefect_api_key,
            ),
        )
        print(
            f"Shared stand-in of Saturn Cloud and Prefect Cloud at {url}\n"
            f"  state: {home / STATE} ({len(platform.prefect_cloud.flows)} flow versions, {runs} flow runs)\n"
            f"  notebook runs and `make run` use it while it runs; Ctrl-C stops it\n"
            f'  in a shell: eval "$(.venv/bin/python -m standin env)"',
            file=sys.stderr,
            flush=True,
        )

    try:
        _run(platform, port, ready, watch_stdin=False, any_port=True)
    finally:
        remove_discovery(home, os.getpid())
    return 0


def _kept(store: Store, key: str, make) -> str:
    value = store.get_meta(key)
    if not value:
        value = make()
        store.set_meta(key, value)
    return value


def _private_file_handler(path) -> logging.Handler:
    fd = os.open(path, os.O_CREAT | os.O_APPEND | os.O_WRONLY, 0o600)
    os.close(fd)
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    return handler


def main_env(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    home = shared_home()
    standin = SharedStandIn.find(home)
    if standin is None:
        print(f"{parser.prog}: {not_running_message(home)}", file=sys.stderr)
        return 1
    sys.stdout.write(standin.shell_exports(home))
    return 0


def _scheduler_address(value: str) -> str:
    try:
        return check_scheduler_address(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a scheduler address like {SCHEDULER_EXAMPLE}: {exc}"
        ) from None  # exc's text is in the message: argparse prints only the message


if __name__ == "__main__":
    sys.exit(main())
