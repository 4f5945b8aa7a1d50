"""The pages' pictures, drawn on the server as SVG (no JavaScript, nothing fetched at page time):
what Prefect Cloud 1.x showed where its users looked rather than read.

- :func:`schematic_svg`: a flow version's tasks and edges, left to right in layers; a mapped task
  is a stacked box, a parameter a lighter one, and each resource manager's ``setup`` and
  ``cleanup`` with the tasks between them sit in a dashed frame named after the manager;
- :func:`history_svg`: the flow's last :data:`HISTORY_RUNS` runs, one bar each (height: duration,
  colour: state), each a link to the run's page;
- :func:`timeline_svg`: a run's task runs in time, one bar each (start to end, colour: state), a
  mapped task's children in lanes under their task.

Each picture is a layout (plain geometry, which the unit tests check) and its rendering; every
text is XML-escaped. The layout is our own small layered one (longest-path layers, dummy points
for long edges, barycentre ordering): a flow has a few tasks, and the libraries that lay out
graphs either need Graphviz's binary or are no longer kept.

:data:`STATE_COLOURS` is the one owner of the state colours, the pictures' and the pages' state
badges' (:data:`STATE_STYLES`) alike.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from html import escape

from ..prefect_cloud.models.states import is_finished

# -- colours ---------------------------------------------------------------------------------------
#: Prefect Cloud 1.x's state palette (its UI's ``STATE_COLORS``); the failed kinds it did not name
#: take Failed's red.
STATE_COLOURS = {
    "Failed": "#eb0000",
    "ValidationFailed": "#eb0000",
    "ClientFailed": "#eb0000",
    "TriggerFailed": "#c42800",
    "TimedOut": "#dc370b",
    "Pending": "#b9dcff",
    "Scheduled": "#ffbe1e",
    "Retrying": "#fc7b09",
    "Resume": "#f58c0c",
    "Queued": "#fff9c2",
    "Submitted": "#fff499",
    "Paused": "#99a8e8",
    "Running": "#27b1ff",
    "Listening": "#93d8ff",
    "Finished": "#003483",
    "Success": "#2cbe4e",
    "Cancelled": "#bdbdbd",
    "Cancelling": "#e8e8e8",
    "Cached": "#74c367",
    "Skipped": "#607583",
    "Mapped": "#4067a2",
    "Looped": "#4c4cff",
}
#: A state the palette does not know (or none yet).
UNKNOWN_COLOUR = "#bdbdbd"


def state_colour(state: str | None) -> str:
    return STATE_COLOURS.get(state or "", UNKNOWN_COLOUR)


def _tint(colour: str, share: float) -> str:
    """``colour`` mixed with white, ``share`` of it: a badge's background, on which text reads."""
    channels = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{round(c * share + 255 * (1 - share)):02x}" for c in channels)


#: The CSS of the pages' state badges (``<span class="state state-Success">``), from the palette.
STATE_STYLES = "\n".join(
    f"  .state-{state} {{ background: {_tint(colour, 0.3)}; border: 1px solid {colour}; }}"
    for state, colour in STATE_COLOURS.items()
)


# -- SVG helpers -----------------------------------------------------------------------------------
def _svg(width: float, height: float, label: str, element_id: str, body: Iterable[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{element_id}" class="picture" role="img" '
        f'aria-label="{escape(label)}" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="system-ui, sans-serif" font-size="12">'
        + "".join(body)
        + "</svg>"
    )


def _fit(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[: chars - 1] + "\u2026"


def _seconds(start: datetime | None, end: datetime | None) -> float | None:
    return None if start is None or end is None else max((end - start).total_seconds(), 0.0)


def _say_seconds(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def _say_tick(seconds: float) -> str:
    return f"{seconds:g} s" if seconds < 120 else f"{seconds / 60:g} min"


def _legend(states: Iterable, x: float, y: float) -> str:
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


# -- the schematic ---------------------------------------------------------------------------------
BOX_W, BOX_H = 170, 40
#: The height of a long edge's passage through a layer between its ends.
PASSAGE_H = 8
GAP_X, GAP_Y, MARGIN = 56, 16, 14
#: A mapped task's box has two copies behind it, this far apart (down and right).
STACK_OFFSET = 4
FRAME_PAD, FRAME_LABEL_H = 10, 16

_SETUP, _CLEANUP, _INIT = "ResourceSetupTask", "ResourceCleanupTask", "ResourceInitTask"


@dataclass
class Box:
    task_id: str
    label: str
    kind: str  # "task", "parameter", "resource manager", "setup", "cleanup"
    mapped: bool
    x: float = 0
    y: float = 0
    w: float = BOX_W
    h: float = BOX_H


@dataclass
class EdgePath:
    upstream_id: str
    downstream_id: str
    keys: list
    mapped: bool
    #: From the upstream box's right side to the downstream box's left side, through the layers between.
    points: list = field(default_factory=list)


@dataclass
class Frame:
    label: str
    member_ids: list
    x: float = 0
    y: float = 0
    w: float = 0
    h: float = 0


@dataclass
class Schematic:
    boxes: dict
    edges: list
    frames: list
    width: float
    height: float


def _kind(task) -> str:
    type_ = (task.type or "").rsplit(".", 1)[-1]
    return {
        "Parameter": "parameter",
        "DateTimeParameter": "parameter",
        _INIT: "resource manager",
        _SETUP: "setup",
        _CLEANUP: "cleanup",
    }.get(type_, "task")


def _closure(start: str, neighbours: dict) -> set:
    seen, todo = set(), [start]
    while todo:
        for other in neighbours.get(todo.pop(), ()):
            if other not in seen:
                seen.add(other)
                todo.append(other)
    return seen


def _layers(ids: list, ups: dict, downs: dict) -> dict:
    """Longest path from the roots; a root then moves right to just before its first downstream
    task (a parameter stands next to the task that reads it). A cycle (which prefect refuses) is
    broken where Kahn's order stops."""
    pending = {i: len(ups[i]) for i in ids}
    order, ready = [], [i for i in ids if pending[i] == 0]
    while ready:
        node = ready.pop(0)
        order.append(node)
        for down in downs[node]:
            pending[down] -= 1
            if pending[down] == 0:
                ready.append(down)
    order += [i for i in ids if i not in order]
    layer: dict = {}
    for node in order:
        layer[node] = max((layer[u] + 1 for u in ups[node] if u in layer), default=0)
    for node in ids:
        if not ups[node] and downs[node]:
            layer[node] = max(min(layer[d] for d in downs[node]) - 1, 0)
    return layer


def schematic_layout(tasks: Sequence, edges: Sequence) -> Schematic:
    """Where each task's box, each edge and each resource manager's frame go."""
    return _Layout(tasks, edges).schematic()


def _is_box(node) -> bool:
    """A node of the layout is a task's id, or ``(edge's pair, layer)``: a long edge's passage."""
    return isinstance(node, str)


def _column_x(number: int) -> float:
    return MARGIN + number * (BOX_W + GAP_X)


def _height(node) -> float:
    return BOX_H if _is_box(node) else PASSAGE_H


def _stack_height(nodes: list) -> float:
    return sum(_height(n) for n in nodes) + GAP_Y * max(len(nodes) - 1, 0)


class _Layout:
    """One schematic's layout, a step per method: the graph, layers, frames and bands, passages,
    the order within each layer, coordinates."""

    def __init__(self, tasks: Sequence, edges: Sequence):
        self.tasks = sorted(tasks, key=lambda t: t.slug)
        self.by_id = {t.id: t for t in self.tasks}
        self.ids = list(self.by_id)
        self.pairs: dict = {}  # one path per (upstream, downstream): [its keys], mapped
        for edge in edges:
            if edge.upstream_task_id in self.by_id and edge.downstream_task_id in self.by_id:
                keys, mapped = self.pairs.get((edge.upstream_task_id, edge.downstream_task_id), ([], False))
                keys += [edge.key] if edge.key else []
                self.pairs[(edge.upstream_task_id, edge.downstream_task_id)] = (keys, mapped or edge.mapped)
        self.ups: dict = {i: [] for i in self.ids}
        self.downs: dict = {i: [] for i in self.ids}
        for up, down in self.pairs:
            self.ups[down].append(up)
            self.downs[up].append(down)
        self.layer = _layers(self.ids, self.ups, self.downs)
        self.boxes = {t.id: Box(t.id, t.name or t.slug, _kind(t), self._mapped(t)) for t in self.tasks}
        self.band: dict = {}
        self.frames: list = []
        for setup in self._setups():
            self.frames.append(self._frame(setup))
        self.free_band = len(self.frames)
        self.slots: dict = {}  # layer -> its nodes, in order
        self.chains = self._passages()
        self._order()

    def _mapped(self, task) -> bool:
        return bool(task.mapped) or any(self.pairs[(up, task.id)][1] for up in self.ups[task.id])

    def _setups(self) -> list:
        setups = [i for i in self.ids if self.boxes[i].kind == "setup"]
        return sorted(setups, key=lambda i: (self.layer[i], self.by_id[i].slug))

    def _frame(self, setup: str) -> Frame:
        """A resource manager: its setup, what runs between it and its cleanup, and its cleanup,
        framed. The manager (with its init) gets a band of its own, so that no other task falls
        inside its frame."""
        cleanup = next((d for d in self.downs[setup] if self.boxes[d].kind == "cleanup"), None)
        inner = (_closure(setup, self.downs) & _closure(cleanup, self.ups)) if cleanup else set()
        members = [setup, *sorted(inner, key=lambda i: self.by_id[i].slug), *([cleanup] if cleanup else [])]
        init = next((u for u in self.ups[setup] if self.boxes[u].kind == "resource manager"), None)
        for member in [*([init] if init else []), *members]:
            self.band.setdefault(member, len(self.frames))  # the band of the frame made here
        name = self.boxes[init].label if init else self.boxes[setup].label.removesuffix(".setup")
        return Frame(f"{name} (resource manager)", members)

    def _passages(self) -> dict:
        """A long edge passes through the layers between its ends as nodes of its own (in the
        band of its ends when they share one): each edge's chain of nodes."""
        for node in self.ids:
            self.slots.setdefault(self.layer[node], []).append(node)
            self.band.setdefault(node, self.free_band)
        chains = {}
        for up, down in self.pairs:
            chain = [up]
            for between in range(self.layer[up] + 1, self.layer[down]):
                passage = ((up, down), between)
                self.band[passage] = self.band[up] if self.band[up] == self.band[down] else self.free_band
                self.slots.setdefault(between, []).append(passage)
                chain.append(passage)
            chains[(up, down)] = [*chain, down]
        return chains

    def _name(self, node) -> str:
        return self.by_id[node].slug if _is_box(node) else "".join(self.by_id[i].slug for i in node[0])

    def _order(self) -> None:
        """Each layer by band, then by the mean position of its neighbours in the layer before
        (sweeping right) or after (sweeping left), twice each way."""
        before: dict = {}
        after: dict = {}
        for chain in self.chains.values():
            for a, b in zip(chain, chain[1:], strict=False):
                after.setdefault(a, []).append(b)
                before.setdefault(b, []).append(a)
        layers = sorted(self.slots)
        position: dict = {}
        for number in layers:
            self.slots[number].sort(key=lambda n: (self.band[n], not _is_box(n), self._name(n)))
            position.update((n, k) for k, n in enumerate(self.slots[number]))
        for sweep, neighbours in [(layers[1:], before), (layers[-2::-1], after)] * 2:
            for number in sweep:

                def key(n, neighbours=neighbours):
                    near = [position[m] for m in neighbours.get(n, ())]
                    mean = sum(near) / len(near) if near else position[n]
                    # in a frame, a long edge passes over the boxes (the manager's edges to its
                    # cleanup arc over what it frames); elsewhere after the boxes it ties with
                    framed = self.band[n] < self.free_band
                    return (self.band[n], -1 if framed and not _is_box(n) else mean, not _is_box(n), self._name(n))

                self.slots[number].sort(key=key)
                position.update((n, k) for k, n in enumerate(self.slots[number]))

    def _centres(self) -> tuple[dict, float]:
        """Each node's vertical centre: the bands one below the other, each layer's column
        centred in its band; and the bottom of the last band."""
        centre_y: dict = {}
        top = MARGIN
        for band in range(self.free_band + 1):
            stacks = [[n for n in nodes if self.band[n] == band] for nodes in self.slots.values()]
            band_height = max(map(_stack_height, stacks), default=0)
            if band_height == 0:
                continue
            framed = band < self.free_band
            top += FRAME_LABEL_H + FRAME_PAD if framed else 0
            for stack in stacks:
                y = top + (band_height - _stack_height(stack)) / 2
                for node in stack:
                    centre_y[node] = y + _height(node) / 2
                    y += _height(node) + GAP_Y
            top += band_height + (FRAME_PAD + GAP_Y if framed else GAP_Y)
        return centre_y, top - GAP_Y

    def _path(self, pair: tuple, centre_y: dict) -> EdgePath:
        up, down = pair
        points = [(_column_x(self.layer[up]) + BOX_W, centre_y[up])]
        for passage in self.chains[pair][1:-1]:
            points += [(_column_x(passage[1]), centre_y[passage]), (_column_x(passage[1]) + BOX_W, centre_y[passage])]
        points.append((_column_x(self.layer[down]), centre_y[down]))
        keys, mapped = self.pairs[pair]
        return EdgePath(up, down, sorted(set(keys)), mapped, points)

    def schematic(self) -> Schematic:
        centre_y, bottom = self._centres()
        for node, box in self.boxes.items():
            box.x, box.y = _column_x(self.layer[node]), centre_y[node] - BOX_H / 2
        for band, frame in enumerate(self.frames):
            members = [self.boxes[m] for m in frame.member_ids]
            frame.x = min(b.x for b in members) - FRAME_PAD
            frame.w = max(b.x + b.w for b in members) + FRAME_PAD + STACK_OFFSET * 2 - frame.x
            # the long edges of its band that pass through its columns are inside it too, below its label
            passing = [
                centre_y[n]
                for number, nodes in self.slots.items()
                if frame.x < _column_x(number) < frame.x + frame.w
                for n in nodes
                if not _is_box(n) and self.band[n] == band
            ]
            upper = min([b.y for b in members] + [y - PASSAGE_H / 2 for y in passing])
            lower = max([b.y + b.h for b in members] + [y + PASSAGE_H / 2 for y in passing])
            frame.y = upper - FRAME_PAD - FRAME_LABEL_H
            frame.h = lower + FRAME_PAD + STACK_OFFSET * 2 - frame.y
        width = _column_x(max(self.slots, default=0)) + BOX_W + STACK_OFFSET * 2 + MARGIN + FRAME_PAD
        paths = [self._path(pair, centre_y) for pair in self.pairs]
        return Schematic(self.boxes, paths, self.frames, width, max(bottom + MARGIN, BOX_H + 2 * MARGIN))


def _path_d(points: list) -> str:
    """Straight through a passage, a horizontal-tangent curve between columns."""
    (x, y), *rest = points
    d = [f"M{x:.1f},{y:.1f}"]
    for k, (x2, y2) in enumerate(rest):
        if k % 2 == 1 and len(rest) > 1 and k < len(rest) - 1:  # through a passage
            d.append(f"L{x2:.1f},{y2:.1f}")
        else:
            mid = (x + x2) / 2
            d.append(f"C{mid:.1f},{y:.1f} {mid:.1f},{y2:.1f} {x2:.1f},{y2:.1f}")
        x, y = x2, y2
    return " ".join(d)


_BOX_FILL = {"parameter": "#eef4ff", "resource manager": "#f3efff", "setup": "#f3efff", "cleanup": "#f3efff"}


def schematic_svg(tasks: Sequence, edges: Sequence) -> str:
    if not tasks:
        return _svg(360, 40, "schematic: no task", "schematic", ['<text x="14" y="24" fill="#7b8794">No task.</text>'])
    layout = schematic_layout(tasks, edges)
    body = [
        '<defs><marker id="schematic-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" '
        'markerUnits="userSpaceOnUse" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#7b8794"/></marker></defs>'
    ]
    for frame in layout.frames:
        body.append(
            f'<g class="frame"><rect x="{frame.x:.1f}" y="{frame.y:.1f}" width="{frame.w:.1f}" height="{frame.h:.1f}" '
            f'rx="8" fill="#faf8ff" stroke="#8e7cc3" stroke-dasharray="5 4"/>'
            f'<text x="{frame.x + 8:.1f}" y="{frame.y + 13:.1f}" fill="#5b4a99" font-size="11">'
            f"{escape(frame.label)}</text></g>"
        )
    for path in layout.edges:
        title = ", ".join(path.keys) + (" (mapped)" if path.mapped else "")
        body.append(
            f'<path class="edge{" mapped" if path.mapped else ""}" d="{_path_d(path.points)}" fill="none" '
            f'stroke="#7b8794" stroke-width="{2.5 if path.mapped else 1.3}" marker-end="url(#schematic-arrow)">'
            + (f"<title>{escape(title)}</title>" if title else "")
            + "</path>"
        )
    for box in layout.boxes.values():
        fill = _BOX_FILL.get(box.kind, "white")
        rect = f'width="{box.w}" height="{box.h}" rx="6" fill="{fill}" stroke="#27276d" stroke-width="1.2"'
        behind = "".join(
            f'<rect class="stacked" x="{box.x + k * STACK_OFFSET:.1f}" y="{box.y + k * STACK_OFFSET:.1f}" {rect}/>'
            for k in (2, 1)
            if box.mapped
        )
        note = "mapped" if box.mapped else ("" if box.kind == "task" else box.kind)
        body.append(
            f'<g class="task{" mapped" if box.mapped else ""}" data-kind="{escape(box.kind)}">'
            f"<title>{escape(box.label)}{escape(' (' + note + ')') if note else ''}</title>{behind}"
            f'<rect x="{box.x:.1f}" y="{box.y:.1f}" {rect}/>'
            f'<text x="{box.x + 10:.1f}" y="{box.y + (17 if note else 25):.1f}" fill="#1f2933" font-weight="600">'
            f"{escape(_fit(box.label, 24))}</text>"
            + (
                f'<text x="{box.x + 10:.1f}" y="{box.y + 32:.1f}" fill="#7b8794" font-size="11">{escape(note)}</text>'
                if note
                else ""
            )
            + "</g>"
        )
    return _svg(layout.width, layout.height, "the flow's schematic: its tasks and edges", "schematic", body)


# -- the run history -------------------------------------------------------------------------------
#: The history chart shows this many runs, the newest.
HISTORY_RUNS = 50
CHART_W, CHART_H, AXIS_W, LABEL_H = 900, 120, 64, 18
#: A run that has not started, or took no measurable time, still shows (its state's colour).
STUB_H = 3


@dataclass
class Bar:
    x: float
    y: float
    w: float
    h: float
    state: str | None
    title: str
    href: str | None = None


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
    durations = [_seconds(r.start_time, r.end_time or now) if r.start_time else None for r in shown]
    longest = max((d for d in durations if d), default=0.0)
    slot = CHART_W / HISTORY_RUNS
    bars = []
    for k, (run, seconds) in enumerate(zip(shown, durations, strict=True)):
        h = max(CHART_H * seconds / longest, STUB_H) if seconds and longest else STUB_H
        said = "not started" if seconds is None else _say_seconds(seconds) + ("" if run.end_time else " so far")
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
        f"{escape(_say_seconds(chart.longest))}</text>",
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
    body.append(_legend(sorted({bar.state for bar in chart.bars}, key=str), AXIS_W, base + 33))
    return _svg(chart.width, chart.height, "the run history: one bar per run", "run-history", body)


# -- a run's timeline ------------------------------------------------------------------------------
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
        took = _seconds(task_run.start_time, task_run.end_time or now) or 0.0
        said = _say_seconds(took) + ("" if task_run.end_time else " so far")
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
    """1, 2 or 5 times a power of ten: four to ten ticks across ``seconds``."""
    raw = seconds / 5
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def timeline_svg(rows: Sequence, start: datetime | None, end: datetime | None, now: datetime) -> str:
    if not rows:
        return _svg(
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
            f"{escape(_say_tick(round(k * step, 6)))}</text>"
        )
    for k, row in enumerate(timeline.rows):
        if k % 2:
            body.append(
                f'<rect x="0" y="{row.y:.1f}" width="{timeline.width:.0f}" height="{row.h:.1f}" fill="#f7f8fa"/>'
            )
        below = row.h > ROW_H  # a mapped task: its note goes under its name, beside the children's lanes
        beside = bool(row.note) and not below
        body.append(
            f'<text x="8" y="{row.y + 15:.1f}" fill="#1f2933">{escape(_fit(row.label, 18 if beside else 26))}'
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
    body.append(_legend(sorted(set(states), key=str), TIMELINE_LABEL_W, timeline.height - 6))
    return _svg(timeline.width, timeline.height, "the run's timeline: one bar per task run", "timeline", body)
