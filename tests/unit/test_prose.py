"""What the repo's prose names exists: every repo path, every ``make TARGET``, every module or name of the kit, the
stand-in and lifeline, and every heading cited by its title, in every Markdown page, notebook, docstring, comment and
set-up file's comment (``support/prose.py`` reads them all).

Why: a fact written in several places goes stale in all but the one that changed; a file moved, a target renamed or
a heading reworded leaves sentences behind that send a reader to nothing. Links are ``test_docs.py``'s; what a
notebook's prose says of its own code is ``test_notebook_prose.py``'s.
"""

from __future__ import annotations

import ast
import fnmatch
import os
import re
import subprocess
from functools import cache
from pathlib import Path, PurePosixPath

import pytest

from support.markdown import read_page
from support.prose import NOT_PROSE, Passage, paragraphs, passages, passages_of, tracked_files
from tutorial_kit.paths import NOTEBOOK, REPO_ROOT

#: Where a package's own paths start (``standin/ui/urls.py`` is ``standin/src/standin/ui/urls.py``): src layouts.
PACKAGE_ROOTS = ("standin/src", "lifeline/src")
#: The packages whose dotted names (``standin.client.protocol.MAX_WORKERS``) prose may cite.
PACKAGES = {"tutorial_kit": "tutorial_kit", "standin": "standin/src/standin", "lifeline": "lifeline/src/lifeline"}
#: File names that prose names and no repo holds: files programs write at run time (prefect's ``auth.toml``, a
#: user's papermill ``out.ipynb``, the shared stand-in's ``standin.json``, the probes' hand-over files) and a third
#: party's (pendulum's ``build.py``, which imports distutils).
NOT_REPO_FILES = {"auth.toml", "out.ipynb", "standin.json", "tokens.json", "auth.json", "build.py"}
#: The suffixes of a file name that prose names alone (``process.py``).
FILE_SUFFIXES = ("py", "md", "ipynb", "toml", "cfg", "yml", "in", "sh", "txt")
#: Words that follow "make" in an English sentence ("make the cluster", "make picks the newest Python"): not targets.
ENGLISH_AFTER_MAKE = {
    *(
        "the",
        "a",
        "an",
        "it",
        "them",
        "as",
        "would",
        "or",
        "of",
        "and",
        "any",
        "even",
        "again",
        "sure",
        "each",
        "every",
    ),
    *("one", "no", "its", "their", "this", "that", "these", "those", "up", "variables", "targets", "supports", "stops"),
    *("picks", "needs", "takes", "runs", "finds", "installs", "makes", "sets", "reads", "gives", "writes", "starts"),
    *("itself", "goals", "from"),
}

_SLASH_PATH = re.compile(r"(?<![\w.:/$@<{-])((?:\.\.?/)*[\w.*<>{}-]+(?:/[\w.*<>{}-]+)+/?(?:#[\w%-]+)?)")
_FILE_NAME = re.compile(rf"(?<![\w./$@-])([\w-]+\.(?:{'|'.join(FILE_SUFFIXES)}))(?![\w(/-])")
_PLACEHOLDER = re.compile(r"<[^>]*>|\{[^}]*\}|\b[A-Z][A-Z_]{2,}\b")
_MODULE = re.compile(rf"(?<![\w./-])((?:{'|'.join(PACKAGES)})(?:\.[A-Za-z_]\w*)+)")
_MAKE = re.compile(r"(?<![\w./-])make((?:\s+-[A-Za-z]+)*)\s+([A-Za-z0-9._/][A-Za-z0-9._/-]*)")
_QUOTED_HEADING = re.compile(
    r"(?:(?:section|heading|introduction)s?,?\s+[\"“](?P<after>[^\"”]{3,80})[\"”])"
    r"|(?:[\"“](?P<before>[^\"”]{3,80})[\"”],?\s+(?:section|heading))"
    r"|(?:(?P<page_name>README|[\w./-]+\.(?:md|ipynb))(?:'s)?[,:]?\s+[\"“](?P<page>[^\"”]{3,80})[\"”])"
)


# -- what exists ----------------------------------------------------------------------------------------------------
@cache
def repo_dirs() -> frozenset[str]:
    """Every folder that holds a tracked file, repo-relative."""
    found = set()
    for name in tracked_files():
        parent = PurePosixPath(name).parent
        while str(parent) != ".":
            found.add(str(parent))
            parent = parent.parent
    return frozenset(found)


@cache
def ignored(path: str) -> bool:
    """Whether git ignores ``path``: a file or folder that the set-up or a run makes (``.venv/``, ``output/``)."""
    return subprocess.run(["git", "check-ignore", "-q", "--no-index", path], cwd=REPO_ROOT).returncode == 0


def exists(path: str) -> bool:
    """Whether ``path`` (repo-relative, ``*`` and placeholders allowed) is a tracked file or folder."""
    path = os.path.normpath(path)
    pattern = _PLACEHOLDER.sub("*", path)
    if "*" in pattern:
        return any(fnmatch.fnmatch(name, pattern) for name in (*tracked_files(), *repo_dirs()))
    return path in tracked_files() or path in repo_dirs()


# -- the checks ------------------------------------------------------------------------------------------------------
def missing_paths(passage: Passage) -> list[str]:
    """The repo paths that ``passage`` names and that do not exist, each with what is wrong."""
    problems = []
    for found in _SLASH_PATH.finditer(passage.text):
        word = re.search(r"\S*$", passage.text[: found.start()])[0] + passage.text[found.start() :].split()[0]
        if "://" in word or "@" in word:
            continue  # a URL, or a git address: not the repo's
        token, _, anchor = found[1].rstrip(".,:;)'\"`").partition("#")
        if (problem := _missing(passage, token, anchor)) is not None:
            problems.append(problem)
    for found in _FILE_NAME.finditer(passage.text):
        name = found[1]
        if name in NOT_REPO_FILES or not name[0].islower():
            continue
        if not any(PurePosixPath(tracked).name == name for tracked in tracked_files()):
            problems.append(f"{name}: no file of the repo has this name")
    return problems


def _missing(passage: Passage, token: str, anchor: str) -> str | None:
    parts = [part for part in token.split("/") if part not in ("", ".", "..")]
    if not parts:
        return None
    top = {PurePosixPath(name).parts[0] for name in tracked_files()}
    dir_names = {PurePosixPath(d).name for d in repo_dirs()}
    if parts[0] not in top and parts[0] not in dir_names:
        return None  # "and/or", "CSV/Parquet": not a path of the repo
    is_file = "." in parts[-1] or "*" in token or "<" in token or token.endswith("/")
    if parts[0] not in top and not is_file:
        return None  # "notebook/script": a ratio's name, not a path
    if token.startswith("../shared") and not (REPO_ROOT / "../shared").exists():
        return None  # the material beside the repo, absent in this checkout
    here = passage.path.parent
    bases = [*(str(d) for d in (here, *here.parents)), *PACKAGE_ROOTS]
    candidates = [os.path.join(base, token) if base != "." else token for base in bases]
    # a module's path followed by one of its names (a class, a function), written as one dotted word
    stem, dot, _ = parts[-1].partition(".")
    if dot and not re.search(rf"\.(?:{'|'.join(FILE_SUFFIXES)}|txt|json|png|csv|html|gz|graphql|parquet|lock)$", token):
        candidates += [c.rsplit("/", 1)[0] + f"/{stem}.py" if "/" in c else f"{stem}.py" for c in candidates]
    found = next((candidate for candidate in candidates if exists(candidate)), None)
    if found is None:
        if not token.startswith("..") and ignored(token.removeprefix("./")):
            return None  # what the set-up or a run makes (.venv/, output/, benchmarks/.cache/), named from the root
        return f"{token}: not in the repo (looked from {here} up, and in {', '.join(PACKAGE_ROOTS)})"
    if anchor and found.endswith((".md", ".ipynb")) and anchor not in read_page(REPO_ROOT / found).anchors:
        return f"{token}#{anchor}: {found} has no heading with the anchor #{anchor}"
    return None


def module_file(parts: list[str]) -> tuple[Path, int] | None:
    """The file of the longest module prefix of ``parts`` (a package's ``__init__.py``), and that prefix's length."""
    for length in range(len(parts), 0, -1):
        base = REPO_ROOT / PACKAGES[parts[0]] / Path(*parts[1:length])
        for candidate in (base.with_suffix(".py"), base / "__init__.py"):
            if candidate.exists():
                return candidate, length
    return None


@cache
def names_in(path: Path) -> dict[str, set[str] | None]:
    """The names ``path`` defines at module level; for a class, the names its body defines."""
    found: dict[str, set[str] | None] = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ClassDef):
            body = set()
            for item in node.body:
                body |= _defined(item)
            found[node.name] = body
        for name in _defined(node):
            found.setdefault(name, None)
    return found


def _defined(node: ast.stmt) -> set[str]:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return {node.name}
    if isinstance(node, ast.Assign):
        return {t.id for t in node.targets if isinstance(t, ast.Name)}
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return {node.target.id}
    if isinstance(node, ast.Import | ast.ImportFrom):
        return {(alias.asname or alias.name).split(".")[0] for alias in node.names}
    if isinstance(node, ast.If | ast.Try):
        return set().union(*(_defined(child) for child in ast.iter_child_nodes(node) if isinstance(child, ast.stmt)))
    return set()


def missing_modules(passage: Passage) -> list[str]:
    """The kit's, the stand-in's and lifeline's dotted names in ``passage`` that name no module or name there."""
    problems = []
    for found in _MODULE.finditer(passage.text):
        dotted = found[1]
        if re.search(rf"\.(?:{'|'.join(FILE_SUFFIXES)}|json|log|sqlite|txt)$", dotted):
            continue  # a file name (standin.json), not a module
        parts = dotted.split(".")
        located = module_file(parts)
        if located is None:
            problems.append(f"{dotted}: no module {parts[0]}.{parts[1]}")
            continue
        path, length = located
        rest = parts[length:]
        if rest and rest[0] not in names_in(path):
            problems.append(f"{dotted}: {'.'.join(parts[:length])} defines no {rest[0]}")
        elif len(rest) > 1 and (members := names_in(path)[rest[0]]) is not None and rest[1] not in members:
            problems.append(f"{dotted}: {rest[0]} defines no {rest[1]}")
    return problems


@cache
def make_targets() -> frozenset[str]:
    """The Makefile's targets (files and phony goals), as make itself reads them."""
    database = subprocess.run(
        ["make", "-pRrq", "pythons"], cwd=REPO_ROOT, capture_output=True, text=True, env={**os.environ, "MAKEFLAGS": ""}
    ).stdout
    return frozenset(m[1] for m in re.finditer(r"^([^\s#%:=][^:=\s]*):(?!=)", database, re.M))


def missing_make_targets(passage: Passage) -> list[str]:
    """The goals of ``make`` commands in ``passage`` that the Makefile does not have."""
    problems = []
    for found in _MAKE.finditer(passage.text):
        target = found[2].rstrip(".,:;)'`")
        if not target or target in ENGLISH_AFTER_MAKE or target.isdigit() or target.isupper():  # TARGET: a placeholder
            continue
        if target not in make_targets():
            problems.append(f"make {target}: the Makefile has no target {target}")
    return problems


def heading_owner(passage: Passage, before: str) -> Path | None:
    """The page a quoted heading belongs to: the last page named before it in the passage, else "the notebook", else
    the README, else the passage's own page."""
    pages = re.findall(r"[\w./-]+\.(?:md|ipynb)", before)
    if pages:
        here = REPO_ROOT / passage.path.parent
        for base in (here, REPO_ROOT):
            if (base / pages[-1]).exists():
                return (base / pages[-1]).resolve()
        return None
    if "notebook" in before:
        return NOTEBOOK
    if "README" in before:
        return REPO_ROOT / "README.md"
    own = REPO_ROOT / passage.path
    return own if own.suffix in (".md", ".ipynb") else None


def missing_headings(passage: Passage) -> list[str]:
    """The headings that ``passage`` cites by their title ("the X section") and that are not where it says."""
    problems = []
    for found in _QUOTED_HEADING.finditer(passage.text):
        title = found["after"] or found["before"] or found["page"]
        # a title right after its page (README's "X") belongs to that page
        owner = heading_owner(passage, found["page_name"] if found["page"] else passage.text[: found.start()])
        if owner is None:
            problems.append(f'"{title}": cite a heading as a link, path#anchor, so that its page is known')
            continue
        headings = {re.sub(r"[`*_]", "", h).strip().lower() for h in read_page(owner).headings}
        if title.strip().lower() not in headings:
            problems.append(f'"{title}": {owner.relative_to(REPO_ROOT)} has no such heading')
    return problems


_ISSUE_NUMBER = re.compile(r"\bissues? #?\d+", re.I)


def issue_numbers(text: str) -> list[str]:
    """Citations of a tracker the repo does not hold (an issue's number): the reason belongs there instead."""
    return [
        f"{found[0]!r}: the repo does not hold its tracker; say the reason" for found in _ISSUE_NUMBER.finditer(text)
    ]


CHECKS = (missing_paths, missing_modules, missing_make_targets, missing_headings)


def problems_of(found: list[Passage], checks=CHECKS) -> list[str]:
    """The problems ``checks`` find in ``found`` (headings in whole paragraphs: a cited title may wrap)."""
    return [
        f"{p.file}:{p.line}: {problem}"
        for check in checks
        for p in (paragraphs(found) if check is missing_headings else found)
        for problem in check(p)
    ]


# -- the tests -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("check", CHECKS, ids=lambda check: check.__name__)
def test_what_the_prose_names_exists(check):
    problems = problems_of(passages(), [check])
    assert not problems, "prose that names what is not there:\n" + "\n".join(problems)


STALE = {
    # a file that moved under tooling/, named in a config comment
    "tests/nbval-sanitize.cfg": "# the ticket (stored as TICKET: tutorial_kit/outputs.py)\n",
    # a file that never existed, in a requirements comment
    "requirements/prefect3.in": '# "-c notebook-shared-pins.txt" in prefect3.txt\n',
    # a module of the stand-in split into a package, in a docstring; a page's path relative to a package
    "standin/src/standin/server.py": '"""The pictures (``pictures.py``), the pages (``ui/tickets.py``)."""\n',
    # a name of the stand-in's protocol that is not there
    "tutorial_kit/notebook/parameters.py": "# the bound is standin.client.protocol.MAX_WORKER\n",
    # a goal the Makefile does not have, and a heading cited by an old title
    "README.md": 'Run `make test-unit`. The notebook\'s introduction, "What this version changes", lists them.\n',
    # a README section that moved to docs/own-dask-cluster.md, cited from the Makefile
    "Makefile": '# (README: "Run the unmodified notebook on your own Dask cluster" section)\n',
}


def test_the_checks_see_todays_stale_sentences():
    """Each check on sentences the repo held once, each wrong in its own way."""
    found = [passage for name, text in STALE.items() for passage in passages_of(name, text)]
    assert problems_of(found) == [
        "tests/nbval-sanitize.cfg:1: tutorial_kit/outputs.py: not in the repo (looked from tests up, and in "
        "standin/src, lifeline/src)",
        "requirements/prefect3.in:1: notebook-shared-pins.txt: no file of the repo has this name",
        "standin/src/standin/server.py:1: ui/tickets.py: not in the repo (looked from standin/src/standin up, and in "
        "standin/src, lifeline/src)",
        "standin/src/standin/server.py:1: pictures.py: no file of the repo has this name",
        "tutorial_kit/notebook/parameters.py:1: standin.client.protocol.MAX_WORKER: standin.client.protocol defines "
        "no MAX_WORKER",
        "README.md:1: make test-unit: the Makefile has no target test-unit",
        'README.md:1: "What this version changes": notebooks/prefect-resource-manager.ipynb has no such heading',
        'Makefile:1: "Run the unmodified notebook on your own Dask cluster": README.md has no such heading',
    ]


def test_no_issue_numbers_anywhere():
    """Code, prose and output alike: an issue's number tells a reader of the repo nothing."""
    problems = [
        f"{name}:{n}: {problem}"
        for name in tracked_files()
        if not name.endswith(NOT_PROSE)
        for n, line in enumerate((REPO_ROOT / name).read_text(encoding="utf-8", errors="replace").splitlines(), 1)
        for problem in issue_numbers(line)
    ]
    assert not problems, "\n".join(problems)
    number = 17  # written apart, or this test would find itself
    assert issue_numbers(f"TARGET_MS = 100  # feels immediate (issue {number}); after issues {number + 1} and 19") == [
        f"'issue {number}': the repo does not hold its tracker; say the reason",
        f"'issues {number + 1}': the repo does not hold its tracker; say the reason",
    ]
