"""The emulated Prefect Cloud UI: the pages users looked at (``pages/``, one module per family, and
``templates/``), their pictures (``pictures/``) and their routes (``urls.py``); the tickets in the
URLs prefect prints are the client's (``client/tickets.py``), which makes them."""
