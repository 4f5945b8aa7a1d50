"""The generator's command line (``make data`` runs the first form)::

python -m tutorial_kit.generator            # (re)write data/yellow_tripdata_2019-01.sample.csv
python -m tutorial_kit.generator --check    # exit 1 if the file differs from what it makes
python -m tutorial_kit.generator --month --output PATH [--rows N] [--jobs N]
                                            # a month-size file (calibration.MONTH_ROWS rows by default)
"""

from __future__ import annotations

import argparse
import sys

from ..paths import SAMPLE_CSV
from .calibration import MONTH_ROWS
from .output import SAMPLE_ROWS, SEED, check, write


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tutorial_kit.generator",
        description="Write (or check) the generated NYC taxi trips of January 2019: the bundled "
        "sample, or a month-size file made the same way.",
    )
    parser.add_argument(
        "--check", action="store_true", help="do not write; exit 1 if the file differs from what would be written"
    )
    parser.add_argument(
        "--month",
        action="store_true",
        help=f"a month-size file: --rows defaults to {MONTH_ROWS:,}, --output is "
        "required, the days are made on --jobs processes",
    )
    parser.add_argument("--output", help=f"file to write or check (default: {SAMPLE_CSV})")
    parser.add_argument("--rows", type=int, help=f"trips (default: {SAMPLE_ROWS:,}, with --month {MONTH_ROWS:,})")
    parser.add_argument("--seed", type=int, default=SEED, help="random seed (default: %(default)s)")
    parser.add_argument(
        "--jobs", type=int, help="with --month: processes (default: the number of CPUs); the bytes do not depend on it"
    )
    args = parser.parse_args(argv)
    if args.month:
        if args.check:
            parser.error("--check compares with the sample; it does not take --month")
        if args.output is None:
            parser.error("--month needs --output (it would otherwise replace the sample)")
        rows, jobs = (MONTH_ROWS if args.rows is None else args.rows), args.jobs
    elif args.jobs is not None:
        parser.error("--jobs goes with --month")
    else:
        rows, jobs = (SAMPLE_ROWS if args.rows is None else args.rows), 1
    output = SAMPLE_CSV if args.output is None else args.output
    try:
        if args.check:
            problem = check(output, rows, args.seed)
            if problem:
                print(problem, file=sys.stderr)
                return 1
            print(f"{output} is up to date")
            return 0
        path = write(output, rows, args.seed, jobs)
    except ValueError as error:
        parser.error(str(error))
    print(f"wrote {path} ({rows} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
