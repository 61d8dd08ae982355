"""The comparison workbook's ranked sheets (issue 16, items 2, 4 and 5), on the shipped study's
largest decision: every ranked table best first by the default profile with an autofilter; charts
with text categories and their caches, one colour per profile; the contributions by criterion group
live (a weight edited, LibreOffice recalculates, and they, Results and the Summary agree with the
engine on the new weights); the Sensitivity sheet's thresholds, the option beyond each, its charts'
points, and the Swaps sheet, against the engine."""

from __future__ import annotations

import re
import zipfile

import numpy as np
import openpyxl
import pytest

import libreoffice
from conftest import SHIPPED
from rubric import load_study
from rubric.compute.ranking import competition_ranks
from rubric.compute.report import build_report
from rubric.compute.scope import scope
from rubric.workbooks import comparison as layout
from rubric.writers.xlsx import PROFILE_COLOURS, SENSITIVITY_POINTS, write_workbook

DECISION = "turkey-returnees"   # 10 options, 5 profiles, 4 top criterion groups


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    scoped = scope(load_study(SHIPPED), DECISION)
    report = build_report(scoped.study, samples=1000, seed=5, scope=scoped)
    path = write_workbook(report, tmp_path_factory.mktemp("ranked") / "ranked.xlsx")
    return report, path, openpyxl.load_workbook(path)


def _block(book, name):
    [(title, ref)] = list(book.defined_names[name].destinations)
    cells = book[title][ref.replace("$", "")]
    return book[title], [list(row) for row in (cells if isinstance(cells[0], tuple) else (cells,))]


def _ids(book, name) -> list[str]:
    """The option id (column A) of each row of a defined block."""
    sheet, rows = _block(book, name)
    return [sheet.cell(row[0].row, 1).value for row in rows]


def _best_first(report) -> list[str]:
    ranks = report.evaluation(report.default_profile).ranks
    return [report.options[i] for i in sorted(range(len(report.options)), key=lambda i: (ranks[i], report.options[i]))]


def _values(book, name) -> np.ndarray:
    return np.array([[c.value for c in row] for row in _block(book, name)[1]], dtype=float)


# -- item 2: best first, autofilters, charts -------------------------------------------------------------

def test_ranked_tables_list_the_options_best_first_with_an_autofilter(written):
    report, _, book = written
    best = _best_first(report)
    ranks = report.evaluation(report.default_profile).ranks
    assert [ranks[report.options.index(o)] for o in best] == sorted(ranks)
    assert best != sorted(best)   # the order really differs from the alphabetical one
    for name in (layout.RESULTS_OPTIONS, layout.RESULTS_TOTALS, layout.RESULTS_GROUP_CONTRIBUTIONS,
                 layout.COMPARE_PROFILE_RANKS, layout.SMAA_ACCEPTABILITY, layout.SUMMARY_TOTALS):
        assert _ids(book, name) == best, name
    # the written ranks of the default profile on Compare run 1, 2, ... down the table
    p = report.comparison.profiles.index(report.default_profile)
    assert list(_values(book, layout.COMPARE_PROFILE_RANKS)[:, p]) == sorted(ranks)
    n = len(best)
    filters = {sheet: book[sheet].auto_filter.ref for sheet in
               (layout.RESULTS_SHEET, layout.COMPARE_SHEET, layout.SMAA_SHEET, layout.SENSITIVITY_SHEET,
                layout.SWAPS_SHEET)}
    n_p = len(report.profiles)
    assert filters[layout.RESULTS_SHEET] == f"A5:{openpyxl.utils.get_column_letter(3 + 2 * n_p)}{5 + n}"
    compare_top = _block(book, layout.COMPARE_PROFILE_RANKS)[1][0][0].row
    assert filters[layout.COMPARE_SHEET] == f"A{compare_top - 1}:{openpyxl.utils.get_column_letter(3 + n_p)}" \
                                            f"{compare_top + n - 1}"
    smaa_top = _block(book, layout.SMAA_ACCEPTABILITY)[1][0][0].row
    assert filters[layout.SMAA_SHEET].startswith(f"A{smaa_top - 1}:") and \
        filters[layout.SMAA_SHEET].endswith(str(smaa_top + n - 1))
    analyses = len(report.sensitivity.analyses)
    assert filters[layout.SENSITIVITY_SHEET] == f"A4:J{4 + analyses}"
    assert filters[layout.SWAPS_SHEET].startswith("A4:E")


def _charts(path) -> dict[str, str]:
    """Chart title -> its XML."""
    with zipfile.ZipFile(path) as archive:
        xml = [archive.read(n).decode() for n in archive.namelist() if re.match(r"xl/charts/chart\d+\.xml$", n)]
    return {"".join(re.findall(r"<a:t>([^<]*)</a:t>", re.search(r"<c:title>.*?</c:title>", x, re.S).group(0))): x
            for x in xml}


def _string_categories(xml) -> list[list[str]]:
    """Each series' text categories from its cache; fails on a category that is not a cached string ref."""
    found = []
    for cat in re.findall(r"<c:cat>(.*?)</c:cat>", xml, re.S):
        assert cat.startswith("<c:strRef>"), cat[:80]
        cache = re.search(r"<c:strCache><c:ptCount val=\"(\d+)\"/>(.*?)</c:strCache>", cat, re.S)
        assert cache, "a category reference without its cache"
        points = re.findall(r"<c:v>([^<]*)</c:v>", cache.group(2))
        assert int(cache.group(1)) == len(points)
        found.append(points)
    return found


def test_bar_and_column_charts_have_text_categories_with_caches_and_colours(written):
    report, path, _ = written
    charts = _charts(path)
    best = _best_first(report)
    ranked = {title: xml for title, xml in charts.items() if title.startswith((
        "Total by criterion group", "Contribution by criterion group", "Total value per profile", "Rank acceptability"))}
    assert len(ranked) == 4 and all("<c:barChart>" in xml for xml in ranked.values())  # Summary, Results x2, SMAA
    for title, xml in ranked.items():
        categories = _string_categories(xml)
        assert categories, title
        for points in categories:
            # best first; the SMAA chart orders its options by their share of rank 1 instead
            assert points == best if "Rank acceptability" not in title else sorted(points) == sorted(best), title
        # every series' values carry a cache of the numbers
        assert xml.count("<c:numCache>") >= len(categories), title
    [profiles_title] = [t for t in ranked if t.startswith("Total value per profile")]
    xml = ranked[profiles_title]
    assert '<c:barDir val="col"/>' in xml and '<c:legendPos val="b"/>' in xml
    colours = re.findall(r'<c:ser>.*?<a:srgbClr val="([0-9A-F]{6})"/>', xml, re.S)
    assert colours == list(PROFILE_COLOURS[:len(report.profiles)])   # one distinct colour per profile, in order
    names = [re.search(r"<c:tx>.*?<c:v>([^<]*)</c:v>", s, re.S).group(1)
             for s in re.findall(r"<c:ser>(.*?)</c:ser>", xml, re.S)]
    assert names == list(report.profiles)


# -- item 4: live contributions ------------------------------------------------------------------------

@pytest.mark.slow
def test_contributions_are_live_and_agree_with_the_engine_after_a_weight_edit(written, tmp_path):
    report, path, _ = written
    libreoffice.require_soffice()
    edited = openpyxl.load_workbook(path)
    sheet, inputs = _block(edited, layout.WEIGHTS_INPUT)
    p = report.profiles.index(report.default_profile)
    criteria = report.criteria
    raw = np.array([[c.value for c in row] for row in inputs], dtype=float)
    # put most of the weight on the criterion where the current top option trails the most: the ranking changes
    default = report.evaluation(report.default_profile)
    values = np.nan_to_num(np.asarray(default.values, dtype=float))
    top = int(np.argmin(default.ranks))
    j = int(np.argmax(values.max(axis=0) - values[top]))
    raw[j, p] = 5.0 * raw[:, p].sum()
    inputs[j][p].value = float(raw[j, p])
    changed = tmp_path / "edited.xlsx"
    edited.save(changed)
    book = libreoffice.recalculated(changed, tmp_path / "recalc")
    assert libreoffice.error_cells(book) == []

    # the engine on the new weights: the default profile's normalised weights as the Weights sheet's
    # formulas now give them (its own tests check those formulas); the edit moved weight onto criterion j
    weights = _values(book, layout.WEIGHTS_ROWS)[p]
    before = report.live.normalised[p]
    assert weights.sum() == pytest.approx(1.0, abs=1e-12) and weights[j] > before[j] + 0.05
    totals = values @ weights
    ranks = competition_ranks(totals)
    membership = report.study.rubric.top_group_of()
    groups = np.column_stack([values[:, cols] @ weights[cols] for cols in
                              ([k for k, c in enumerate(criteria) if membership[c] == g.id]
                               for g in report.top_groups)])
    row_of = {o: i for i, o in enumerate(report.options)}

    results = [row_of[o] for o in _ids(book, layout.RESULTS_OPTIONS)]
    assert np.allclose(_values(book, layout.RESULTS_TOTALS)[:, p], totals[results], atol=1e-9)
    assert np.allclose(_values(book, layout.RESULTS_GROUP_CONTRIBUTIONS), groups[results], atol=1e-9)
    sums = _values(book, layout.RESULTS_CONTRIBUTION_SUMS)[:, 0]
    assert np.allclose(sums, _values(book, layout.RESULTS_TOTALS)[:, p], atol=1e-9)   # the check column
    assert np.allclose(_values(book, layout.RESULTS_GROUP_CONTRIBUTIONS).sum(axis=1), totals[results], atol=1e-9)

    summary = [row_of[o] for o in _ids(book, layout.SUMMARY_TOTALS)]
    assert np.allclose(_values(book, layout.SUMMARY_TOTALS)[:, 0], totals[summary], atol=1e-9)
    assert list(_values(book, layout.SUMMARY_RANKS)[:, 0]) == list(ranks[summary])
    assert np.allclose(_values(book, layout.SUMMARY_GROUP_CONTRIBUTIONS), groups[summary], atol=1e-9)
    # the edit changed the ranking, which the live columns show and the written ones do not
    assert list(ranks[summary]) != sorted(ranks)


def test_contribution_cells_are_formulas_over_scores_and_weights(written):
    _, _, book = written
    _, rows = _block(book, layout.RESULTS_GROUP_CONTRIBUTIONS)
    assert all(c.data_type == "f" and c.value.startswith("=SUMPRODUCT(Scores!") and "Weights!" in c.value
               for row in rows for c in row)
    _, rows = _block(book, layout.SUMMARY_GROUP_CONTRIBUTIONS)
    assert all(c.value.startswith(f"=INDEX({layout.RESULTS_GROUP_CONTRIBUTIONS},MATCH($A{c.row},"
                                  f"{layout.RESULTS_OPTIONS},0),") for row in rows for c in row)


# -- item 5: sensitivity ---------------------------------------------------------------------------------

def _on_top(analysis, t: float) -> str:
    totals = analysis.totals(t)
    return analysis.options[int(np.argmax(totals))]


def test_the_thresholds_name_the_option_on_top_beyond_them(written):
    report, _, book = written
    sheet = book[layout.SENSITIVITY_SHEET]
    header = [c.value for c in sheet[4]]
    assert header[:10] == ["kind", "name", "members", "current weight", "top from", "below it, on top", "top to",
                           "above it, on top", "distance", "swaps"]
    by_name = {(a.kind, a.name): a for a in report.sensitivity.analyses}
    rows = [r for r in sheet.iter_rows(min_row=5, max_row=4 + len(by_name), values_only=True)]
    assert len({(r[0], r[1]) for r in rows}) == len(by_name)
    distances = [r[8] for r in rows]
    finite = [d for d in distances if d != "never"]
    assert finite == sorted(finite) and distances == finite + ["never"] * (len(distances) - len(finite))
    changes = 0
    for kind, name, _, current, low, below, high, above, distance, swaps in (r[:10] for r in rows):
        a = by_name[(kind, name)]
        # numbers as written (XlsxWriter keeps 16 significant digits)
        assert (current, low, high) == pytest.approx((a.current, *a.top_interval), rel=1e-15, abs=1e-17)
        assert swaps == a.swap_count
        # the option on top just beyond each end of the interval, from the totals themselves
        assert below == (_on_top(a, low - 1e-7) if low > 0 else "-")
        assert above == (_on_top(a, high + 1e-7) if high < 1 else "-")
        assert a.top not in (below, above)
        if a.distance is not None:   # the nearest change: the engine's own takes-over option
            nearest = below if low > 0 and a.current - low == pytest.approx(a.distance, abs=1e-12) else above
            assert nearest == a.takes_over
        changes += (below != "-") + (above != "-")
    assert changes > 0
    # the current top option is named once, in the note, not on every row
    assert f"At the current weights {report.sensitivity.analyses[0].top} is on top" in sheet["A3"].value


def test_each_group_chart_draws_the_engines_totals_at_its_points(written):
    report, path, book = written
    sheet = book[layout.SENSITIVITY_SHEET]
    t = np.linspace(0, 1, SENSITIVITY_POINTS)
    best = _best_first(report)
    groups = {a.name: a for a in report.sensitivity.analyses if a.kind == "group"}
    found = 0
    for row in sheet.iter_rows(min_row=1, max_row=sheet.max_row):
        label = row[0].value
        if not (isinstance(label, str) and label.startswith("weight of ")):
            continue
        a = groups[label.removeprefix("weight of ")]
        r = row[0].row
        options = [c.value for c in row[1:1 + len(best)]]
        assert options == best
        points = np.array([[c.value for c in line[:1 + len(best)]]
                           for line in sheet.iter_rows(min_row=r + 1, max_row=r + SENSITIVITY_POINTS)], dtype=float)
        assert np.allclose(points[:, 0], t, atol=0)
        columns = [a.options.index(o) for o in options]
        assert np.allclose(points[:, 1:], a.totals(t)[:, columns], atol=1e-9)
        # the dashed line stands at the current weight
        marker = [c.value for c in row].index("current weight (dashed)") + 1
        assert [sheet.cell(r + k, marker).value for k in (1, 2)] == pytest.approx([a.current] * 2, rel=1e-15)
        found += 1
    assert found == len(report.top_groups) == 4
    charts = {title: xml for title, xml in _charts(path).items() if title.endswith("total against its weight")}
    assert len(charts) == found
    for xml in charts.values():
        series = re.findall(r"<c:ser>(.*?)</c:ser>", xml, re.S)
        assert len(series) == len(best) + 1
        assert '<a:prstDash val="dash"/>' in series[-1]
        # x values and y values from the sheet, with their caches
        assert all("<c:xVal><c:numRef>" in s and "<c:numCache>" in s for s in series)


def test_the_swaps_sheet_lists_every_swap_the_engine_finds(written):
    report, _, book = written
    sheet = book[layout.SWAPS_SHEET]
    assert [c.value for c in sheet[4]][:5] == ["kind", "name", "weight", "rising", "falling"]
    listed = [r[:5] for r in sheet.iter_rows(min_row=5, values_only=True) if r[0] is not None]
    expected = [(a.kind, a.name, s.weight, s.rising, s.falling) for a in report.sensitivity.analyses
                for s in a.swaps]
    assert [(k, n, rising, falling) for k, n, _, rising, falling in listed] == \
        [(k, n, rising, falling) for k, n, _, rising, falling in expected]
    assert [w for _, _, w, _, _ in listed] == pytest.approx([w for _, _, w, _, _ in expected], rel=1e-15)
    assert len(listed) == sum(a.swap_count for a in report.sensitivity.analyses) > 0
    # no swap list left on the Sensitivity sheet
    assert not any(c.value == "rising" for row in book[layout.SENSITIVITY_SHEET].iter_rows() for c in row)


def test_a_long_swap_list_keeps_the_nearest_swaps_of_the_top_options(written, monkeypatch, tmp_path):
    """Past SWAPS_ALL_UP_TO the Swaps sheet lists that many of the swaps involving a current top-5
    option, those nearest their analysis's current weight (a large study has millions of swaps)."""
    from rubric.writers import xlsx

    report, _, _ = written
    result = report.sensitivity
    total = sum(a.swap_count for a in result.analyses)
    limit = total // 3
    monkeypatch.setattr(xlsx, "SWAPS_ALL_UP_TO", limit)
    path = tmp_path / "cut.xlsx"
    write_workbook(report, path)
    sheet = openpyxl.load_workbook(path)[layout.SWAPS_SHEET]
    listed = [r[:5] for r in sheet.iter_rows(min_row=5, values_only=True) if r[0] is not None]
    # brute force: every swap involving a top-5 option, with its distance from the current weight
    default = report.evaluation(result.profile_id)
    leaders = {o for o, rank in zip(default.options, default.ranks) if rank <= xlsx.SWAP_TOP}
    candidates = [(abs(s.weight - a.current), a.kind, a.name, s.weight, s.rising, s.falling)
                  for a in result.analyses for s in a.swaps if {s.rising, s.falling} & leaders]
    assert len(candidates) > limit   # the cut applies
    assert len(listed) == limit
    cut = sorted(d for d, *_ in candidates)[limit - 1]
    distance = {(k, n, r, f): d for d, k, n, _, r, f in candidates}
    assert all(distance[(k, n, r, f)] <= cut for k, n, _, r, f in listed)
    assert {(k, n, r, f) for d, k, n, _, r, f in candidates if d < cut} <= {(k, n, r, f) for k, n, _, r, f in listed}
    # each analysis's swaps in order of weight, the analyses in the Sensitivity sheet's order
    order = [a.name for a in result.analyses]
    assert [order.index(n) for _, n, *_ in listed] == sorted(order.index(n) for _, n, *_ in listed)
    assert any(f"{limit:,} of the {total:,} swaps" in str(c.value) for c in sheet["A"][:4])


def test_categories_that_read_as_numbers_stay_text(tmp_path):
    """Option ids such as "2024" or "nan" are valid: their chart categories are still cached texts."""
    import xlsxwriter

    from rubric.writers.sheet_engine import WORKBOOK_OPTIONS, Book, Masthead, Sheet

    ids = ["2024", "nan", "1e3"]

    def build(book):
        s = Sheet(book, "Sheet", "numbers as ids")
        s.header(4, 1, ["option", "total"])
        for k, option in enumerate(ids):
            s.text(5 + k, 1, option)
            s.number(5 + k, 2, 10.0 * (k + 1))
        s.bar_chart(9, "totals", "total", "clustered", 6.0, 12.0, names_row=4, first_col=2, last_col=2,
                    first_row=5, last_row=7, categories=ids, names=["total"], values=[[10.0, 20.0, 30.0]])
        s.finish()

    masthead = Masthead("t", "f")
    measured = Book(masthead)
    build(measured)
    path = tmp_path / "ids.xlsx"
    workbook = xlsxwriter.Workbook(str(path), WORKBOOK_OPTIONS)
    build(Book(masthead, workbook, measured.layouts))
    workbook.close()
    [xml] = _charts(path).values()
    assert _string_categories(xml) == [ids]


def test_confidence_factors_only_where_the_values_are_drawn(written, tmp_path):
    report, _, book = written
    sheet, rows = _block(book, layout.SMAA_ACCEPTABILITY)
    header = [c.value for c in sheet[rows[0][0].row - 1]]
    assert "confidence" not in header   # consensus values: a note says why instead
    notes = [row[1].value for row in sheet.iter_rows(min_row=4, max_row=12) if row[0].value == "confidence factors"]
    assert notes and notes[0].startswith("with the consensus values fixed")

    scoped = scope(load_study(SHIPPED), DECISION)
    drawn = build_report(scoped.study, samples=400, seed=5, scope=scoped, scores="analysts")
    book = openpyxl.load_workbook(write_workbook(drawn, tmp_path / "analysts.xlsx"))
    sheet, rows = _block(book, layout.SMAA_ACCEPTABILITY)
    header = [c.value for c in sheet[rows[0][0].row - 1]]
    column = header.index("confidence") + 1
    shown = {sheet.cell(row[0].row, 1).value: sheet.cell(row[0].row, column).value for row in rows}
    result = drawn.smaa
    expected = {o: (result.confidence[i] if np.isfinite(result.confidence[i]) else "-")
                for i, o in enumerate(result.options)}
    assert shown == expected and list(shown) == _best_first(drawn)


def test_sensitivity_thresholds_near_0_or_1_print_apart_from_them(written):
    """turkey-returnees: the top holds on rights-rule-of-law from 0.00044, which 0.000 would print as
    'from 0' (holds everywhere). Each bound's number format keeps it apart from 0 and 1."""
    _, _, book = written
    sheet = book[layout.SENSITIVITY_SHEET]
    header = [c.value for c in sheet[4]]
    low_col, high_col = header.index("top from") + 1, header.index("top to") + 1
    near = 0
    for row in sheet.iter_rows(min_row=5):
        if row[0].value not in ("criterion", "group"):
            continue
        for cell in (row[low_col - 1], row[high_col - 1]):
            decimals = len(cell.number_format.split(".")[1])
            assert decimals >= 3
            if 0 < cell.value < 1:
                assert round(cell.value, decimals) not in (0.0, 1.0), (row[1].value, cell.value, cell.number_format)
                near += decimals > 3
    assert near >= 1   # rights-rule-of-law's 0.00044 needs a fourth decimal
