"""Errors of the stand-in's client, each with a one-line message that says what is wrong and what
to do. The tutorial's kit turns :class:`SchedulerAddressError` into its own ``PlatformConfigError``."""


class StandInError(RuntimeError):
    """A stand-in could not be started, or refused a control request."""


class SchedulerAddressError(StandInError, ValueError):
    """``STANDIN_DASK_SCHEDULER`` (or ``--dask-scheduler``) is not a plain-TCP scheduler address."""
