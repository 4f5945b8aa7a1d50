"""A flow's run history as SVG: one bar per run of its newest, as tall as the run took, in its
state's colour, each a link to the run's page."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape

from . import svg
from .palette import state_colour
from .svg import Bar

#: The history chart shows this many runs, the newest.
HISTORY_RUNS = 50
CHART_W, CHART_H, AXIS_W, LABEL_H = 900, 120, 64, 18
#: A run that has not started, or took no measurable time, still shows (its state's colour).
STUB_H = 3


@dataclass
class Chart:
    bars: list
    longest: float  # seconds: the scale's top
    width: float
    height: float


def history_layout(runs: Sequence, now: datetime, href_of: Callable | None = None) -> Chart:
    """One bar per run of ``runs`` (newest first; only the first :data:`HISTORY_RUNS` are drawn),
    the newest at the right end; height ∝ duration (a live run's up to ``now``)."""
    shown = list(runs)[:HISTORY_RUNS][::-1]
    durations = [svg.seconds_between(r.start_time, r.end_time or now) if r.start_time else None for r in shown]
    longest = max((d for d in durations if d), default=0.0)
    slot = CHART_W / HISTORY_RUNS
    bars = []
    for k, (run, seconds) in enumerate(zip(shown, durations, strict=True)):
        h = max(CHART_H * seconds / longest, STUB_H) if seconds and longest else STUB_H
        said = "not started" if seconds is None else svg.say_seconds(seconds) + ("" if run.end_time else " so far")
        bars.append(
            Bar(
                AXIS_W + (HISTORY_RUNS - len(shown) + k) * slot + 1,  # the newest at the right end
                LABEL_H + CHART_H - h,
                slot - 2,
                h,
                run.state,
                f"{run.name}: {run.state}, {said}",
                href_of(run) if href_of else None,
            )
        )
    return Chart(bars, longest, AXIS_W + CHART_W + 8, LABEL_H + CHART_H + 38)


def history_svg(runs: Sequence, now: datetime, href_of: Callable | None = None) -> str:
    chart = history_layout(runs, now, href_of)
    base = LABEL_H + CHART_H
    body = [
        f'<line x1="{AXIS_W}" y1="{base}" x2="{AXIS_W + CHART_W}" y2="{base}" stroke="#9aa5b1"/>',
        f'<line x1="{AXIS_W}" y1="{LABEL_H}" x2="{AXIS_W + CHART_W}" y2="{LABEL_H}" stroke="#e4e7eb"/>',
        f'<text x="{AXIS_W - 6}" y="{LABEL_H + 4}" text-anchor="end" fill="#7b8794">'
        f"{escape(svg.say_seconds(chart.longest))}</text>",
        f'<text x="{AXIS_W - 6}" y="{base + 4}" text-anchor="end" fill="#7b8794">0 s</text>',
        f'<text x="{AXIS_W}" y="{base + 15}" fill="#7b8794">\u2190 older (the last {HISTORY_RUNS} runs at most)</text>',
        f'<text x="{AXIS_W + CHART_W}" y="{base + 15}" text-anchor="end" fill="#7b8794">newest</text>',
    ]
    for bar in chart.bars:
        rect = (
            f'<rect class="run state-bar" data-state="{escape(bar.state or "")}" x="{bar.x:.1f}" y="{bar.y:.1f}" '
            f'width="{bar.w:.1f}" height="{bar.h:.1f}" rx="2" fill="{state_colour(bar.state)}">'
            f"<title>{escape(bar.title)}</title></rect>"
        )
        body.append(f'<a href="{escape(bar.href)}">{rect}</a>' if bar.href else rect)
    if not chart.bars:
        body.append(f'<text x="{AXIS_W + 10}" y="{base - 10}" fill="#7b8794">No run yet.</text>')
    body.append(svg.legend(sorted({bar.state for bar in chart.bars}, key=str), AXIS_W, base + 33))
    return svg.document(chart.width, chart.height, "the run history: one bar per run", "run-history", body)
