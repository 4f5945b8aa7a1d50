"""The result's table, as the notebook shows it beside its chart."""

from __future__ import annotations

from tutorial_kit.notebook import report


def test_the_table_has_a_row_per_vendor_with_its_name_and_six_decimals(monkeypatch):
    monkeypatch.setitem(report.VENDORS, 4, "Tom & Jerry <cabs>")  # a name with HTML's special characters
    html = report.result_html(report.std_per_vendor({"2": 1.5560741620839789, "4": 1.1690451944500124}))
    table = html[html.index("<table") : html.index("</table>")]
    rows = [row.split("</td>")[:3] for row in table.split("<tbody>")[1].split("<tr>")[1:]]
    cells = [[cell.rsplit(">", 1)[-1] for cell in row] for row in rows]
    assert cells == [["2", "VeriFone", "1.556074"], ["4", "Tom &amp; Jerry &lt;cabs&gt;", "1.169045"]]
    assert "<svg" in html  # the chart beside it


def test_no_trip_with_more_than_one_passenger_is_said_in_words():
    assert report.result_html(report.std_per_vendor({})) == f"<p>{report.EMPTY}</p>"
