"""What generates data: synthetic NYC TLC yellow taxi trips of January 2019.

Why: the tutorial reads ``https://s3.amazonaws.com/nyc-tlc/trip+data/yellow_tripdata_2019-01.csv``,
dead since the TLC moved to Parquet in 2022.  The repository ships a generated sample instead
(``data/yellow_tripdata_2019-01.sample.csv``, see ``data/README.md``), and tests and benchmarks
generate month-size files the same way.  No real trip is copied.  By job:

* ``calibration`` - the original file's published figures and the weight tables fitted to them;
* ``model`` - one trip, from integer draws;
* ``text`` - how a row is written: the TLC's text style;
* ``month`` - the one algorithm: which row is which, and each day's rows;
* ``output`` - the files: the sample in one process, a month-size file on N processes;
* ``__main__`` - the command line (``python -m tutorial_kit.generator``, ``make data``);
* ``parquet_release`` - a generated CSV rewritten in the layout of the TLC's 2022 Parquet.

Everything but ``parquet_release`` (pyarrow) imports only the standard library.
"""
