"""The two workbooks on natural-scale criteria: the scoring template (value cells, ranges, measure
hints, import checks located by Sheet!Cell) and the comparison workbook (scales, value-function
charts, measures, ranges, evidence, disagreement on value points)."""

from __future__ import annotations

import hashlib
import re
import zipfile

import numpy as np
import openpyxl
import pytest
import yaml

from conftest import run_cli
from natural_study import natural, write_study
from rubric.workbooks import comparison as layout
from rubric.workbooks.scoring import COLUMNS

UNIT = "EUR million per year"
LEVELS = [{"level": 1, "descriptor": "poor"}, {"level": 2, "descriptor": "fair"}, {"level": 3, "descriptor": "good"}]
CRITERIA = [
    natural("annual-cost", "cost", 500, 0, UNIT),
    natural("jobs", "benefit", 0, 1000, "jobs", value_function={"kind": "exponential", "curvature": 2.0}),
    natural("delay", "cost", 40, 0, "months", value_function={"kind": "piecewise",
                                                              "points": [[0, 100], [10, 80], [20, 30], [40, 0]]}),
    {"id": "quality", "direction": "benefit", "levels": LEVELS},
]
# [analyst][option][criterion]: a1 and a2 are far apart on opt-1's cost (300 vs 100: 40 value points)
MATRIX = [[[300, 400, 12, 2], [50, 900, 5, 3]],
          [[100, 450, 14, 2], [60, 850, 6, 1]]]
RANGES = {("a1", "opt-1", "annual-cost"): (250, 350), ("a2", "opt-1", "annual-cost"): (80, 130),
          ("a1", "opt-2", "quality"): (2, 3)}
MEASURES = {"opt-1": [{"criterion": "annual-cost", "value": 210, "low": 180, "high": 260, "source": "src",
                       "locator": "table 4", "quote": "about 210 million a year"}]}


@pytest.fixture
def study(tmp_path):
    return write_study(tmp_path / "study", MATRIX, CRITERIA, [1, 1, 1, 1], analysts=("a1", "a2"),
                       ranges=RANGES, measures=MEASURES)


def session_hash(study):
    return hashlib.sha256((study / "sessions" / "s1.yaml").read_bytes()).hexdigest()


def template(study, path, analyst="ann", *extra):
    code, out, err = run_cli("template", study, "--session", "s1", "--analyst", analyst, "-o", path, *extra)
    assert code == 0, err
    return path


def rows_of(ws):
    key = COLUMNS.index("Key") + 1
    return {ws.cell(row=r, column=key).value: r for r in range(6, ws.max_row + 1) if ws.cell(row=r, column=key).value}


def col(name):
    return COLUMNS.index(name) + 1


def letter(name):
    return openpyxl.utils.get_column_letter(col(name))


GOOD = {  # key -> {column: value}
    "opt-1/annual-cost": {"Value": 220.5, "Low": 200, "High": 260},
    "opt-1/jobs": {"Value": 410},
    "opt-1/delay": {"Value": 12, "Low": 10, "High": 15},
    "opt-1/quality": {"Level": 2, "Low": 1, "High": 3},
    "opt-2/annual-cost": {"Value": 55},
    "opt-2/jobs": {"Abstain (reason)": "no estimate published"},
    "opt-2/delay": {"Value": 6},
    "opt-2/quality": {"Level": 3},
}


def fill(path, changes=None):
    book = openpyxl.load_workbook(path)
    ws = book["Scores"]
    rows = rows_of(ws)
    entries = {k: dict(v) for k, v in GOOD.items()}
    for key, cells in (changes or {}).items():
        entries[key].update(cells)
    for key, cells in entries.items():
        r = rows[key]
        ws.cell(row=r, column=col("Confidence")).value = "medium"
        ws.cell(row=r, column=col("Rationale")).value = f"because ({key})"
        for name, value in cells.items():
            ws.cell(row=r, column=col(name)).value = SENTINELS.get(str(value), value)
    book.save(path)
    _unsentinel(path)
    return rows


# openpyxl writes infinity as an empty cell; the XML is patched to hold 1E999, which reads back as
# infinity (NaN cannot be stored as a number in a cell that openpyxl reads: it comes as the text "NaN")
SENTINELS = {"inf": 987654.75}


def _unsentinel(path):
    with zipfile.ZipFile(path) as z:
        members = {name: z.read(name) for name in z.namelist()}
    text = members["xl/worksheets/sheet1.xml"].decode()
    patched = text.replace("<v>987654.75</v>", "<v>1E999</v>")
    if patched != text:
        members["xl/worksheets/sheet1.xml"] = patched.encode()
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            for name, data in members.items():
                z.writestr(name, data)


def test_template_shows_units_validation_and_measure_hints(study, tmp_path):
    path = template(study, tmp_path / "ann.xlsx")
    ws = openpyxl.load_workbook(path)["Scores"]
    rows = rows_of(ws)
    cost, quality = rows["opt-1/annual-cost"], rows["opt-1/quality"]
    assert ws.cell(row=cost, column=col("Unit")).value == UNIT
    assert ws.cell(row=quality, column=col("Unit")).value is None
    assert ws.cell(row=cost, column=col("Value")).protection.locked is False
    assert ws.cell(row=cost, column=col("Level")).protection.locked is True
    assert ws.cell(row=quality, column=col("Level")).protection.locked is False
    assert ws.cell(row=quality, column=col("Value")).protection.locked is True
    for name in ("Low", "High"):
        assert ws.cell(row=cost, column=col(name)).protection.locked is False
        assert ws.cell(row=quality, column=col(name)).protection.locked is False
    assert ws.cell(row=cost, column=col("Measure (hint)")).value == \
        "210 (range 180 to 260) [src, table 4] \u201cabout 210 million a year\u201d"
    assert ws.cell(row=rows["opt-2/annual-cost"], column=col("Measure (hint)")).value is None
    by_cell = {}
    for dv in ws.data_validations.dataValidation:
        for ref in str(dv.sqref).split():
            by_cell[ref] = dv
    value_dv = by_cell[f"{letter('Value')}{cost}"]
    assert (value_dv.type, value_dv.operator, float(value_dv.formula1), float(value_dv.formula2)) == \
        ("decimal", "between", 0.0, 500.0)
    assert by_cell[f"{letter('High')}{cost}"] is value_dv
    level_dv = by_cell[f"{letter('Level')}{quality}"]
    assert level_dv.type == "list" and level_dv.formula1.startswith("=Levels_c")
    assert by_cell[f"{letter('Low')}{quality}"] is level_dv
    meta = {r[0].value: r[1].value for r in openpyxl.load_workbook(path)["_meta"].iter_rows(max_row=10)}
    assert meta["format"] == "2"


def test_round_trip_values_and_ranges_into_the_session(study, tmp_path):
    path = template(study, tmp_path / "ann.xlsx")
    fill(path)
    code, out, err = run_cli("import-scores", study, path)
    assert code == 0, err
    text = (study / "sessions" / "s1.yaml").read_text()
    scores = {(s["option"], s["criterion"]): s for s in yaml.safe_load(text)["scores"] if s["analyst"] == "ann"}
    assert scores["opt-1", "annual-cost"]["value"] == 220.5
    assert (scores["opt-1", "annual-cost"]["low"], scores["opt-1", "annual-cost"]["high"]) == (200, 260)
    assert "level" not in scores["opt-1", "annual-cost"]
    assert scores["opt-1", "jobs"]["value"] == 410 and "low" not in scores["opt-1", "jobs"]
    assert (scores["opt-1", "delay"]["value"], scores["opt-1", "delay"]["low"], scores["opt-1", "delay"]["high"]) \
        == (12, 10, 15)
    assert (scores["opt-1", "quality"]["level"], scores["opt-1", "quality"]["low"],
            scores["opt-1", "quality"]["high"]) == (2, 1, 3)
    assert "value" not in scores["opt-1", "quality"]
    assert scores["opt-2", "jobs"]["abstain"] == "no estimate published" and "value" not in scores["opt-2", "jobs"]
    # the session loads, and the prefilled template gives the same cells back
    again = template(study, tmp_path / "again.xlsx", "ann", "--prefill")
    ws = openpyxl.load_workbook(again)["Scores"]
    rows = rows_of(ws)
    for key, cells in GOOD.items():
        for name, value in cells.items():
            assert ws.cell(row=rows[key], column=col(name)).value == value, (key, name)
    # re-importing the unchanged prefilled workbook changes nothing
    before = session_hash(study)
    code, out, err = run_cli("import-scores", study, again, "--replace")
    assert code == 0, err
    assert session_hash(study) == before


def test_reimport_changes_only_the_changed_range(study, tmp_path):
    path = template(study, tmp_path / "ann.xlsx")
    fill(path)
    assert run_cli("import-scores", study, path)[0] == 0
    fill(path, {"opt-1/annual-cost": {"Low": 210, "High": None}, "opt-1/delay": {"Value": 13}})
    code, out, err = run_cli("import-scores", study, path, "--replace", "--dry-run")
    assert code == 0, err
    assert "ann opt-1/annual-cost: value 220.5 [200..260] -> 220.5 [210..]" in out
    assert "ann opt-1/delay: value 12 [10..15] -> 13 [10..15]" in out
    assert run_cli("import-scores", study, path, "--replace")[0] == 0
    scores = {(s["option"], s["criterion"]): s for s in
              yaml.safe_load((study / "sessions" / "s1.yaml").read_text())["scores"] if s["analyst"] == "ann"}
    assert scores["opt-1", "annual-cost"]["low"] == 210 and "high" not in scores["opt-1", "annual-cost"]
    assert scores["opt-1", "delay"]["value"] == 13


BAD = [
    ("range-as-text", "opt-1/annual-cost", {"Value": "200-260"}, "Value",
     "opt-1/annual-cost: value '200-260' is a range typed as text; put one number here and the range in the Low and High cells"),
    ("number-as-text", "opt-1/jobs", {"Value": "410"}, "Value", "opt-1/jobs: value '410' is a number stored as text"),
    ("nan-text", "opt-1/jobs", {"Value": "NaN"}, "Value", "opt-1/jobs: value 'NaN' is not a number"),
    ("infinite", "opt-1/delay", {"High": float("inf")}, "High", "opt-1/delay: high inf is not a finite number"),
    ("outside-scale", "opt-1/annual-cost", {"Value": 620}, "Value",
     "opt-1/annual-cost: value 620 is outside the scale of annual-cost (500 to 0 EUR million per year)"),
    ("low-outside-scale", "opt-1/delay", {"Low": -1}, "Low", "opt-1/delay: low -1 is outside the scale of delay"),
    ("low-above-high", "opt-1/annual-cost", {"Low": 270, "High": 260}, "Low",
     "opt-1/annual-cost: low 270 is above high 260"),
    ("high-below-value", "opt-1/delay", {"High": 11}, "High", "opt-1/delay: high 11 is below the score 12"),
    ("level-on-natural", "opt-2/annual-cost", {"Level": 2}, "Level",
     "opt-2/annual-cost: 'annual-cost' is measured in EUR million per year: type the value in the Value cell"),
    ("value-on-level", "opt-2/quality", {"Value": 2.5}, "Value",
     "opt-2/quality: 'quality' is scored by level (levels [1, 2, 3]): choose a level in the Level cell"),
    ("low-not-a-level", "opt-1/quality", {"Low": 1.5}, "Low", "opt-1/quality: low 1.5 is not a level of 'quality'"),
    ("range-on-abstention", "opt-2/jobs", {"Low": 5}, "Low", "opt-2/jobs: an abstention has no range"),
    ("no-value", "opt-2/delay", {"Value": None}, "Value",
     "opt-2/delay: no value; type one in months, or give a reason to abstain"),
    ("value-and-abstain", "opt-2/delay", {"Abstain (reason)": "unsure"}, "Value",
     "opt-2/delay: give a value or an abstention reason, not both"),
]


@pytest.mark.parametrize("case", BAD, ids=[c[0] for c in BAD])
def test_bad_input_is_one_located_line_and_writes_nothing(study, tmp_path, case):
    name, key, change, column, message = case
    path = template(study, tmp_path / "ann.xlsx")
    rows = fill(path, {key: change})
    before = session_hash(study)
    code, out, err = run_cli("import-scores", study, path)
    assert code == 1, out
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"{path}: Scores!{letter(column)}{rows[key]}: {message}"), err
    assert session_hash(study) == before


def test_layout_1_meta_is_still_read(study, tmp_path):
    """A workbook from before the Value/Low/High columns (no `format` in _meta) is read; a format
    from a newer rubric is refused with its cell."""
    from rubric.workbooks.scoring import checksum

    path = template(study, tmp_path / "ann.xlsx")
    fill(path)
    book = openpyxl.load_workbook(path)
    ws = book["_meta"]
    rows = {ws.cell(row=r, column=1).value: r for r in range(1, 14)}
    assert rows["format"] == 8
    ws.cell(row=rows["format"], column=2).value = "3"
    fields = {k: str(ws.cell(row=rows[k], column=2).value) for k in
              ("kind", "study", "session", "analyst", "rubric_id", "rubric_version", "rubric_hash", "format")}
    keys = [ws.cell(row=r, column=1).value for r in range(rows["keys"] + 1, ws.max_row + 1)]
    ws.cell(row=rows["checksum"], column=2).value = checksum(fields, keys)
    book.save(path)
    code, out, err = run_cli("import-scores", study, path)
    assert code == 1 and f"{path}: _meta!B8: layout '3' comes from a newer version of rubric" in err
    # layout 1: no format row, checksum without it
    ws.delete_rows(rows["format"])
    del fields["format"]
    ws.cell(row=rows["checksum"] - 1, column=2).value = checksum(fields, keys)
    book.save(path)
    code, out, err = run_cli("import-scores", study, path)
    assert code == 0, err


# ---------------------------------------------------------------------------------------------
# the comparison workbook


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """The natural study's comparison workbook, written once: (study path, report, workbook path)."""
    from rubric import load_study
    from rubric.compute.report import build_report
    from rubric.writers.xlsx import write_workbook

    base = tmp_path_factory.mktemp("natural-report")
    root = write_study(base / "study", MATRIX, CRITERIA, [1, 1, 1, 1], analysts=("a1", "a2"), ranges=RANGES,
                       measures=MEASURES)
    report = build_report(load_study(root), samples=300)
    path = base / "report.xlsx"
    write_workbook(report, path)
    return root, report, path


def table(ws, header_row, first_col=1):
    """{header: column} of a header row."""
    return {ws.cell(row=header_row, column=c).value: c for c in range(first_col, ws.max_column + 1)
            if ws.cell(row=header_row, column=c).value is not None}


def row_where(ws, given):
    for r in range(1, ws.max_row + 1):
        if all(ws.cell(row=r, column=c).value == v for c, v in given.items()):
            return r
    raise AssertionError(f"no row with {given} in {ws.title}")


def charts(path):
    """[(title, x range, y range, x axis title, x min, x max)] of the workbook's scatter charts."""
    found = []
    with zipfile.ZipFile(path) as z:
        for name in sorted(n for n in z.namelist() if n.startswith("xl/charts/chart")):
            xml = z.read(name).decode()
            if "<c:scatterChart>" not in xml:
                continue
            refs = re.findall(r"<c:f>([^<]+)</c:f>", xml)
            titles = re.findall(r"<a:t>([^<]+)</a:t>", xml)
            limits = re.search(r'<c:max val="([^"]+)"/><c:min val="([^"]+)"/>', xml)
            found.append((titles[0], refs[0], refs[1], titles[1], float(limits.group(2)), float(limits.group(1))))
    return found


def points(ref):
    first, last = re.fullmatch(r"Rubric!\$[A-Z]+\$(\d+):\$[A-Z]+\$(\d+)", ref).groups()
    return int(last) - int(first) + 1


def test_rubric_sheet_shows_scales_and_charts_each_value_function(written):
    _, report, path = written
    ws = openpyxl.load_workbook(path)[layout.RUBRIC_SHEET]
    cols = table(ws, 4)
    r = row_where(ws, {cols["criterion"]: "annual-cost"})
    assert [ws.cell(row=r, column=cols[k]).value for k in ("unit", "worst", "best", "value function")] == \
        [UNIT, 500, 0, "linear"]
    r = row_where(ws, {cols["criterion"]: "jobs"})
    assert ws.cell(row=r, column=cols["value function"]).value == "exponential, curvature 2"
    r = row_where(ws, {cols["criterion"]: "delay"})
    assert ws.cell(row=r, column=cols["value function"]).value == "piecewise: (0, 100), (10, 80), (20, 30), (40, 0)"
    assert ws.cell(row=r, column=cols["level"]).value is None
    found = charts(path)
    assert [(t, points(x), points(y), axis, low, high) for t, x, y, axis, low, high in found] == [
        ("annual-cost: linear value function", 2, 2, UNIT, 0, 500),
        ("jobs: exponential value function", 21, 21, "jobs", 0, 1000),
        ("delay: piecewise value function", 4, 4, "months", 0, 40)]
    # the points the charts are drawn through are the value function's
    title, x_ref, y_ref, *_ = found[1]
    xs = [c[0].value for c in ws[x_ref.split("!")[1].replace("$", "")]]
    ys = [c[0].value for c in ws[y_ref.split("!")[1].replace("$", "")]]
    assert xs[0] == 0 and xs[-1] == 1000 and xs[10] == 500
    assert ys[0] == 0 and ys[-1] == pytest.approx(100)
    assert ys[10] == pytest.approx(100 * (1 - np.exp(-1.0)) / (1 - np.exp(-2.0)))
    title, x_ref, y_ref, *_ = found[2]
    assert [c[0].value for c in ws[x_ref.split("!")[1].replace("$", "")]] == [0, 10, 20, 40]
    assert [c[0].value for c in ws[y_ref.split("!")[1].replace("$", "")]] == [100, 80, 30, 0]


def test_scores_sheet_shows_measures_and_ranges_beside_the_values(written):
    _, report, path = written
    book = openpyxl.load_workbook(path)
    ws = book[layout.SCORES_SHEET]
    cols = table(ws, 4)
    opt1, opt2 = row_where(ws, {1: "opt-1"}), row_where(ws, {1: "opt-2"})
    # the 0-100 values stay where Results reads them: the Scores_values block, nothing else in it
    [(_, ref)] = list(book.defined_names[layout.SCORES_VALUES].destinations)
    assert ref == "$C$5:$F$6"
    assert ws.cell(row=opt1, column=cols["annual-cost"]).value == pytest.approx(60.0)  # median of 40 and 80
    measure = {k: v for k, v in cols.items() if "median" in k}
    assert list(measure) == [f"annual-cost ({UNIT}, median)", "jobs (jobs, median)", "delay (months, median)"]
    assert [ws.cell(row=opt1, column=c).value for c in measure.values()] == [200, 425, 13]
    assert [ws.cell(row=opt2, column=c).value for c in measure.values()] == [55, 875, 5.5]
    low, high = cols[f"annual-cost range ({UNIT}): lowest low"], cols[f"annual-cost range ({UNIT}): highest high"]
    assert (ws.cell(row=opt1, column=low).value, ws.cell(row=opt1, column=high).value) == (80, 350)
    assert ws.cell(row=opt2, column=low).value is None  # nobody gave a range there
    low, high = cols["quality range (levels): lowest low"], cols["quality range (levels): highest high"]
    assert (ws.cell(row=opt2, column=low).value, ws.cell(row=opt2, column=high).value) == (1, 3)
    assert "jobs range (jobs): lowest low" not in cols


def test_evidence_and_analysts_sheets_show_measures_with_units(written):
    _, report, path = written
    book = openpyxl.load_workbook(path)
    ws = book[layout.EVIDENCE_SHEET]
    head = row_where(ws, {1: "option", 2: "criterion"})
    cols = table(ws, head)
    assert list(cols) == ["option", "criterion", "value", "low", "high", "unit", "source", "source title",
                          "locator", "quote", "note (ours)", "cited by"]
    assert [ws.cell(row=head + 1, column=c).value for c in cols.values()] == \
        ["opt-1", "annual-cost", 210, 180, 260, UNIT, "src", "A source", "table 4", "about 210 million a year", None,
         None]
    assert ws.cell(row=head + 2, column=1).value is None
    ws = book[layout.ANALYSTS_SHEET]
    cols = table(ws, 4)
    r = row_where(ws, {1: "a2", 2: "opt-1", 3: "annual-cost"})
    assert [ws.cell(row=r, column=cols[k]).value for k in ("level or measure", "value (0-100)", "low", "high",
                                                           "unit")] == [100, 80, 80, 130, UNIT]
    r = row_where(ws, {1: "a1", 2: "opt-2", 3: "quality"})
    assert [ws.cell(row=r, column=cols[k]).value for k in ("level or measure", "low", "high", "unit")] == \
        [3, 2, 3, None]


def test_disagreement_sheet_states_both_rules_and_flags_natural_cells(written):
    from rubric.compute.consensus import DISAGREEMENT_LEVELS, DISAGREEMENT_VALUE

    _, report, path = written
    ws = openpyxl.load_workbook(path)[layout.DISAGREEMENT_SHEET]
    note = ws["A3"].value
    assert f"{DISAGREEMENT_LEVELS} or more levels apart" in note
    assert f"{DISAGREEMENT_VALUE:g} or more value points (of 0-100) apart" in note
    cols = table(ws, 4)
    assert list(cols) == ["option", "criterion", "a1", "a2", "spread (levels, or value points)", "consensus value",
                          "unit"]
    r = row_where(ws, {1: "opt-1", 2: "annual-cost"})
    assert [ws.cell(row=r, column=c).value for c in cols.values()] == ["opt-1", "annual-cost", 300, 100, 40, 60, UNIT]
    r = row_where(ws, {1: "opt-2", 2: "quality"})
    assert [ws.cell(row=r, column=c).value for c in cols.values()] == ["opt-2", "quality", 3, 1, 2, 50, None]
    assert ws.cell(row=r + 1, column=1).value is None  # jobs (50 apart, about 2 value points) is not flagged
    alpha = row_where(ws, {1: "criterion", 2: "alpha (interval)"})
    assert [ws.cell(row=alpha + 1 + k, column=3).value for k in range(3)] == ["n/a"] * 3
    assert ws.cell(row=alpha + 5, column=1).value == "all cells"
    assert ws.cell(row=alpha + 5, column=3).value == pytest.approx(report.analysis.consensus.overall_alpha_ordinal)
    assert ws.cell(row=alpha + 6, column=1).value.startswith("all cells: interval alpha over every cell's 0-100 "
                                                              "value; ordinal alpha over the cells of the criteria "
                                                              "scored by level only")


def test_smaa_sheet_names_its_score_model(written, tmp_path):
    root, _, _ = written
    out = tmp_path / "ranges.xlsx"
    code, stdout, err = run_cli("report", root, "-o", out, "--samples", "200", "--scores", "ranges")
    assert code == 0, err
    ws = openpyxl.load_workbook(out)[layout.SMAA_SHEET]
    r = row_where(ws, {1: "score model"})
    assert ws.cell(row=r, column=2).value.startswith("ranges: each draw takes one analyst, then a value within")
    _, _, path = written
    ws = openpyxl.load_workbook(path)[layout.SMAA_SHEET]
    assert ws.cell(row=row_where(ws, {1: "score model"}), column=2).value.startswith("consensus:")


@pytest.mark.slow
def test_libreoffice_recalculates_the_natural_workbook_to_the_engine(written, tmp_path):
    import libreoffice
    from test_workbook import check_formulas, engine_expectations

    libreoffice.require_soffice()
    root, report, path = written
    book = libreoffice.recalculated(path, tmp_path / "recalc")
    count, deviation = check_formulas(path, book, engine_expectations(report.study))
    assert count > 0 and deviation <= 1e-9
    assert libreoffice.error_cells(book) == []


def test_ranges_sampler_draws_levels_within_a_level_range(written):
    """`--scores ranges` on a study with a level criterion scored with a range (the case that made
    the sampler fail on its per-level candidates): a1 gave level 3 in 2..3 on opt-2/quality, a2 level
    1 without a range, so the draws are the values of levels 1, 2 and 3 and nothing else."""
    from rubric.compute.evaluate import range_sampler

    _, report, _ = written
    tensor = report.analysis.tensor
    sampler = range_sampler(report.study, tensor)
    drawn = sampler.draw(np.random.default_rng(7), 3000)
    option, criterion = tensor.options.index("opt-2"), tensor.criteria.index("quality")
    assert set(np.unique(drawn[:, option, criterion])) == {0.0, 50.0, 100.0}
    # annual-cost on opt-1: a1 in 250..350, a2 in 80..130 -> values 30..50 or 74..84
    cost = drawn[:, tensor.options.index("opt-1"), tensor.criteria.index("annual-cost")]
    assert ((cost >= 30 - 1e-9) & (cost <= 50 + 1e-9) | (cost >= 74 - 1e-9) & (cost <= 84 + 1e-9)).all()
