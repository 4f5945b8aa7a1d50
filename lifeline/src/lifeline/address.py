"""The address file of a shared server: where a long-lived server (``make standin``, ``make prefect3-server``) tells
the runs that start later how to reach it.

It is written atomically (a reader never sees half a file) and 0600 (it may hold the server's keys), with the
server's pid, and it is taken for an address only while that process lives and the server answers: a file left by a
server that was killed, or whose port another program took since, is no address. :func:`free_port` is a port for
such a server to take.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
from collections.abc import Callable
from pathlib import Path


def write(path: Path, address: dict) -> None:
    """Write ``address`` (a JSON object that holds the server's ``pid``) to ``path``, atomically, mode 0600; its
    folder is made 0700 when it does not exist."""
    if not isinstance(address.get("pid"), int):
        raise ValueError(f"an address file names its server's process: {sorted(address)} has no pid")
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(tmp, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(address, f)
    os.replace(tmp, path)


def find(path: Path, answers: Callable[[dict], bool]) -> dict | None:
    """The address in ``path`` when its process lives and ``answers(address)`` is true, else None (no file, half a
    file of another format, a dead process, a server that does not answer)."""
    try:
        address = json.loads(path.read_text())
        pid = address["pid"]
    except (OSError, ValueError, TypeError, KeyError):
        return None
    return address if isinstance(pid, int) and alive(pid) and answers(address) else None


def remove(path: Path, pid: int | None = None) -> None:
    """Remove ``path`` if it is still the address of process ``pid`` (this one by default): a server that ends never
    removes the address of another that took its place."""
    pid = os.getpid() if pid is None else pid
    with contextlib.suppress(OSError, ValueError, TypeError, KeyError):
        if json.loads(path.read_text())["pid"] == pid:
            path.unlink()


def alive(pid: int) -> bool:
    """Whether process ``pid`` exists (a zombie counts: it has not been reaped yet)."""
    if pid <= 0:  # 0 and negative numbers name process groups, not a process
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def free_port(host: str = "127.0.0.1") -> int:
    """A port on ``host`` that nothing listens on now, for a server to bind (the kernel's choice of a free one)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]
