"""The options of a Dask cluster as dask-saturn sends them (``SaturnCluster(...)``), checked
against a JSON Schema by jsonschema before anything starts.

The schema says what each option may be; :func:`check` turns jsonschema's first error into the
one-line message that dask-saturn raises as ``ValueError`` (its field, what it must be, what was
sent). A whole number is the stand-in's own (``core/numbers.py``): jsonschema's ``integer`` would
take ``2.0``. What a schema cannot say, that ``n_workers`` times ``nprocs`` worker processes stay
within ``MAX_WORKERS``, is checked after it.
"""

from __future__ import annotations

from dataclasses import dataclass

from jsonschema import Draft202012Validator, validators

from ..client.protocol import MAX_WORKERS
from ..core.numbers import is_whole_number
from .exceptions import InvalidRequest

#: Instance sizes offered by the stand-in; names follow Saturn's size constants.
SIZES = {
    "medium": "Medium - 2 cores - 4 GB RAM",
    "large": "Large - 2 cores - 16 GB RAM",
    "xlarge": "XLarge - 4 cores - 32 GB RAM",
}
#: The most threads per worker process.
MAX_THREADS = 64

_WHOLE = {"type": "integer", "minimum": 1}
_SIZE = {"enum": sorted(SIZES)}
#: The options dask-saturn 0.4.4 sends (it drops those the user left None), in the order they are
#: checked: the first wrong one is the one reported.
SCHEMA = {
    "type": "object",
    "properties": {
        "n_workers": _WHOLE,
        "nprocs": _WHOLE,
        "nthreads": {**_WHOLE, "maximum": MAX_THREADS},
        "worker_is_spot": {"type": "boolean"},
        "prefectcloudflowrun_id": {"type": "string"},
        "worker_size": _SIZE,
        "scheduler_size": _SIZE,
    },
    "additionalProperties": False,
}
#: jsonschema's 2020-12 validator, with the stand-in's whole number as ``integer``.
_Validator = validators.extend(
    Draft202012Validator,
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", lambda _checker, value: is_whole_number(value)),
)
_VALIDATOR = _Validator(SCHEMA)
_OPTIONS = list(SCHEMA["properties"])
_KEYWORDS = ("type", "enum", "minimum", "maximum")
#: What a value of each type must be, in words.
_MUST_BE = {
    "integer": lambda rule: f"a whole number of at least {rule['minimum']}",
    "boolean": lambda rule: "true or false",
    "string": lambda rule: "a string",
}


@dataclass(frozen=True)
class ClusterSpec:
    """The cluster options of one request (nulls dropped, as dask-saturn drops them)."""

    n_workers: int = 1
    worker_size: str | None = None
    worker_is_spot: bool | None = None
    scheduler_size: str | None = None
    nprocs: int = 1
    nthreads: int = 1
    prefectcloudflowrun_id: str | None = None

    @property
    def worker_processes(self) -> int:
        """On Saturn a worker is a machine running ``nprocs`` worker processes; here each is a process."""
        return self.n_workers * self.nprocs

    @classmethod
    def from_request(cls, body: dict) -> ClusterSpec:
        options = {key: value for key, value in body.items() if value is not None}
        check(options)
        spec = cls(**options)
        if spec.worker_processes > MAX_WORKERS:
            raise InvalidRequest(
                f"n_workers x nprocs must be at most {MAX_WORKERS} worker processes, "
                f"got {spec.n_workers} x {spec.nprocs}"
            )
        return spec


def check(options: dict) -> None:
    """``InvalidRequest`` naming the first option of :data:`SCHEMA` that ``options`` gets wrong."""
    errors = sorted(_VALIDATOR.iter_errors(options), key=_position)
    if errors:
        raise InvalidRequest(_message(errors[0]))


def _position(error) -> tuple[int, int]:
    """Unknown options first, then the options in the schema's order, a type before its bounds."""
    if not error.path:  # additionalProperties: about the whole object
        return (-1, 0)
    return (_OPTIONS.index(error.path[0]), _KEYWORDS.index(error.validator))


def _message(error) -> str:
    if error.validator == "additionalProperties":
        unknown = sorted(set(error.instance) - set(SCHEMA["properties"]))
        return f"unknown cluster option(s): {', '.join(unknown)}"
    name, value, rule = error.path[0], error.instance, error.schema
    if error.validator == "enum":
        return f"{name} {value!r} is not one of {rule['enum']}"
    if error.validator == "maximum":
        return f"{name} must be at most {rule['maximum']}, got {value!r}"
    return f"{name} must be {_MUST_BE[rule['type']](rule)}, got {value!r}"
