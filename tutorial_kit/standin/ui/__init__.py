"""The emulated Prefect Cloud UI: the pages users looked at (``pages.py``, ``templates/``), their
routes (``urls.py``), and the tickets in the URLs prefect prints (``tickets.py``)."""
