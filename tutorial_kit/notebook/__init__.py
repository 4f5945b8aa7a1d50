"""What the notebook imports besides the tutorial's own libraries, one job per module:
``parameters.py`` (the checks of its parameters), ``connect.py`` (the real platform, or a stand-in),
``trips.py`` (the cheap checks of ``data_url`` before dask reads it), ``filesystems.py`` (where
``data_url``'s bytes are: a path, a web server, S3), ``progress.py`` (the progress of
``read``'s computation), ``flow_runs.py`` (the run, read back from Prefect Cloud), ``report.py``
(the result as text, table and chart), ``logs.py`` (the task's logger), ``prefect_home.py`` (each offline
run's own Prefect home)."""
