"""The comparison workbook's decision, Screening and Scenarios sheets: the decision named on every
sheet, every option of a decision against every requirement, and the scenarios' scores, ranks,
regret and live expected scores (recalculated in real LibreOffice, before and after an edit)."""

from __future__ import annotations

import re
import zipfile

import numpy as np
import openpyxl
from openpyxl.utils import get_column_letter
import pytest

import test_decisions
import test_scenarios
from conftest import run_cli
from rubric.compute.scenarios import analyse_scenarios
from rubric.compute.scope import scope
from rubric.records.load import load_study
from rubric.workbooks import comparison as layout
from test_workbook import block, cell_values


def _rows(ws):
    return [tuple(row) for row in ws.iter_rows(values_only=True)]


def _row_starting(ws, first):
    return next(r for r in range(1, ws.max_row + 1) if ws.cell(row=r, column=1).value == first)


# -- decisions and screening ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def decisions(tmp_path_factory):
    """The two-decision study of test_decisions with its workbooks: {decision: path}, and turkey's
    written with --no-screening."""
    base = tmp_path_factory.mktemp("decisions")
    root = test_decisions._study(base)
    code, _, err = run_cli("report", root, "--samples", "200", cwd=base)
    assert code == 0, err
    paths = {d: base / "reports" / f"natural-{d}-comparison.xlsx" for d in ("turkey", "syria")}
    code, _, err = run_cli("report", root, "--decision", "turkey", "--no-screening", "--samples", "200",
                           "-o", base / "unscreened.xlsx")
    assert code == 0, err
    return root, paths, base / "unscreened.xlsx"


# by hand: consensus (mean of two analysts) against each requirement of the decision
SCREENING = {
    "turkey": {("tr-police", "rights-floor"): "pass", ("tr-police", "affordable"): "pass",        # rights 3, 130
               ("tr-prison", "rights-floor"): "fail", ("tr-prison", "affordable"): "fail",        # 16.7 < 33.3, 290
               ("tr-family", "rights-floor"): "pass", ("tr-family", "affordable"): "pass"},
    "syria": {("sy-repatriate", "rights-floor"): "pass", ("sy-repatriate", "sanctions-law"): "pass",
              ("sy-camps", "rights-floor"): "fail", ("sy-camps", "sanctions-law"): "unclear",    # pass + unclear
              ("sy-trial", "rights-floor"): "pass", ("sy-trial", "sanctions-law"): "fail"},      # 50 >= 33.3
}
SCREENED_OUT = {"turkey": ["tr-prison"], "syria": ["sy-camps", "sy-trial"]}


@pytest.mark.parametrize("decision", ["turkey", "syria"])
def test_screening_sheet_shows_every_option_against_every_requirement(decisions, decision):
    root, paths, _ = decisions
    book = openpyxl.load_workbook(paths[decision])
    assert book.sheetnames[:3] == [layout.ABOUT_SHEET, layout.SUMMARY_SHEET, layout.SCREENING_SHEET]
    ws = book[layout.SCREENING_SHEET]
    requirements = sorted({q for _, q in SCREENING[decision]}, key=["rights-floor", "affordable",
                                                                     "sanctions-law"].index)
    assert [c.value for c in ws[4]][:len(requirements) + 2] == ["option", *requirements, "outcome"]
    engine = scope(load_study(root), decision)
    options = list(dict.fromkeys(o.option for o in engine.outcomes))       # the study's order
    assert set(options) == {o for o, _ in SCREENING[decision]}
    verdicts = block(book, layout.SCREENING_VERDICTS)
    assert [ws.cell(row=row[0].row, column=1).value for row in verdicts] == options
    fills = {}
    for option, row in zip(options, verdicts):
        for requirement, cell in zip(requirements, row):
            assert cell.value == SCREENING[decision][option, requirement], (option, requirement)
            fills.setdefault(cell.value, set()).add(cell.fill.fgColor.rgb)
        outcome = ws.cell(row=row[0].row, column=len(requirements) + 2).value
        assert outcome.startswith("screened out" if option in SCREENED_OUT[decision] else "ranked")
    assert all(len(colours) == 1 for colours in fills.values())
    assert len({next(iter(c)) for c in fills.values()}) == len(fills)       # pass, fail, unclear apart
    text = [v for row in _rows(ws) for v in row if isinstance(v, str)]
    assert ("Screened out (absent from every other sheet of this workbook): "
            + ", ".join(SCREENED_OUT[decision])) in text
    # every non-pass with the engine's reason (merged across the requirement and outcome columns, so it
    # is wide enough to read); each requirement's statement once, in the requirements table below
    statements = {q["id"]: q["statement"] for q in test_decisions.REQUIREMENTS}
    head = _row_starting(ws, "Every verdict other than pass, with its reason") + 1
    misses = [o for o in engine.outcomes if o.verdict != "pass"]
    assert [c.value for c in ws[head]][:4] == ["option", "requirement", "verdict", "reason"]
    listed = [tuple(c.value for c in ws[r][:4]) for r in range(head + 1, head + 1 + len(misses))]
    assert listed == [(o.option, o.requirement, o.verdict, o.reason) for o in misses]
    last = max(4, 2 + len(requirements))
    if last > 4:
        assert all(f"D{r}:{get_column_letter(last)}{r}" in ws.merged_cells for r in range(head + 1, head + 1 + len(misses)))
    reason_width = sum(ws.column_dimensions[get_column_letter(c)].width for c in range(4, last + 1))
    assert reason_width >= 60   # was a requirement column about 12 characters wide
    if decision == "turkey":
        assert ("tr-prison", "affordable", "fail", "annual-cost: consensus 290 EUR million per year, threshold at "
                "most 280 EUR million per year (short of the threshold)") in listed
    # the wrapped rows are tall enough for their reasons (LibreOffice does not grow them on opening)
    assert all(ws.row_dimensions[r].height and ws.row_dimensions[r].height >= 2 * 14.5
               for r in range(head + 1, head + 1 + len(misses)) if len(ws.cell(r, 4).value or "") > 80)
    text = [v for row in _rows(ws) for v in row if isinstance(v, str)]
    for requirement in requirements:
        assert sum(statements[requirement] in t for t in text) == 1, requirement
    # the screened-out options are absent from the other sheets
    options_sheet = {row[0] for row in _rows(book[layout.OPTIONS_SHEET])}
    assert not set(SCREENED_OUT[decision]) & options_sheet
    assert set(options) - set(SCREENED_OUT[decision]) <= options_sheet


def test_the_decision_is_named_on_the_about_sheet_and_every_masthead(decisions):
    _, paths, _ = decisions
    book = openpyxl.load_workbook(paths["turkey"])
    about = {row[0]: row[1] for row in _rows(book[layout.ABOUT_SHEET]) if row[0]}
    assert about["Decision"] == "turkey"
    assert about["Decision question"] == "How should Turkey handle its returnees?"
    assert about["Decision makers"] == "Turkish state"
    assert about["Baseline option"] == "tr-police"
    assert "Screened out by a must-pass requirement, and absent from every other sheet: tr-prison" in \
        about["Options ranked"]
    title = "Natural-scale test study - decision turkey: How should Turkey handle its returnees?"
    assert book[layout.ABOUT_SHEET]["A2"].value == title
    for name in (layout.SCREENING_SHEET, layout.OPTIONS_SHEET, layout.SCORES_SHEET):
        assert book[name]["A1"].value == title
    assert book[layout.OPTIONS_SHEET].HeaderFooter.oddFooter.right.text.endswith("natural / turkey")
    meta = book[layout.META_SHEET]
    assert meta[layout.meta_cell("decision")].value == "turkey"
    assert meta[layout.meta_cell("screened_out")].value == "tr-prison"


def test_no_screening_is_noted_and_the_failing_option_ranked(decisions):
    _, _, unscreened = decisions
    book = openpyxl.load_workbook(unscreened)
    ws = book[layout.SCREENING_SHEET]
    assert "Screening was turned off (--no-screening)" in ws["A3"].value
    text = [v for row in _rows(ws) for v in row if isinstance(v, str)]
    assert "Would be screened out, but ranked because of --no-screening: tr-prison" in text
    [prison] = [row for row in block(book, layout.SCREENING_VERDICTS)
                if ws.cell(row=row[0].row, column=1).value == "tr-prison"]
    assert [c.value for c in prison] == ["fail", "fail"]
    assert "tr-prison" in {row[0] for row in _rows(book[layout.SCORES_SHEET])}
    about = {row[0]: row[1] for row in _rows(book[layout.ABOUT_SHEET]) if row[0]}
    assert "--no-screening" in about["Options ranked"]


def test_no_screening_or_scenarios_sheet_without_requirements_or_scenarios(tmp_path):
    root = test_decisions._study(tmp_path, requirements=None, verdicts=None)
    code, _, err = run_cli("report", root, "--decision", "turkey", "--samples", "100", "-o", tmp_path / "w.xlsx")
    assert code == 0, err
    names = openpyxl.load_workbook(tmp_path / "w.xlsx").sheetnames
    assert layout.SCREENING_SHEET not in names and layout.SCENARIOS_SHEET not in names
    about = openpyxl.load_workbook(tmp_path / "w.xlsx")[layout.ABOUT_SHEET]
    listed = {row[0] for row in _rows(about)}
    assert layout.SCREENING_SHEET not in listed and layout.SCENARIOS_SHEET not in listed


# -- scenarios -----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def scenarios(tmp_path_factory):
    base = tmp_path_factory.mktemp("scenarios")
    root = test_scenarios._study(base)
    path = base / "scenarios.xlsx"
    code, _, err = run_cli("report", root, "--samples", "200", "-o", path)
    assert code == 0, err
    return root, path


def test_scenarios_sheet_values_and_formulas(scenarios):
    root, path = scenarios
    engine = analyse_scenarios(load_study(root))           # the default profile, weighted sum
    assert engine.method == "wsm"
    book = openpyxl.load_workbook(path)
    cached = openpyxl.load_workbook(path, data_only=True)
    names = book.sheetnames
    assert names.index(layout.SCENARIOS_SHEET) == names.index(layout.COMPARE_SHEET) + 1
    ws = book[layout.SCENARIOS_SHEET]
    # the narratives
    head = _row_starting(ws, "scenario")
    assert [c.value for c in ws[head]][:5] == ["scenario", "name", "probability (as recorded)", "drivers",
                                                "narrative"]
    rows = [tuple(c.value for c in ws[head + 1 + k][:5]) for k in range(4)]
    assert rows[0][:3] == ("baseline", "Baseline (today)", pytest.approx(0.4))
    assert rows[3] == ("troops-leave", "Foreign troops leave", 0.3, None, "The SDF loses control of the camps.")
    # scores [option, scenario] by hand, and the probabilities as unlocked inputs
    scores = cell_values(book, layout.SCENARIOS_SCORES)
    hand = {"baseline": test_scenarios.SCORES, "troops-leave": [[100, 1], [300, 5], [200, 2]],
            "donor-fatigue": [[100, 2], [500, 5], [400, 4]], "resurgence": test_scenarios.RESURGENCE_SCORES}
    assert scores == pytest.approx(np.array([test_scenarios._hand(hand[s]) for s in engine.scenarios]).T,
                                   abs=1e-12)
    [probabilities] = block(book, layout.SCENARIOS_PROBABILITIES)
    assert [c.value for c in probabilities] == pytest.approx([0.4, 0.2, 0.1, 0.3])
    assert all(c.protection.locked is False for c in probabilities)
    assert ws.protection.sheet
    # the expected scores: SUMPRODUCT formulas whose cached values are the engine's
    expected = [row[0] for row in block(book, layout.SCENARIOS_EXPECTED)]
    first = probabilities[0].coordinate.replace(str(probabilities[0].row), "")
    last = probabilities[-1].coordinate.replace(str(probabilities[0].row), "")
    p = probabilities[0].row
    for cell in expected:
        assert cell.value == f"=SUMPRODUCT(${first}${p}:${last}${p},{first}{cell.row}:{last}{cell.row})"
    assert cell_values(cached, layout.SCENARIOS_EXPECTED)[:, 0] == pytest.approx(engine.expected, abs=1e-12)
    [[total]] = block(book, layout.SCENARIOS_PROBABILITY_SUM)
    assert total.value == f"=SUM({first}{p}:{last}{p})"
    assert cell_values(cached, layout.SCENARIOS_PROBABILITY_SUM)[0, 0] == pytest.approx(1.0)
    # ranks, regret, the choice, robust and fragile
    assert cell_values(book, layout.SCENARIOS_RANKS) == pytest.approx(engine.ranks.T)
    regret = cell_values(book, layout.SCENARIOS_REGRET)
    assert regret[:, :-1] == pytest.approx(engine.regret.T, abs=1e-12)
    assert regret[:, -1] == pytest.approx(engine.max_regret, abs=1e-12)
    text = [v for row in _rows(ws) for v in row if isinstance(v, str)]
    assert engine.minimax_regret == ("repatriate",)
    assert "Minimax-regret choice: repatriate (largest regret 2.5)" in text
    assert f"Robust (top 3 in every scenario): {', '.join(engine.robust)}" in text
    assert "Fragile (top 3 today, out of it in some scenario): none" in text
    # the rank matrix has a colour scale; the chart's categories are the scenario names, cached
    assert any(rule.type == "colorScale" for rules in ws.conditional_formatting for rule in rules.rules)
    with zipfile.ZipFile(path) as z:
        charts = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart")]
    # the chart: the options down the side, one bar per scenario named in the legend (the scenarios'
    # long names as axis labels squashed the plot)
    [bars] = [c for c in charts if "<c:barChart>" in c and "in each scenario" in c]
    assert re.findall(r"<c:tx><c:strRef><c:f>[^<]+</c:f><c:strCache><c:ptCount val=\"1\"/><c:pt idx=\"0\"><c:v>"
                      r"([^<]+)</c:v>", bars) == list(engine.names)
    categories = re.search(r"<c:cat>.*?</c:cat>", bars, re.S).group(0)
    assert re.findall(r"<c:v>([^<]+)</c:v>", categories) == list(engine.options)


def test_equal_probabilities_are_written_when_none_is_given(tmp_path):
    plain = {k: {key: v for key, v in record.items() if key != "probability"}
             for k, record in test_scenarios.SCENARIOS.items()}
    root = test_scenarios._study(tmp_path, scenarios=plain)
    path = tmp_path / "w.xlsx"
    code, _, err = run_cli("report", root, "--samples", "100", "-o", path)
    assert code == 0, err
    book = openpyxl.load_workbook(path)
    [probabilities] = block(book, layout.SCENARIOS_PROBABILITIES)
    assert [c.value for c in probabilities] == pytest.approx([0.25] * 4)
    engine = analyse_scenarios(load_study(root))
    cached = cell_values(openpyxl.load_workbook(path, data_only=True), layout.SCENARIOS_EXPECTED)[:, 0]
    assert cached == pytest.approx(engine.scores.mean(axis=0), abs=1e-12)
    text = [v for row in _rows(book[layout.SCENARIOS_SHEET]) for v in row if isinstance(v, str)]
    assert any(t.startswith("No scenario records a probability: equal probabilities") for t in text)


@pytest.mark.slow
def test_libreoffice_recalculates_the_expected_scores_before_and_after_an_edit(scenarios, tmp_path):
    import libreoffice

    libreoffice.require_soffice()
    root, path = scenarios
    engine = analyse_scenarios(load_study(root))
    edited = tmp_path / "edited.xlsx"
    book = openpyxl.load_workbook(path)
    [cells] = block(book, layout.SCENARIOS_PROBABILITIES)
    new = np.array([0.1, 0.5, 0.15, 0.25])
    for cell, value in zip(cells, new):
        cell.value = float(value)
    book.save(edited)
    # one LibreOffice run recalculates both
    written, changed = libreoffice.convert([path, edited], "xlsx", tmp_path / "recalc")
    for out, probabilities in ((written, engine.probabilities), (changed, new)):
        recalculated = openpyxl.load_workbook(out, data_only=True)
        assert libreoffice.error_cells(recalculated) == []
        got = cell_values(recalculated, layout.SCENARIOS_EXPECTED)[:, 0]
        assert np.abs(got - probabilities @ engine.scores).max() <= 1e-9
        total = cell_values(recalculated, layout.SCENARIOS_PROBABILITY_SUM)[0, 0]
        assert abs(total - probabilities.sum()) <= 1e-12


def test_one_scenario_shows_where_each_option_is_best(tmp_path):
    root = test_scenarios._study(tmp_path, scenarios={"troops-leave": test_scenarios.SCENARIOS["troops-leave"]})
    path = tmp_path / "w.xlsx"
    code, _, err = run_cli("report", root, "--samples", "100", "-o", path)
    assert code == 0, err
    engine = analyse_scenarios(load_study(root))
    assert len(engine.best_ranges) >= 1
    ws = openpyxl.load_workbook(path)[layout.SCENARIOS_SHEET]
    head = _row_starting(ws, "p from")
    rows = [tuple(c.value for c in ws[head + 1 + k][:3]) for k in range(len(engine.best_ranges))]
    assert rows == [(pytest.approx(lo), pytest.approx(hi), best)
                    for lo, hi, best in engine.best_ranges]
    assert ws.cell(row=head - 1, column=1).value == ("Best expected score over the probability p of troops-leave "
                                                     "(the baseline has 1 - p)")


def test_an_unclear_option_is_ranked_and_flagged(tmp_path):
    from rubric.compute.report import build_report
    from rubric.writers.xlsx import write_workbook

    verdicts = [dict(v, verdict="unclear", rationale="Not sure.")
                if (v["analyst"], v["option"]) == ("bob", "sy-repatriate") else v for v in test_decisions.VERDICTS]
    scoped = scope(load_study(test_decisions._study(tmp_path, verdicts=verdicts)), "syria")
    assert scoped.flagged == ("sy-repatriate",)
    path = write_workbook(build_report(scoped.study, samples=100, scope=scoped), tmp_path / "w.xlsx")
    book = openpyxl.load_workbook(path)
    about = {row[0]: row[1] for row in _rows(book[layout.ABOUT_SHEET]) if row[0]}
    assert about["Options ranked"].endswith(". Ranked but flagged, unclear on a requirement: sy-repatriate")
    ws = book[layout.SCREENING_SHEET]
    row = _row_starting(ws, "sy-repatriate")
    assert [c.value for c in ws[row][:4]] == ["sy-repatriate", "pass", "unclear",
                                              "ranked, flagged: unclear on a requirement"]
    assert "sy-repatriate" in {r[0] for r in _rows(book[layout.SCORES_SHEET])}
