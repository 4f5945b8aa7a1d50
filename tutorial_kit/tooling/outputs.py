"""Regenerate a notebook's stored outputs: ``python -m tutorial_kit.tooling.outputs NOTEBOOK`` (``make outputs``).

Stored outputs are what nbval compares against, so they are never edited by hand. The notebook
is executed top to bottom in its own folder (as Jupyter and nbval run it), with its own kernel and its default
parameters, against a local stand-in (the companion: a Prefect 3 server) started for the run, never a shared one that
may be running (``make standin``, ``make prefect3-server``: their state is a developer's), and written back only if
every cell succeeded. No timing metadata is recorded, so a re-run changes only what truly varies.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from standin.client import TICKET_IN_URL
from standin.client.protocol import SHARED_HOME_VAR

from ..files import atomic_output
from ..notebook.connect import SATURN_VARS
from ..prefect3.server import SHARED_FILE_VAR
from .kernel import KERNEL_NAME


def regenerate(path: Path, timeout: int = 600) -> None:
    import nbformat

    if any(os.environ.get(v) for v in SATURN_VARS):
        sys.exit("unset SATURN_BASE_URL and SATURN_TOKEN: stored outputs come from the local stand-in")
    nb = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory(prefix="no-shared-") as nowhere:  # no shared stand-in or server answers there
        os.environ.update({SHARED_HOME_VAR: nowhere, SHARED_FILE_VAR: os.path.join(nowhere, "none.json")})
        _execute(nb, path, timeout)
    redact_tickets(nb)
    with atomic_output(path) as tmp:  # an interrupted run never leaves a half-written notebook
        nbformat.write(nb, tmp)


def _execute(nb, path: Path, timeout: int) -> None:
    from nbclient import NotebookClient

    NotebookClient(
        nb,
        timeout=timeout,
        kernel_name=nb.metadata.get("kernelspec", {}).get("name", KERNEL_NAME),  # the companion's: prefect3-tutorial
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()


def redact_tickets(nb) -> None:
    """The URLs of the stand-in's pages carry a ticket that opens them (``standin.client.tickets``):
    the committed notebook keeps none, even an expired one of a stand-in long gone."""
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if isinstance(output.get("text"), str):
                output["text"] = TICKET_IN_URL.sub(r"\1TICKET/", output["text"])


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m tutorial_kit.tooling.outputs NOTEBOOK.ipynb")
    regenerate(Path(sys.argv[1]))
