"""The pages' pictures (``standin.ui.pictures``) drawn from the backend's own records: the
tutorial's flow registered as prefect 1.4.1 registers it, runs and task runs set through the
backend. Checked on the layout's geometry, and on the SVG a browser gets."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from standin.prefect_cloud.models import PrefectCloudBackend
from standin.prefect_cloud.models.states import serialized
from standin.ui.pages.flow_runs import tasks_of
from standin.ui.pictures import history, layout, palette, schematic, timeline

SVG = "{http://www.w3.org/2000/svg}"
RM = "prefect.tasks.core.resource_manager."
FUNCTION = "prefect.tasks.core.function.FunctionTask"
PARAMETER = "prefect.core.parameter.Parameter"


def task(slug: str, type_: str = FUNCTION) -> dict:
    return {"slug": slug, "name": slug.removesuffix("-1"), "type": type_}


def edge(up: str, down: str, key: str | None = None, mapped: bool = False) -> dict:
    return {"upstream_task": {"slug": up}, "downstream_task": {"slug": down}, "key": key, "mapped": mapped}


#: The notebook's flow as ``flow.serialize()`` gives it (prefect 1.4.1): a Parameter, and the
#: resource manager's init, setup and cleanup around ``read``.
TUTORIAL = (
    [
        task("_DaskCluster-1", RM + "ResourceInitTask"),
        task("_DaskCluster.cleanup-1", RM + "ResourceCleanupTask"),
        task("_DaskCluster.setup-1", RM + "ResourceSetupTask"),
        task("data_url", PARAMETER),
        task("read-1"),
    ],
    [
        edge("_DaskCluster-1", "_DaskCluster.cleanup-1", "mgr"),
        edge("_DaskCluster-1", "_DaskCluster.setup-1", "mgr"),
        edge("_DaskCluster.setup-1", "_DaskCluster.cleanup-1", "resource"),
        edge("_DaskCluster.setup-1", "read-1"),
        edge("data_url", "read-1", "data_url"),
        edge("read-1", "_DaskCluster.cleanup-1"),
    ],
)
#: standin.testing's user_flows.py, user-params: ``check(flaky_sum(double.map(numbers(n))), fail)``.
MAPPED = (
    [
        task("n", PARAMETER),
        task("fail", PARAMETER),
        task("numbers-1"),
        task("double-1"),
        task("flaky_sum-1"),
        task("check-1"),
    ],
    [
        edge("n", "numbers-1", "n"),
        edge("numbers-1", "double-1", "x", mapped=True),
        edge("double-1", "flaky_sum-1", "values"),
        edge("flaky_sum-1", "check-1", "total"),
        edge("fail", "check-1", "fail"),
    ],
)


@pytest.fixture
def backend(clock):
    return PrefectCloudBackend("key", clock=clock)


def register(backend, name: str, tasks: list, edges: list):
    flow = backend.create_flow(backend.create_project(name).id, {"name": name})
    backend.register_tasks(flow.id, tasks)
    backend.register_edges(flow.id, edges)
    return flow


def drawn(backend, flow):
    return backend.tasks_of(flow.id), backend.edges_of(flow.id)


def by_label(laid) -> dict:
    return {box.label: box for box in laid.boxes.values()}


def inside(box, frame) -> bool:
    return (
        frame.x <= box.x
        and box.x + box.w <= frame.x + frame.w
        and frame.y <= box.y
        and box.y + box.h <= frame.y + frame.h
    )


def overlap(a, b) -> bool:
    return a.x < b.x + b.w and b.x < a.x + a.w and a.y < b.y + b.h and b.y < a.y + a.h


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # well-formed XML, or this raises


# -- the schematic ---------------------------------------------------------------------------------
@pytest.mark.parametrize("flow_records", [TUTORIAL, MAPPED], ids=["tutorial", "mapped"])
def test_each_edge_runs_from_its_upstream_box_to_its_downstream_box(backend, flow_records):
    laid = layout.schematic_layout(*drawn(backend, register(backend, "f", *flow_records)))
    assert len(laid.edges) == len(flow_records[1])
    for path in laid.edges:
        up, down = laid.boxes[path.upstream_id], laid.boxes[path.downstream_id]
        assert path.points[0] == (up.x + up.w, up.y + up.h / 2)  # the middle of the upstream box's right side
        assert path.points[-1] == (down.x, down.y + down.h / 2)  # the middle of the downstream box's left side
        assert down.x > up.x  # left to right, in layers
        assert [x for x, _ in path.points] == sorted(x for x, _ in path.points)
        # through the columns between its ends it runs straight, past every box (around, not over)
        for (x1, y1), (x2, y2) in zip(path.points[1:-1:2], path.points[2:-1:2], strict=True):
            assert y1 == y2 and x2 - x1 == layout.BOX_W
            assert not any(b.x == x1 and b.y - 2 <= y1 <= b.y + b.h + 2 for b in laid.boxes.values())
    boxes = list(laid.boxes.values())
    for k, box in enumerate(boxes):
        assert box.x >= 0 and box.x + box.w <= laid.width and box.y >= 0 and box.y + box.h <= laid.height
        assert not any(overlap(box, other) for other in boxes[k + 1 :]), box.label


def test_the_resource_manager_frames_setup_the_tasks_inside_it_and_cleanup(backend):
    laid = layout.schematic_layout(*drawn(backend, register(backend, "tutorial", *TUTORIAL)))
    boxes = by_label(laid)
    (frame,) = laid.frames
    assert frame.label == "_DaskCluster (resource manager)"
    for name in ("_DaskCluster.setup", "read", "_DaskCluster.cleanup"):
        assert inside(boxes[name], frame), name
    for name in ("_DaskCluster", "data_url"):  # the manager's init and the parameter stay outside
        assert not overlap(boxes[name], frame), name
    # _DaskCluster init -> setup -> read -> cleanup, left to right; the parameter just before read
    columns = [boxes[n].x for n in ("_DaskCluster", "_DaskCluster.setup", "read", "_DaskCluster.cleanup")]
    assert columns == sorted(set(columns))
    assert boxes["data_url"].x == boxes["_DaskCluster.setup"].x
    kinds = {name: box.kind for name, box in boxes.items()}
    assert kinds == {
        "_DaskCluster": "resource manager",
        "_DaskCluster.setup": "setup",
        "_DaskCluster.cleanup": "cleanup",
        "data_url": "parameter",
        "read": "task",
    }
    svg = parse(schematic.schematic_svg(*drawn(backend, backend.flows[next(iter(backend.flows))])))
    assert len(svg.findall(f"{SVG}g[@class='task']")) == 5
    assert svg.find(f"{SVG}g[@class='frame']/{SVG}text").text == "_DaskCluster (resource manager)"


def test_a_mapped_task_is_a_stacked_box_and_its_edge_is_marked(backend):
    flow = register(backend, "mapped", *MAPPED)
    laid = layout.schematic_layout(*drawn(backend, flow))
    assert [box.label for box in laid.boxes.values() if box.mapped] == ["double"]
    ids = {t.slug: t.id for t in backend.tasks_of(flow.id)}
    assert [(p.upstream_id, p.downstream_id) for p in laid.edges if p.mapped] == [(ids["numbers-1"], ids["double-1"])]
    svg = parse(schematic.schematic_svg(*drawn(backend, flow)))
    (mapped,) = svg.findall(f"{SVG}g[@class='task mapped']")
    assert mapped.find(f"{SVG}title").text == "double (mapped)"
    assert len(mapped.findall(f"{SVG}rect")) == 3  # the box and two copies behind it
    assert len(mapped.findall(f"{SVG}rect[@class='stacked']")) == 2
    assert len(svg.findall(f"{SVG}path[@class='edge mapped']")) == 1
    assert all(len(g.findall(f"{SVG}rect")) == 1 for g in svg.findall(f"{SVG}g[@class='task']"))


def test_names_are_escaped(backend):
    flow = register(
        backend,
        "x",
        [task("<script>alert('&')</script>"), task("b")],
        [edge("<script>alert('&')</script>", "b", '"k"')],
    )
    svg = schematic.schematic_svg(*drawn(backend, flow))
    assert "<script" not in svg and "&lt;script&gt;" in svg
    assert parse(svg).find(f"{SVG}g/{SVG}title").text.startswith("<script>alert('&')")


def test_an_empty_flow_is_said(backend):
    flow = register(backend, "empty", [], [])
    assert "No task." in schematic.schematic_svg(*drawn(backend, flow))


# -- the run history -------------------------------------------------------------------------------
def runs_of(backend, clock, flow, plan: list) -> list:
    """Runs ended in ``(state, seconds)`` (seconds None: never started), newest first."""
    runs = []
    for state, seconds in plan:
        run = backend.create_flow_run(flow.id)
        clock.tick(1)
        if seconds is not None:
            backend.set_flow_run_state(run.id, serialized("Running"))
            clock.tick(seconds)
            if state != "Running":
                backend.set_flow_run_state(run.id, serialized(state))
        runs.append(run)
    return runs[::-1]


def test_the_history_has_a_bar_per_run_its_height_the_duration_its_colour_the_state(backend, clock):
    flow = register(backend, "h", *TUTORIAL)
    runs = runs_of(
        backend, clock, flow, [("Success", 10), ("Failed", 5), ("Success", 2.5), ("Scheduled", None), ("Running", 4)]
    )
    clock.tick(1)  # the running run has run 5 s now
    chart = history.history_layout(runs, clock(), lambda run: f"/run/{run.id}")
    assert [bar.state for bar in chart.bars] == ["Success", "Failed", "Success", "Scheduled", "Running"]  # oldest first
    assert chart.longest == 10
    heights = [bar.h for bar in chart.bars]
    assert heights[:3] == [history.CHART_H, history.CHART_H / 2, history.CHART_H / 4]  # ∝ duration
    assert heights[3] == history.STUB_H and heights[4] == history.CHART_H / 2
    assert len({bar.y + bar.h for bar in chart.bars}) == 1  # one baseline
    assert [bar.href for bar in chart.bars] == [f"/run/{run.id}" for run in runs[::-1]]
    assert chart.bars[4].title.endswith("Running, 5.0 s so far")
    svg = parse(history.history_svg(runs, clock(), lambda run: f"/run/{run.id}"))
    fills = {r.get("data-state"): r.get("fill") for r in svg.iter(f"{SVG}rect") if r.get("data-state")}
    assert fills == {state: palette.STATE_COLOURS[state] for state in ("Success", "Failed", "Scheduled", "Running")}
    assert fills["Success"] == "#2cbe4e" and fills["Failed"] == "#eb0000" and fills["Running"] == "#27b1ff"


def test_the_history_shows_the_newest_runs_only(backend, clock):
    flow = register(backend, "h", *TUTORIAL)
    runs = runs_of(backend, clock, flow, [("Success", k + 1) for k in range(history.HISTORY_RUNS + 7)])
    chart = history.history_layout(runs, clock())
    assert len(chart.bars) == history.HISTORY_RUNS
    assert chart.bars[-1].title.startswith(runs[0].name) and chart.longest == history.HISTORY_RUNS + 7
    assert "No run yet." in history.history_svg([], clock())


# -- a run's timeline ------------------------------------------------------------------------------
def test_the_timeline_has_a_bar_per_task_run_from_its_start_to_its_end(backend, clock):
    flow = register(backend, "t", *MAPPED)
    run = backend.create_flow_run(flow.id)
    backend.set_flow_run_state(run.id, serialized("Running"))
    by_slug = {t.slug: t for t in backend.tasks_of(flow.id)}

    def take(slug: str, seconds: float, state: str = "Success", map_index: int = -1) -> None:
        task_run = backend.get_or_create_task_run(run.id, by_slug[slug].id, map_index)
        backend.set_task_run_state(task_run.id, serialized("Running"))
        clock.tick(seconds)
        backend.set_task_run_state(task_run.id, serialized(state))

    clock.tick(1)
    take("numbers-1", 2)
    parent = backend.get_or_create_task_run(run.id, by_slug["double-1"].id, -1)
    backend.set_task_run_state(parent.id, serialized("Mapped"))  # as prefect does: from Pending, not run
    for k, state in enumerate(["Success", "Success", "Failed"]):
        take("double-1", 1, state, map_index=k)  # one after another, as the LocalExecutor runs them
    clock.tick(1)
    laid = timeline.timeline_layout(tasks_of(backend, run), run.start_time, run.end_time, clock())
    rows = {row.label: row for row in laid.rows}
    scale = timeline.TIMELINE_W / laid.seconds
    assert laid.seconds == pytest.approx(7, abs=1e-3)
    (numbers,) = rows["numbers"].bars
    assert numbers.x == pytest.approx(timeline.TIMELINE_LABEL_W + 1 * scale, abs=0.01)  # started 1 s in
    assert numbers.w == pytest.approx(2 * scale, abs=0.01)  # ∝ its 2 s
    children = rows["double"].bars  # the parent did not run: no bar of its own
    # the children in one lane under their task (one after another), the two Successes, which
    # touch, as one bar of their 2 s, then the Failed one's 1 s
    assert [(c.state, c.title) for c in children] == [
        ("Success", "double[0] to double[1]: Success, 2 task runs"),
        ("Failed", "double[2]: Failed, 1.0 s"),
    ]
    assert {c.y for c in children} == {rows["double"].y + timeline.ROW_H}
    assert [c.w for c in children] == pytest.approx([2 * scale, 1 * scale], abs=0.01)
    assert children[1].x == pytest.approx(children[0].x + children[0].w, abs=0.01)
    assert rows["double"].note == "3 mapped"
    assert rows["n"].bars == [] and rows["n"].note == "1 not started"
    svg = parse(timeline.timeline_svg(tasks_of(backend, run), run.start_time, run.end_time, clock()))
    fills = {r.get("data-state"): r.get("fill") for r in svg.iter(f"{SVG}rect") if r.get("data-state")}
    assert fills == {s: palette.STATE_COLOURS[s] for s in ("Success", "Failed")}


def test_overlapping_children_take_lanes_and_touching_ones_merge(backend, clock):
    flow = register(backend, "t", *MAPPED)
    run = backend.create_flow_run(flow.id)
    backend.set_flow_run_state(run.id, serialized("Running"))
    double = next(t for t in backend.tasks_of(flow.id) if t.slug == "double-1")
    started = []
    for k in range(2):  # two at once, as a DaskExecutor with two workers runs them
        child = backend.get_or_create_task_run(run.id, double.id, k)
        backend.set_task_run_state(child.id, serialized("Running"))
        started.append(child)
    clock.tick(1)
    for child in started:
        backend.set_task_run_state(child.id, serialized("Success"))
    for k in range(2, 400):  # then many tiny ones, one after another: drawn as one bar
        child = backend.get_or_create_task_run(run.id, double.id, k)
        backend.set_task_run_state(child.id, serialized("Running"))
        backend.set_task_run_state(child.id, serialized("Success"))
    row = next(
        r
        for r in timeline.timeline_layout(tasks_of(backend, run), run.start_time, None, clock()).rows
        if r.label == "double"
    )
    # the first two overlapped: two lanes; the 398 after them fit in the first lane, as one bar
    assert [(bar.y, bar.title) for bar in row.bars] == [
        (row.y + timeline.ROW_H, "double[0] to double[399]: Success, 399 task runs"),
        (row.y + timeline.ROW_H + timeline.LANE_H, "double[1]: Success, 1.0 s"),
    ]
    assert row.h == timeline.ROW_H + 2 * timeline.LANE_H + 4
    assert row.note == "400 mapped, 1 not started"  # the parent task run never ran


def test_a_live_run_s_bars_reach_now(backend, clock):
    flow = register(backend, "t", *MAPPED)
    run = backend.create_flow_run(flow.id)
    backend.set_flow_run_state(run.id, serialized("Running"))
    numbers = next(t for t in backend.tasks_of(flow.id) if t.slug == "numbers-1")
    backend.set_task_run_state(backend.get_or_create_task_run(run.id, numbers.id).id, serialized("Running"))
    clock.tick(4)
    laid = timeline.timeline_layout(tasks_of(backend, run), run.start_time, run.end_time, clock())
    (bar,) = next(r for r in laid.rows if r.label == "numbers").bars
    assert bar.state == "Running" and bar.x + bar.w == pytest.approx(timeline.TIMELINE_LABEL_W + timeline.TIMELINE_W)
    assert bar.title.endswith("so far")


# -- the colours -----------------------------------------------------------------------------------
def test_the_badges_take_the_pictures_colours():
    for state, colour in palette.STATE_COLOURS.items():
        assert f".state-{state} {{ background: " in palette.STATE_STYLES
        assert f"border: 1px solid {colour}; }}" in palette.STATE_STYLES.split(f".state-{state} ")[1].split("\n")[0]
    assert palette.state_colour("NoSuchState") == palette.state_colour(None) == palette.UNKNOWN_COLOUR
