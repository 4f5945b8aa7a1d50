"""The repo's prose, line by line, wherever it is written: Markdown pages, the notebooks' markdown cells and the
comments of their code cells, Python docstrings and comments, and the comments of the set-up files (Makefile, TOML,
YAML, requirements, shell, config).

Why: a fact written in several places goes stale in all but the one that changed. The checks of
``tests/unit/test_prose.py`` read every sentence from here, so that a path, a ``make`` target, a module or a cited
heading that no longer exists is found wherever it is written, comments included.
"""

from __future__ import annotations

import ast
import io
import json
import re
import subprocess
import tokenize
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePosixPath

from tutorial_kit.paths import REPO_ROOT

#: Files whose text is data, pictures, a generated file or a third party's, not the repo's prose: the bundled sample,
#: the screenshots, the pins `make lock` writes (their comments are uv's) and the result file, the pages' templates
#: (their text is checked in a browser), the recipe and JupyterLab's defaults (JSON has no comments).
NOT_PROSE = (".csv", ".png", ".txt", ".html", ".json")
#: How a comment starts in the set-up files that are neither Python nor Markdown.
_CONFIG_COMMENT = re.compile(r"(?:^|\s)#")


@dataclass(frozen=True)
class Passage:
    """One line of prose: where it is (the file, repo-relative, with ``#cell N`` for a notebook's cell) and its text."""

    file: str
    line: int
    text: str
    kind: str  # "markdown", "notebook", "docstring" or "comment"

    @property
    def path(self) -> PurePosixPath:
        """The file it is in, repo-relative (a notebook's, for a cell)."""
        return PurePosixPath(self.file.partition("#")[0])

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.text.strip()}"


@cache
def tracked_files(root: Path = REPO_ROOT) -> tuple[str, ...]:
    """The files git tracks, repo-relative: what a clean clone holds."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=root, capture_output=True, text=True, check=True).stdout
    return tuple(name for name in listed.split("\0") if name and (root / name).exists())


def passages(root: Path = REPO_ROOT) -> list[Passage]:
    """Every line of prose of the tracked files under ``root``."""
    found: list[Passage] = []
    for name in tracked_files(root):
        path = root / name
        if path.suffix in NOT_PROSE or (name.startswith("data/") and path.suffix != ".md"):
            continue
        found.extend(passages_of(name, path.read_text(encoding="utf-8", errors="replace")))
    return found


def passages_of(name: str, text: str) -> list[Passage]:
    """The prose of one file, named ``name`` (its suffix says how to read ``text``)."""
    suffix = PurePosixPath(name).suffix
    if suffix == ".md":
        return [Passage(name, n, line, "markdown") for n, line in enumerate(text.splitlines(), 1)]
    if suffix == ".ipynb":
        return _notebook(name, text)
    if suffix == ".py" or text.startswith("#!/usr/bin/env python"):
        return _python(name, text)
    return [
        Passage(name, n, line[found.end() - 1 :], "comment")
        for n, line in enumerate(text.splitlines(), 1)
        if (found := _CONFIG_COMMENT.search(line))
    ]


def _notebook(name: str, text: str) -> list[Passage]:
    found = []
    for index, cell in enumerate(json.loads(text)["cells"]):
        source = "".join(cell["source"])
        where = f"{name}#cell {index}"
        if cell["cell_type"] == "markdown":
            found += [Passage(where, n, line, "notebook") for n, line in enumerate(source.splitlines(), 1)]
        elif cell["cell_type"] == "code" and source.startswith("%%"):  # a cell magic's cell (%%bash): shell comments
            found += [p for p in passages_of(f"{where}.sh", source) if p.line > 1]
        elif cell["cell_type"] == "code":
            # IPython's line magics (%time, !cmd) are not Python: blank them, keeping the line numbers
            python = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())
            found += [Passage(where, p.line, p.text, p.kind) for p in _python(where, python, docstrings=False)]
    return found


def _python(name: str, text: str, docstrings: bool = True) -> list[Passage]:
    """Comments and docstrings: what a reader of the code reads as prose."""
    found = [
        Passage(name, token.start[0], token.string, "comment")
        for token in tokenize.generate_tokens(io.StringIO(text).readline)
        if token.type == tokenize.COMMENT
    ]
    if docstrings:
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                doc = node.body[0] if node.body else None
                if (
                    isinstance(doc, ast.Expr)
                    and isinstance(doc.value, ast.Constant)
                    and isinstance(doc.value.value, str)
                ):
                    lines = doc.value.value.splitlines()
                    found += [Passage(name, doc.lineno + i, line, "docstring") for i, line in enumerate(lines)]
    return sorted(found, key=lambda p: p.line)


def paragraphs(found: list[Passage]) -> list[Passage]:
    """``found``'s lines joined into paragraphs: the lines of one file and kind that follow each other, without their
    comment marks, each paragraph at its first line. A sentence may wrap; a path or a title cited in it then too."""
    joined: list[Passage] = []
    for passage in found:
        text = re.sub(r"^\s*#+:?\s?", "", passage.text) if passage.kind == "comment" else passage.text.strip()
        last = joined[-1] if joined else None
        if (
            last
            and last.file == passage.file
            and last.kind == passage.kind
            and last.line + last.text.count("\n") + 1 == passage.line
            and text
        ):
            joined[-1] = Passage(last.file, last.line, f"{last.text}\n{text}", last.kind)
        elif text:
            joined.append(Passage(passage.file, passage.line, text, passage.kind))
    return [Passage(p.file, p.line, p.text.replace("\n", " "), p.kind) for p in joined]
