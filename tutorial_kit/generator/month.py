"""A month of trips at any size: the one algorithm of the sample and of the month-size file.

Why one algorithm: the bundled sample (``output.SAMPLE_ROWS`` rows, made in one process) and a month-size
file (``calibration.MONTH_ROWS`` rows, streamed by day on N processes) are the same month at two sizes, so they are
made the same way, and the rows that make them look like the real file (row 1, the forced
rows, the bad clocks, the congestion_surcharge split) are derived once, here.  Two steps:

1. :func:`plan` decides everything that concerns the whole file, with a generator of its own
   (seeded with ``"{seed}/plan"``):

   * how the January rows split between the 31 days: exactly in proportion to the day weights
     (largest remainder), so no day needs another day's draws;
   * which rows are pinned (:class:`Pins`): row 1 (every money column with cents, for dask's
     dtype inference: ``Model.first_trip``), the real file's oddities (:data:`FORCED`) at
     random rows, the two bad clocks (:data:`~.calibration.BAD_CLOCK_DATES`) at random rows
     in the middle, the one ``2.5`` congestion_surcharge at a random row of the filled part;
   * where congestion_surcharge starts being filled: the first
     :data:`~.calibration.EMPTY_CONGESTION_PER_10000` per 10,000 rows are empty.

   Each :class:`Day` carries its share of that: its first row in the file, its rows, its pins.

2. :func:`day_text` makes one day's rows alone, from a generator seeded with
   ``"{seed}/day/{day}"``: the day's pickups are drawn and sorted, then each row is drawn at its
   pickup (pinned where the plan says) and written at once.  Memory: one day's pickups and text.

So the bytes depend on ``rows`` and ``seed`` only, never on how many processes make the days.
Rows are in pickup order except the two bad clocks, which sit where a broken meter's upload
would land: somewhere in the middle.
"""

from __future__ import annotations

import random
from typing import NamedTuple

from ..whole_numbers import check_whole_number
from . import calibration as cal
from .model import DAY, EPOCH, Model
from .text import line


class Pins(NamedTuple):
    """What the plan fixes about one row; the day's draws make the rest."""

    vendor: int | None = None
    passengers: int | None = None
    refund: bool | None = None
    #: A bad clock's pickup (outside January); None: the day's next pickup, like any row.
    pickup: int | None = None
    ends_before_start: bool = False
    #: The one 2.5 (cents); None: the row's place decides (empty, then 0).
    congestion: int | None = None
    #: Row 1: ``Model.first_trip``.
    first: bool = False


#: The real file's rare values and quirks: one row each in every file, whatever its size.  They
#: cost a handful of rows and make even the sample exercise what the whole file exercises:
#: passenger counts 0, 7, 8 and 9 (9 rows above 8 in 7.7 million), VendorID 4 with enough
#: multi-passenger trips for its standard deviation to be a number, a refund, and a trip that
#: ends before it starts (4 in the real file).
FORCED = (
    Pins(vendor=1, passengers=0),
    Pins(vendor=2, passengers=7),
    Pins(vendor=2, passengers=8),
    Pins(vendor=2, passengers=9),
    Pins(vendor=4, passengers=2),
    Pins(vendor=4, passengers=3),
    Pins(vendor=2, refund=True),
    Pins(vendor=2, ends_before_start=True),
)
_FIRST = Pins(first=True)
_SURCHARGE = Pins(refund=False, congestion=cal.MAX_CONGESTION_CENTS)  # a refund's would be negative

_DAY_WEIGHTS = cal.day_weights()
#: The fewest rows a file can have: the bad clocks plus enough January rows for January 1 (the
#: lightest day, which holds row 1) to get one whatever the rounding.  The pinned rows fit then.
MIN_ROWS = len(cal.BAD_CLOCK_DATES) + -(-sum(_DAY_WEIGHTS.values()) // _DAY_WEIGHTS[1])


class Day(NamedTuple):
    """One day's share of the plan: everything :func:`day_text` needs to write its rows alone."""

    seed: int
    day: int
    #: Index in the file of the day's first row (0 = row 1).
    first_row: int
    #: The day's rows: its January rows and the bad clocks that sit among them.
    rows: int
    #: Rows with a pickup on this day (each draws one of the day's pickups).
    january_rows: int
    #: Index in the file of the first row with a congestion_surcharge (the rows before: empty).
    first_filled: int
    #: {index in the file: Pins} for the day's pinned rows.
    pins: dict


def _allocate(total: int, weights: dict) -> dict:
    """``total`` split into integers proportional to ``weights`` (largest remainder; ties go to
    the smaller key), summing to ``total`` exactly."""
    whole = sum(weights.values())
    shares = {key: divmod(total * weight, whole) for key, weight in weights.items()}
    counts = {key: quotient for key, (quotient, _) in shares.items()}
    left = total - sum(counts.values())
    for key in sorted(weights, key=lambda k: (-shares[k][1], k))[:left]:
        counts[key] += 1
    return counts


def first_filled(rows: int) -> int:
    """Index of the first row with a congestion_surcharge: ``EMPTY_CONGESTION_PER_10000`` per 10,000 of ``rows``,
    rounded."""
    return (rows * cal.EMPTY_CONGESTION_PER_10000 + 5_000) // 10_000


def plan(rows: int, seed: int) -> list[Day]:
    """The 31 :class:`Day` of a file of ``rows`` rows: the decisions about the whole file."""
    check_whole_number("rows", rows, minimum=MIN_ROWS, advice=": the pinned rows need that many")
    filled = first_filled(rows)
    pins, bad_rows = _pin_rows(rows, filled, random.Random(f"{seed}/plan"))
    return _split_days(seed, rows, filled, pins, bad_rows)


def _pin_rows(rows: int, filled: int, rng: random.Random) -> tuple[dict, list[int]]:
    """{index in the file: Pins} for every pinned row, and the bad clocks' indexes, sorted.

    The pins are placed in a fixed order (row 1, the 2.5 congestion_surcharge, the bad clocks,
    the forced rows) from the plan's own ``rng``, so that where they land depends on ``rows``
    and the seed only; the bad clocks' indexes are returned apart because they decide how the
    January rows are spread over the days.
    """
    pins = {0: _FIRST}
    pins[_free_row(rng, pins, filled, rows)] = _SURCHARGE
    bad_rows = []
    for date in cal.BAD_CLOCK_DATES:
        row = _free_row(rng, pins, 1, rows - 1)  # in the middle: never row 1, never the last row
        pickup = (date - EPOCH.date()).days * DAY + rng.randrange(DAY)
        pins[row] = Pins(vendor=2, pickup=pickup)
        bad_rows.append(row)
    for forced in FORCED:
        pins[_free_row(rng, pins, 1, rows)] = forced
    bad_rows.sort()
    return pins, bad_rows


def _free_row(rng: random.Random, pins: dict, low: int, high: int) -> int:
    """A random index in ``[low, high)`` that holds no pin yet: a row carries one pin at most."""
    while True:
        row = rng.randrange(low, high)
        if row not in pins:
            return row


def _split_days(seed: int, rows: int, filled: int, pins: dict, bad_rows: list[int]) -> list[Day]:
    """The 31 :class:`Day`: the January rows split in proportion to the day weights, each bad
    clock counted in the day whose rows surround it, and each day given its own pins, so that
    :func:`day_text` can make any day without the others."""
    days, start = [], 0
    for day, count in _allocate(rows - len(bad_rows), _DAY_WEIGHTS).items():
        end = start + count
        for row in bad_rows:  # a bad clock belongs to the day whose rows surround it
            if start <= row < end:
                end += 1
        days.append(
            Day(seed, day, start, end - start, count, filled, {row: p for row, p in pins.items() if start <= row < end})
        )
        start = end
    if start != rows or not days[0].january_rows:
        raise AssertionError(f"the plan of {rows} rows does not add up")  # a bug here
    return days


def day_text(day: Day) -> bytes:
    """One day's rows, as CRLF-terminated ASCII lines.

    The day's pickups are drawn first and sorted (a few hundred thousand integers at the
    month's size); then each row's trip is drawn at its pickup and turned into a line at once,
    so that no more than one trip dict is alive at a time.
    """
    model = Model(random.Random(f"{day.seed}/day/{day.day}"))
    pickups = sorted([model.pickup_on(day.day) for _ in range(day.january_rows)])
    if day.first_row == 0:  # row 1 is a night trip: in the first minute of 2019
        pickups[0] = min(model.rng.randrange(60), pickups[0])
    remaining = iter(pickups)
    next_pickup = remaining.__next__
    trip, pinned = model.trip, day.pins
    filled = day.first_filled
    lines = []
    append = lines.append
    for row in range(day.first_row, day.first_row + day.rows):
        pins = pinned.get(row)
        if pins is None:
            append(line(trip(next_pickup()), None if row < filled else 0))
        else:
            congestion = pins.congestion
            if congestion is None and row >= filled:
                congestion = 0
            append(line(_pinned_trip(model, pins, next_pickup), congestion))
    if next(remaining, None) is not None:  # a bug here
        raise AssertionError(f"January {day.day}: the plan and the rows disagree")
    return "".join(lines).encode("ascii")


def _pinned_trip(model: Model, pins: Pins, next_pickup) -> dict:
    if pins.first:
        return model.first_trip(next_pickup())
    pickup = next_pickup() if pins.pickup is None else pins.pickup
    trip = model.trip(pickup, vendor=pins.vendor, passengers=pins.passengers, refund=pins.refund)
    if pins.ends_before_start:
        trip["dropoff"] = pickup - model.rng.randrange(60, 3_600)
    return trip
