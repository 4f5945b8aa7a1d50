"""The emulated Saturn REST API's models (``standin/src/standin/saturn/``: ``models.py``,
``cluster_options.py``, ``scheduler_identity.py``), without HTTP or a process: cluster specs,
JSON-safe scheduler identities, a cluster the stand-in does not own, and the scheduler addresses
``STANDIN_DASK_SCHEDULER`` takes."""

from __future__ import annotations

import asyncio
import json

import pytest

from standin.saturn.cluster_options import ClusterSpec
from standin.saturn.exceptions import InvalidRequest, NotFound
from standin.saturn.models import SaturnBackend
from standin.saturn.scheduler_identity import json_safe


def test_json_safe_keeps_what_json_can_hold_and_converts_the_rest():
    identity = {
        "workers": {
            "tcp://127.0.0.1:1": {
                "metrics": {
                    "digests_total_since_heartbeat": {
                        ("execute", "inc", "thread-cpu", "seconds"): 0.5,
                        "latency": 0.01,
                    },
                    "spilled_bytes": {"memory": 0, "disk": 0},
                },
                "resources": {},
                "nthreads": 2,
                "status": "running",
                "extra": (1, "a"),
                "nan": float("nan"),
                1: {2},
                "obj": NotFound("x"),
            }
        }
    }
    safe = json_safe(identity)
    assert json.loads(json.dumps(safe, allow_nan=False)) == safe
    worker = safe["workers"]["tcp://127.0.0.1:1"]
    assert worker["metrics"]["digests_total_since_heartbeat"] == {
        "execute.inc.thread-cpu.seconds": 0.5,
        "latency": 0.01,
    }
    assert (worker["nthreads"], worker["extra"], worker["nan"], worker["1"], worker["obj"]) == (
        2,
        [1, "a"],
        None,
        [2],
        "x",
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"n_workers": 1, "colour": "blue", "size": 1}, "unknown cluster option(s): colour, size"),
        ({"n_workers": 0}, "n_workers must be a whole number of at least 1, got 0"),
        ({"n_workers": 2.0}, "n_workers must be a whole number of at least 1, got 2.0"),
        ({"nprocs": True}, "nprocs must be a whole number of at least 1, got True"),
        ({"nthreads": 65}, "nthreads must be at most 64, got 65"),
        ({"worker_is_spot": 1}, "worker_is_spot must be true or false, got 1"),
        ({"prefectcloudflowrun_id": 7}, "prefectcloudflowrun_id must be a string, got 7"),
        ({"scheduler_size": "huge"}, "scheduler_size 'huge' is not one of ['large', 'medium', 'xlarge']"),
        ({"n_workers": 11, "nprocs": 3}, "n_workers x nprocs must be at most 32 worker processes, got 11 x 3"),
        # several wrong: the first in the schema's order, whatever the order sent
        ({"scheduler_size": "huge", "nthreads": 0, "n_workers": "3"}, "n_workers must be a whole number"),
    ],
)
def test_cluster_options_are_checked_with_one_message_naming_the_first_wrong_one(options, message):
    with pytest.raises(InvalidRequest) as raised:
        ClusterSpec.from_request(options)
    assert str(raised.value).startswith(message)


def test_cluster_options_left_null_take_their_defaults():
    assert ClusterSpec.from_request({"n_workers": 2, "nprocs": None, "worker_size": None}) == ClusterSpec(n_workers=2)


def test_models_reject_bad_specs_without_http():
    started = []

    async def fake_start(spec):
        started.append(spec)
        raise RuntimeError("no room")

    backend = SaturnBackend(token="t", username="u", start_cluster=fake_start)
    with pytest.raises(InvalidRequest, match="unknown cluster option"):
        ClusterSpec.from_request({"n_workers": 1, "colour": "blue"})
    with pytest.raises(NotFound):
        backend.cluster("nope")
    with pytest.raises(Exception, match="Dask cluster failed to start: no room"):
        asyncio.run(backend.create_cluster(ClusterSpec(n_workers=1)))
    assert started and backend.current_cluster() is None  # the failed one is not "current"
    assert [c.status for c in backend.clusters.values()] == ["error"]


class _OwnedCluster:
    """A cluster the stand-in owns, as ``clusters.LocalDaskCluster`` presents it: its scales."""

    owned = True
    scheduler_address = "tcp://127.0.0.1:1"
    dashboard_link = ""

    def __init__(self):
        self.scales = []

    async def scale(self, n: int) -> None:
        self.scales.append(n)


def test_a_scale_counts_nprocs_worker_processes_per_worker_and_is_remembered():
    owned = _OwnedCluster()

    async def start(spec):
        return owned

    backend = SaturnBackend(token="t", username="u", start_cluster=start)

    async def scenario():
        cluster = await backend.create_cluster(ClusterSpec(n_workers=1, nprocs=4))
        await backend.scale(cluster.id, 8)
        assert owned.scales == [32]
        with pytest.raises(InvalidRequest, match=r"^n x nprocs must be at most 32 worker processes, got 9 x 4$"):
            await backend.scale(cluster.id, 9)
        await backend.create_cluster(ClusterSpec(n_workers=8, nprocs=4))  # the size it was scaled to
        await backend.create_cluster(ClusterSpec(n_workers=8, nprocs=2))
        assert owned.scales == [32, 16]

    asyncio.run(scenario())


class _UsersCluster:
    """A cluster the stand-in does not own, as ``clusters.ExternalDaskCluster`` presents it."""

    owned = False
    scheduler_address = "tcp://10.0.0.5:8786"
    dashboard_link = ""

    def __init__(self, workers: int):
        self.workers = workers
        self.let_go = 0

    async def scheduler_info(self) -> dict:
        if self.workers is None:
            raise OSError("Timed out trying to connect")
        return {"workers": {f"tcp://10.0.0.{i}:1": {"name": i} for i in range(self.workers)}}

    async def scale(self, n: int) -> None:
        raise AssertionError("the backend scaled a cluster it does not own")

    async def close(self) -> None:
        self.let_go += 1


def test_models_never_scale_or_stop_a_cluster_they_do_not_own(caplog):
    from standin.saturn.exceptions import ClusterUnavailable

    users = _UsersCluster(workers=2)

    async def attach(spec):
        return users

    backend = SaturnBackend(token="t", username="u", start_cluster=attach)

    async def scenario():
        cluster = await backend.create_cluster(ClusterSpec(n_workers=3))
        assert cluster.status == "ready" and not cluster.owned
        assert cluster.info()["scheduler_address"] == users.scheduler_address
        assert cluster.warnings == [
            "n_workers=3 is not applied: the stand-in hands out your own Dask cluster at tcp://10.0.0.5:8786, "
            "which it neither scales nor stops; it has 2 worker(s)"
        ]
        same = await backend.create_cluster(ClusterSpec(n_workers=2))  # the size it has: no warning
        assert same is cluster and same.warnings == []
        await backend.scale(cluster.id, 9)
        await backend.scale(cluster.id, 4, "adapt(minimum=1, maximum=4)")
        assert len((await backend.scheduler_info(cluster.id))["workers"]) == 2
        users.workers = None  # the user stopped their scheduler
        with pytest.raises(ClusterUnavailable, match="cannot read the Dask scheduler at tcp://10.0.0.5:8786"):
            await backend.scheduler_info(cluster.id)
        await backend.close_cluster(cluster.id)
        assert cluster.status == "closed" and users.let_go == 1
        await backend.close_all()  # what the stand-in does at exit: the closed one is not let go twice
        assert users.let_go == 1
        with pytest.raises(NotFound):
            await backend.scheduler_info(cluster.id)

    with caplog.at_level("INFO", logger="standin.saturn"):
        asyncio.run(scenario())
    logged = caplog.text
    assert "scale(9) is not applied" in logged and "adapt(minimum=1, maximum=4) is not applied" in logged
    assert "which keeps running" in logged


@pytest.mark.parametrize("address", ["tcp://10.0.0.5:8786", "tcp://[::1]:8786", "tcp://dask-head.local:1"])
def test_scheduler_addresses_that_pass(address):
    from standin.client.protocol import check_scheduler_address

    assert check_scheduler_address(address + "/") == address
