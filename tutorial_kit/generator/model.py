"""The trip model: one consistent trip, drawn from the calibrated tables.

Why integers only: the generated files must be the same bytes on every machine, so a trip is
drawn with ``random.Random`` integer draws (``randrange``) and held as integers: money in
cents, distance in hundredths of a mile, time in seconds from :data:`EPOCH`.  No float is ever
computed or formatted (``text.py`` writes the integers).

The model knows nothing of a file: where a trip sits, whether it is a forced row, and its
congestion_surcharge are the file's business (``month.py``).  It only takes pins (a vendor, a
passenger count, a pickup, a refund, a toll) for the rows the file forces.
"""

from __future__ import annotations

import bisect
import datetime as _dt
import random

from . import calibration as cal

#: Pickup and dropoff times are seconds from here.
EPOCH = _dt.datetime(2019, 1, 1)
_EPOCH_WEEKDAY = EPOCH.weekday()  # 1: a Tuesday
#: Seconds in a day.
DAY = 86_400

#: The money fields of a trip, in the file's column order (total_amount is their sum).
MONEY_PARTS = ("fare", "extra", "mta_tax", "tip", "tolls", "improvement")


class Weighted:
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


class Quantile:
    """Draw from a piecewise-linear inverse CDF given as (cumulative ppm, value) pairs."""

    def __init__(self, table) -> None:
        self.table = table
        self.shares = [share for share, _ in table]

    def __call__(self, rng: random.Random) -> int:
        u = rng.randrange(1_000_000)
        i = bisect.bisect_right(self.shares, u)
        (p0, v0), (p1, v1) = self.table[i - 1], self.table[i]
        return v0 + (v1 - v0) * (u - p0) // (p1 - p0)


def per_million(rng: random.Random, rate: int) -> bool:
    return rng.randrange(1_000_000) < rate


def is_quiet(day: int) -> bool:
    """Weekends and holidays of January 2019 have the weekend's hours."""
    return day in cal.HOLIDAYS or _dt.date(2019, 1, day).weekday() >= 5


class Model:
    """The draws of one generator ``rng``; a trip is a dict of integers (and the flag)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.vendor = Weighted(cal.VENDOR_WEIGHTS)
        self.passengers = {v: Weighted(w) for v, w in cal.PASSENGER_WEIGHTS.items()}
        self.ratecode = Weighted(cal.RATECODE_WEIGHTS)
        self.payment = Weighted(cal.PAYMENT_WEIGHTS)
        self.negotiated_fare = Weighted(cal.NEGOTIATED_FARE_WEIGHTS)
        self.tip_percent = Weighted(cal.TIP_PERCENT_WEIGHTS)
        self.whole_dollar_tip = Weighted(cal.WHOLE_DOLLAR_TIP_WEIGHTS)
        self.weekday_hour = Weighted(dict(enumerate(cal.WEEKDAY_HOURS)))
        self.weekend_hour = Weighted(dict(enumerate(cal.WEEKEND_HOURS)))
        self.zone = Weighted({zone: cal.ZONE_WEIGHTS.get(zone, 2) for zone in range(1, cal.ZONES + 1)})
        metered = Quantile(cal.METERED_DISTANCE)
        self.distance = {
            2: Quantile(cal.AIRPORT_DISTANCE),
            3: Quantile(cal.NEWARK_DISTANCE),
            4: Quantile(cal.SUBURB_DISTANCE),
            5: Quantile(cal.NEGOTIATED_DISTANCE),
        }
        self.distance.update({code: metered for code in cal.RATECODE_WEIGHTS if code not in self.distance})

    def pickup_on(self, day: int) -> int:
        """Seconds from :data:`EPOCH` to a pickup on 2019-01-``day``: an hour of the day's
        profile (weekday or weekend), then a second."""
        hour = (self.weekend_hour if is_quiet(day) else self.weekday_hour)(self.rng)
        return (day - 1) * DAY + hour * 3_600 + self.rng.randrange(3_600)

    def trip(self, pickup: int, vendor=None, passengers=None, refund=None, toll=None) -> dict:
        """One consistent trip picked up at ``pickup``; the keyword arguments pin a field (the
        forced rows), the rest is drawn.

        The parts are drawn in a fixed order (who, route, duration, fare, surcharges, tolls,
        tip, flag): every draw comes from the one ``rng``, so changing the order would change
        every byte after it.
        """
        rng = self.rng
        vendor = self.vendor(rng) if vendor is None else vendor
        passengers = self.passengers[vendor](rng) if passengers is None else passengers
        if refund is None:
            refund = vendor == 2 and per_million(rng, cal.REFUND_PER_MILLION_OF_VENDOR_2)
        ratecode = self.ratecode(rng)
        payment = self.payment(rng)
        if refund:
            payment = 3 if rng.randrange(10) < 6 else 4

        pu, do, distance = self._route(vendor, ratecode)
        duration = self._duration(distance)
        fare = self._fare(ratecode, distance, duration)
        extra, mta_tax = self._surcharges(pickup, ratecode)
        improvement = 30
        tolls = self._tolls(ratecode, distance, toll)
        tip = self._tip(payment, fare + extra + mta_tax + improvement)
        flag = self._flag(vendor)
        sign = -1 if refund else 1
        return {
            "vendor": vendor,
            "pickup": pickup,
            "dropoff": pickup + max(1, duration),
            "passengers": passengers,
            "distance": distance,
            "ratecode": ratecode,
            "flag": flag,
            "pu": pu,
            "do": do,
            "payment": payment,
            "fare": sign * fare,
            "extra": sign * extra,
            "mta_tax": sign * mta_tax,
            "tip": sign * tip,
            "tolls": sign * tolls,
            "improvement": sign * improvement,
        }

    def _route(self, vendor: int, ratecode: int) -> tuple[int, int, int]:
        """Pickup zone, dropoff zone and distance (hundredths of a mile), drawn together
        because they must agree: the rate code pins an airport or out-of-town end, a long
        metered trip often ends at an airport, and a trip of no distance mostly ends where it
        started."""
        rng = self.rng
        pu, do = self.zone(rng), self.zone(rng)
        distance = self.distance[ratecode](rng)
        if vendor == 1:  # Creative Mobile's meters report tenths of a mile: "1.50", "2.60"
            distance = (distance + 5) // 10 * 10
        if ratecode == 2:
            if rng.randrange(2):
                pu = cal.JFK
            else:
                do = cal.JFK
        elif ratecode == 3:
            do = cal.NEWARK
        elif ratecode == 4:
            do = cal.OUTSIDE_NYC
        elif distance > 800 and rng.randrange(10) < 3:
            do = cal.LAGUARDIA if rng.randrange(3) else cal.JFK
        if distance == 0 and rng.randrange(10) < 6:
            do = pu
        return pu, do, distance

    def _duration(self, distance: int) -> int:
        """Seconds from pickup to dropoff: an average speed (tenths of mph; faster on longer
        trips) plus time to get going.  The fare's time part (:meth:`_fare`) comes from it."""
        rng = self.rng
        if distance == 0:
            return rng.randrange(5, 600)
        low, high = (50, 140) if distance < 300 else (90, 260)
        return distance * 360 // rng.randrange(low, high) + rng.randrange(30, 180)

    def _fare(self, ratecode: int, distance: int, duration: int) -> int:
        """fare_amount (cents), from the meter so that it agrees with distance and duration.

        Standard meter: $2.50, then $0.50 per 1/5 mile, or per minute spent below 18 mph (time
        beyond 2 s per hundredth of a mile).  JFK is a flat $52, outside the city double the
        meter, and a negotiated fare is drawn from its own table.
        """
        slow_minutes = max(0, duration - 2 * distance) // 60
        metered = 250 + 50 * (distance // 20 + slow_minutes)
        if ratecode == 2:
            return 5_200
        if ratecode == 4:
            return 2 * metered
        if ratecode == 5:
            return self.negotiated_fare(self.rng)
        return metered

    def _surcharges(self, pickup: int, ratecode: int) -> tuple[int, int]:
        """extra and mta_tax (cents): extra depends on the pickup's hour (weekday rush, night)
        and the rate code, which is why the pickup is needed; a negotiated fare has no extra
        and half the time no MTA tax."""
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
        mta_tax = 0 if ratecode == 5 and self.rng.randrange(2) else 50
        return extra, mta_tax

    def _tolls(self, ratecode: int, distance: int, toll: bool | None) -> int:
        """tolls_amount (cents): likelier on airport and out-of-town rates and on long trips;
        ``toll`` pins it (row 1 needs one), and then nothing is drawn."""
        long_trip_chance = 35 if distance >= 800 else 15 if distance >= 400 else 1
        toll_chance = {2: 35, 3: 40, 4: 40}.get(ratecode, long_trip_chance)
        if toll is None:
            toll = self.rng.randrange(100) < toll_chance
        return cal.TOLL_CENTS if toll else 0

    def _tip(self, payment: int, tipped: int) -> int:
        """tip_amount (cents): only card payments (1) record a tip, either a percentage of
        ``tipped`` (fare, extra, MTA tax and improvement surcharge, not tolls) or a whole-dollar
        amount."""
        if payment != 1:
            return 0
        percent = self.tip_percent(self.rng)
        return self.whole_dollar_tip(self.rng) if percent < 0 else tipped * percent // 100

    def _flag(self, vendor: int) -> str:
        """store_and_fwd_flag: "Y" (the trip was held in the vehicle and sent later) at the
        vendor's own rate, since almost only Creative Mobile's (vendor 1) meters do it."""
        return "Y" if per_million(self.rng, cal.STORE_AND_FORWARD_PER_MILLION[vendor]) else "N"

    def first_trip(self, pickup: int) -> dict:
        """A night trip with a toll where every money column has cents: row 1 of every file.

        ``dask.dataframe.read_csv`` infers the dtypes of all partitions from the first 10 rows
        (``sample_rows=10``) and fails with "Mismatched dtypes" when a column that looked like
        integers there holds ``5.76`` later.  The tutorial calls it without ``dtype=``, and it
        works on the original file because a toll of 5.76 happens to sit in its 6th row.  This
        row gives the generated files the same property on purpose: ``fare_amount``, ``extra``
        (night, 0.5), ``mta_tax``, ``tip_amount``, ``tolls_amount``, ``improvement_surcharge``
        and ``total_amount`` all read as floats from row 1 (``trip_distance`` always has a
        decimal point, and ``congestion_surcharge`` is empty in the first rows, which also reads
        as float).  ``pickup`` must be at night (the first minute of 2019 is).
        """
        while True:  # a few draws at most: needs a metered rate, a half-dollar fare and a card tip
            trip = self.trip(pickup, vendor=2, refund=False, toll=True)
            total = sum(trip[p] for p in MONEY_PARTS)
            if total % 100 and all(trip[p] % 100 for p in MONEY_PARTS):
                return trip
