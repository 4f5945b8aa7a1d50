"""What both emulated APIs (and the fault room) share, as moto's ``moto/core``: the request
pipeline (``responses.py``), the one error type it answers with (``exceptions.py``) and the one
whole-number check (``numbers.py``)."""
