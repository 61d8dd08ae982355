"""Bulk sheets (issue 19): the uniform-rows fast path writes what the per-cell path writes, and the
SMAA acceptability block of a large study is cut to ranks 1..k and "k+1 or lower"."""

import shutil
import zipfile

import numpy as np
import openpyxl
import pytest

from conftest import MINI, SHIPPED
from rubric import load_study
from rubric.compute.report import build_report
from rubric.writers import xlsx


def _per_cell_rows(s, first_row, number_styles, rows):
    """The general path: one s.text() / s.number() per value, as the Analysts builder had it."""
    r = first_row
    for values in rows:
        for col, value in enumerate(values, 1):
            if isinstance(value, str) or value is None:
                s.text(r, col, value)
            else:
                number_format, alignment = number_styles[col]
                s.number(r, col, value, number_format).alignment = alignment
        r += 1
    return r


def _sheet_parts(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {n: archive.read(n) for n in archive.namelist() if n != "docProps/core.xml"}


@pytest.mark.parametrize("source", [MINI, SHIPPED], ids=["mini", "shipped"])
def test_uniform_rows_fast_path_writes_the_same_workbook_as_the_per_cell_path(source, tmp_path, monkeypatch):
    study_dir = tmp_path / "study"
    shutil.copytree(source, study_dir)
    if source == MINI:   # text that wraps, a line break, XlsxWriter's rich-text look-alike, a formula look-alike
        session = next((study_dir / "sessions").glob("*.yaml"))
        text = session.read_text(encoding="utf-8")
        first = text.index("rationale:")
        end = text.index("\n", first)
        session.write_text(text[:first] + 'rationale: "<r>bold?</r>"' + text[end:], encoding="utf-8")
    study = load_study(study_dir)
    report = build_report(study, samples=500, seed=1)
    fast = xlsx.write_workbook(report, tmp_path / "fast.xlsx")
    monkeypatch.setattr(xlsx, "_plain_rows", _per_cell_rows)
    slow = xlsx.write_workbook(report, tmp_path / "slow.xlsx")
    fast_parts, slow_parts = _sheet_parts(fast), _sheet_parts(slow)
    assert fast_parts.keys() == slow_parts.keys()
    assert [n for n in fast_parts if fast_parts[n] != slow_parts[n]] == []
    book = openpyxl.load_workbook(fast)
    assert book["Analysts"].max_row == 4 + len(report.session.scores)
    if source == MINI:
        assert "<r>bold?</r>" in [c.value for c in book["Analysts"]["G"]]


def test_smaa_block_of_a_large_study_shows_ranks_one_to_k_and_the_rest(tmp_path):
    from benchmarks.generate import generate

    n = xlsx.SMAA_ALL_RANKS_UP_TO + 5
    study = load_study(generate(tmp_path / "large", options=n, criteria=6, groups=2, analysts=2, profiles=2))
    report = build_report(study, samples=800, seed=2)
    book = openpyxl.load_workbook(xlsx.write_workbook(report, tmp_path / "large.xlsx"))
    [(title, ref)] = list(book.defined_names["Smaa_acceptability"].destinations)
    cells = book[title][ref.replace("$", "")]
    shown = np.array([[c.value for c in row] for row in cells], dtype=float)
    # rows by the default profile's rank: each looked up by its option id (column A)
    rows = [report.smaa.options.index(book[title].cell(row[0].row, 1).value) for row in cells]
    k = xlsx.SMAA_RANKS_SHOWN
    assert shown.shape == (n, k + 1)
    assert np.array_equal(shown[:, :k], report.smaa.acceptability[rows, :k])
    assert np.allclose(shown[:, k], report.smaa.acceptability[rows, k:].sum(axis=1), atol=1e-12)
    assert np.allclose(shown.sum(axis=1), 1.0)
    header_row = cells[0][0].row - 1
    labels = [c.value for c in book[title][header_row]][1:]
    assert labels[0] == "rank 1" and labels[k - 1] == f"rank {k}"
    # with the consensus values fixed, the confidence factors say nothing: no column (a note says why)
    assert labels[k] == f"rank {k + 1} or lower" and "confidence" not in labels


def test_summary_of_a_large_study_ranks_its_best_30_and_keeps_the_findings_in_view(tmp_path):
    from benchmarks.generate import generate

    n = xlsx.SUMMARY_RANKED_UP_TO + 7
    study = load_study(generate(tmp_path / "large", options=n, criteria=6, groups=2, analysts=2, profiles=2))
    report = build_report(study, samples=800, seed=2)
    path = xlsx.write_workbook(report, tmp_path / "large.xlsx")
    book = openpyxl.load_workbook(path)
    sheet = book["Summary"]
    [(_, ref)] = list(book.defined_names["Summary_totals"].destinations)
    totals = sheet[ref.replace("$", "")]
    ids = [sheet.cell(row[0].row, 1).value for row in totals]
    default = report.evaluation(report.default_profile)
    assert len(ids) == xlsx.SUMMARY_RANKED_UP_TO and ids == [report.options[i] for i in report.summary.order[:30]]
    assert [default.ranks[default.options.index(o)] for o in ids] == sorted(default.ranks)[:30]
    heading = sheet.cell(totals[0][0].row - 2, 1).value
    assert heading.endswith(f"the 30 best as written, of {n} options; Results ranks every option, live")
    below = [sheet.cell(r, 1).value for r in range(totals[-1][0].row + 1, totals[-1][0].row + 4)]
    assert below[1].startswith("Every profile's top 3")                 # the findings follow at once
    with zipfile.ZipFile(path) as archive:                               # the chart: the 30 shown, not all
        charts = [archive.read(name).decode() for name in archive.namelist() if name.startswith("xl/charts/")]
    summary_chart = next(c for c in charts if "Total by criterion group" in c)
    assert summary_chart.count("<c:ptCount val=\"30\"/>") >= 1 and f'<c:ptCount val="{n}"/>' not in summary_chart


def test_smaa_block_of_a_small_study_shows_every_rank(tmp_path):
    report = build_report(load_study(SHIPPED), samples=500, seed=2)
    assert len(report.smaa.options) <= xlsx.SMAA_ALL_RANKS_UP_TO
    book = openpyxl.load_workbook(xlsx.write_workbook(report, tmp_path / "shipped.xlsx"))
    [(title, ref)] = list(book.defined_names["Smaa_acceptability"].destinations)
    cells = book[title][ref.replace("$", "")]
    rows = [report.smaa.options.index(book[title].cell(row[0].row, 1).value) for row in cells]
    assert sorted(rows) == list(range(len(report.smaa.options)))
    assert np.array_equal(np.array([[c.value for c in row] for row in cells], dtype=float),
                          report.smaa.acceptability[rows])
    # central weights: a row per option ever first, the others named on the line under the table
    sheet = book[title]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    start = next(i for i, row in enumerate(values) if str(row[0]).startswith("Central weights")) + 2
    listed = []
    while values[start][0] in report.smaa.options:
        listed.append(values[start][0])
        option = report.smaa.options.index(values[start][0])
        assert values[start][1:1 + len(report.smaa.criteria)] == pytest.approx(list(report.smaa.central_weights[option]))
        start += 1
    first = [o for i, o in enumerate(report.smaa.options) if np.isfinite(report.smaa.central_weights[i]).all()]
    never = [o for o in report.smaa.options if o not in first]
    assert sorted(listed) == sorted(first) and never
    assert values[start][0].startswith("Never first in any draw, so without central weights: ")
    assert sorted(values[start][0].split(": ", 1)[1].rstrip(".").split(", ")) == sorted(never)


@pytest.mark.parametrize("source", [MINI, SHIPPED], ids=["mini", "shipped"])
def test_formula_quick_path_gives_what_xlsxwriter_gives_and_takes_every_formula_we_write(source, tmp_path,
                                                                                      monkeypatch):
    """Every formula of a report goes through the quick path (its functions are all classic), and
    comes out exactly as XlsxWriter's own preparation makes it; the whole workbook is the same bytes
    with the quick path turned off."""
    from xlsxwriter.worksheet import Worksheet as XlsxWorksheet
    from rubric.writers import sheet_engine

    report = build_report(load_study(source), samples=500, seed=1)
    seen = []
    quick = sheet_engine.Worksheet._prepare_formula

    def spy(self, formula, expand_future_functions=False):
        prepared = quick(self, formula, expand_future_functions)
        seen.append((formula, prepared, XlsxWorksheet._prepare_formula(self, formula, expand_future_functions)))
        return prepared

    monkeypatch.setattr(sheet_engine.Worksheet, "_prepare_formula", spy)
    fast = xlsx.write_workbook(report, tmp_path / "fast.xlsx")
    assert len(seen) > 50
    assert [f for f, mine, theirs in seen if mine != theirs] == []
    assert [f for f, _, _ in seen if set(sheet_engine._FUNCTION_CALL.findall(f)) - sheet_engine.CLASSIC_FUNCTIONS] == []
    monkeypatch.setattr(sheet_engine.Worksheet, "_prepare_formula", XlsxWorksheet._prepare_formula)
    slow = xlsx.write_workbook(report, tmp_path / "slow.xlsx")
    fast_parts, slow_parts = _sheet_parts(fast), _sheet_parts(slow)
    assert [n for n in fast_parts if fast_parts[n] != slow_parts.get(n)] == []


@pytest.mark.parametrize("formula, expected", [
    ("=SUM(A1:A3)", "SUM(A1:A3)"),
    ("=1+SUMPRODUCT(--(B5:B9>B5+0.000000001*MAX(1,MAX(B5:B9))))", "1+SUMPRODUCT(--(B5:B9>B5+0.000000001*MAX(1,MAX(B5:B9))))"),
    ("=FILTER(A1:A3,B1:B3)", "_xlfn._xlws.FILTER(A1:A3,B1:B3)"),           # a newer function: XlsxWriter's path
    ('=IF(A1,"SORT(x)",0)', '=IF(A1,"_xlfn._xlws.SORT(x)",0)'[1:]),       # even inside a quoted text, as XlsxWriter does
    ("=XLOOKUP(A1,B1:B3,C1:C3)", "_xlfn.XLOOKUP(A1,B1:B3,C1:C3)"),
    ("{=SUM(A1:A3)}", "SUM(A1:A3)"),                                     # braces: XlsxWriter's path
])
def test_formula_quick_path_leaves_newer_functions_to_xlsxwriter(formula, expected, tmp_path):
    import xlsxwriter
    from rubric.writers import sheet_engine

    book = xlsxwriter.Workbook(str(tmp_path / "f.xlsx"))
    sheet = book.add_worksheet("s", sheet_engine.Worksheet)
    assert sheet._prepare_formula(formula) == expected
    # called as XlsxWriter may call it, with the expansion flag by position or by name
    assert sheet._prepare_formula(formula, False) == sheet._prepare_formula(formula, expand_future_functions=False) \
        == expected
    assert sheet._prepare_formula("=SUM(A1)", True) == sheet._prepare_formula("=SUM(A1)", expand_future_functions=True)
    book.close()
