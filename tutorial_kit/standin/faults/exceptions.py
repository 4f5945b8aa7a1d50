"""Errors of the fault room."""


class FaultSpecError(ValueError):
    """A fault that cannot be armed; the message says which field is wrong. The control
    endpoint answers it with 400; ``STANDIN_FAULTS`` with it stops the stand-in at start."""
