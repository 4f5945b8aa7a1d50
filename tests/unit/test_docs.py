"""The README and the pages under docs/: every relative link and image leads somewhere, the README
stays a front door, and the result it links is the notebook's.

Why: the docs are split over several pages that point at each other and into the code; a file
moved or a heading renamed would otherwise leave a link that 404s on GitHub, and nobody reads
every page after every move.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tutorial_kit.paths import MAKE_RUN_RESULT, NOTEBOOK, REPO_ROOT
from tutorial_kit.tooling.results import result_text

README = REPO_ROOT / "README.md"
#: The README is what a newcomer reads first: at most this many lines (issue 16).
README_MAX_LINES = 150

#: Every markdown page whose links are checked, relative to the repo.
PAGES = sorted(
    {
        "README.md",
        "data/README.md",
        "standin/README.md",
        *(str(p.relative_to(REPO_ROOT)) for p in (REPO_ROOT / "docs").glob("*.md")),
    }
)

_FENCE = re.compile(r"^(```|~~~).*?^\1", re.M | re.S)
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1", re.S)
#: An inline link or image, ``[text](target)`` / ``![alt](target "title")``: the target and no title.
_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.M)
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.I)


def prose(text: str) -> str:
    """The page without code blocks and code spans, where brackets are not links."""
    return _CODE_SPAN.sub("code", _FENCE.sub("", text))


def links(text: str) -> list[str]:
    return [m[1] for m in _LINK.finditer(prose(text))]


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(text: str) -> set[str]:
    """The anchors of a page's headings; a repeated heading gets ``-1``, ``-2``, ... as on GitHub."""
    found: set[str] = set()
    for heading in _HEADING.findall(_FENCE.sub("", text)):
        base = slug(heading)
        name, n = base, 0
        while name in found:
            n += 1
            name = f"{base}-{n}"
        found.add(name)
    return found


def broken_links(page: Path) -> list[str]:
    """One line per link of ``page`` that leads nowhere, naming the link and the path it resolves to."""
    problems = []
    text = page.read_text(encoding="utf-8")
    for target in links(text):
        if not target or _SCHEME.match(target) or target.startswith("//"):
            continue  # an absolute URL: not the repo's to check
        path_part, _, anchor = target.partition("#")
        resolved = (page.parent / path_part).resolve() if path_part else page
        shown = resolved.relative_to(REPO_ROOT) if resolved.is_relative_to(REPO_ROOT) else resolved
        if not resolved.is_relative_to(REPO_ROOT):
            problems.append(f"{target}: leads outside the repo, to {resolved}")
        elif not resolved.exists():
            problems.append(f"{target}: {shown} does not exist")
        elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved.read_text(encoding="utf-8")):
            problems.append(f"{target}: {shown} has no heading with the anchor #{anchor}")
    return problems


@pytest.mark.parametrize("name", PAGES)
def test_every_relative_link_and_image_resolves(name):
    page = REPO_ROOT / name
    assert page.exists(), f"{name} does not exist"
    problems = broken_links(page)
    assert not problems, f"{name} has links that lead nowhere:\n" + "\n".join(problems)


def test_the_checker_sees_what_is_broken(tmp_path, monkeypatch):
    """The checker itself: a missing file, a missing anchor, an image; code is not a link."""
    monkeypatch.setattr(f"{__name__}.REPO_ROOT", tmp_path)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "other.md").write_text("# Other page\n## Set-up on 3.12\n")
    page = tmp_path / "README.md"
    page.write_text(
        "# Title\n"
        "[ok](docs/other.md#set-up-on-312) [here](#title) [web](https://example.org/x.md)\n"
        "[gone](docs/missing.md) ![img](docs/screenshots/none.png) [bad anchor](docs/other.md#nope)\n"
        "`[not a link](nowhere.md)`\n"
        "```\n[nor this](nowhere.md)\n```\n"
    )
    assert broken_links(page) == [
        "docs/missing.md: docs/missing.md does not exist",
        "docs/screenshots/none.png: docs/screenshots/none.png does not exist",
        "docs/other.md#nope: docs/other.md has no heading with the anchor #nope",
    ]


def test_readme_is_a_front_door():
    lines = README.read_text(encoding="utf-8").count("\n")
    assert lines <= README_MAX_LINES, f"README.md has {lines} lines, more than {README_MAX_LINES}: move detail to docs/"


def test_the_result_file_is_the_notebooks_stored_result():
    """What `make run` prints, as CI compares it (.ci/run) and the README links it, is what the stored
    notebook's result cell holds (which nbval keeps equal to a fresh run)."""
    assert MAKE_RUN_RESULT.read_text(encoding="utf-8") == result_text(NOTEBOOK), (
        f"{MAKE_RUN_RESULT.relative_to(REPO_ROOT)} differs from the stored result: after `make outputs`, "
        f"write the result cell's text into it"
    )
    relative = str(MAKE_RUN_RESULT.relative_to(REPO_ROOT))
    assert relative in links(README.read_text(encoding="utf-8")), f"README.md does not link {relative}"


def test_ci_compares_with_the_result_file():
    """.ci/run names the same file as tutorial_kit.paths (a shell script cannot import it)."""
    ci = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert f"result_file={MAKE_RUN_RESULT.relative_to(REPO_ROOT)}\n" in ci
