"""Errors the tutorial's support code raises, each with a one-line message that says what is
wrong and what to do."""


class TutorialError(Exception):
    """Base class: catch this to handle any error of ours."""


class ParameterError(TutorialError, ValueError):
    """A notebook parameter is invalid; raised before anything is started."""


class PlatformConfigError(TutorialError, RuntimeError):
    """The environment describes the platform wrongly: half of Saturn Cloud's variables, a
    ``STANDIN_DASK_SCHEDULER`` that is not a scheduler address, prefect imported before
    ``connect()``, or no stand-in installed to run offline. (A stand-in that cannot start raises
    the stand-in's own ``standin.client.StandInError``.)"""


class DataError(TutorialError, ValueError):
    """The data at ``data_url`` cannot be used as it is (missing columns, a value that is not a
    number, a cut-off file); the message names what is wrong and where."""


class FlowRunFailed(TutorialError, RuntimeError):
    """The flow run the notebook started did not succeed; the message is the error of the task
    that failed (or the platform's, for a run whose process was lost), as Prefect Cloud kept it."""
