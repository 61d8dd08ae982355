"""What a cold reader of the shipped study's printed workbooks found, fixed: the Summary (a narrow
rank column, the screening flags and findings), charts kept whole on a page and headings kept with
what follows them, the value-for-money points labelled, and the analyst template's banners and
Screening rows. The printed pages themselves are checked in test_printing.py."""

from __future__ import annotations

import re
import zipfile

import openpyxl
import pytest
import xlsxwriter

from tests.conftest import SHIPPED, run_cli
from rubric.compute.scope import scope
from rubric.records.load import load_study
from rubric.workbooks import comparison as layout
from rubric.workbooks.scoring import SCORES_SHEET, SCREENING_COLUMNS, SCREENING_HEADER_ROW, SCREENING_SHEET
from rubric.writers.sheet_engine import WORKBOOK_OPTIONS, Book, Masthead, Sheet

DECISIONS = ("turkey-returnees", "foreign-detainees", "insurgent-demands")


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory):
    folder = tmp_path_factory.mktemp("review")
    paths = {}
    for decision in DECISIONS:
        paths[decision] = folder / f"{decision}.xlsx"
        code, _, err = run_cli("report", SHIPPED, "--decision", decision, "--samples", "500", "-o", paths[decision])
        assert code == 0, err
    return paths


def _summary_rows(path):
    ws = openpyxl.load_workbook(path)[layout.SUMMARY_SHEET]
    return ws, [[c.value for c in row] for row in ws.iter_rows()]


@pytest.mark.parametrize("decision", DECISIONS)
def test_the_summary_rank_column_is_narrow_and_the_totals_on_screen(workbooks, decision):
    ws, rows = _summary_rows(workbooks[decision])
    head = next(i for i, row in enumerate(rows) if row[0] == "option")
    assert rows[head][1] == "rank (as written)" and rows[head][3] == "total (as written)"
    # column B held the findings' text (about 90 characters wide); now the rank alone
    assert ws.column_dimensions["B"].width <= 16
    # only the option column is frozen: the totals scroll into view beside it
    assert ws.freeze_panes == "B6"
    widths = [ws.column_dimensions[openpyxl.utils.get_column_letter(c)].width for c in range(1, 5)]
    assert sum(widths) <= 105   # option, rank, title and total side by side on a laptop screen (was ~180)
    # the findings' text sits in cells merged across the ranking's columns, wrapped, its row tall enough
    closest = next(i for i, row in enumerate(rows) if row[0] == "Closest call") + 1
    merged = [str(m) for m in ws.merged_cells.ranges if m.min_row == closest]
    assert merged and merged[0].startswith(f"B{closest}:")
    assert ws.cell(closest, 2).alignment.wrap_text


@pytest.mark.parametrize("decision", DECISIONS)
def test_the_summary_flags_the_unclear_options_and_names_the_screened_out(workbooks, decision):
    scoped = scope(load_study(SHIPPED), decision)
    ws, rows = _summary_rows(workbooks[decision])
    head = next(i for i, row in enumerate(rows) if row[0] == "option")
    flag_col = rows[head].index("screening flag (detail: Screening)")
    ranked = {row[0]: row[flag_col] for row in rows[head + 1:] if row[0] in {o.id for o in scoped.study.options}}
    expected = {o: "unclear: " + ", ".join(f.requirement for f in scoped.failures(o)) for o in scoped.flagged}
    assert {o: flag for o, flag in ranked.items() if flag} == expected
    findings = {row[0]: row[1] for row in rows if row[0]}
    details = {row[0]: row[-1] for row in rows if row[0]}
    if decision == "turkey-returnees":
        assert ranked["policing-short-detention"] == "unclear: ihl-and-human-rights-law"
    if decision == "insurgent-demands":
        assert len(expected) == 5
    if decision == "foreign-detainees":
        assert scoped.screened_out == ("hold-in-region", "strip-citizenship")
        assert scoped.decision.baseline == "hold-in-region"
        [failure] = [f for f in scoped.failures("strip-citizenship") if f.verdict == "fail"]
        assert findings["Screened out"] == f"strip-citizenship ({failure.requirement}: {failure.reason})"
        assert findings["Baseline hold-in-region"].startswith("screened out (ihl-and-human-rights-law: ")
        assert details["Baseline hold-in-region"] == details["Screened out"] == layout.SCREENING_SHEET
    else:
        assert "Screened out" not in findings
    flagged_line = findings["Flagged (ranked, unclear on a requirement)"]
    assert flagged_line == "; ".join(f"{o} ({flag})" for o, flag in expected.items())


def test_value_for_money_points_are_labelled_with_their_option_ids(workbooks):
    path = workbooks["foreign-detainees"]
    ws = openpyxl.load_workbook(path)[layout.VALUE_FOR_MONEY_SHEET]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    heads = [i for i, row in enumerate(rows) if row[0] == "option"]
    tables = []
    for head in heads:
        end = next((i for i in range(head + 1, len(rows)) if rows[i][0] is None), len(rows))
        tables.append([row[0] for row in rows[head + 1:end]])
    with zipfile.ZipFile(path) as z:
        charts = [z.read(n).decode() for n in sorted(z.namelist(), key=lambda n: int(re.sub(r"\D", "", n) or 0))
                  if n.startswith("xl/charts/chart")]
    scatters = [c for c in charts if "<c:scatterChart>" in c and "benefit against cost" in c]
    assert len(scatters) == len(tables) >= 2
    for chart, options in zip(scatters, tables):
        options_series = chart.split("<c:ser>")[1]   # the first series: the options' points
        labels = re.findall(r"<c:dLbl>.*?<a:t>([^<]*)</a:t>.*?</c:dLbl>", options_series, re.S)
        assert labels == options


def _paginated(tmp_path, build) -> list[int]:
    """The page breaks the engine writes for a one-sheet workbook that `build` lays out (both passes)."""
    masthead = Masthead("A study", "a footer")
    measured = Book(masthead)
    build(Sheet(measured, "S", "A heading"))
    path = tmp_path / "s.xlsx"
    workbook = xlsxwriter.Workbook(str(path), WORKBOOK_OPTIONS)
    build(Sheet(Book(masthead, workbook, measured.layouts), "S", "A heading"))
    workbook.close()
    with zipfile.ZipFile(path) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode()
    return [int(x) for x in re.findall(r'<brk id="(\d+)"', xml)]


def _rows_then(chart_row: int, section: bool):
    def build(s: Sheet):
        for r in range(4, 23):                  # 19 rows of 15 points: about 60% of a landscape A4 page
            s.text(r, 1, f"row {r}")
        if section:
            s.section(chart_row - 1, "A chart's heading")
        s.chart_placed(chart_row, 1, 16.0, 8.0)   # 8 cm: about 227 points
        s.finish()
    return build


def test_a_closing_chart_below_the_last_row_is_moved_whole_to_the_next_page(tmp_path):
    # the chart starts below every row with cells (as on Results, Scenarios, Summary): it was not seen
    assert _paginated(tmp_path, _rows_then(25, section=False)) == [24]


def test_a_heading_goes_to_the_next_page_with_the_chart_under_it(tmp_path):
    # the heading alone would fit at the page foot; the chart under it would not
    assert _paginated(tmp_path, _rows_then(25, section=True)) == [23]


def test_a_short_sheet_gets_no_page_break(tmp_path):
    def build(s: Sheet):
        for r in range(4, 10):
            s.text(r, 1, f"row {r}")
        s.chart_placed(11, 1, 16.0, 8.0)
        s.finish()
    assert _paginated(tmp_path, build) == []


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    path = tmp_path_factory.mktemp("template") / "t.xlsx"
    code, _, err = run_cli("template", SHIPPED, "--session", "illustrative-2026", "--analyst", "analyst-rights",
                           "--prefill", "-o", path)
    assert code == 0, err
    return openpyxl.load_workbook(path)


def test_the_template_banners_are_red_and_wide_enough_to_read(template):
    scores, screening = template[SCORES_SHEET], template[SCREENING_SHEET]
    for ws, first, last in ((scores, "B4", "H4"), (screening, "D1", "G1")):
        cell = ws[first]
        assert cell.value == "ILLUSTRATIVE DATA: this session is example data, not a real appraisal"
        assert cell.fill.fgColor.rgb.endswith("C00000") and cell.font.color.rgb.endswith("FFFFFF")
        assert f"{first}:{last}" in [str(m) for m in ws.merged_cells.ranges]
        width = sum(ws.column_dimensions[c].width for c in "BCDEFGH"[ord(first[0]) - 66:ord(last[0]) - 65])
        assert width * 1.1 >= len(cell.value)   # fits on one line (was clipped in column B alone)


def test_the_template_screening_rows_are_tall_enough_for_their_wrapped_text(template):
    ws = template[SCREENING_SHEET]
    col = {name: i for i, name in enumerate(SCREENING_COLUMNS, 1)}
    checked = 0
    for r in range(SCREENING_HEADER_ROW + 1, ws.max_row + 1):
        statement = ws.cell(r, col["Statement"]).value or ""
        width = ws.column_dimensions[openpyxl.utils.get_column_letter(col["Statement"])].width
        lines = -(-len(statement) // int(width * 1.3))   # a generous count of the lines it takes
        if lines > 1:
            assert (ws.row_dimensions[r].height or 15) >= 15 * lines, (r, statement)
            checked += 1
    assert checked >= 10
