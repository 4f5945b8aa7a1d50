"""What every picture shares: the SVG document around it, its legend, a bar (the run history's and
the timeline's), fitted labels and durations in words."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from html import escape

from .palette import state_colour


def document(width: float, height: float, label: str, element_id: str, body: Iterable[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{element_id}" class="picture" role="img" '
        f'aria-label="{escape(label)}" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="system-ui, sans-serif" font-size="12">'
        + "".join(body)
        + "</svg>"
    )


def fit(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[: chars - 1] + "\u2026"


def seconds_between(start: datetime | None, end: datetime | None) -> float | None:
    return None if start is None or end is None else max((end - start).total_seconds(), 0.0)


def say_seconds(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def say_tick(seconds: float) -> str:
    return f"{seconds:g} s" if seconds < 120 else f"{seconds / 60:g} min"


def legend(states: Iterable, x: float, y: float) -> str:
    """A swatch and the name of each state drawn, in the order they first appear."""
    parts, seen = [], []
    for state in states:
        if state not in seen:
            seen.append(state)
    for state in seen:
        parts.append(
            f'<rect x="{x:.1f}" y="{y - 9:.1f}" width="10" height="10" rx="2" fill="{state_colour(state)}"/>'
            f'<text x="{x + 14:.1f}" y="{y:.1f}" fill="#52606d" font-size="11">{escape(state or "no state")}</text>'
        )
        x += 24 + 7 * len(state or "no state")
    return f'<g class="legend">{"".join(parts)}</g>'


@dataclass
class Bar:
    x: float
    y: float
    w: float
    h: float
    state: str | None
    title: str
    href: str | None = None
