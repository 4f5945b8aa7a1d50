"""How the notebook shows the flow's result.

Two views of the same numbers: the exact values as text (``make run`` prints them and the tests
read them back, so every digit is there), and, for a reader, a small table with a bar chart
beside it.  The chart is an inline SVG with no date and a fixed id salt, so that the stored
output is the same on every run and nbval can compare it like text.
"""

from __future__ import annotations

import html
import io

TITLE = "std of passenger_count per VendorID (trips with passenger_count > 1):"
#: What the text says when no trip had more than one passenger (or the file had no rows).
EMPTY = "(no trips with more than one passenger: the result is empty)"
#: The TLC's names for the vendors (VendorID 4 occurs in 2019 but is not in the data dictionary).
VENDORS = {1: "Creative Mobile Technologies", 2: "VeriFone", 4: "not in the data dictionary"}


def std_per_vendor(values: dict):
    """``{VendorID: std}`` as the flow run's result comes back from Prefect Cloud (JSON: its keys
    are text) as the pandas Series the tutorial computed, indexed by ``VendorID`` in order (whole
    VendorIDs as integers, as the TLC writes them)."""
    import pandas as pd

    series = pd.Series(
        {_vendor(vendor): float(std) for vendor, std in values.items()}, dtype="float64", name="passenger_count"
    )
    return series.rename_axis("VendorID").sort_index()


def _vendor(key) -> int | float:
    """``"1"`` or ``"1.0"`` (VendorID is read as a number, so that an empty one is NaN) as ``1``."""
    number = float(key)
    return int(number) if number.is_integer() else number


def result_text(result) -> str:
    """The title and one ``VendorID std`` line per vendor, every digit of the float."""
    if len(result) == 0:
        return f"{TITLE}\n{EMPTY}"
    return f"{TITLE}\n{result.to_string(float_format=str)}"


def chart_svg(result) -> str:
    """A bar per vendor; matplotlib's object API, so no global pyplot state is touched."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    with rc_context({"svg.hashsalt": "prefect-resource-manager", "svg.fonttype": "none", "font.size": 9}):
        figure = Figure(figsize=(3.4, 2.0))
        axes = figure.add_subplot()
        labels = [str(v) for v in result.index]
        bars = axes.bar(labels, result.to_numpy(), color="#4c72b0", width=0.6)
        axes.bar_label(bars, fmt="%.3f", padding=2)
        axes.set_xlabel("VendorID")
        axes.set_ylabel("std")
        axes.set_ylim(0, max(float(result.max()), 0.0) * 1.25 or 1.0)
        axes.spines[["top", "right"]].set_visible(False)
        figure.tight_layout()
        out = io.StringIO()
        figure.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
    svg = out.getvalue()
    return svg[svg.index("<svg") :]  # drop the XML prolog and DOCTYPE: the SVG sits inside HTML


def result_html(result) -> str:
    """The table (pandas' ``to_html``, which escapes the text) and, beside it, the chart, as one HTML block."""
    import pandas as pd

    if len(result) == 0:
        return f"<p>{html.escape(EMPTY)}</p>"
    table = pd.DataFrame(
        {
            "VendorID": result.index,
            "vendor": [VENDORS.get(int(vendor), "") for vendor in result.index],
            "std of passenger_count": result.to_numpy(),
        }
    ).to_html(index=False, float_format="{:.6f}".format, border=0)
    return (
        f'<div style="display:flex;align-items:center;gap:2em"><div>{table}</div><div>{chart_svg(result)}</div></div>'
    )


def show_result(result) -> None:
    from IPython.display import HTML, display

    display(HTML(result_html(result)))
