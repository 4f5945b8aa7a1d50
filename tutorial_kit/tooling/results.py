"""Read the flow's result back out of an executed notebook.

The notebook prints the std per VendorID at full precision in the cell tagged ``result``;
``make run`` prints that cell, and the tests parse it to compare numbers exactly.
"""

from __future__ import annotations

import re
import sys

RESULT_TAG = "result"
_ROW = re.compile(r"^\s*(\d+)\s+(\S+)\s*$")


class ResultNotFound(LookupError):
    pass


def result_text(notebook_path) -> str:
    import nbformat

    nb = nbformat.read(notebook_path, as_version=4)
    for cell in nb.cells:
        if RESULT_TAG in cell.get("metadata", {}).get("tags", []):
            text = "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("name") == "stdout")
            if text:
                return text
            raise ResultNotFound(f"{notebook_path}: the cell tagged {RESULT_TAG!r} has no output (did the run fail?)")
    raise ResultNotFound(f"{notebook_path}: no cell tagged {RESULT_TAG!r}")


def parse_result(text: str) -> dict[int, float]:
    """``{VendorID: std}`` from the printed result (``{}`` when it says the result is empty)."""
    from ..notebook.report import EMPTY

    if EMPTY in text:
        return {}
    rows = {int(m[1]): float(m[2]) for line in text.splitlines() if (m := _ROW.match(line))}
    if not rows:
        raise ResultNotFound(f"no 'VendorID std' rows in {text!r}")
    return rows


def read_result(notebook_path) -> dict[int, float]:
    return parse_result(result_text(notebook_path))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m tutorial_kit.tooling.results EXECUTED_NOTEBOOK.ipynb")
    try:
        sys.stdout.write(result_text(sys.argv[1]))
    except (ResultNotFound, FileNotFoundError) as exc:
        sys.exit(str(exc))
