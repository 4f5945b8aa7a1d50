"""The companion's flow file, ``flows/taxi_std.py`` under the server's home: its first lines, which the notebook's flow
cells then append themselves to (``%%writefile -a``) when they run.

Why its first lines hold constants: what the flow reads (``COLUMNS``, ``DTYPES``, ``BLOCKSIZE``) is set once, in the
notebook's cell before ``connect()``, because the parameters' checks check ``data_url``'s data for it before a server
starts; the flow's file takes the values that cell set, so that the deployment reads what the notebook checked.
"""

from __future__ import annotations

from pathlib import Path

#: The file's first line: where its code comes from.
HEADER = '"""The companion\'s flow, as its cells wrote it (%%writefile -a) when they ran."""\n'


def first_lines(**constants) -> str:
    """:data:`HEADER`, then each of ``constants`` as ``NAME = value``, in order."""
    return HEADER + "\n" + "".join(f"{name} = {value!r}\n" for name, value in constants.items())


def start_flow_file(path, **constants) -> Path:
    """Write ``path`` anew with :func:`first_lines`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(first_lines(**constants))
    return path
