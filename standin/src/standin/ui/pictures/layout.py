"""The schematic's layout: where each task's box, each edge and each resource manager's frame go,
as plain geometry (``schematic.py`` draws it).

A layered layout, left to right: longest-path layers, a long edge passing through the layers
between its ends as points of its own, each layer ordered by band (a resource manager's frame
is a band of its own) and then by its neighbours' mean position, swept right and left.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

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
