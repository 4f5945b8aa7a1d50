"""A new flow run's name: two random words, as Prefect's ``names.generate_slug(2)`` made them
("swift-otter"), from word lists of the stand-in's own."""

from __future__ import annotations

import random

_ADJECTIVES = (
    "amber",
    "bold",
    "brisk",
    "calm",
    "cobalt",
    "crimson",
    "daring",
    "eager",
    "fearless",
    "gentle",
    "golden",
    "hidden",
    "humble",
    "jade",
    "keen",
    "lively",
    "lucky",
    "mellow",
    "nimble",
    "olive",
    "plucky",
    "quiet",
    "rapid",
    "rustic",
    "silver",
    "steady",
    "sturdy",
    "swift",
    "tidy",
    "vivid",
    "witty",
    "zealous",
)
_ANIMALS = (
    "albatross",
    "badger",
    "beaver",
    "bison",
    "cheetah",
    "condor",
    "coyote",
    "dingo",
    "falcon",
    "ferret",
    "gazelle",
    "heron",
    "ibex",
    "jackal",
    "koala",
    "lemur",
    "lynx",
    "marmot",
    "narwhal",
    "ocelot",
    "otter",
    "panda",
    "puffin",
    "quokka",
    "raven",
    "salamander",
    "tapir",
    "toucan",
    "walrus",
    "wombat",
    "yak",
    "zebra",
)


def run_name() -> str:
    """Two words, as Prefect's ``names.generate_slug(2)``: "swift-otter"."""
    return f"{random.choice(_ADJECTIVES)}-{random.choice(_ANIMALS)}"
