"""distributed's shim: what a Nanny puts into its own process's environment before it starts a
worker process (``distributed.nanny.pre-spawn-environ``, read as the Nanny reads it, with the
``PYTHONHASHSEED`` it adds). ``saturn/clusters.py`` puts it into the stand-in's environment before
it starts the fork server that the workers are forked from, since a forked worker starts with the
server's environment.

What it relies on (the distributed that requirements/notebook.txt pins): a ``Nanny`` computes
``pre_spawn_env`` when it is made, and one that is made but not started contacts nothing. It is
made in an event loop of its own, as a Nanny expects (tornado deprecates finding none). Its test:
``standin/tests/component/test_standin_shims.py``.
"""

from __future__ import annotations

import asyncio


def worker_spawn_environ() -> dict[str, str]:
    """The variables a Nanny sets in its process before it starts a worker, with their values
    (in a thread without an event loop: the stand-in calls it from one)."""

    async def read() -> dict[str, str]:
        from distributed import Nanny

        return dict(Nanny("tcp://127.0.0.1:0").pre_spawn_env)

    return asyncio.run(read())
