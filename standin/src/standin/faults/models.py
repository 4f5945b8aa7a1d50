"""The fault room's state: armed faults (:class:`Fault`), checked from their JSON specs, and the
set of them (:class:`FaultSet`) that the request pipeline asks once per request and the
``kill_worker`` scheduler plugin asks once per task. What each field means: see ``__init__.py``.

No HTTP here: the control endpoint is ``responses.py``, and the pipeline's one hook that turns a
matched fault into an answer is ``hook.py``, which the request pipeline (``core/responses.py``) calls.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ..client.protocol import FAULTS_VAR
from ..core.numbers import is_whole_number
from .cluster_create import create_cluster
from .exceptions import FaultSpecError

log = logging.getLogger("standin.faults")

APIS = ("saturn", "prefect")
REQUEST_ACTIONS = ("error", "unauthorized", "cluster_error", "cluster_pending")
ACTIONS = REQUEST_ACTIONS + ("kill_worker",)
#: The one call the cluster_* actions can answer: dask-saturn's cluster create (and poll).
CLUSTER_CREATE = ("POST", "/api/dask_clusters")

_FIELDS = {
    "action",
    "name",
    "api",
    "method",
    "path",
    "operation",
    "status",
    "message",
    "errors",
    "times",
    "seconds",
    "task",
    "delay",
}


@dataclass
class Fault:
    action: str
    name: str
    api: str | None = None
    method: str | None = None
    path: str | None = None
    operation: str | None = None
    status: int | None = None
    message: str | None = None
    errors: list[str] = field(default_factory=list)
    times: int | None = None
    seconds: float | None = None
    task: str | None = None
    delay: float = 0.0
    # state
    armed_at: float = 0.0
    hits: int = 0
    _path_re: re.Pattern | None = None
    _task_re: re.Pattern | None = None

    def active(self, now: float) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        return self.seconds is None or now - self.armed_at < self.seconds

    def matches(self, api: str, method: str, path: str, operations: Iterable[str]) -> bool:
        return (
            self.action in REQUEST_ACTIONS
            and self.api in (None, api)
            and self.method in (None, method.upper())
            and (self._path_re is None or self._path_re.fullmatch(path) is not None)
            and (self.operation is None or self.operation in operations)
        )

    async def create_cluster(self, backend, spec) -> tuple:
        """Create the cluster of a cluster create this fault matched: see ``cluster_create.py``."""
        return await create_cluster(self.action, self.errors, backend, spec)

    def describe(self, now: float) -> dict:
        out = {k: getattr(self, k) for k in sorted(_FIELDS) if getattr(self, k) not in (None, [])}
        if self.action != "kill_worker":
            out.pop("delay")
        out.update(hits=self.hits, active=self.active(now))
        return out


def parse(value: Any) -> list[dict]:
    """A list of fault specs from JSON text, a list or one object; FaultSpecError otherwise."""
    if isinstance(value, (str, bytes)):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise FaultSpecError(f"faults must be JSON: {exc}") from None
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise FaultSpecError("faults must be a JSON object or a list of objects")
    return value


def _opt_str(spec: dict, key: str) -> str | None:
    value = spec.get(key)
    if value is not None and (not isinstance(value, str) or not value):
        raise FaultSpecError(f"{key} must be a non-empty string, got {value!r}")
    return value


def _opt_number(spec: dict, key: str, minimum: float, integer: bool = False):
    value = spec.get(key)
    if value is None:
        return None
    ok = is_whole_number(value) if integer else isinstance(value, (int, float)) and not isinstance(value, bool)
    if not ok or value < minimum or value != value or value == float("inf"):
        kind = "a whole number" if integer else "a number"
        raise FaultSpecError(f"{key} must be {kind} of at least {minimum:g}, got {value!r}")
    return value


def _regex(spec: dict, key: str) -> re.Pattern | None:
    value = _opt_str(spec, key)
    if value is None:
        return None
    try:
        return re.compile(value)
    except re.error as exc:
        raise FaultSpecError(f"{key} {value!r} is not a regular expression: {exc}") from None


def build(spec: dict, number: int, now: float) -> Fault:
    """One checked :class:`Fault` from its JSON object.

    Each field is checked on its own first (its type and range); then :data:`_ACTION_CHECKS`
    checks, one family of fields at a time and always in the same order, the fields that only
    some actions take, so that a spec with several mistakes always reports the same one.
    """
    unknown = set(spec) - _FIELDS
    if unknown:
        raise FaultSpecError(f"unknown fault field(s): {', '.join(sorted(map(str, unknown)))}")
    action = spec.get("action")
    if action not in ACTIONS:
        raise FaultSpecError(f"action must be one of {', '.join(ACTIONS)}, got {action!r}")
    fault = _checked_fields(spec, action, number, now)
    for check in _ACTION_CHECKS:
        check(fault, spec)
    return fault


def _checked_fields(spec: dict, action: str, number: int, now: float) -> Fault:
    """The :class:`Fault` of ``spec`` with each field checked alone (type, range, regex), before
    any check of how the fields go together with the action."""
    api = _opt_str(spec, "api")
    if api is not None and api not in APIS:
        raise FaultSpecError(f"api must be one of {', '.join(APIS)}, got {api!r}")
    method = _opt_str(spec, "method")
    return Fault(
        action=action,
        name=_opt_str(spec, "name") or f"#{number}",
        api=api,
        method=method.upper() if method else None,
        path=_opt_str(spec, "path"),
        operation=_opt_str(spec, "operation"),
        status=_opt_number(spec, "status", 400, integer=True),
        message=_opt_str(spec, "message"),
        times=_opt_number(spec, "times", 1, integer=True),
        seconds=_opt_number(spec, "seconds", 0.001),
        task=_opt_str(spec, "task"),
        delay=_opt_number(spec, "delay", 0) or 0.0,
        armed_at=now,
        _path_re=_regex(spec, "path"),
        _task_re=_regex(spec, "task"),
    )


def _check_status(fault: Fault, spec: dict) -> None:
    """status: the HTTP status of an ``error`` answer; the other actions answer in their own
    shape, and a status outside 400-599 would not read as an error to the clients."""
    if fault.status is not None and (fault.action != "error" or fault.status > 599):
        raise FaultSpecError("status is for action 'error' only, and must be 400-599")


def _check_operation(fault: Fault, spec: dict) -> None:
    """operation: a GraphQL root field, which only the Prefect API has."""
    if fault.operation is not None and fault.api == "saturn":
        raise FaultSpecError("operation (a GraphQL root field) is for api 'prefect' only")


def _check_errors(fault: Fault, spec: dict) -> None:
    """errors: what Saturn reports for a cluster that failed to start, so ``cluster_error``
    needs them and no other action takes them."""
    errors = spec.get("errors")
    if fault.action == "cluster_error":
        if not isinstance(errors, list) or not errors or not all(isinstance(e, str) and e for e in errors):
            raise FaultSpecError("cluster_error needs errors: a non-empty list of strings")
        fault.errors = list(errors)
    elif errors is not None:
        raise FaultSpecError("errors is for action 'cluster_error' only")


def _pin_cluster_create(fault: Fault, spec: dict) -> None:
    """api, method and path of ``cluster_error`` and ``cluster_pending``: the Saturn cluster
    code that carries them out only runs on :data:`CLUSTER_CREATE`, so they are pinned to it,
    and a spec that asks for another request is refused rather than never hit."""
    action = fault.action
    if action not in ("cluster_error", "cluster_pending"):
        return
    if fault.api not in (None, "saturn") or fault.operation is not None:
        raise FaultSpecError(f"{action} answers Saturn's {' '.join(CLUSTER_CREATE)} only")
    if (fault.method, fault.path) not in ((None, None), CLUSTER_CREATE):
        raise FaultSpecError(f"{action} answers {' '.join(CLUSTER_CREATE)} only")
    fault.api, fault.method, fault.path = "saturn", *CLUSTER_CREATE
    fault._path_re = re.compile(re.escape(fault.path))


def _default_times(fault: Fault, spec: dict) -> None:
    """times of ``cluster_pending`` and ``kill_worker``: once unless told, since without a
    limit the cluster would never be ready, or every task's worker would be killed."""
    if fault.action in ("cluster_pending", "kill_worker") and fault.times is None:
        fault.times = 1


def _check_task_fields(fault: Fault, spec: dict) -> None:
    """``kill_worker`` acts on a task inside a Dask cluster, on no request: it refuses the
    request fields, and task and delay (which choose the task) are its own."""
    if fault.action == "kill_worker":
        if any(getattr(fault, k) is not None for k in ("api", "method", "path", "operation", "message")):
            raise FaultSpecError("kill_worker takes task, delay, times, seconds and name only")
    elif fault.task is not None or spec.get("delay") is not None:
        raise FaultSpecError("task and delay are for action 'kill_worker' only")


#: The checks of the fields that only some actions take, one family each, in the order in which
#: :func:`build` applies them (its first error is the one reported).
_ACTION_CHECKS: tuple[Callable[[Fault, dict], None], ...] = (
    _check_status,
    _check_operation,
    _check_errors,
    _pin_cluster_create,
    _default_times,
    _check_task_fields,
)


class FaultSet:
    """The armed faults of one stand-in. Thread-safe; every hit is logged with the fault's name."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._count = 0

    @classmethod
    def from_env(cls, environ=None) -> FaultSet:
        """A set armed from ``STANDIN_FAULTS`` (empty when unset); FaultSpecError if malformed."""
        faults = cls()
        value = (os.environ if environ is None else environ).get(FAULTS_VAR, "").strip()
        if value:
            faults.arm(value)
        return faults

    def arm(self, specs: Any) -> list[dict]:
        """Arm every fault of ``specs`` (see :func:`parse`), or none if one is malformed."""
        specs = parse(specs)
        with self._lock:
            now = self._clock()
            built = [build(spec, self._count + i + 1, now) for i, spec in enumerate(specs)]
            self._count += len(built)
            self._faults.extend(built)
        for fault in built:
            log.warning("fault %s armed: %s", fault.name, json.dumps(fault.describe(now)))
        return [f.describe(now) for f in built]

    def clear(self) -> int:
        with self._lock:
            count, self._faults = len(self._faults), []
        if count:
            log.warning("faults cleared (%d)", count)
        return count

    def describe(self) -> list[dict]:
        with self._lock:
            now = self._clock()
            return [f.describe(now) for f in self._faults]

    def __bool__(self) -> bool:
        return bool(self._faults)

    def wants_operations(self) -> bool:
        """Whether any armed fault matches on a GraphQL operation (so the query must be parsed)."""
        return any(f.operation is not None for f in self._faults)

    def take(self, api: str, method: str, path: str, operations: Iterable[str] = ()) -> Fault | None:
        """The first active request fault that matches, counted as hit; None when none does."""
        if not self._faults:
            return None
        operations = tuple(operations)
        with self._lock:
            now = self._clock()
            for fault in self._faults:
                if fault.active(now) and fault.matches(api, method, path, operations):
                    fault.hits += 1
                    break
            else:
                return None
        log.warning(
            "fault %s: %s %s%s -> %s (hit %d)",
            fault.name,
            method,
            path,
            f" [{', '.join(operations)}]" if operations else "",
            fault.action,
            fault.hits,
        )
        return fault

    # -- kill_worker (carried out by kill_worker.py's scheduler plugin) --------------------------
    def take_task(self, key: str) -> Fault | None:
        """The first active ``kill_worker`` fault whose ``task`` matches ``key``, counted as hit
        now (so one task takes one kill); :meth:`give_back` if the kill does not happen."""
        if not self._faults:
            return None
        with self._lock:
            now = self._clock()
            for fault in self._faults:
                if (
                    fault.action == "kill_worker"
                    and fault.active(now)
                    and (fault._task_re is None or fault._task_re.search(key))
                ):
                    fault.hits += 1
                    return fault
        return None

    def give_back(self, fault: Fault) -> None:
        with self._lock:
            fault.hits -= 1

    def scheduler_plugin(self, cluster):
        """The ``SchedulerPlugin`` that carries out this set's ``kill_worker`` faults on
        ``cluster``, a ``LocalCluster`` the stand-in started (``saturn/clusters.py`` installs it)."""
        from .kill_worker import KillWorker  # imports distributed: only when a cluster starts

        return KillWorker(self, cluster)
