"""A flow version's schematic as SVG: its tasks' boxes, its edges and its resource managers' frames,
where ``layout.py`` puts them."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from . import svg
from .layout import STACK_OFFSET, schematic_layout


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
        return svg.document(
            360, 40, "schematic: no task", "schematic", ['<text x="14" y="24" fill="#7b8794">No task.</text>']
        )
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
            f"{escape(svg.fit(box.label, 24))}</text>"
            + (
                f'<text x="{box.x + 10:.1f}" y="{box.y + 32:.1f}" fill="#7b8794" font-size="11">{escape(note)}</text>'
                if note
                else ""
            )
            + "</g>"
        )
    return svg.document(layout.width, layout.height, "the flow's schematic: its tasks and edges", "schematic", body)
