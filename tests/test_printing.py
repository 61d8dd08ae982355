"""Printing: the comparison workbook and the analyst template, converted to PDF by real LibreOffice,
print in a bounded number of pages per sheet, fit to the page width, with their header rows repeated.

Each sheet is printed alone (a copy of the workbook with the other sheets hidden), all in one
LibreOffice run, and the pages of the sheets add up to the pages of the workbook printed whole.
The limits are this study's page counts when the test was written with a little room; a sheet
that grows past its limit (issue 16 saw Sensitivity at 11 pages) fails here. LibreOffice prints
Calibri as Carlito when fonts-crosextra-carlito is installed (as the README's set-up does), so
the pages match Excel's; with a wider fallback font the scale is smaller and the counts can only
be lower.
"""

from __future__ import annotations

import re
import zipfile

import pytest

from tests.conftest import SHIPPED, run_cli
from tests.libreoffice import printed_pages, require_soffice

pytestmark = pytest.mark.slow

DECISION = "turkey-returnees"   # the shipped study's largest decision: 10 options, 5 profiles

# most pages each sheet may take: the shipped decision's workbook, and the analyst's template
REPORT_LIMITS = {
    "About": 2, "Summary": 2, "Screening": 2, "Options": 2, "Evidence": 5, "Rubric": 5, "Scores": 2,
    "Analysts": 30, "Disagreement": 3, "Weights": 3, "Weight inputs": 6, "Results": 4, "Compare": 4,
    "Sensitivity": 4, "SMAA": 2, "Value for money": 8, "Swaps": 12,
}
# the template's Screening rows are as tall as their wrapped statements and rationales (they overlapped
# on one page before)
TEMPLATE_LIMITS = {"Scores": 30, "Screening": 6}
SUMMARY_SCALE = 0.55   # the Summary's fit-to-width scale at least (0.47 when its column B was 90 wide)


def _xml(path, member: str) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read(member).decode("utf-8")


def _sheet_xml(path) -> dict[str, str]:
    """Sheet name -> its worksheet XML."""
    book, rels = _xml(path, "xl/workbook.xml"), _xml(path, "xl/_rels/workbook.xml.rels")
    targets = dict(re.findall(r'<Relationship [^>]*?Id="([^"]+)"[^>]*?Target="([^"]+)"', rels))
    targets.update({k: v for v, k in re.findall(r'<Relationship [^>]*?Target="([^"]+)"[^>]*?Id="([^"]+)"', rels)})
    result = {}
    for tag in re.findall(r"<sheet [^>]*/>", book):
        name = re.search(r'name="([^"]*)"', tag).group(1)
        rid = re.search(r'r:id="([^"]*)"', tag).group(1)
        result[name] = _xml(path, "xl/" + targets[rid].lstrip("/").removeprefix("xl/"))
    return result


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    require_soffice()
    folder = tmp_path_factory.mktemp("printing")
    report = folder / "report.xlsx"
    code, _, err = run_cli("report", SHIPPED, "--decision", DECISION, "-o", report, "--samples", "2000")
    assert code == 0, err
    template = folder / "template.xlsx"
    code, _, err = run_cli("template", SHIPPED, "--session", "illustrative-2026", "--analyst", "analyst-rights",
                           "--prefill", "-o", template)
    assert code == 0, err
    return report, template, printed_pages([report, template], folder / "out")


def test_every_sheet_of_the_comparison_workbook_prints_within_its_page_limit(printed):
    report, _, pages = printed
    sheets = pages["report"]
    visible = {name: n for name, n in sheets.items() if name not in ("(whole)", "_meta")}
    assert set(visible) <= set(REPORT_LIMITS), f"a sheet without a stated limit: {set(visible) - set(REPORT_LIMITS)}"
    over = {name: (n, REPORT_LIMITS[name]) for name, n in visible.items() if n > REPORT_LIMITS[name]}
    assert not over, f"sheets over their page limit (pages, limit): {over}"
    assert all(n >= 1 for n in visible.values())
    # the one-sheet copies print exactly what the whole workbook prints (the hidden _meta prints nothing)
    assert sum(visible.values()) == sheets["(whole)"]


def test_the_analyst_template_prints_within_its_page_limits(printed):
    _, _, pages = printed
    sheets = pages["template"]
    visible = {name: n for name, n in sheets.items() if name != "(whole)" and not name.startswith("_")}
    over = {name: (n, TEMPLATE_LIMITS.get(name)) for name, n in visible.items()
            if n > TEMPLATE_LIMITS.get(name, 0)}
    assert not over, f"template sheets over their page limit (pages, limit): {over}"
    assert sum(visible.values()) == sheets["(whole)"]


@pytest.mark.parametrize("which", ["report", "template"])
def test_every_sheet_fits_the_page_width_and_repeats_its_header_rows(printed, which):
    path = printed[0] if which == "report" else printed[1]
    book = _xml(path, "xl/workbook.xml")
    titles = dict(re.findall(r'<definedName name="_xlnm.Print_Titles" localSheetId="(\d+)"[^>]*>([^<]+)<', book))
    for k, (name, xml) in enumerate(_sheet_xml(path).items()):
        if name.startswith("_"):
            continue
        assert re.search(r'<pageSetUpPr [^>]*fitToPage="1"', xml), f"{which} {name}: not fit to page"
        setup = re.search(r"<pageSetup [^>]*/>", xml).group(0)
        assert 'fitToHeight="0"' in setup and 'fitToWidth="0"' not in setup, f"{which} {name}: {setup}"
        assert 'paperSize="9"' in setup, f"{which} {name}: not A4"
        if name != "About":  # About is one block of question and provenance, with no table header
            assert str(k) in titles, f"{which} {name}: no repeated header rows"


def test_the_summary_prints_on_two_pages_at_a_legible_scale(printed):
    """The fit-to-width scale LibreOffice takes: the printable width of landscape A4 over the columns'
    printed width (a chart is narrower than the columns)."""
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    from rubric.writers.sheet_engine import A4_POINTS, PAGE_MARGINS, _column_points

    report, _, pages = printed
    assert pages["report"]["Summary"] <= 2
    ws = load_workbook(report)["Summary"]
    widths = [ws.column_dimensions[get_column_letter(c)].width for c in range(1, ws.max_column + 1)]
    printable = A4_POINTS[1] - 72 * (PAGE_MARGINS["left"] + PAGE_MARGINS["right"])
    scale = printable / sum(_column_points(w or 8.43) for w in widths)
    assert SUMMARY_SCALE <= scale <= 1.0, scale
