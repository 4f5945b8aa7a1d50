"""The stand-in's fault specs (``standin/src/standin/faults``): checked all or none, matched and counted,
without a process or HTTP."""

from __future__ import annotations

import pytest

from standin.faults import FaultSet, FaultSpecError


def test_fault_specs_are_checked_and_counted():
    now = [0.0]
    faults = FaultSet(clock=lambda: now[0])
    for spec, message in [
        (
            {"action": "explode"},
            "action must be one of error, unauthorized, cluster_error, cluster_pending, kill_worker, got 'explode'",
        ),
        ({"action": "error", "colour": "red"}, "unknown fault field(s): colour"),
        ({"action": "error", "status": 200}, "status must be a whole number of at least 400, got 200"),
        ({"action": "error", "times": 0}, "times must be a whole number of at least 1, got 0"),
        ({"action": "cluster_error"}, "cluster_error needs errors: a non-empty list of strings"),
        ({"action": "cluster_pending", "path": "/graphql"}, "cluster_pending answers POST /api/dask_clusters only"),
        (
            {"action": "error", "path": "("},
            "path '(' is not a regular expression: missing ), unterminated subpattern at position 0",
        ),
        ({"action": "kill_worker", "api": "saturn"}, "kill_worker takes task, delay, times, seconds and name only"),
    ]:
        with pytest.raises(FaultSpecError) as exc:
            faults.arm([{"action": "error"}, spec])  # all or none
        assert str(exc.value) == message
    assert faults.describe() == []

    faults.arm(
        [
            {"action": "error", "api": "saturn", "method": "get", "path": "/api/dask_clusters/info", "times": 2},
            {"action": "unauthorized", "api": "prefect", "operation": "create_project", "seconds": 5},
        ]
    )
    assert faults.take("saturn", "POST", "/api/dask_clusters/info") is None  # another method
    assert faults.take("prefect", "GET", "/api/dask_clusters/info") is None  # another API
    assert [faults.take("saturn", "GET", "/api/dask_clusters/info").hits for _ in range(2)] == [1, 2]
    assert faults.take("saturn", "GET", "/api/dask_clusters/info") is None  # spent after 2
    assert faults.take("prefect", "POST", "/graphql", ["project"]) is None
    assert faults.take("prefect", "POST", "/graphql", ["create_project"]).action == "unauthorized"
    now[0] = 5.0
    assert faults.take("prefect", "POST", "/graphql", ["create_project"]) is None  # its 5 s are over
    assert [(f["hits"], f["active"]) for f in faults.describe()] == [(2, False), (1, False)]
