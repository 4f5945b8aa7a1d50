"""lifeline imports the standard library and itself only: neither the stand-in nor the tutorial's kit (both import
it), nor any third-party package, so that each of them can install it alone."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "lifeline"


def imported_tops(source: str) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name.partition(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level:
            found.add(node.module.partition(".")[0])
    return found


def test_lifeline_imports_the_standard_library_and_itself_only():
    tops = set().union(*(imported_tops(p.read_text()) for p in SRC.rglob("*.py")))
    assert tops, "no import found: the reader sees nothing"
    assert sorted(tops - set(sys.stdlib_module_names) - {"lifeline", "__future__"}) == []


def test_the_reader_finds_a_forbidden_import():
    assert imported_tops("import psutil\nfrom standin.client import StandIn\nfrom . import homes\n") == {
        "psutil",
        "standin",
    }
