"""The state colours of the pages: :data:`STATE_COLOURS` is their one owner, for the pictures and
for the pages' state badges (:data:`STATE_STYLES`) alike."""

from __future__ import annotations

#: Prefect Cloud 1.x's state palette (its UI's ``STATE_COLORS``); the failed kinds it did not name
#: take Failed's red.
STATE_COLOURS = {
    "Failed": "#eb0000",
    "ValidationFailed": "#eb0000",
    "ClientFailed": "#eb0000",
    "TriggerFailed": "#c42800",
    "TimedOut": "#dc370b",
    "Pending": "#b9dcff",
    "Scheduled": "#ffbe1e",
    "Retrying": "#fc7b09",
    "Resume": "#f58c0c",
    "Queued": "#fff9c2",
    "Submitted": "#fff499",
    "Paused": "#99a8e8",
    "Running": "#27b1ff",
    "Listening": "#93d8ff",
    "Finished": "#003483",
    "Success": "#2cbe4e",
    "Cancelled": "#bdbdbd",
    "Cancelling": "#e8e8e8",
    "Cached": "#74c367",
    "Skipped": "#607583",
    "Mapped": "#4067a2",
    "Looped": "#4c4cff",
}
#: A state the palette does not know (or none yet).
UNKNOWN_COLOUR = "#bdbdbd"


def state_colour(state: str | None) -> str:
    return STATE_COLOURS.get(state or "", UNKNOWN_COLOUR)


def tint(colour: str, share: float) -> str:
    """``colour`` mixed with white, ``share`` of it: a badge's background, on which text reads."""
    channels = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{round(c * share + 255 * (1 - share)):02x}" for c in channels)


#: The CSS of the pages' state badges (``<span class="state state-Success">``), from the palette.
STATE_STYLES = "\n".join(
    f"  .state-{state} {{ background: {tint(colour, 0.3)}; border: 1px solid {colour}; }}"
    for state, colour in STATE_COLOURS.items()
)
