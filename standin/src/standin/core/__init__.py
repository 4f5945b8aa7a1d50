"""What both emulated APIs (and the fault room) share, as moto's ``moto/core``: the request
pipeline (``responses.py``) and the one error type it answers with (``exceptions.py``)."""
