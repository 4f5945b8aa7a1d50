"""The stand-in's boundary, read from the source: what may import what.

1. Nothing in the stand-in imports the tutorial's kit (``tutorial_kit``): it is a product of its own.
2. No request-handling code (the core pipeline, ``web.py``, the two APIs, the pages) imports the
   test-only fault room or its client (``standin.faults``, ``standin.testing``): the room joins
   the pipeline through a request hook that ``server.py`` mounts.
3. The public client (``standin.client``) imports nothing of the emulator, so a notebook's kernel
   never loads tornado or graphql-core through it.
4. The kit imports nothing of the stand-in but ``standin.client``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
PACKAGE = SRC / "standin"
KIT = SRC.parents[1] / "tutorial_kit"
REQUEST_HANDLING = ("standin.core", "standin.web", "standin.saturn", "standin.prefect_cloud", "standin.ui")
FAULT_ROOM = ("standin.faults", "standin.testing")


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, root: Path) -> set[str]:
    """Every module ``path`` imports, as absolute names (relative imports resolved)."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def under(module: str, prefixes) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def violations(root: Path, importers, forbidden) -> list[str]:
    return sorted(
        f"{module_name(path, root)} imports {imported}"
        for path in root.rglob("*.py")
        if under(module_name(path, root), importers)
        for imported in imports_of(path, root)
        if forbidden(imported)
    )


def test_nothing_in_the_standin_imports_the_kit():
    assert violations(SRC, ["standin"], lambda m: under(m, ["tutorial_kit"])) == []


def test_no_request_handling_code_imports_the_fault_room():
    assert violations(SRC, REQUEST_HANDLING, lambda m: under(m, FAULT_ROOM)) == []


def test_the_client_imports_nothing_of_the_emulator():
    assert (
        violations(SRC, ["standin.client"], lambda m: under(m, ["standin"]) and not under(m, ["standin.client"])) == []
    )


def test_the_kit_imports_only_the_standins_client():
    root = KIT.parent
    assert (
        violations(root, ["tutorial_kit"], lambda m: under(m, ["standin"]) and not under(m, ["standin.client"])) == []
    )


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from ..faults.exceptions import InjectedError", "standin.faults.exceptions"),
        ("from tutorial_kit.paths import REPO_ROOT", "tutorial_kit.paths"),
        ("import standin.testing", "standin.testing"),
    ],
)
def test_the_reader_sees_each_kind_of_import(tmp_path, source, expected):
    """The rules above would pass on a reader that sees nothing: this one must find each form."""
    path = tmp_path / "standin" / "core" / "responses.py"
    path.parent.mkdir(parents=True)
    path.write_text(source + "\n")
    assert expected in imports_of(path, tmp_path)
