"""The published figures of the original file, and the weight tables calibrated to them.

Why a module of its own: these numbers are the generator's claim to resemble the real file.
Each is quoted next to the whole-file figure it reproduces (``../shared/docs/tlc-2019-01-facts.md``
and ``data/README.md``), so a reader can check them in one place, and the tests compare the
generated rows with the same figures.  Weights are integers so that drawing is pure integer
arithmetic (see ``model.py``): the same bytes on every machine.
"""

from __future__ import annotations

import datetime as _dt

#: Rows of the original file of January 2019: the size of a month (``write_month``).
MONTH_ROWS = 7_667_792

#: VendorID shares 38.33 / 60.67 / 1.00 % (2,938,778 / 4,652,191 / 76,823 rows).
VENDOR_WEIGHTS = {1: 2_938_778, 2: 4_652_191, 4: 76_823}

#: passenger_count per vendor, in 1/100,000.  Chosen so that the mixture has the whole file's
#: mean 1.567, std 1.224 and 1.53 % zeros (zeros come almost only from VendorID 1), and so that
#: among trips with more than one passenger VendorID 1 mostly carries 2-4 people (std ~0.68)
#: while VendorID 2 often carries 5-6 (std ~1.54), as the real 0.2 % sample shows (0.69 / 1.52).
#: That per-vendor std is what the tutorial computes, so it must differ by vendor here too.
#: 7, 8 and 9 passengers (9 rows above 8 in 7.7 million) are forced rows (``month.py``).
PASSENGER_WEIGHTS = {
    1: {0: 3_915, 1: 77_450, 2: 13_900, 3: 3_050, 4: 1_550, 5: 70, 6: 65},
    2: {0: 50, 1: 66_750, 2: 15_400, 3: 4_600, 4: 2_150, 5: 6_550, 6: 4_500},
    4: {1: 95_000, 2: 2_500, 3: 1_000, 4: 500, 5: 600, 6: 400},
}

#: RatecodeID: the published counts themselves (1 standard, 2 JFK, 3 Newark,
#: 4 Nassau/Westchester, 5 negotiated, 6 group ride, 99 unknown).
RATECODE_WEIGHTS = {1: 7_430_139, 2: 166_090, 3: 11_801, 4: 4_895, 5: 54_569, 6: 46, 99: 252}

#: payment_type in 1/1,000,000: 1 card 0.715464, 2 cash 0.278752 (published); the remaining
#: 0.005784 is split between 3 (no charge) and 4 (dispute), the maximum being 4.
PAYMENT_WEIGHTS = {1: 715_464, 2: 278_752, 3: 4_300, 4: 1_484}

#: Refunds (all amounts negative) happen on 7,131 of 7,667,792 rows (0.093 %); they are a
#: VendorID 2 phenomenon, so the rate is applied to VendorID 2 rows only: 0.093 % / 0.6067.
REFUND_PER_MILLION_OF_VENDOR_2 = 1_533

#: congestion_surcharge is empty in 4,855,978 rows (63.33 %): the earlier trips of the month
#: (the column was only filled in from about 20 January).  The rest is ``0``, with a rare ``2.5``.
EMPTY_CONGESTION_PER_10000 = 6_333
#: The published maximum of congestion_surcharge, in cents.
MAX_CONGESTION_CENTS = 250

#: store_and_fwd_flag "Y" (trip held in the meter, sent later): rare, and mostly VendorID 1.
STORE_AND_FORWARD_PER_MILLION = {1: 10_000, 2: 300, 4: 0}

#: trip_distance for metered trips, as a piecewise-linear inverse CDF:
#: (cumulative share in 1/1,000,000, hundredths of a mile).  About 1 % of trips are ``.00``.
#: Together with the airport and out-of-town rate codes this gives the whole file's mean of
#: about 2.80 miles.
METERED_DISTANCE = (
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
AIRPORT_DISTANCE = ((0, 0), (30_000, 0), (30_001, 1_250), (500_000, 1_800), (1_000_000, 2_400))
NEWARK_DISTANCE = ((0, 1_400), (500_000, 1_750), (1_000_000, 2_600))
SUBURB_DISTANCE = ((0, 1_200), (500_000, 2_300), (1_000_000, 4_500))
NEGOTIATED_DISTANCE = ((0, 0), (300_000, 0), (300_001, 20), (700_000, 500), (1_000_000, 3_000))

#: Negotiated (RatecodeID 5) fares, in cents: typical flat prices, plus odd tiny values.
NEGOTIATED_FARE_WEIGHTS = {
    1: 20,
    1_000: 30,
    1_500: 40,
    2_000: 60,
    2_500: 60,
    3_000: 60,
    3_500: 40,
    4_000: 40,
    5_000: 50,
    6_000: 30,
    7_000: 30,
    8_000: 20,
    10_000: 20,
    15_000: 5,
}

#: Tip on card payments: percent of fare + extra + taxes, or (-1) a whole-dollar tip.
TIP_PERCENT_WEIGHTS = {0: 8, 10: 2, 15: 6, 18: 6, 20: 30, 22: 8, 25: 14, 30: 6, -1: 20}
WHOLE_DOLLAR_TIP_WEIGHTS = {100: 40, 200: 35, 300: 15, 500: 10}

#: The usual bridge/tunnel toll in the data of early 2019, in cents.
TOLL_CENTS = 576

#: Trips per hour of day, weekdays and weekends (weekends: later nights, no morning rush).
WEEKDAY_HOURS = (30, 18, 11, 8, 9, 14, 33, 52, 60, 60, 57, 58, 61, 61, 64, 63, 57, 64, 74, 72, 64, 63, 60, 48)
WEEKEND_HOURS = (55, 45, 35, 25, 17, 10, 12, 17, 25, 35, 45, 52, 56, 58, 58, 57, 56, 56, 57, 55, 52, 52, 55, 55)
#: New Year's Day and Martin Luther King Jr. Day: quiet, with a weekend's hours.
HOLIDAYS = (1, 21)

#: Taxi zones by popularity (Manhattan core, airports); all other zones 1..265 weigh 2.
ZONE_WEIGHTS = {
    237: 150,
    236: 145,
    161: 140,
    162: 120,
    230: 115,
    170: 110,
    186: 105,
    142: 100,
    234: 100,
    48: 95,
    163: 95,
    239: 90,
    79: 85,
    107: 85,
    68: 80,
    141: 80,
    140: 75,
    238: 75,
    263: 75,
    249: 70,
    164: 70,
    100: 65,
    113: 65,
    90: 60,
    138: 60,
    229: 55,
    43: 50,
    262: 50,
    231: 50,
    246: 45,
    114: 45,
    137: 45,
    132: 40,
    148: 40,
    211: 40,
    233: 40,
    151: 35,
    166: 35,
    75: 35,
    143: 30,
    144: 30,
    125: 30,
    50: 30,
    87: 25,
    88: 25,
    13: 25,
    158: 25,
    264: 25,
    74: 20,
    24: 20,
    41: 20,
    42: 20,
    265: 5,
}
ZONES = 265
JFK, LAGUARDIA, NEWARK, OUTSIDE_NYC = 132, 138, 1, 265

#: The published extreme pickup dates (bad clocks): 2001-02-02 and 2088-01-24.
BAD_CLOCK_DATES = (_dt.date(2001, 2, 2), _dt.date(2088, 1, 24))


def day_weights() -> dict:
    """Trips per day of January 2019 as integer weights: fewer on Sundays and holidays."""
    weights = {}
    for day in range(1, 32):
        weekday = _dt.date(2019, 1, day).weekday()
        quiet = day in HOLIDAYS or weekday == 6  # holidays and Sundays
        weights[day] = 80 if quiet else 95 if weekday == 5 else 100
    return weights
