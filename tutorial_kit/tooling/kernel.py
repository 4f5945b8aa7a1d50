"""The project's Jupyter kernel, ``prefect-tutorial``: the repo's Python, talking over IPC.

Why a kernel of its own: a kernel started by papermill, nbclient, nbval or JupyterLab talks to
them over ZeroMQ sockets, by default TCP on 127.0.0.1, and ipykernel then warns on every start
"Kernel is running over TCP without encryption ... susceptible to eavesdropping", which every
user of ``make run`` reads as a security problem of this repo.  Over IPC the sockets are files in a
private folder (0700), out of reach of the network and of other users, and ipykernel has nothing
to warn about.

jupyter_client decides the transport on the client side, so the kernel's spec names a kernel
*provisioner* (jupyter_client's plug-in point, registered as an entry point in
``pyproject.toml``) that switches the kernel manager to IPC before the connection file is
written.  The notebook's metadata names this kernel, so ``papermill notebooks/...`` works the same
from any shell once the repo's environment is set up (``make`` installs the spec into ``.venv``).

``python -m tutorial_kit.tooling.kernel [--user | --prefix ENV] [--name KERNEL]`` installs the spec: into this
environment by default, into the user's Jupyter folder with ``--user`` (for a Jupyter server that runs elsewhere, as
on Saturn Cloud: without the provisioner, which that server's environment may not have, so over TCP), into another
environment with ``--prefix`` (the companion's kernel into ``.venv``, for JupyterLab and nbval).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from jupyter_client.provisioning import LocalProvisioner

#: The kernel's name, in the notebook's metadata and in the spec's folder name.
KERNEL_NAME = "prefect-tutorial"
#: The companion notebook's kernel (Prefect 3, in .venv-prefect3/): the same spec, another interpreter.
PREFECT3_KERNEL_NAME = "prefect3-tutorial"
#: What JupyterLab's launcher and kernel menu show, per kernel.
DISPLAY_NAMES = {
    KERNEL_NAME: "Python (prefect-tutorial)",
    PREFECT3_KERNEL_NAME: "Python (prefect3-tutorial, Prefect 3)",
}
#: The provisioner's entry-point name (``pyproject.toml``, group ``jupyter_client.kernel_provisioners``).
PROVISIONER_NAME = "tutorial-ipc-provisioner"


class IPCProvisioner(LocalProvisioner):
    """A local kernel whose sockets are IPC files in a private folder of its own.

    The folder is a fresh ``mkdtemp`` (mode 0700) rather than Jupyter's runtime folder: a socket
    path may hold at most 107 bytes, which a runtime folder under a deep ``HOME`` exceeds. It is
    removed when the kernel is shut down (not when it restarts, which reuses it)."""

    socket_folder: str | None = None

    async def pre_launch(self, **kwargs):
        manager = self.parent
        if manager is not None and manager.transport != "ipc":
            if self.socket_folder is None:
                self.socket_folder = tempfile.mkdtemp(prefix="kernel-")
            manager.transport = "ipc"
            manager.ip = os.path.join(self.socket_folder, "ipc")  # sockets: ipc-1 ... ipc-5
        return await super().pre_launch(**kwargs)

    async def cleanup(self, restart: bool = False) -> None:
        await super().cleanup(restart=restart)
        if not restart and self.socket_folder is not None:
            shutil.rmtree(self.socket_folder, ignore_errors=True)
            self.socket_folder = None


def kernel_spec(python: str = sys.executable, name: str = KERNEL_NAME, ipc: bool = True) -> dict:
    """The spec of kernel ``name``, ``python``'s; with ``ipc``, started by :class:`IPCProvisioner`, which only a
    Jupyter that has this kit installed can load (jupyter_client refuses a spec whose provisioner it lacks)."""
    metadata = {"debugger": True}
    if ipc:
        metadata["kernel_provisioner"] = {"provisioner_name": PROVISIONER_NAME}
    return {
        "argv": [python, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": DISPLAY_NAMES[name],
        "language": "python",
        "metadata": metadata,
        "kernel_protocol_version": "5.5",
    }


def install(user: bool = False, name: str = KERNEL_NAME, prefix: str | None = None) -> Path:
    """Write the spec ``name`` for this Python (``sys.executable``, an absolute path): into this environment, the
    user's Jupyter folder (``user``) or another environment (``prefix``, whose Jupyter then finds it); returns its
    folder. For the user's folder, without the IPC provisioner: the Jupyter that reads it there may run from an
    environment without this kit (Saturn Cloud's), and its kernel then talks over TCP on 127.0.0.1, as Jupyter's
    kernels do by default."""
    from jupyter_core.paths import jupyter_data_dir

    base = Path(jupyter_data_dir()) if user else Path(prefix or sys.prefix) / "share" / "jupyter"
    folder = base / "kernels" / name
    folder.mkdir(parents=True, exist_ok=True)
    spec = kernel_spec(sys.executable, name, ipc=not user)
    (folder / "kernel.json").write_text(json.dumps(spec, indent=1) + "\n")
    return folder


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tutorial_kit.tooling.kernel", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--user", action="store_true", help="install into your Jupyter data folder, not this environment"
    )
    parser.add_argument("--name", choices=sorted(DISPLAY_NAMES), default=KERNEL_NAME, help="the kernel to install")
    parser.add_argument("--prefix", help="install into this environment (its Jupyter finds it), not this one")
    args = parser.parse_args(argv)
    print(f"Installed kernel {args.name!r} in {install(args.user, args.name, args.prefix)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
