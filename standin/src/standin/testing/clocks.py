"""A clock for the stand-in's models in tests: it moves only when told, so that times are exact."""

from datetime import UTC, datetime, timedelta

#: Where every :class:`StillClock` starts.
T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


class StillClock:
    """A clock that does not move unless told (``clock.tick(seconds)``); the backend's
    timestamps must still strictly increase."""

    def __init__(self):
        self.now = T0

    def __call__(self):
        return self.now

    def tick(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
