"""How a trip is written: the TLC's text style of January 2019, byte for byte.

Why it matters: the sample exists to exercise the same parsing as the real file, so it is
written the way the original file writes it:

* the original 18-column header (:data:`HEADER`), CRLF line endings;
* datetimes as ``YYYY-MM-DD HH:MM:SS``;
* ``trip_distance`` with two decimals and no leading zero (``.92``, ``1.10``, ``.00``);
* money in its shortest decimal form (``7``, ``0.5``, ``9.95``, ``-0.3``);
* ``congestion_surcharge`` empty when the row has none.

Everything is formatted from integers (cents, hundredths of a mile, seconds), never from a
float, so the text is the same on every machine.
"""

from __future__ import annotations

import datetime as _dt

from .model import DAY, EPOCH, MONEY_PARTS

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

#: Line ending of the original file.
CRLF = "\r\n"


def money(cents: int) -> str:
    """Shortest decimal form, like the original: 7, 0.5, 9.95, -0.3, 0."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    if part == 0:
        return f"{sign}{whole}"
    if part % 10 == 0:
        return f"{sign}{whole}.{part // 10}"
    return f"{sign}{whole}.{part:02d}"


def distance(hundredths: int) -> str:
    """Two decimals without a leading zero, like the original: .92, 1.10, .00."""
    whole, part = divmod(hundredths, 100)
    return f"{whole or ''}.{part:02d}"


_DATES: dict = {}  # "YYYY-MM-DD " by days from EPOCH: a month has 31 of them


def when(seconds: int) -> str:
    """``YYYY-MM-DD HH:MM:SS`` of ``seconds`` from :data:`~.model.EPOCH` (negative: before)."""
    days, second = divmod(seconds, DAY)
    date = _DATES.get(days)
    if date is None:
        moment = EPOCH + _dt.timedelta(days=days)
        date = _DATES[days] = f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d} "
    minutes, second = divmod(second, 60)
    hour, minute = divmod(minutes, 60)
    return f"{date}{hour:02d}:{minute:02d}:{second:02d}"


def header_line() -> str:
    return ",".join(HEADER) + CRLF


def line(trip: dict, congestion: int | None) -> str:
    """One row of the file, CRLF included.  ``congestion`` (cents, or None for an empty field)
    is the row's, not the trip's: it depends on where the row sits in the file."""
    total = sum(trip[p] for p in MONEY_PARTS) + (congestion or 0)
    return (
        ",".join(
            (
                str(trip["vendor"]),
                when(trip["pickup"]),
                when(trip["dropoff"]),
                str(trip["passengers"]),
                distance(trip["distance"]),
                str(trip["ratecode"]),
                trip["flag"],
                str(trip["pu"]),
                str(trip["do"]),
                str(trip["payment"]),
                *(money(trip[p]) for p in MONEY_PARTS),
                money(total),
                "" if congestion is None else money(congestion),
            )
        )
        + CRLF
    )
