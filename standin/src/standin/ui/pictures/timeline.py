"""A run's timeline as SVG: a bar per task run from its start to its end, in its state's colour,
a mapped task's children in lanes under their task."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape

from ...prefect_cloud.models.states import is_finished
from . import svg
from .palette import state_colour
from .svg import Bar

TIMELINE_LABEL_W, TIMELINE_W = 210, 740
ROW_H, LANE_H, AXIS_H = 22, 9, 22
#: A mapped task's children share lanes when they did not overlap in time; past this many lanes,
#: the rest are drawn in the last one.
MAX_LANES = 12
#: A task run too short to see still shows.
MIN_BAR_W = 2


@dataclass
class Row:
    label: str
    y: float
    h: float
    bars: list
    note: str = ""


@dataclass
class Timeline:
    rows: list
    start: datetime
    seconds: float
    width: float
    height: float


def _lanes(children: Sequence) -> list:
    """The children that ran, in lanes: each lane's runs one after another in time."""
    lanes: list = []
    for child in sorted((c for c in children if c.start_time), key=lambda c: (c.start_time, c.map_index)):
        for lane in lanes:
            if lane[-1].end_time is not None and lane[-1].end_time <= child.start_time:
                lane.append(child)
                break
        else:
            if len(lanes) < MAX_LANES:
                lanes.append([child])
            else:
                lanes[-1].append(child)
    return lanes


def _merged(lane: list) -> list:
    """A lane's bars, those of one state that touch (within a pixel) drawn as one: a task mapped
    over thousands of items is a few bars, not thousands."""
    groups: list = []
    for bar in lane:
        if groups and groups[-1][-1].state == bar.state and bar.x <= groups[-1][-1].x + groups[-1][-1].w + 1:
            groups[-1].append(bar)
        else:
            groups.append([bar])
    return [
        group[0]
        if len(group) == 1
        else Bar(
            group[0].x,
            group[0].y,
            max(b.x + b.w for b in group) - group[0].x,
            group[0].h,
            group[0].state,
            # each title is "<label>: <state>, <duration>"
            f"{group[0].title.rpartition(': ')[0]} to {group[-1].title.rpartition(': ')[0]}: "
            f"{group[0].state}, {len(group)} task runs",
        )
        for group in groups
    ]


def timeline_layout(rows: Sequence, start: datetime | None, end: datetime | None, now: datetime) -> Timeline:
    """``rows`` as the run's page lists them (``(task, parent task run, [mapped children])``);
    the axis from ``start`` (the run's, else its first task run's) to ``end`` (else ``now``)."""
    runs = [t for _task, parent, children in rows for t in (parent, *children)]
    starts = [t.start_time for t in runs if t.start_time]
    t0 = start or min(starts, default=now)
    t1 = end or now
    last = max([t1, *(t.end_time for t in runs if t.end_time)])
    seconds = max((last - t0).total_seconds(), 1e-3)
    scale = TIMELINE_W / seconds

    def bar(task_run, label: str, y: float, h: float) -> Bar:
        began = (task_run.start_time - t0).total_seconds()
        took = svg.seconds_between(task_run.start_time, task_run.end_time or now) or 0.0
        said = svg.say_seconds(took) + ("" if task_run.end_time else " so far")
        return Bar(
            TIMELINE_LABEL_W + began * scale,
            y,
            max(took * scale, MIN_BAR_W),
            h,
            task_run.state,
            f"{label}: {task_run.state}, {said}",
        )

    laid, y = [], AXIS_H
    for task, parent, children in rows:
        name = task.name or task.slug
        bars = [bar(parent, name, y + 3, ROW_H - 6)] if parent.start_time else []
        lanes = _lanes(children)
        for k, lane in enumerate(lanes):
            bars += _merged([bar(c, f"{name}[{c.map_index}]", y + ROW_H + k * LANE_H, LANE_H - 2) for c in lane])
        # a mapped task's parent goes from Pending to Mapped without running: finished, not waiting
        waiting = sum(1 for c in (parent, *children) if not c.start_time and not is_finished(c.state))
        note = f"{len(children)} mapped" if children else ""
        note = ", ".join(filter(None, [note, f"{waiting} not started" if waiting else ""]))
        height = ROW_H + len(lanes) * LANE_H + (4 if lanes else 0)
        laid.append(Row(name, y, height, bars, note))
        y += height
    return Timeline(laid, t0, seconds, TIMELINE_LABEL_W + TIMELINE_W + 16, y + 24)


def _tick_step(seconds: float) -> float:
    """1, 2 or 5 times a power of ten: three to six ticks across ``seconds`` (the zero one included)."""
    raw = seconds / 5
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def timeline_svg(rows: Sequence, start: datetime | None, end: datetime | None, now: datetime) -> str:
    if not rows:
        return svg.document(
            360, 40, "timeline: no task run", "timeline", ['<text x="14" y="24" fill="#7b8794">No task run.</text>']
        )
    timeline = timeline_layout(rows, start, end, now)
    scale = TIMELINE_W / timeline.seconds
    step = _tick_step(timeline.seconds)
    body = []
    for k in range(int(timeline.seconds / step) + 1):
        x = TIMELINE_LABEL_W + k * step * scale
        body.append(
            f'<line x1="{x:.1f}" y1="{AXIS_H - 4}" x2="{x:.1f}" y2="{timeline.height - 20:.1f}" stroke="#e4e7eb"/>'
            f'<text x="{x:.1f}" y="{AXIS_H - 8}" text-anchor="middle" fill="#7b8794" font-size="11">'
            f"{escape(svg.say_tick(round(k * step, 6)))}</text>"
        )
    for k, row in enumerate(timeline.rows):
        if k % 2:
            body.append(
                f'<rect x="0" y="{row.y:.1f}" width="{timeline.width:.0f}" height="{row.h:.1f}" fill="#f7f8fa"/>'
            )
        below = row.h > ROW_H  # a mapped task: its note goes under its name, beside the children's lanes
        beside = bool(row.note) and not below
        body.append(
            f'<text x="8" y="{row.y + 15:.1f}" fill="#1f2933">{escape(svg.fit(row.label, 18 if beside else 26))}'
            + (f'<tspan fill="#7b8794" font-size="11"> {escape(row.note)}</tspan>' if beside else "")
            + "</text>"
            + (
                f'<text x="16" y="{row.y + ROW_H + 7:.1f}" fill="#7b8794" font-size="11">{escape(row.note)}</text>'
                if row.note and below
                else ""
            )
        )
        for bar in row.bars:
            body.append(
                f'<rect class="task-run state-bar" data-state="{escape(bar.state or "")}" x="{bar.x:.1f}" '
                f'y="{bar.y:.1f}" width="{bar.w:.1f}" height="{bar.h:.1f}" rx="2" fill="{state_colour(bar.state)}">'
                f"<title>{escape(bar.title)}</title></rect>"
            )
    states = [bar.state for row in timeline.rows for bar in row.bars]
    body.append(svg.legend(sorted(set(states), key=str), TIMELINE_LABEL_W, timeline.height - 6))
    return svg.document(timeline.width, timeline.height, "the run's timeline: one bar per task run", "timeline", body)
