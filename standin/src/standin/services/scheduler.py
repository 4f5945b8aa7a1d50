"""Prefect Cloud's scheduler: a flow registered with a schedule (and the schedule on) gets its
next runs created ahead of time, ``auto_scheduled``, as Prefect Cloud did
(``prefect_server/services/towel/scheduler.py`` and ``api.flows.schedule_flow_runs``); the agent
runs each when it is due.

Up to :data:`MAX_RUNS` of a flow's next events are scheduled, each run created with the idempotency
key ``auto-scheduled:<start time>`` (plus a hash of the event's parameters and labels, when it has
some), so that scheduling again never doubles a run; events without parameters or labels that are not
later than the flow's last auto-scheduled run are skipped (the others rely on their key). A new
version of the flow archives the old one, which deletes its runs still waiting.

The schedule arrives serialized by prefect (clocks, filters, adjustments); it is loaded with
prefect's own ``ScheduleSchema``, imported only when a flow has a schedule, so that its semantics
are prefect's and nothing is re-implemented.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging

from ..prefect_cloud.models import PrefectCloudBackend

log = logging.getLogger("standin.scheduler")
#: How many upcoming runs of a flow exist at a time (Prefect Server's default).
MAX_RUNS = 10
#: Seconds between looks at the flows when nothing wakes the scheduler (a registration does).
LOOP_SECONDS = 10.0


class Scheduler:
    def __init__(self, prefect: PrefectCloudBackend):
        self.prefect = prefect
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        while True:
            self._wake.clear()
            try:
                self.schedule_once()
            except Exception:  # a bad schedule must not stop the service
                log.exception("scheduling failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), LOOP_SECONDS)

    def schedule_once(self) -> list[str]:
        created = []
        for flow in list(self.prefect.flows.values()):
            group = self.prefect.flow_groups.get(flow.flow_group_id)
            schedule = (group.schedule if group else None) or flow.schedule
            if flow.archived or not flow.is_schedule_active or not schedule:
                continue
            created += self.schedule_flow(flow, schedule)
        return created

    def schedule_flow(self, flow, serialized_schedule: dict) -> list[str]:
        from prefect.serialization.schedule import ScheduleSchema  # prefect's semantics, loaded once needed

        try:
            schedule = ScheduleSchema().load(serialized_schedule)
        except Exception:
            log.exception("flow %s: its schedule cannot be loaded: %s", flow.id, serialized_schedule)
            return []
        last = self.prefect.last_auto_scheduled_time(flow.id)
        created = []
        for event in schedule.next(n=MAX_RUNS, return_events=True):
            start = _datetime(event.start_time)
            key = f"auto-scheduled:{start.isoformat()}"
            if event.parameter_defaults or event.labels is not None:
                digest = hashlib.md5(
                    (str(sorted(json.dumps(event.parameter_defaults))) + str(sorted(json.dumps(event.labels)))).encode()
                ).hexdigest()
                key += f":{digest}"
            elif last is not None and start <= last:
                continue
            run = self.prefect.create_flow_run(
                flow.id,
                scheduled_start_time=start,
                parameters=event.parameter_defaults or None,
                labels=event.labels,
                idempotency_key=key,
                auto_scheduled=True,
            )
            created.append(run.id)
        return created


def _datetime(moment):
    """A pendulum DateTime as a plain aware datetime (what the backend stores)."""
    from datetime import datetime

    return datetime.fromisoformat(moment.in_timezone("UTC").isoformat())
