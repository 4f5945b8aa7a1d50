"""A generated stand-in for the NYC TLC yellow taxi file of January 2019.

Why this exists: the tutorial reads
``https://s3.amazonaws.com/nyc-tlc/trip+data/yellow_tripdata_2019-01.csv``, which has been dead
since the TLC moved to Parquet in 2022.  The repository therefore ships its own small CSV,
``data/yellow_tripdata_2019-01.sample.csv``, that the notebook reads by default.

Every row is *synthesized* here from distributions calibrated to the published figures of the
whole original file (see ``data/README.md``); no real trip is copied.  The text is written the
way the original file writes it, because the point of the sample is to exercise the same parsing
as the real file:

* the original 18-column header, CRLF line endings;
* datetimes as ``YYYY-MM-DD HH:MM:SS``;
* ``trip_distance`` with two decimals and no leading zero (``.92``, ``1.10``, ``.00``), VendorID 1
  reporting tenths of a mile only (``1.50``);
* money in its shortest decimal form (``7``, ``0.5``, ``9.95``, ``-0.3``);
* ``congestion_surcharge`` empty for the first ~63.33 % of trips (the column was only filled in
  late in the month) and ``0`` afterwards, with a rare ``2.5``;
* the real file's oddities: VendorID 4, passenger counts 0 and 7-9, pickups in 2001 and 2088
  (bad clocks), a trip that ends before it starts, refunds with negative amounts.

The sample must be the same bytes on every machine, so generation uses only
``random.Random(seed)`` integer draws (``randrange``) and integer arithmetic (money in cents,
distance in hundredths of a mile, time in seconds); no float is ever formatted.

This module is imported from a notebook's parameters cell for :data:`SAMPLE_CSV`, so it imports
only the standard library, and only cheap parts of it, at module level.

Command line::

    python -m tutorial_kit.sample_data           # (re)write data/yellow_tripdata_2019-01.sample.csv
    python -m tutorial_kit.sample_data --check   # exit 1 if the file differs from generate()
    python -m tutorial_kit.sample_data --month --output PATH [--rows N] [--jobs N]
                                                 # a month-size file (write_month)
"""

from __future__ import annotations

import bisect
import datetime as _dt
import os
import random
import sys
from pathlib import Path

from .files import atomic_output
from .paths import SAMPLE_CSV, SAMPLE_CSV_PATH  # noqa: F401 - SAMPLE_CSV_PATH: tests

DEFAULT_ROWS = 10_000
DEFAULT_SEED = 20190101

#: The header of the original file, in order.
HEADER = (
    "VendorID",
    "tpep_pickup_datetime",
    "tpep_dropoff_datetime",
    "passenger_count",
    "trip_distance",
    "RatecodeID",
    "store_and_fwd_flag",
    "PULocationID",
    "DOLocationID",
    "payment_type",
    "fare_amount",
    "extra",
    "mta_tax",
    "tip_amount",
    "tolls_amount",
    "improvement_surcharge",
    "total_amount",
    "congestion_surcharge",
)

# ---------------------------------------------------------------------------------------------
# Calibration.  Weights are integers so that drawing is pure integer arithmetic.
# Published whole-file figures (7,667,792 rows) are quoted next to what they calibrate.
# ---------------------------------------------------------------------------------------------

#: VendorID shares 38.33 / 60.67 / 1.00 % (2,938,778 / 4,652,191 / 76,823 rows).
_VENDOR_WEIGHTS = {1: 2_938_778, 2: 4_652_191, 4: 76_823}

#: passenger_count per vendor, in 1/100,000.  Chosen so that the mixture has the whole file's
#: mean 1.567, std 1.224 and 1.53 % zeros (zeros come almost only from VendorID 1), and so that
#: among trips with more than one passenger VendorID 1 mostly carries 2-4 people (std ~0.68)
#: while VendorID 2 often carries 5-6 (std ~1.54), as the real 0.2 % sample shows (0.69 / 1.52).
#: That per-vendor std is what the tutorial computes, so it must differ by vendor here too.
_PASSENGER_WEIGHTS = {
    1: {0: 3_915, 1: 77_450, 2: 13_900, 3: 3_050, 4: 1_550, 5: 70, 6: 65},
    2: {0: 50, 1: 66_750, 2: 15_400, 3: 4_600, 4: 2_150, 5: 6_550, 6: 4_500},
    4: {1: 95_000, 2: 2_500, 3: 1_000, 4: 500, 5: 600, 6: 400},
}

#: RatecodeID: the published counts themselves (1 standard, 2 JFK, 3 Newark,
#: 4 Nassau/Westchester, 5 negotiated, 6 group ride, 99 unknown).
_RATECODE_WEIGHTS = {1: 7_430_139, 2: 166_090, 3: 11_801, 4: 4_895, 5: 54_569, 6: 46, 99: 252}

#: payment_type in 1/1,000,000: 1 card 0.715464, 2 cash 0.278752 (published); the remaining
#: 0.005784 is split between 3 (no charge) and 4 (dispute), the maximum being 4.
_PAYMENT_WEIGHTS = {1: 715_464, 2: 278_752, 3: 4_300, 4: 1_484}

#: Refunds (all amounts negative) happen on 7,131 of 7,667,792 rows (0.093 %); they are a
#: VendorID 2 phenomenon, so the rate is applied to VendorID 2 rows only: 0.093 % / 0.6067.
_REFUND_PER_MILLION_OF_VENDOR_2 = 1_533

#: congestion_surcharge is empty in 4,855,978 rows (63.33 %): the earlier trips of the month.
_EMPTY_CONGESTION_PER_10000 = 6_333

#: store_and_fwd_flag "Y" (trip held in the meter, sent later): rare, and mostly VendorID 1.
_STORE_AND_FORWARD_PER_MILLION = {1: 10_000, 2: 300, 4: 0}

#: trip_distance for metered trips, as a piecewise-linear inverse CDF:
#: (cumulative share in 1/1,000,000, hundredths of a mile).  About 1 % of trips are ``.00``.
#: Together with the airport and out-of-town rate codes this gives the whole file's mean of
#: about 2.80 miles.
_METERED_DISTANCE = (
    (0, 0),
    (10_000, 0),
    (10_001, 10),
    (100_000, 55),
    (250_000, 90),
    (500_000, 155),
    (750_000, 260),
    (900_000, 485),
    (950_000, 760),
    (980_000, 1_050),
    (995_000, 1_600),
    (999_000, 2_300),
    (1_000_000, 4_500),
)
_AIRPORT_DISTANCE = ((0, 0), (30_000, 0), (30_001, 1_250), (500_000, 1_800), (1_000_000, 2_400))
_NEWARK_DISTANCE = ((0, 1_400), (500_000, 1_750), (1_000_000, 2_600))
_SUBURB_DISTANCE = ((0, 1_200), (500_000, 2_300), (1_000_000, 4_500))
_NEGOTIATED_DISTANCE = ((0, 0), (300_000, 0), (300_001, 20), (700_000, 500), (1_000_000, 3_000))

#: Negotiated (RatecodeID 5) fares, in cents: typical flat prices, plus odd tiny values.
_NEGOTIATED_FARE_WEIGHTS = {
    1: 20, 1_000: 30, 1_500: 40, 2_000: 60, 2_500: 60, 3_000: 60, 3_500: 40,
    4_000: 40, 5_000: 50, 6_000: 30, 7_000: 30, 8_000: 20, 10_000: 20, 15_000: 5,
}

#: Tip on card payments: percent of fare + extra + taxes, or a whole-dollar tip.
_TIP_PERCENT_WEIGHTS = {0: 8, 10: 2, 15: 6, 18: 6, 20: 30, 22: 8, 25: 14, 30: 6, -1: 20}
_WHOLE_DOLLAR_TIP_WEIGHTS = {100: 40, 200: 35, 300: 15, 500: 10}

_TOLL_CENTS = 576  # the usual bridge/tunnel toll in the data of early 2019

#: Trips per hour of day, weekdays and weekends (weekends: later nights, no morning rush).
_WEEKDAY_HOURS = (30, 18, 11, 8, 9, 14, 33, 52, 60, 60, 57, 58,
                  61, 61, 64, 63, 57, 64, 74, 72, 64, 63, 60, 48)
_WEEKEND_HOURS = (55, 45, 35, 25, 17, 10, 12, 17, 25, 35, 45, 52,
                  56, 58, 58, 57, 56, 56, 57, 55, 52, 52, 55, 55)
_HOLIDAYS = (1, 21)  # New Year's Day, Martin Luther King Jr. Day

#: Taxi zones by popularity (Manhattan core, airports); all other zones 1..265 weigh 2.
_ZONE_WEIGHTS = {
    237: 150, 236: 145, 161: 140, 162: 120, 230: 115, 170: 110, 186: 105, 142: 100, 234: 100,
    48: 95, 163: 95, 239: 90, 79: 85, 107: 85, 68: 80, 141: 80, 140: 75, 238: 75, 263: 75,
    249: 70, 164: 70, 100: 65, 113: 65, 90: 60, 138: 60, 229: 55, 43: 50, 262: 50, 231: 50,
    246: 45, 114: 45, 137: 45, 132: 40, 148: 40, 211: 40, 233: 40, 151: 35, 166: 35, 75: 35,
    143: 30, 144: 30, 125: 30, 50: 30, 87: 25, 88: 25, 13: 25, 158: 25, 264: 25, 74: 20,
    24: 20, 41: 20, 42: 20, 265: 5,
}
_JFK, _LAGUARDIA, _NEWARK, _OUTSIDE_NYC = 132, 138, 1, 265

_EPOCH = _dt.datetime(2019, 1, 1)  # pickup times are seconds from here
_EPOCH_WEEKDAY = _EPOCH.weekday()  # 1: a Tuesday
_DAY = 86_400


class _Weighted:
    """Draw from integer weights with one ``randrange``: exact, no float rounding anywhere."""

    def __init__(self, weights: dict) -> None:
        self.values = list(weights)
        self.cumulative = []
        total = 0
        for weight in weights.values():
            total += weight
            self.cumulative.append(total)
        self.total = total

    def __call__(self, rng: random.Random):
        return self.values[bisect.bisect_right(self.cumulative, rng.randrange(self.total))]


#: The cumulative shares of each inverse-CDF table, by id() (the table is kept alongside so
#: that its id cannot be reused): computed once, not on every draw.
_QUANTILE_SHARES: dict = {}


def _quantile(rng: random.Random, table) -> int:
    """Draw from a piecewise-linear inverse CDF given as (cumulative ppm, value) pairs."""
    u = rng.randrange(1_000_000)
    cached = _QUANTILE_SHARES.get(id(table))
    if cached is None or cached[0] is not table:
        cached = _QUANTILE_SHARES[id(table)] = (table, [p for p, _ in table])
    i = bisect.bisect_right(cached[1], u)
    (p0, v0), (p1, v1) = table[i - 1], table[i]
    return v0 + (v1 - v0) * (u - p0) // (p1 - p0)


def _per_million(rng: random.Random, rate: int) -> bool:
    return rng.randrange(1_000_000) < rate


def _day_weights() -> dict:
    """Trips per day of January 2019 as integer weights: fewer on Sundays and holidays."""
    weights = {}
    for day in range(1, 32):
        weekday = _dt.date(2019, 1, day).weekday()
        quiet = day in _HOLIDAYS or weekday == 6  # holidays and Sundays
        weights[day] = 80 if quiet else 95 if weekday == 5 else 100
    return weights


class _Model:
    """The draws of one generation run; a trip is a dict of integers (and the flag)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.vendor = _Weighted(_VENDOR_WEIGHTS)
        self.passengers = {v: _Weighted(w) for v, w in _PASSENGER_WEIGHTS.items()}
        self.ratecode = _Weighted(_RATECODE_WEIGHTS)
        self.payment = _Weighted(_PAYMENT_WEIGHTS)
        self.negotiated_fare = _Weighted(_NEGOTIATED_FARE_WEIGHTS)
        self.tip_percent = _Weighted(_TIP_PERCENT_WEIGHTS)
        self.whole_dollar_tip = _Weighted(_WHOLE_DOLLAR_TIP_WEIGHTS)
        self.weekday_hour = _Weighted(dict(enumerate(_WEEKDAY_HOURS)))
        self.weekend_hour = _Weighted(dict(enumerate(_WEEKEND_HOURS)))
        self.day = _Weighted(_day_weights())
        zones = {zone: _ZONE_WEIGHTS.get(zone, 2) for zone in range(1, 266)}
        self.zone = _Weighted(zones)

    def pickup(self) -> int:
        """Seconds from 2019-01-01 00:00:00 to a January 2019 pickup."""
        return self.pickup_on(self.day(self.rng))

    def pickup_on(self, day: int) -> int:
        """Seconds from 2019-01-01 00:00:00 to a pickup on 2019-01-``day``."""
        rng = self.rng
        weekend = day in _HOLIDAYS or _dt.date(2019, 1, day).weekday() >= 5
        hour = (self.weekend_hour if weekend else self.weekday_hour)(rng)
        return (day - 1) * _DAY + hour * 3_600 + rng.randrange(3_600)

    def trip(self, vendor=None, passengers=None, pickup=None, refund=None, toll=None) -> dict:
        """One consistent trip; the keyword arguments pin a field for the forced rows."""
        rng = self.rng
        vendor = self.vendor(rng) if vendor is None else vendor
        passengers = self.passengers[vendor](rng) if passengers is None else passengers
        pickup = self.pickup() if pickup is None else pickup
        if refund is None:
            refund = vendor == 2 and _per_million(rng, _REFUND_PER_MILLION_OF_VENDOR_2)
        ratecode = self.ratecode(rng)
        payment = self.payment(rng)
        if refund:
            payment = 3 if rng.randrange(10) < 6 else 4

        # Where, and how far (hundredths of a mile).
        pu, do = self.zone(rng), self.zone(rng)
        table = {2: _AIRPORT_DISTANCE, 3: _NEWARK_DISTANCE, 4: _SUBURB_DISTANCE,
                 5: _NEGOTIATED_DISTANCE}.get(ratecode, _METERED_DISTANCE)
        distance = _quantile(rng, table)
        if vendor == 1:  # Creative Mobile's meters report tenths of a mile: "1.50", "2.60"
            distance = (distance + 5) // 10 * 10
        if ratecode == 2:
            if rng.randrange(2):
                pu = _JFK
            else:
                do = _JFK
        elif ratecode == 3:
            do = _NEWARK
        elif ratecode == 4:
            do = _OUTSIDE_NYC
        elif distance > 800 and rng.randrange(10) < 3:
            do = _LAGUARDIA if rng.randrange(3) else _JFK
        if distance == 0 and rng.randrange(10) < 6:
            do = pu

        # How long: an average speed (tenths of mph) plus time to get going.
        if distance == 0:
            duration = rng.randrange(5, 600)
        else:
            low, high = (50, 140) if distance < 300 else (90, 260)
            duration = distance * 360 // rng.randrange(low, high) + rng.randrange(30, 180)

        # The fare (cents).  Standard meter: $2.50, then $0.50 per 1/5 mile, or per minute
        # spent below 12 mph (time beyond 3 s per hundredth of a mile).
        slow_minutes = max(0, duration - 2 * distance) // 60
        metered = 250 + 50 * (distance // 20 + slow_minutes)
        if ratecode == 2:
            fare = 5_200
        elif ratecode == 4:
            fare = 2 * metered
        elif ratecode == 5:
            fare = self.negotiated_fare(rng)
        else:
            fare = metered

        days, hour = divmod(pickup // 3_600, 24)  # floor division: right for 2001 too
        weekday = (days + _EPOCH_WEEKDAY) % 7
        weekday_rush = weekday < 5 and 16 <= hour < 20
        night = hour >= 20 or hour < 6
        if ratecode == 5:
            extra = 0
        elif ratecode == 2:
            extra = 450 if weekday_rush else 0
        else:
            extra = 100 if weekday_rush else 50 if night else 0
        mta_tax = 0 if ratecode == 5 and rng.randrange(2) else 50
        improvement = 30

        long_trip_chance = 35 if distance >= 800 else 15 if distance >= 400 else 1
        toll_chance = {2: 35, 3: 40, 4: 40}.get(ratecode, long_trip_chance)
        if toll is None:
            toll = rng.randrange(100) < toll_chance
        tolls = _TOLL_CENTS if toll else 0

        tip = 0
        if payment == 1:
            percent = self.tip_percent(rng)
            if percent < 0:
                tip = self.whole_dollar_tip(rng)
            else:
                tip = (fare + extra + mta_tax + improvement) * percent // 100

        flag = "Y" if _per_million(rng, _STORE_AND_FORWARD_PER_MILLION[vendor]) else "N"
        sign = -1 if refund else 1
        return {
            "vendor": vendor, "pickup": pickup, "dropoff": pickup + max(1, duration),
            "passengers": passengers, "distance": distance, "ratecode": ratecode, "flag": flag,
            "pu": pu, "do": do, "payment": payment,
            "fare": sign * fare, "extra": sign * extra, "mta_tax": sign * mta_tax,
            "tip": sign * tip, "tolls": sign * tolls, "improvement": sign * improvement,
            "congestion": None,
        }


def _forced_trips(model: _Model) -> list:
    """Rows every sample contains, whatever its size: the real file's rare values and quirks.

    They cost a handful of rows and make the sample exercise what the whole file exercises:
    passenger counts 0, 7, 8 and 9 (9 rows above 8 in 7.7 million), VendorID 4 with enough
    multi-passenger trips for its standard deviation to be a number, a refund, a trip that
    ends before it starts (4 in the real file) and clocks set to 2001 and 2088.
    """
    rng = model.rng
    trips = [
        model.trip(vendor=1, passengers=0),
        model.trip(vendor=2, passengers=7),
        model.trip(vendor=2, passengers=8),
        model.trip(vendor=2, passengers=9),
        model.trip(vendor=4, passengers=2),
        model.trip(vendor=4, passengers=3),
        model.trip(vendor=2, refund=True),
    ]
    backwards = model.trip(vendor=2)
    backwards["dropoff"] = backwards["pickup"] - rng.randrange(60, 3_600)
    trips.append(backwards)
    for year, month, day in ((2001, 2, 2), (2088, 1, 24)):  # the published extreme dates
        seconds = (_dt.datetime(year, month, day) - _EPOCH) // _dt.timedelta(seconds=1)
        trips.append(model.trip(vendor=2, pickup=seconds + rng.randrange(_DAY)))
    return trips


_MONEY_PARTS = ("fare", "extra", "mta_tax", "tip", "tolls", "improvement")


def _first_trip(model: _Model, pickup: int) -> dict:
    """The first row: a night trip with a toll, where every money column has cents.

    ``dask.dataframe.read_csv`` infers the dtypes of all partitions from the first 10 rows
    (``sample_rows=10``) and fails with "Mismatched dtypes" when a column that looked like
    integers there holds ``5.76`` later.  The tutorial calls it without ``dtype=``, and it works
    on the original file because a toll of 5.76 happens to sit in its 6th row.  This row gives
    the sample the same property on purpose: ``fare_amount``, ``extra`` (night, 0.5),
    ``mta_tax``, ``tip_amount``, ``tolls_amount``, ``improvement_surcharge`` and
    ``total_amount`` all read as floats from row 1 (``trip_distance`` always has a decimal
    point, and ``congestion_surcharge`` is empty in the first rows, which also reads as float).
    """
    while True:  # a few draws at most: needs a metered rate, a half-dollar fare and a card tip
        trip = model.trip(vendor=2, pickup=pickup, refund=False, toll=True)
        total = sum(trip[p] for p in _MONEY_PARTS)
        if total % 100 and all(trip[p] % 100 for p in _MONEY_PARTS):
            return trip


_MIN_ROWS = 20


def _money(cents: int) -> str:
    """Shortest decimal form, like the original: 7, 0.5, 9.95, -0.3, 0."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    if part == 0:
        return f"{sign}{whole}"
    if part % 10 == 0:
        return f"{sign}{whole}.{part // 10}"
    return f"{sign}{whole}.{part:02d}"


def _distance(hundredths: int) -> str:
    """Two decimals without a leading zero, like the original: .92, 1.10, .00."""
    whole, part = divmod(hundredths, 100)
    return f"{whole or ''}.{part:02d}"


_DATES: dict = {}  # "YYYY-MM-DD " by days from _EPOCH: a month has 31 of them


def _when(seconds: int) -> str:
    days, second = divmod(seconds, _DAY)
    date = _DATES.get(days)
    if date is None:
        moment = _EPOCH + _dt.timedelta(days=days)
        date = _DATES[days] = f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d} "
    minutes, second = divmod(second, 60)
    hour, minute = divmod(minutes, 60)
    return f"{date}{hour:02d}:{minute:02d}:{second:02d}"


def _line(trip: dict) -> str:
    congestion = trip["congestion"]
    total = sum(trip[p] for p in _MONEY_PARTS) + (congestion or 0)
    fields = (
        str(trip["vendor"]), _when(trip["pickup"]), _when(trip["dropoff"]),
        str(trip["passengers"]), _distance(trip["distance"]), str(trip["ratecode"]), trip["flag"],
        str(trip["pu"]), str(trip["do"]), str(trip["payment"]),
        *(_money(trip[p]) for p in _MONEY_PARTS),
        _money(total), "" if congestion is None else _money(congestion),
    )
    return ",".join(fields)


def generate(rows: int = DEFAULT_ROWS, seed: int = DEFAULT_SEED) -> bytes:
    """The sample CSV as bytes: header plus ``rows`` synthesized trips, CRLF line endings.

    Same ``rows`` and ``seed``, same bytes, on any machine (Python 3.11).  Trips are in pickup
    order, except the two bad-clock trips (2001, 2088), which sit where a broken meter's
    upload would land: somewhere in the middle.  The first 63.33 % of the rows have an empty
    congestion_surcharge, the rest ``0``, one of them ``2.5``.
    """
    if rows < _MIN_ROWS:
        raise ValueError(f"rows must be at least {_MIN_ROWS} to hold the forced rows, got {rows}")
    rng = random.Random(seed)
    model = _Model(rng)
    forced = _forced_trips(model)
    in_january = [t for t in forced if 0 <= t["pickup"] < 31 * _DAY]
    bad_clocks = [t for t in forced if not 0 <= t["pickup"] < 31 * _DAY]
    trips = in_january + [model.trip() for _ in range(rows - len(forced) - 1)]
    # Earliest of all (within the first minute of 2019), and listed first so that the stable
    # sort keeps it ahead of a trip with the same pickup second: it is always row 1.
    earliest = min([rng.randrange(60)] + [t["pickup"] for t in trips])
    trips.insert(0, _first_trip(model, earliest))
    trips.sort(key=lambda t: t["pickup"])  # stable: equal pickups keep their draw order
    for trip in bad_clocks:
        trips.insert(rng.randrange(1, len(trips)), trip)

    first_filled = (rows * _EMPTY_CONGESTION_PER_10000 + 5_000) // 10_000
    for trip in trips[first_filled:]:
        trip["congestion"] = 0
    while True:  # one 2.5 (the published maximum), on a trip that is not a refund
        trip = trips[rng.randrange(first_filled, rows)]
        if trip["fare"] >= 0:
            trip["congestion"] = 250
            break

    lines = [",".join(HEADER)] + [_line(t) for t in trips]
    return ("\r\n".join(lines) + "\r\n").encode("ascii")


def write(path=SAMPLE_CSV, rows: int = DEFAULT_ROWS, seed: int = DEFAULT_SEED) -> Path:
    """Write ``generate(rows, seed)`` to ``path`` atomically (:func:`atomic_output`); return
    the path."""
    path = Path(path)
    data = generate(rows, seed)
    with atomic_output(path) as tmp:
        tmp.write_bytes(data)
    return path


def check(path=SAMPLE_CSV, rows: int = DEFAULT_ROWS, seed: int = DEFAULT_SEED) -> str | None:
    """``None`` if ``path`` holds exactly ``generate(rows, seed)``, else why not (one line)."""
    path = Path(path)
    try:
        on_disk = path.read_bytes()
    except FileNotFoundError:
        on_disk = None
    if on_disk == generate(rows, seed):
        return None
    what = "is missing" if on_disk is None else "differs from what generate() makes"
    return (f"{path} {what}; run `make data` "
            f"(or `python -m tutorial_kit.sample_data`) to rewrite it")


# ---------------------------------------------------------------------------------------------
# A month-size file: the same model, streamed day by day, in parallel.
# ---------------------------------------------------------------------------------------------

#: Rows of the original file of January 2019: the default size of :func:`write_month`.
MONTH_ROWS = 7_667_792
_MIN_MONTH_ROWS = 2_000
#: At most this many rows of one day's chunk are made before the day's own draws: the 8 forced
#: January trips, row 1 and the 2 bad-clock trips.  The ``2.5`` congestion row is chosen at
#: least this far from the end of its day, so a drawn trip is always left to carry it.
_PREMADE_PER_DAY = 11


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


def _month_plan(rows: int, seed: int) -> list:
    """The 31 day tasks of :func:`write_month`: everything a day needs to write its rows alone.

    The rows (except the two bad-clock ones) are split between the days in proportion to the
    model's day weights, exactly.  The forced rows are made here, with a generator of their own,
    and go to the day of their pickup; the bad-clock rows go after a random row (not before row
    1); the ``2.5`` congestion surcharge goes to a random row of the filled part.  Each task
    carries its first row's index in the file, so a day knows which of its rows have an empty
    congestion_surcharge without looking at the other days.
    """
    if rows < _MIN_MONTH_ROWS:
        raise ValueError(f"rows must be at least {_MIN_MONTH_ROWS} for a month, got {rows}")
    model = _Model(random.Random(f"{seed}/forced"))
    rng = model.rng
    forced = _forced_trips(model)
    in_january = [t for t in forced if 0 <= t["pickup"] < 31 * _DAY]
    bad_clocks = [t for t in forced if not 0 <= t["pickup"] < 31 * _DAY]
    january_rows = rows - len(bad_clocks)
    counts = _allocate(january_rows, _day_weights())
    # A bad-clock row goes just before January row `before` (0-based), as in generate().
    placed = sorted(((rng.randrange(1, january_rows), t) for t in bad_clocks),
                    key=lambda pair: pair[0])

    first_filled = (rows * _EMPTY_CONGESTION_PER_10000 + 5_000) // 10_000
    tasks, january_start = [], 0
    for day, count in counts.items():
        premade = [t for t in in_january if t["pickup"] // _DAY + 1 == day]
        drawn = count - len(premade) - (day == 1)  # day 1 also holds row 1, _first_trip()
        if drawn < 0:
            raise ValueError(f"rows={rows} is too few for the forced rows of January {day}")
        tasks.append({
            "seed": seed, "day": day, "drawn": drawn, "premade": premade,
            # (January row of the day it goes before, trip)
            "bad_clocks": [(before - january_start, t) for before, t in placed
                           if january_start <= before < january_start + count],
            # the index in the file (0 = row 1) of the day's first row
            "first_row": january_start + sum(before < january_start for before, _ in placed),
            "first_filled": first_filled, "surcharge_row": None,
        })
        tasks[-1]["rows"] = count + len(tasks[-1]["bad_clocks"])
        january_start += count

    while True:
        surcharge_row = rng.randrange(first_filled, rows)
        task = next(t for t in tasks if surcharge_row < t["first_row"] + t["rows"])
        if surcharge_row + _PREMADE_PER_DAY < task["first_row"] + task["rows"]:
            task["surcharge_row"] = surcharge_row
            return tasks


def _month_day(task) -> bytes:
    """One day's rows of :func:`write_month`, as CRLF-terminated lines.

    The day's pickups are drawn first and sorted (a few hundred thousand integers); then each
    trip is drawn with its pickup and turned into a line at once, so that no more than one trip
    dict is alive at a time.  Pre-made trips (forced, row 1) take their place in pickup order,
    ahead of a drawn trip with the same second, like the stable sort of :func:`generate`.
    """
    day, drawn, row = task["day"], task["drawn"], task["first_row"]
    first_filled, surcharge_row = task["first_filled"], task["surcharge_row"]
    model = _Model(random.Random(f"{task['seed']}/day/{day}"))
    rng = model.rng
    pickups = sorted(model.pickup_on(day) for _ in range(drawn))
    premade = sorted(task["premade"], key=lambda t: t["pickup"])
    if day == 1:
        earliest = min([rng.randrange(60)] + pickups[:1] + [t["pickup"] for t in premade])
        premade.insert(0, _first_trip(model, earliest))
    premade.append({"pickup": 31 * _DAY})  # a sentinel after every January pickup
    pickups.append(31 * _DAY)
    bad = task["bad_clocks"] + [(task["rows"], None)]  # a sentinel after every January row

    lines = []
    next_premade = next_drawn = next_bad = 0
    for january in range(task["rows"] - len(bad) + 1):
        while bad[next_bad][0] == january:
            lines.append(_month_line(dict(bad[next_bad][1]), row, first_filled))
            next_bad += 1
            row += 1
        pickup = pickups[next_drawn]
        if premade[next_premade]["pickup"] <= pickup:
            trip = dict(premade[next_premade])
            next_premade += 1
        else:
            next_drawn += 1
            if surcharge_row is not None and row >= surcharge_row:
                trip = model.trip(pickup=pickup, refund=False)  # the one 2.5: not a refund
                trip["congestion"] = 250
                lines.append(_line(trip))
                surcharge_row = None
                row += 1
                continue
            trip = model.trip(pickup=pickup)
        lines.append(_month_line(trip, row, first_filled))
        row += 1
    if surcharge_row is not None or next_drawn != drawn or next_bad != len(bad) - 1:
        raise AssertionError(f"January {day}: the plan and the rows disagree")  # a bug here
    lines.append("")
    return "\r\n".join(lines).encode("ascii")


def _month_line(trip: dict, row: int, first_filled: int) -> str:
    trip["congestion"] = None if row < first_filled else 0
    return _line(trip)


def write_month(path, rows: int = MONTH_ROWS, seed: int = DEFAULT_SEED, jobs=None) -> Path:
    """Write a month-size file like the sample to ``path``, atomically; return the path.

    Same model, text and quirks as :func:`generate`, at the size of the original file
    (7,667,792 rows, about 690 MB) by default, streamed: the 31 days are generated in
    ``jobs`` processes (default ``os.cpu_count()``; 1 runs in this process) and written in
    order as each is ready, so memory stays at a few days' rows whatever ``rows`` is.

    Workers are started with multiprocessing's ``spawn``, so a script that calls this with
    ``jobs`` > 1 needs the usual ``if __name__ == "__main__":`` guard (the command line,
    pytest and Jupyter need nothing).

    Same ``rows`` and ``seed``, same bytes, whatever ``jobs`` is: each day draws from its own
    generator seeded with (seed, day), and the rows are split between the days exactly in
    proportion to the day weights.  It is not ``generate(rows, seed)``: the draws are made in
    another order.  Row 1 has cents in every money column (see :func:`_first_trip`); rows are
    in pickup order except the 2001 and 2088 ones, which sit somewhere in the middle; the first
    63.33 % of the rows have an empty congestion_surcharge, the rest ``0``, one ``2.5``.
    """
    tasks = _month_plan(rows, seed)
    jobs = (os.cpu_count() or 1) if jobs is None else jobs
    if not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be a whole number of at least 1, got {jobs!r}")
    jobs = min(jobs, len(tasks))
    path = Path(path)
    with atomic_output(path) as tmp, open(tmp, "wb") as out:
        out.write((",".join(HEADER) + "\r\n").encode("ascii"))
        if jobs == 1:
            for chunk in map(_month_day, tasks):
                out.write(chunk)
        else:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor
            from concurrent.futures.process import BrokenProcessPool

            # spawn, not fork: the caller may have threads (dask, a benchmark's timers), and a
            # forked child would copy its memory page by page as the child's gc touches it.
            # An executor, not multiprocessing.Pool: a worker that dies makes it raise instead
            # of hang.  map() hands the days out in order and yields them in order.
            context = multiprocessing.get_context("spawn")
            try:
                with ProcessPoolExecutor(jobs, mp_context=context) as pool:
                    for chunk in pool.map(_month_day, tasks):
                        out.write(chunk)
            except BrokenProcessPool as error:
                raise RuntimeError(
                    f"a write_month() worker process died ({error}).  Worker processes are "
                    "started with multiprocessing's 'spawn', which imports the main script "
                    "again: a script that calls write_month(jobs>1) must do so under "
                    "`if __name__ == '__main__':`.  jobs=1 needs no worker") from error
    return path


def main(argv=None) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m tutorial_kit.sample_data",
        description="Write (or check) the generated NYC taxi sample of January 2019.",
    )
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 if the file differs from what would be written")
    parser.add_argument("--month", action="store_true",
                        help=f"write a month-size file with write_month(): --rows defaults to "
                             f"{MONTH_ROWS:,}, --output is required")
    parser.add_argument("--output",
                        help=f"file to write or check (default: {SAMPLE_CSV})")
    parser.add_argument("--rows", type=int,
                        help=f"trips (default: {DEFAULT_ROWS}, with --month {MONTH_ROWS})")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                        help="random seed (default: %(default)s)")
    parser.add_argument("--jobs", type=int,
                        help="with --month: processes (default: the number of CPUs)")
    args = parser.parse_args(argv)
    if args.month:
        if args.check:
            parser.error("--check compares with the sample's generate(); it does not take --month")
        if args.output is None:
            parser.error("--month needs --output (it would otherwise replace the sample)")
        rows = MONTH_ROWS if args.rows is None else args.rows
        # Through the package's module, not __main__, so that worker processes unpickle the
        # day function from the same module.
        from tutorial_kit.sample_data import write_month as write_month_

        path = write_month_(args.output, rows, args.seed, args.jobs)
        print(f"wrote {path} ({rows} rows)")
        return 0
    if args.jobs is not None:
        parser.error("--jobs goes with --month")
    args.output = SAMPLE_CSV if args.output is None else args.output
    args.rows = DEFAULT_ROWS if args.rows is None else args.rows
    if args.check:
        problem = check(args.output, args.rows, args.seed)
        if problem:
            print(problem, file=sys.stderr)
            return 1
        print(f"{args.output} is up to date")
        return 0
    path = write(args.output, args.rows, args.seed)
    print(f"wrote {path} ({args.rows} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
