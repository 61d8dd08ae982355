"""The Weights sheet's charts: one horizontal bar chart per profile, side by side in a grid across
the sheet's width, each live from the profile's column of normalised weights.

The sheet engine's bar_chart puts one chart at the left edge; a grid of small charts reads better
for many profiles (one clustered chart of every profile's bars would not), so they are placed here
with XlsxWriter's own API on the engine's sheet.
"""

from __future__ import annotations

from .sheet_engine import CM, Sheet

CHART_WIDTH_CM = 15.0     # one profile's chart: wide enough for criterion ids and a value label
BAR_CM = 0.5              # height per criterion bar
FRAME_CM = 2.5            # title and axis


def chart_height(n_criteria: int) -> float:
    return max(7.0, BAR_CM * n_criteria + FRAME_CM)


def weight_chart_grid(sheet: Sheet, row: int, width_cm: float, titles, names_row: int, first_col: int,
                      first_row: int, last_row: int, rows_per_chart: int) -> int:
    """One chart per column first_col.. (one per title), series name from `names_row`, categories from
    column 1 over rows first_row..last_row; as many across as `width_cm` holds. Returns the rows used."""
    per_row = max(1, int(width_cm // CHART_WIDTH_CM))
    height = chart_height(last_row - first_row + 1)
    lines = (len(titles) + per_row - 1) // per_row
    for line in range(lines):
        top = row + line * rows_per_chart
        # the engine keeps a chart whole on one page; a line of charts counts as one wide chart
        sheet.chart_placed(top, 1, CHART_WIDTH_CM * per_row, height)
    if sheet.measuring:
        return lines * rows_per_chart
    for k, title in enumerate(titles):
        col = first_col + k
        chart = sheet.book.workbook.add_chart({"type": "bar"})
        chart.add_series({"name": [sheet.title, names_row - 1, col - 1],
                          "categories": [sheet.title, first_row - 1, 0, last_row - 1, 0],
                          "values": [sheet.title, first_row - 1, col - 1, last_row - 1, col - 1],
                          "gap": 50, "fill": {"color": "#4472C4"},
                          "data_labels": {"value": True, "num_format": "0.0%", "font": {"size": 7}}})
        chart.set_title({"name": title, "name_font": {"size": 10}})
        chart.set_x_axis({"num_format": "0%", "min": 0, "num_font": {"size": 8}})
        chart.set_y_axis({"reverse": True, "crossing": "max", "num_font": {"size": 8}})  # first criterion on top
        chart.set_legend({"none": True})
        chart.set_size({"width": round(CHART_WIDTH_CM * CM), "height": round(height * CM)})
        line, across = divmod(k, per_row)
        sheet.ws.insert_chart(row + line * rows_per_chart - 1, 0, chart,
                              {"x_offset": round(across * CHART_WIDTH_CM * CM), "object_position": 3})
    return lines * rows_per_chart
