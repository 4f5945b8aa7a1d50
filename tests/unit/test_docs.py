"""Every tracked Markdown page and notebook: every relative link and image leads somewhere (a
file, and the heading its ``#anchor`` names), the README stays a front door, and the result it links is the
notebook's.

Why: the docs are split over several pages that point at each other, into the notebooks and into the code; a file
moved or a heading renamed would otherwise leave a link that 404s on GitHub, and nobody reads every page after every
move. The links and anchors are the renderers' own (``support/markdown.py``).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from support.markdown import read_page
from support.prose import tracked_files
from tutorial_kit.paths import MAKE_RUN_RESULT, NOTEBOOK, REPO_ROOT
from tutorial_kit.tooling.results import result_text

README = REPO_ROOT / "README.md"
#: The README is what a newcomer reads first: at most this many lines, the rest in docs/.
README_MAX_LINES = 150

#: Every page whose links are checked, relative to the repo: every Markdown page and notebook it tracks.
PAGES = sorted(name for name in tracked_files() if name.endswith((".md", ".ipynb")))

_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.I)


def broken_links(page: Path, root: Path = REPO_ROOT) -> list[str]:
    """One line per link of ``page`` that leads nowhere, naming the link and the path it resolves to."""
    problems = []
    for link in read_page(page).links:
        target = link.target
        if not target or _SCHEME.match(target) or target.startswith("//"):
            continue  # an absolute URL: not the repo's to check
        path_part, _, anchor = target.partition("#")
        resolved = (page.parent / path_part).resolve() if path_part else page
        shown = resolved.relative_to(root) if resolved.is_relative_to(root) else resolved
        if not resolved.is_relative_to(root):
            problems.append(f"{link.where}: {target}: leads outside the repo, to {resolved}")
        elif not resolved.exists():
            problems.append(f"{link.where}: {target}: {shown} does not exist")
        elif anchor and resolved.suffix in (".md", ".ipynb") and anchor not in read_page(resolved).anchors:
            problems.append(f"{link.where}: {target}: {shown} has no heading with the anchor #{anchor}")
    return problems


@pytest.mark.parametrize("name", PAGES)
def test_every_relative_link_and_image_resolves(name):
    problems = broken_links(REPO_ROOT / name)
    assert not problems, f"{name} has links that lead nowhere:\n" + "\n".join(problems)


def test_the_checker_sees_what_is_broken(tmp_path):
    """The checker itself: a missing file, a missing anchor (in a page and in a notebook), an image; code is not a
    link. The README's citation of the notebook's introduction by its old heading is one of them."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "other.md").write_text("# Other page\n## Set-up on 3.12\n")
    notebook = '{"cells": [{"cell_type": "markdown", "metadata": {}, "source": ["### What this version fixes"]}]}'
    (tmp_path / "nb.ipynb").write_text(notebook)
    page = tmp_path / "README.md"
    page.write_text(
        "# Title\n"
        "[ok](docs/other.md#set-up-on-312) [here](#title) [web](https://example.org/x.md)\n"
        "[fixes](nb.ipynb#What-this-version-fixes) [changes](nb.ipynb#What-this-version-changes)\n"
        "[gone](docs/missing.md) ![img](docs/screenshots/none.png) [bad anchor](docs/other.md#nope)\n"
        "`[not a link](nowhere.md)`\n"
        "```\n[nor this](nowhere.md)\n```\n"
    )
    assert broken_links(page, tmp_path) == [
        "line 3: nb.ipynb#What-this-version-changes: nb.ipynb has no heading with the anchor "
        "#What-this-version-changes",
        "line 4: docs/missing.md: docs/missing.md does not exist",
        "line 4: docs/screenshots/none.png: docs/screenshots/none.png does not exist",
        "line 4: docs/other.md#nope: docs/other.md has no heading with the anchor #nope",
    ]


def test_readme_is_a_front_door():
    lines = README.read_text(encoding="utf-8").count("\n")
    assert lines <= README_MAX_LINES, f"README.md has {lines} lines, more than {README_MAX_LINES}: move detail to docs/"


def test_the_readme_names_the_supported_pythons():
    """The first screen says which Pythons work: the Makefile's SUPPORTED_PYTHONS, the one list of them."""
    supported = subprocess.run(["make", "-s", "pythons"], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    versions = sorted(supported.stdout.split(), key=lambda v: tuple(map(int, v.split("."))))
    said = ", ".join(versions[:-1]) + f" or {versions[-1]}"
    for page in (README, REPO_ROOT / "docs" / "setup.md"):
        assert f"Python {said} (the Makefile's `SUPPORTED_PYTHONS`" in page.read_text(encoding="utf-8"), page.name


def test_the_result_file_is_the_notebooks_stored_result():
    """What `make run` prints, as CI compares it (.ci/run) and the README links it, is what the stored
    notebook's result cell holds (which nbval keeps equal to a fresh run)."""
    assert MAKE_RUN_RESULT.read_text(encoding="utf-8") == result_text(NOTEBOOK), (
        f"{MAKE_RUN_RESULT.relative_to(REPO_ROOT)} differs from the stored result: after `make outputs`, "
        f"write the result cell's text into it"
    )
    relative = str(MAKE_RUN_RESULT.relative_to(REPO_ROOT))
    assert relative in {link.target for link in read_page(README).links}, f"README.md does not link {relative}"


def test_ci_compares_with_the_result_file():
    """.ci/run names the same file as tutorial_kit.paths (a shell script cannot import it)."""
    ci = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert f"result_file={MAKE_RUN_RESULT.relative_to(REPO_ROOT)}\n" in ci
