"""What the tutorial notebook needs that is not the tutorial itself: the local stand-in of
Saturn Cloud and Prefect Cloud (``standin/``), the taxi data generator (``generator/``), the
choice between the stand-in and the real platform (``connect``), and the parameter checks.
Paths are ``paths``'s."""
