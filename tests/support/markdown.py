"""The links and heading anchors of a Markdown page or of a notebook's markdown cells, as their renderers make them.

Why these renderers: a page is read on GitHub, whose heading anchors markdown-it-py's anchors plugin reproduces
(``mdit_py_plugins.anchors``); a notebook is read in JupyterLab or as nbconvert's HTML, whose anchors nbconvert's own
``markdown2html`` gives (``Heading-text``, case kept). A parser tells a link from a code span or a code block, which a
pattern over the text cannot.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

from markdown_it import MarkdownIt
from mdit_py_plugins.anchors import anchors_plugin


@dataclass(frozen=True)
class Link:
    """A link or an image of a page: its target as written, and where it is (a line, or a notebook's cell)."""

    target: str
    where: str


@dataclass(frozen=True)
class Page:
    links: tuple[Link, ...]
    #: The anchors of its headings (``#anchor`` targets a link may name), and their texts.
    anchors: frozenset[str]
    headings: tuple[str, ...]


@cache
def read_page(path: Path) -> Page:
    """The links, anchors and headings of ``path``: a ``.md`` page or a ``.ipynb`` notebook."""
    text = path.read_text(encoding="utf-8")
    return _notebook(text) if path.suffix == ".ipynb" else _markdown(text)


_GITHUB = MarkdownIt("commonmark").use(anchors_plugin, min_level=1, max_level=6)


def _markdown(text: str) -> Page:
    links, anchors, headings = [], set(), []
    tokens = _GITHUB.parse(text)
    for i, token in enumerate(tokens):
        if token.type == "heading_open":
            anchors.add(token.attrs["id"])
            headings.append(tokens[i + 1].content)
        line = token.map[0] + 1 if token.map else 0
        for child in token.children or ():
            line += child.type in ("softbreak", "hardbreak")  # a paragraph's inline tokens know only its first line
            target = child.attrs.get("href") if child.type == "link_open" else child.attrs.get("src")
            if child.type in ("link_open", "image") and target is not None:
                links.append(Link(unquote(str(target)), f"line {line}"))
    return Page(tuple(links), frozenset(anchors), tuple(headings))


class _HTML(HTMLParser):
    """The links, images and heading ids of one rendered cell."""

    def __init__(self):
        super().__init__()
        self.targets: list[str] = []
        self.anchors: set[str] = set()
        self.headings: list[str] = []
        self._heading: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self.anchors.add(unquote(attrs.get("id", "")))
            self._heading = []
        elif tag == "a" and attrs.get("class") != "anchor-link" and attrs.get("href"):
            self.targets.append(unquote(attrs["href"]))
        elif tag == "img" and attrs.get("src"):
            self.targets.append(unquote(attrs["src"]))

    def handle_data(self, data):
        if self._heading is not None:
            self._heading.append(data)

    def handle_endtag(self, tag):
        if tag.startswith("h") and tag[1:].isdigit() and self._heading is not None:
            self.headings.append("".join(self._heading).rstrip("¶").strip())
            self._heading = None


def _notebook(text: str) -> Page:
    from nbconvert.filters import markdown2html

    links, anchors, headings = [], set(), []
    for index, cell in enumerate(json.loads(text)["cells"]):
        if cell["cell_type"] != "markdown":
            continue
        html = _HTML()
        html.feed(markdown2html("".join(cell["source"])))
        links += [Link(target, f"cell {index}") for target in html.targets]
        anchors |= html.anchors
        headings += html.headings
    return Page(tuple(links), frozenset(anchors), tuple(headings))
