"""A generic two-pass, constant-memory sheet engine over XlsxWriter, knowing nothing of rubric's sheets.

Each sheet is built twice from the same inputs: the first pass (a `Book` without a workbook) only
measures (column widths, wrapped-line row heights); the second writes, streaming each finished
row to disk (XlsxWriter's constant-memory mode), so memory does not grow with the number of rows.
Cells are buffered one row at a time (`Cell`), formats are shared per distinct style, and a sheet
larger than a spreadsheet allows is refused (`TooBig`) before anything is written.
"""

from __future__ import annotations

import functools
import math
import re
from typing import NamedTuple

import attrs
import xlsxwriter
import xlsxwriter.worksheet
from openpyxl.utils import get_column_letter, quote_sheetname


VALUE, WEIGHT, PROBABILITY, INTEGER = "0.0", "0.000", "0.000", "0"
TEXT_CAP, HEADER_CAP, MIN_WIDTH = 60, 12, 5
LINE_HEIGHT = 14.5
DEFAULT_ROW_HEIGHT = 15.0  # points, XlsxWriter's default row
PAGE_FILL = 0.99          # share of a page's height the estimate fills (LibreOffice's scale and rows differ a little)
KEEP_WITH_HEADING = 3      # rows of a table (its header and first rows) printed on the page of its heading
A4_POINTS = (595.0, 842.0)  # portrait width, height
PAGE_MARGINS = {"left": 0.4, "right": 0.4, "top": 0.6, "bottom": 0.6}  # inches; the footer prints in the bottom one
PAGE_FOOTER = "&C&A - page &P of &N"  # sheet name and page number (header/footer codes)
CM = 96 / 2.54  # pixels per centimetre (XlsxWriter sizes charts in pixels at 96 dpi)

FONT = "Calibri"

# Styles are XlsxWriter format properties, combined per cell (font + fill + border + protection +
# alignment + number format) into one shared format.


def make_font(size: float = 11, bold: bool = False, italic: bool = False, color: str | None = None) -> dict:
    props = {"font_name": FONT, "font_size": size}
    if bold:
        props["bold"] = True
    if italic:
        props["italic"] = True
    if color:
        props["font_color"] = "#" + color
    return props


def _column_points(width: float) -> float:
    """Printed width of a column `width` characters wide: int(7 w + 5) pixels of 0.75 pt (Calibri 11)."""
    return int(7 * width + 5) * 0.75


def make_fill(color: str) -> dict:
    return {"pattern": 1, "bg_color": "#" + color}


RED, WHITE = "C00000", "FFFFFF"
BANNER_FILL = make_fill(RED)
HEADING_FONT = make_font(13, bold=True)
NOTE_FONT = make_font(italic=True, color="404040")
HEADER_FONT = make_font(bold=True)
HEADER_FILL = make_fill("D9E1F2")
SECTION_FONT = make_font(12, bold=True, color="1F3864")
INPUT_FILL = make_fill("FFF2CC")
INPUT_FONT = make_font(color="0000FF")
FORMULA_FILL = make_fill("E2EFDA")
HEADER_BORDER = {"bottom": 1, "bottom_color": "#808080"}
TOP_BORDER = {"top": 1, "top_color": "#BFBFBF"}
UNLOCKED = {"locked": False}
# protection without a password, against accidental edits; formatting rows and columns, sorting,
# filtering and selecting stay allowed
PROTECTION = {"format_columns": True, "format_rows": True, "autofilter": True, "sort": True,
              "select_locked_cells": True, "select_unlocked_cells": True}
WORKBOOK_OPTIONS = {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                    "strings_to_numbers": False, "use_zip64": True}

def is_finite(x) -> bool:
    try:
        return math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def displayed(value, fmt: str) -> str:
    """Roughly what a spreadsheet displays for a number in a format (to size the column)."""
    if fmt == "General":
        return f"{value:.10g}"
    decimals = len(fmt.split(".")[1]) if "." in fmt else 0
    return f"{float(value):.{decimals}f}"


def wrapped_lines(text: str, width: float) -> int:
    """Lines a text takes wrapped in a column `width` characters of "0" wide (Calibri 11 fits about
    1.1 to 1.4 characters of prose in the width of one "0", depending on the text and the print scale;
    the lower bound wastes some space but never hides text)."""
    per_line = max(1, int(width * 1.1) - 3)
    return sum(max(1, math.ceil(len(part) / per_line)) for part in text.split("\n"))


def header_lines(text: str, width: float) -> int:
    """Lines of a bold header wrapped at spaces and after hyphens in a column `width` wide."""
    per_line = max(1, int(width * 1.15) - 1)
    lines, used = 1, 0
    for word in re.split(r"(?<=[-/])|\s+", text):
        if not word:
            continue
        need = len(word) + (1 if used else 0)
        if used and used + need > per_line:
            lines, used = lines + 1, len(word)
        else:
            used += need
    return lines


MAX_ROWS, MAX_COLUMNS = 1_048_576, 16_384  # a worksheet's limits in Excel and LibreOffice


# The functions our formulas call: none is one that XlsxWriter rewrites to its "_xlfn." name.
CLASSIC_FUNCTIONS = frozenset({"IF", "IFERROR", "INDEX", "MATCH", "MAX", "SUM", "SUMPRODUCT",
                               ""})  # "": a parenthesis after an operator
_FUNCTION_CALL = re.compile(r"([A-Za-z0-9_.]*)\(")


class Worksheet(xlsxwriter.worksheet.Worksheet):
    """XlsxWriter's worksheet (through its documented `worksheet_class` hook) with a quick path for
    our formulas. XlsxWriter runs about 30 regular-expression substitutions over every formula to
    give newer functions their "_xlfn." names: over a third of the write of a large report. A
    formula that calls only CLASSIC_FUNCTIONS (every name before a "(", even inside a quoted text)
    has nothing to substitute, so it only loses its leading "="; anything else goes through
    XlsxWriter's own preparation. tests/test_bulk_sheets.py holds both paths equal."""

    def _prepare_formula(self, formula, *args, **kwargs):
        # XlsxWriter 3.3 calls this with (formula[, expand_future_functions]); any other call (a later
        # version's) goes to XlsxWriter's own method as it is
        expand = args[0] if len(args) == 1 else kwargs.get("expand_future_functions", False)
        if (len(args) + len(kwargs) <= 1 and set(kwargs) <= {"expand_future_functions"} and not expand
                and not self.use_future_functions and not formula.startswith("{") and not formula.endswith("}")
                and set(_FUNCTION_CALL.findall(formula)) <= CLASSIC_FUNCTIONS):
            return formula[1:] if formula.startswith("=") else formula
        return super()._prepare_formula(formula, *args, **kwargs)


class TooBig(Exception):
    """A sheet would need more rows or columns than a spreadsheet has."""


def check_fits(title: str, row: int, column: int) -> None:
    if row > MAX_ROWS or column > MAX_COLUMNS:
        raise TooBig(f"sheet {title} would need more than {MAX_ROWS:,} rows or {MAX_COLUMNS:,} columns")


class Alignment(NamedTuple):
    horizontal: str | None
    vertical: str | None
    wrap: bool
    indent: int

    def props(self) -> dict:
        props = {}
        if self.horizontal:
            props["align"] = self.horizontal
        if self.vertical:
            props["valign"] = "vcenter" if self.vertical == "center" else self.vertical
        if self.wrap:
            props["text_wrap"] = True
        if self.indent:
            props["indent"] = self.indent
        return props


@functools.lru_cache(maxsize=None)
def make_alignment(horizontal: str | None = None, vertical: str | None = "top", wrap: bool = False,
           indent: int = 0) -> Alignment:
    return Alignment(horizontal, vertical, wrap, indent)


TOP = make_alignment()
WRAP_TOP = make_alignment(wrap=True)


class Cell:
    """What one cell will hold: a value of a kind ("s" text, "n" number, "f" formula; None: empty) and
    its style. Kept only until its row is written."""

    __slots__ = ("value", "kind", "number_format", "font", "fill", "alignment", "border", "protection", "comment",
                 "wraps", "header", "result")

    def __init__(self):
        self.value = self.kind = self.number_format = self.font = self.fill = self.alignment = None
        self.border = self.protection = self.comment = self.header = self.result = None
        self.wraps = False  # record text that wraps (and raises its row) when it is longer than its column

    @property
    def numeric(self) -> bool:
        return self.kind in ("n", "f")


class Layout:
    """What the measuring pass learns about a sheet and the writing pass needs: column widths, which
    headers stand over right-aligned numbers, and the sheet's set-up."""

    def __init__(self):
        self.widths: dict[int, float] = {}
        self.right_headers: set[tuple[int, int]] = set()
        self.setup: dict = {}


@attrs.frozen
class Masthead:
    """What tops and foots every sheet: row 1 holds the banner (when there is one, in red) or else the
    title; the page footer names the document."""

    title: str
    footer: str
    banner: str | None = None


class Book:
    """The workbook in one of its two passes. The sheet builders run twice over the same input:
    first measuring (nothing is kept but each sheet's Layout), then writing, when every row goes out
    as soon as the builder moves past it. So memory does not grow with the number of rows, and column
    widths and row heights still fit all of the data."""

    def __init__(self, masthead: "Masthead", workbook: xlsxwriter.Workbook | None = None,
                 layouts: dict[str, Layout] | None = None):
        self.masthead = masthead
        self.workbook = workbook
        self.measuring = workbook is None
        self.layouts = {} if layouts is None else layouts
        self.formats: dict[tuple, tuple] = {}  # style key -> (format, the style objects it was made from)

    def format(self, cell: Cell):
        """The shared XlsxWriter format for a cell's style (None: no style)."""
        key = (id(cell.font), id(cell.fill), cell.alignment, id(cell.border), id(cell.protection), cell.number_format)
        kept = self.formats.get(key)
        if kept is None:
            props = {}
            for part in (cell.font, cell.fill, cell.border, cell.protection):
                if part:
                    props.update(part)
            if cell.alignment is not None:
                props.update(cell.alignment.props())
            if cell.number_format:
                props["num_format"] = cell.number_format
            # the style objects are kept with the format, so their ids stay theirs
            kept = self.formats[key] = (self.workbook.add_format(props) if props else None, cell.font, cell.fill,
                                        cell.border, cell.protection)
        return kept[0]

    def run_format(self, font: dict | None):
        """A text run's format in the cell's font (for a text written as rich text)."""
        key = ("run", id(font))
        if key not in self.formats:
            self.formats[key] = (self.workbook.add_format(font or make_font()), font)
        return self.formats[key][0]

    def define_name(self, name: str, sheet: str, first_row: int, first_col: int, last_row: int, last_col: int):
        if not self.measuring:
            self.workbook.define_name(name, f"={quote_sheetname(sheet)}!${get_column_letter(first_col)}${first_row}:"
                                            f"${get_column_letter(last_col)}${last_row}")


def _new_chart(workbook: xlsxwriter.Workbook, options: dict):
    """A chart whose cached texts stay texts: XlsxWriter takes a cache of strings that all read as
    numbers ("2024", "nan", valid option ids) for numbers, and would write the categories as a
    numeric reference."""
    chart = workbook.add_chart(options)
    guess = chart._get_data_type

    def data_type(data):
        if data and all(isinstance(x, str) for x in data):
            return "str"
        return guess(data)

    chart._get_data_type = data_type
    return chart


class Sheet:
    """One worksheet with the bookkeeping every sheet shares: text-safe writes, fitted column widths,
    wrapped long text, full-width banner/heading/note rows, page setup and protection.

    Rows and columns are numbered from 1, as spreadsheets show them. Builders write rows in order (a
    row may take several calls, but no row may be written once a later one has been started); each
    finished row is formatted and written out."""

    def __init__(self, book: Book, title: str, heading: str, note: str = "", banner: bool = True,
                 top: str | None = None, banner_size: float = 12):
        self.book = book
        self.measuring = book.measuring
        self.title = title
        if self.measuring:
            self.ws = None
            self.layout = book.layouts[title] = Layout()
        else:
            self.ws = book.workbook.add_worksheet(title, Worksheet)
            self.layout = book.layouts[title]
            self._set_up()
        self.lengths: dict[int, int] = {}       # column -> longest line of data
        self.header_lengths: dict[int, int] = {}
        self.caps: dict[int, int] = {}
        self.full_rows: dict[int, tuple[dict, dict | None]] = {}
        self.merges: dict[int, list[tuple[int, int]]] = {}  # row -> (first col, last col) of merged cells
        self.spans: dict[int, tuple[int, int]] = {}   # row -> (first col, last col) of a merged long text
        self.page_breaks: list[int] = []
        self._sections: set[int] = set()          # rows that head a table: kept on a page with its first rows
        self._heights: dict[int, float] = {}      # rows written with a height of their own (points)
        self._written: set[int] = set()           # rows with cells (a table ends at the first row without)
        self._charts: dict[int, float] = {}        # row -> height (points) of the chart whose top is there
        self._chart_right = 0.0                   # points from the left edge to the furthest chart's right edge
        self._header_rows: set[int] = set()
        self._row_number, self._row = 0, {}      # the row being written: column -> Cell
        # row 1: the illustrative-data banner, or the study's title; row 2: the sheet's heading; row 3: a note
        masthead = book.masthead
        if banner and masthead.banner:
            self.full_row(1, masthead.banner, make_font(banner_size, bold=True, color=WHITE), BANNER_FILL)
        else:
            self.full_row(1, top or masthead.title, make_font(bold=True, color="404040"))
        self.full_row(2, heading, HEADING_FONT)
        if note:
            self.full_row(3, note, NOTE_FONT)

    # -- writing cells -------------------------------------------------------------------------------

    def cell(self, row: int, col: int) -> Cell:
        """The cell at row, col of the current row (or of a new row, which finishes the current one)."""
        if row != self._row_number:
            if row < self._row_number:
                raise AssertionError(f"{self.title}: row {row} written after row {self._row_number}")
            self._end_row()
            self._row_number = row
        cell = self._row.get(col)
        if cell is None:
            cell = self._row[col] = Cell()
        return cell

    def full_row(self, row: int, text: str, font: dict, fill: dict | None = None) -> None:
        cell = self.cell(row, 1)
        cell.value, cell.kind, cell.font, cell.fill = str(text), "s", font, fill
        cell.alignment = make_alignment(vertical="center" if fill else "top", wrap=True)
        self.full_rows[row] = (font, fill)

    def text(self, row: int, col: int, value, bold: bool = False, track: bool = True, cap: int | None = None):
        """A literal string (never a formula, whatever it starts with), written as it is: XlsxWriter
        escapes what a workbook cannot hold (control characters, a literal "_xHHHH_") exactly as
        cells.encode_text does."""
        cell = self.cell(row, col)
        if value is None or value == "":
            return cell
        text = str(value)
        cell.value, cell.kind, cell.alignment = text, "s", TOP
        if bold:
            cell.font = HEADER_FONT
        if track:
            cell.wraps = True
            if self.measuring:
                longest = len(text) if "\n" not in text else max(len(line) for line in text.split("\n"))
                if longest > self.lengths.get(col, 0):
                    self.lengths[col] = longest
        if cap is not None:
            self.caps[col] = cap
        return cell

    def number(self, row: int, col: int, value, fmt: str = VALUE, missing: str = "n/a"):
        """A number with a format; a non-finite number (NaN) as the `missing` text."""
        if value is None or not is_finite(value):
            if not missing:
                return self.cell(row, col)
            cell = self.text(row, col, missing)
            cell.alignment = make_alignment("right")
            return cell
        cell = self.cell(row, col)
        cell.value, cell.kind = value if isinstance(value, int) else float(value), "n"
        cell.number_format, cell.alignment = fmt, TOP
        if self.measuring:
            self.lengths[col] = max(self.lengths.get(col, 0), len(displayed(value, fmt)))
        return cell

    def formula(self, row: int, col: int, formula: str, fmt: str, result: float):
        """One of our own formulas (the only cells written as formulas), with the `result` it gives on
        the values written, stored as its cached value: a reader that does not recalculate (LibreOffice
        by default, viewers, data_only readers) shows it; Excel recalculates on opening."""
        assert formula.startswith("=")
        cell = self.cell(row, col)
        cell.value, cell.kind, cell.number_format = formula, "f", fmt
        cell.result = float(result) if is_finite(result) else 0
        cell.fill, cell.alignment = FORMULA_FILL, TOP
        if self.measuring:
            self.lengths[col] = max(self.lengths.get(col, 0), 7)
        return cell

    def header(self, row: int, col: int, labels, fill: dict = HEADER_FILL) -> None:
        self._header_rows.add(row)
        for k, label in enumerate(labels):
            cell = self.cell(row, col + k)
            cell.value, cell.kind, cell.header = str(label), "s", str(label)
            cell.font, cell.fill, cell.border = HEADER_FONT, fill, HEADER_BORDER
            cell.alignment = make_alignment(vertical="bottom", wrap=True)
            # a header wraps (at spaces and hyphens) rather than widen a column of numbers
            words = re.split(r"(?<=[-/])|\s+", str(label))
            longest = max((len(word) for word in words), default=0)
            self.header_lengths[col + k] = max(self.header_lengths.get(col + k, 0),
                                               min(len(str(label)), max(longest, HEADER_CAP)))

    def label(self, row: int, first: int, last: int, text: str, font: dict, fill: dict | None = None) -> None:
        """A label (our own text) centred over columns first..last."""
        if last > first:
            self.merges.setdefault(row, []).append((first, last))
        cell = self.cell(row, first)
        cell.value, cell.kind, cell.font, cell.fill = text, "s", font, fill
        cell.alignment = make_alignment("center", None)

    def span(self, row: int, first: int, last: int, value) -> None:
        """A long text across columns first..last (merged, wrapped) that does not widen any column."""
        self.text(row, first, value, track=False)
        self.spans[row] = (first, last)
        if last > first:
            self.merges.setdefault(row, []).append((first, last))

    def section(self, row: int, title: str) -> None:
        self._sections.add(row)
        cell = self.cell(row, 1)
        cell.value, cell.kind, cell.font = str(title), "s", SECTION_FONT

    def name(self, name: str, first_row: int, first_col: int, last_row: int, last_col: int) -> None:
        self.book.define_name(name, self.title, first_row, first_col, last_row, last_col)

    def autofilter(self, first_row: int, first_col: int, last_row: int, last_col: int) -> None:
        if not self.measuring:
            self.ws.autofilter(first_row - 1, first_col - 1, last_row - 1, last_col - 1)

    def conditional(self, ref: str, options: dict, style: dict | None = None) -> None:
        """A conditional format (XlsxWriter's options) over an A1 range; `style`: the format props it applies."""
        if not self.measuring:
            if style is not None:
                options = {**options, "format": self.book.workbook.add_format(style)}
            self.ws.conditional_format(ref, options)

    def validation(self, first_row: int, first_col: int, last_row: int, last_col: int, options: dict) -> None:
        if not self.measuring:
            self.ws.data_validation(first_row - 1, first_col - 1, last_row - 1, last_col - 1, options)

    def chart_placed(self, row: int, col: int, width_cm: float, height_cm: float) -> None:
        """A chart is printed whole on one page (a page break before it when the rest of the page is
        too short), and the page's fit-to-width scale counts its right edge."""
        if not self.measuring:
            self._charts[row] = max(self._charts.get(row, 0.0), height_cm / 2.54 * 72)
            left = sum(_column_points(self.layout.widths.get(c, 8.43)) for c in range(1, col))
            self._chart_right = max(self._chart_right, left + width_cm * CM * 0.75)

    MAX_CHART_SERIES = 255  # XlsxWriter's and Excel's limit of series in one chart

    def bar_chart(self, row: int, title: str, value_title: str, grouping: str, height_cm: float, width_cm: float,
                  names_row: int, first_col: int, last_col: int, first_row: int, last_row: int,
                  colours: list[str] | None = None, value_axis: dict | None = None,
                  labels: str | None = None, categories=None, names=None, values=None) -> None:
        """A native horizontal bar chart at the start of `row` (never cut across pages): one series per
        column first_col..last_col, named by the cell in `names_row`, over rows first_row..last_row,
        with the options of column 1 as categories, the first at the top, and the legend in the order
        of the bars. `labels`: a number format to print each bar's value on it.

        `categories` (the texts of column 1), `names` (of the series) and `values` ([series][row], what
        the cells hold or their formulas give) are stored in the chart as its cached data: a
        constant-memory workbook keeps no cells to take them from, and without them the categories
        would be written as an empty numeric reference; with them a reader that draws from the cache
        shows the real chart, with text categories."""
        self.chart_placed(row, 1, width_cm * math.ceil((last_col - first_col + 1) / self.MAX_CHART_SERIES), height_cm)
        if self.measuring:
            return
        # a spreadsheet chart holds at most 255 series: more columns are split over charts side by side
        columns = list(range(first_col, last_col + 1))
        parts = [columns[i:i + self.MAX_CHART_SERIES] for i in range(0, len(columns), self.MAX_CHART_SERIES)]
        for p, part in enumerate(parts):
            chart = _new_chart(self.book.workbook, {"type": "bar", **({} if grouping == "clustered" else
                                                                     {"subtype": grouping})})
            for col in part:
                k = col - first_col
                series = {"name": [self.title, names_row - 1, col - 1],
                          "categories": [self.title, first_row - 1, 0, last_row - 1, 0],
                          "values": [self.title, first_row - 1, col - 1, last_row - 1, col - 1]}
                if categories is not None:
                    series["categories_data"] = [str(c) for c in categories]
                if names is not None:
                    series["name_data"] = [str(names[k])]
                if values is not None:
                    series["values_data"] = [float(v) if is_finite(v) else None for v in values[k]]
                if col == part[0]:
                    series.update({"overlap": 100, "gap": 60} if grouping != "clustered" else {"gap": 80})
                if colours:
                    series["fill"] = {"color": "#" + colours[k % len(colours)]}
                    series["border"] = {"color": "#" + WHITE}
                if labels:  # the number format of data labels on the bars (e.g. "0%")
                    series["data_labels"] = {"value": True, "num_format": labels, "font": {"size": 8}}
                chart.add_series(series)
            shown = title if len(parts) == 1 else (f"{title}, series {part[0] - first_col + 1}-"
                                                   f"{part[-1] - first_col + 1} of {len(columns)}")
            chart.set_title({"name": shown})
            chart.set_x_axis({"name": value_title, **(value_axis or {})})  # a bar chart's x axis holds the values
            chart.set_y_axis({"reverse": True, "crossing": "max"})  # first option at the top, values below
            # below, the legend lists the series left to right in order: the order of stacked bars from
            # the left, and of clustered bars from the top (the category axis is reversed); a legend on
            # the right would list a bar chart's series bottom up
            chart.set_legend({"position": "bottom"})
            chart.set_size({"width": round(width_cm * CM), "height": round(height_cm * CM)})
            self.ws.insert_chart(row - 1, 0, chart, {"x_offset": p * round(width_cm * CM)})

    def column_chart(self, row: int, title: str, value_title: str, height_cm: float, width_cm: float,
                     names_row: int, first_col: int, last_col: int, first_row: int, last_row: int,
                     colours: list[str], categories, names, values) -> None:
        """A native clustered column chart at the start of `row` (never cut across pages): one series per
        column first_col..last_col (at most 255), named by the cell in `names_row`, over rows
        first_row..last_row, with the texts of column 1 as categories, left to right. Each cluster's
        columns and the legend below run in the same order (a horizontal bar chart's legend lists its
        series the other way round in LibreOffice). `categories`, `names` and `values` ([series][row])
        are the chart's cached data, as in `bar_chart`."""
        self.chart_placed(row, 1, width_cm, height_cm)
        if self.measuring:
            return
        chart = _new_chart(self.book.workbook, {"type": "column"})
        for k, col in enumerate(range(first_col, min(last_col, first_col + self.MAX_CHART_SERIES - 1) + 1)):
            series = {"name": [self.title, names_row - 1, col - 1], "name_data": [str(names[k])],
                      "categories": [self.title, first_row - 1, 0, last_row - 1, 0],
                      "categories_data": [str(c) for c in categories],
                      "values": [self.title, first_row - 1, col - 1, last_row - 1, col - 1],
                      "values_data": [float(v) if is_finite(v) else None for v in values[k]],
                      "fill": {"color": "#" + colours[k % len(colours)]}}
            if k == 0:
                series["gap"] = 80
            chart.add_series(series)
        chart.set_title({"name": title})
        longest = max((len(str(c)) for c in categories), default=0)
        chart.set_x_axis({"num_font": {"rotation": -45 if longest * len(categories) > width_cm * 5 else 0,
                                       "size": 8}})
        chart.set_y_axis({"name": value_title})
        chart.set_legend({"position": "bottom"})
        chart.set_size({"width": round(width_cm * CM), "height": round(height_cm * CM)})
        self.ws.insert_chart(row - 1, 0, chart)

    def line_chart(self, row: int, col: int, title: str, x_title: str, y_title: str, height_cm: float,
                   width_cm: float, x_col: int, y_col: int, first_row: int, last_row: int,
                   x_range: tuple[float, float] | None = None, y_range: tuple[float, float] | None = None) -> None:
        """A native scatter chart with straight lines and markers, its top left at (row, col) (never
        cut across pages): one series, x from column x_col and y from column y_col over rows
        first_row..last_row; the axes span x_range and y_range when given."""
        self.chart_placed(row, col, width_cm, height_cm)
        if self.measuring:
            return
        chart = _new_chart(self.book.workbook, {"type": "scatter", "subtype": "straight_with_markers"})
        chart.add_series({"name": title,
                          "categories": [self.title, first_row - 1, x_col - 1, last_row - 1, x_col - 1],
                          "values": [self.title, first_row - 1, y_col - 1, last_row - 1, y_col - 1],
                          "marker": {"type": "circle", "size": 4}})
        chart.set_title({"name": title, "name_font": {"size": 11}})
        chart.set_x_axis({"name": x_title, "major_gridlines": {"visible": False},
                          **({"min": x_range[0], "max": x_range[1]} if x_range else {})})
        chart.set_y_axis({"name": y_title, **({"min": y_range[0], "max": y_range[1]} if y_range else {})})
        chart.set_legend({"none": True})
        chart.set_size({"width": round(width_cm * CM), "height": round(height_cm * CM)})
        self.ws.insert_chart(row - 1, col - 1, chart)

    def scatter_chart(self, row: int, col: int, title: str, x_title: str, y_title: str, height_cm: float,
                      width_cm: float, series: list[dict]) -> None:
        """A native scatter chart with several series, its top left at (row, col) (never cut
        across pages). Each series: name, x_col, y_col, first_row, last_row, and `line` (True: joined by
        straight lines, False: markers only), optional `color`, and optional `labels`: a text per point
        printed beside it (written as text, so a reader can tell which point is which)."""
        self.chart_placed(row, col, width_cm, height_cm)
        if self.measuring:
            return
        chart = _new_chart(self.book.workbook, {"type": "scatter"})
        for given in series:
            colour = {"color": "#" + given["color"]} if given.get("color") else {}
            spec = {"name": given["name"],
                    "categories": [self.title, given["first_row"] - 1, given["x_col"] - 1, given["last_row"] - 1,
                                   given["x_col"] - 1],
                    "values": [self.title, given["first_row"] - 1, given["y_col"] - 1, given["last_row"] - 1,
                               given["y_col"] - 1],
                    "marker": {"type": "circle", "size": 6 if not given.get("line") else 4,
                               **({"fill": colour, "border": colour} if colour else {})}}
            spec["line"] = {"width": 1.5, **colour} if given.get("line") else {"none": True}
            if given.get("labels"):
                # a literal label (XlsxWriter would read a text starting with "=" as a formula: none of ours do)
                spec["data_labels"] = {"value": True, "position": "right", "font": {"size": 8},
                                       "custom": [{"value": str(text).lstrip("=")} for text in given["labels"]]}
            chart.add_series(spec)
        chart.set_title({"name": title, "name_font": {"size": 11}})
        chart.set_x_axis({"name": x_title, "major_gridlines": {"visible": False}})
        chart.set_y_axis({"name": y_title})
        chart.set_legend({"position": "bottom"})
        chart.set_size({"width": round(width_cm * CM), "height": round(height_cm * CM)})
        self.ws.insert_chart(row - 1, col - 1, chart)

    def lines_chart(self, row: int, title: str, x_title: str, y_title: str, height_cm: float, width_cm: float,
                    series: list[dict], x_range: tuple[float, float], y_range: tuple[float, float],
                    left_cm: float = 0.0) -> None:
        """A native scatter chart of straight lines without markers, its top left at the start of `row`
        moved `left_cm` right (never cut across pages). Each series: name, x_col, y_col, first_row,
        last_row, the x and y numbers those cells hold (stored in the chart as its cached data: a
        constant-memory workbook keeps no cells to take them from), a colour, and `dash` for a dashed
        line. The legend on the right lists the series in order."""
        self.chart_placed(row, 1, left_cm + width_cm, height_cm)
        if self.measuring:
            return
        chart = _new_chart(self.book.workbook, {"type": "scatter", "subtype": "straight"})
        for given in series:
            line = {"width": 1.75 if not given.get("dash") else 1.25, "color": "#" + given["color"]}
            if given.get("dash"):
                line["dash_type"] = "dash"
            chart.add_series({
                "name": given["name"],
                "categories": [self.title, given["first_row"] - 1, given["x_col"] - 1, given["last_row"] - 1,
                               given["x_col"] - 1],
                "values": [self.title, given["first_row"] - 1, given["y_col"] - 1, given["last_row"] - 1,
                           given["y_col"] - 1],
                "categories_data": [float(x) for x in given["x"]], "values_data": [float(y) for y in given["y"]],
                "line": line, "marker": {"type": "none"}})
        chart.set_title({"name": title, "name_font": {"size": 11}})
        chart.set_x_axis({"name": x_title, "min": x_range[0], "max": x_range[1], "major_unit": 0.2,
                          "num_format": "0.0", "major_gridlines": {"visible": True, "line": {"color": "#E0E0E0"}}})
        chart.set_y_axis({"name": y_title, "min": y_range[0], "max": y_range[1],
                          "major_gridlines": {"visible": True, "line": {"color": "#E0E0E0"}}})
        chart.set_legend({"position": "right", "font": {"size": 8}})
        chart.set_size({"width": round(width_cm * CM), "height": round(height_cm * CM)})
        self.ws.insert_chart(row - 1, 0, chart, {"x_offset": round(left_cm * CM)})

    def category_line_chart(self, row: int, col: int, title: str, y_title: str, height_cm: float, width_cm: float,
                            categories_row: int, first_col: int, last_col: int, name_col: int, series_rows,
                            categories, names, values) -> None:
        """A native line chart with markers, its top left at (row, col) (never cut across pages): text
        categories from `categories_row`, columns first_col..last_col, and one series per row of
        `series_rows`, named by its cell in `name_col`. The categories, names and values (one row per
        series) are also stored in the chart as its cached data: a constant-memory workbook keeps no
        cells to take them from, and a reader that draws from the cache then shows the real chart."""
        self.chart_placed(row, col, width_cm, height_cm)
        if self.measuring:
            return
        chart = _new_chart(self.book.workbook, {"type": "line"})
        categories = [str(c) for c in categories]
        for k, r in enumerate(list(series_rows)[:self.MAX_CHART_SERIES]):
            chart.add_series({"name": [self.title, r - 1, name_col - 1], "name_data": [str(names[k])],
                              "categories": [self.title, categories_row - 1, first_col - 1, categories_row - 1,
                                             last_col - 1],
                              "categories_data": categories,
                              "values": [self.title, r - 1, first_col - 1, r - 1, last_col - 1],
                              "values_data": [float(v) for v in values[k]],
                              "marker": {"type": "circle", "size": 5}})
        chart.set_title({"name": title, "name_font": {"size": 11}})
        chart.set_y_axis({"name": y_title})
        chart.set_legend({"position": "right"})
        chart.set_size({"width": round(width_cm * CM), "height": round(height_cm * CM)})
        self.ws.insert_chart(row - 1, col - 1, chart)

    def widths(self) -> dict[int, float]:
        """Column widths: measured over all the data while measuring, then as measured."""
        if not self.measuring:
            return self.layout.widths
        columns = set(self.lengths) | set(self.header_lengths)
        result = {}
        for col in columns:
            data = self.lengths.get(col, 0)
            cap = self.caps.get(col, TEXT_CAP)
            result[col] = float(max(MIN_WIDTH, min(max(data, self.header_lengths.get(col, 0)) + 2, cap)))
        for col in range(1, max([0, *columns]) + 1):
            result.setdefault(col, 3.0)  # an empty spacer column
        return result

    def table_width(self) -> float:
        widths = self.widths()
        return sum(widths.get(c, 8.43) for c in range(1, max([1, *widths]) + 1))

    # -- finishing rows and the sheet ---------------------------------------------------------------

    def _end_row(self) -> None:
        row, cells = self._row_number, self._row
        self._row = {}
        if not cells:
            return
        if self.measuring:  # remember the headers that stand over right-aligned numbers
            if row - 1 in self._header_rows:
                for col, cell in cells.items():
                    if cell.numeric and (cell.alignment is None or cell.alignment.horizontal != "left"):
                        self.layout.right_headers.add((row - 1, col))
            return
        self._write_row(row, cells)

    def _write_row(self, row: int, cells: dict[int, Cell]) -> None:
        widths = self.layout.widths
        lines, fixed = 1, None
        if row in self._header_rows:
            for col, cell in cells.items():
                if cell.header is not None:
                    lines = max(lines, header_lines(cell.header, widths.get(col, 8.43)))
                    if (row, col) in self.layout.right_headers:
                        cell.alignment = make_alignment("right", "bottom", True)
            for col, cell in cells.items():  # a left-aligned header right after a right-aligned one
                left = cells.get(col - 1)
                if (cell.header is not None and left is not None and left.alignment is not None
                        and left.alignment.horizontal == "right" and cell.alignment.horizontal != "right"):
                    cell.alignment = make_alignment("left", "bottom", True, 1)
        for col, cell in cells.items():
            if not cell.wraps:
                continue
            # long text wraps within its (capped) column and its row gets the height to show it (an
            # estimate: LibreOffice does not fit row heights when it opens an xlsx file)
            text, width = cell.value, widths.get(col, 8.43)
            wrap = "\n" in text or len(text) > width - 2  # wrapping text that fits changes nothing
            left = cells.get(col - 1)
            indent = 1 if left is not None and left.numeric else 0
            if wrap or indent:  # text right after a (right-aligned) number keeps a little gap
                horizontal = cell.alignment.horizontal if cell.alignment is not None else None
                cell.alignment = make_alignment(horizontal or ("left" if indent else None), "top", wrap, indent)
            if wrap:
                lines = max(lines, wrapped_lines(text, width - indent))
        if row in self.full_rows:
            font, fill = self.full_rows[row]
            span = max([1, *widths])
            if span > 1:
                self.merges.setdefault(row, []).append((1, span))
            size = font["font_size"] / 11.0
            total_width = sum(widths.get(c, 8.43) for c in range(1, span + 1))
            fixed = wrapped_lines(cells[1].value, (total_width - 1) / size) * LINE_HEIGHT * size + (8 if fill else 2)
        if row in self.spans:
            first, last = self.spans[row]
            cells[first].alignment = WRAP_TOP
            lines = max(lines, wrapped_lines(cells[first].value, sum(widths.get(c, 8.43) for c in range(first, last + 1))))
        height = fixed if fixed is not None else lines * LINE_HEIGHT + 2 if lines > 1 else None
        check_fits(self.title, row, max(cells))
        self._written.add(row)
        ws, r = self.ws, row - 1
        if height is not None:
            ws.set_row(r, min(409.0, height))
            self._heights[row] = min(409.0, height)
        for first, last in self.merges.pop(row, ()):
            ws.merge_range(r, first - 1, r, last - 1, "", self.book.format(cells[first]))
        for col, cell in cells.items():
            c, value, style = col - 1, cell.value, self.book.format(cell)
            if cell.kind == "s" and value:
                if value.startswith("<r>") and value.endswith("</r>"):
                    # XlsxWriter would take such a string for its own rich-text markup: write it as
                    # two plain runs, which read back as the same text
                    run = self.book.run_format(cell.font)
                    ws.write_rich_string(r, c, value[:1], run, value[1:], *([style] if style else []))
                else:
                    ws.write_string(r, c, value, style)
            elif cell.kind == "n":
                ws.write_number(r, c, value, style)
            elif cell.kind == "f":
                ws.write_formula(r, c, value, style, cell.result)
            elif style is not None:  # an empty cell with a style (an input, an empty header)
                ws.write_blank(r, c, None, style)
            if cell.comment is not None:
                ws.write_comment(r, c, cell.comment, {"author": "rubric", "x_scale": 1.5, "y_scale": 1.5})

    def _set_up(self) -> None:
        """Sheet-wide settings (known from the measuring pass)."""
        ws, setup = self.ws, self.layout.setup
        for col, width in self.layout.widths.items():
            ws.set_column(col - 1, col - 1, width)
        if setup["freeze"]:
            ws.freeze_panes(setup["freeze"])
        if not setup["gridlines"]:
            ws.hide_gridlines(2)
        if setup["landscape"]:
            ws.set_landscape()
        else:
            ws.set_portrait()
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 0)
        ws.set_margins(**PAGE_MARGINS)
        if setup["title_rows"]:
            first, last = (int(x) for x in setup["title_rows"].split(":"))
            ws.repeat_rows(first - 1, last - 1)
        # "&" starts a header/footer code: a study id's own "&" is doubled
        ws.set_footer(PAGE_FOOTER + "&R" + self.book.masthead.footer.replace("&", "&&"))
        if setup["protect"]:
            ws.protect("", PROTECTION)

    def finish(self, freeze: str | None = "A5", title_rows: str | None = "1:4", protect: bool = True,
               landscape: bool = True, gridlines: bool = True) -> None:
        self._end_row()
        if self.measuring:
            self.layout.widths = self.widths()
            self.layout.setup = {"freeze": freeze, "title_rows": title_rows, "protect": protect,
                                 "landscape": landscape, "gridlines": gridlines}
        else:
            breaks = self._paginate()
            if breaks:
                self.ws.set_h_pagebreaks(breaks)

    def _paginate(self) -> list[int]:
        """The manual page breaks: before a chart that would be cut, and before a table heading whose
        table would otherwise be split over two pages (or, for a table longer than a page, whose first
        rows would not fit under it; a heading goes with a chart right under it or its table), and
        on a sheet with charts wherever a page is full (so the spreadsheet breaks where this estimate
        does, not a little later). The estimate: A4, the margins set in _set_up, scaled to fit the width, Calibri's
        column widths, PAGE_FILL of each page."""
        setup = self.layout.setup
        width, height = A4_POINTS[::-1] if setup["landscape"] else A4_POINTS
        printable_width = width - 72 * (PAGE_MARGINS["left"] + PAGE_MARGINS["right"])
        printable_height = height - 72 * (PAGE_MARGINS["top"] + PAGE_MARGINS["bottom"])
        table = max(sum(_column_points(w) for w in self.layout.widths.values()), self._chart_right) or printable_width
        page = PAGE_FILL * printable_height / min(1.0, printable_width / table)

        def row_height(r: int) -> float:
            return self._heights.get(r, DEFAULT_ROW_HEIGHT)

        title_height = 0.0
        if setup["title_rows"]:
            first, last = (int(x) for x in setup["title_rows"].split(":"))
            title_height = sum(row_height(r) for r in range(first, last + 1))
            start = last + 1
        else:
            start = 1
        breaks = set(self.page_breaks)
        # the masthead (banner, heading, note: rows 1-3) never stands alone on a page
        used, top = sum(row_height(r) for r in range(1, start)), max(start, 4)
        # a chart below the last row with cells (a sheet's closing chart) is paginated too
        def printed_since(first: int, row: int) -> bool:
            """Whether rows first..row-1 hold anything (a page of blank rows alone is never made)."""
            return any(k in self._written or k in self._charts for k in range(first, row))

        for r in range(start, max(self._row_number, *self._charts, 0) + 1):
            if r - 1 in breaks and r > top:
                used, top = title_height, r
            if r in self._charts and printed_since(top, r) and used + self._charts[r] > page:
                breaks.add(r - 1)
                used, top = title_height, r
            if r in self._sections and printed_since(top, r):
                end = r + 1  # the table under the heading: up to the first empty row
                while end + 1 in self._written:
                    end += 1
                need = sum(row_height(k) for k in range(r, end + 1))
                # a chart right under the heading or its table goes with them (a heading never ends a page)
                chart = next((k for k in range(r + 1, end + 3) if k in self._charts), None)
                if chart is not None:
                    need = sum(row_height(k) for k in range(r, chart)) + self._charts[chart]
                if need > page - title_height:  # longer than a page: keep at least its first rows with it
                    need = sum(row_height(k) for k in range(r, r + KEEP_WITH_HEADING + 1))
                    if chart is not None and chart <= r + KEEP_WITH_HEADING + 1:
                        need = sum(row_height(k) for k in range(r, chart)) + self._charts[chart]
                if used + need > page:
                    breaks.add(r - 1)
                    used, top = title_height, r
            if used + row_height(r) > page and r > top:
                # on a sheet with charts, where the spreadsheet would break on its own, a break of ours:
                # the spreadsheet then follows this estimate (which errs short) rather than drifting from
                # it, so the charts placed by it stay whole (a sheet of tables alone keeps its full pages)
                if self._charts:
                    breaks.add(r - 1)
                used, top = title_height, r
            used += row_height(r)
        return sorted(breaks)


# -- sheets -------------------------------------------------------------------------------------------
