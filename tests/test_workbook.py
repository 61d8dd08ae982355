"""The comparison workbook (`rubric report`): structure, text safety, atomic writing, and every live
formula recalculated by real LibreOffice against the engine's numbers."""

import re
import shutil
import time
import zipfile

import numpy as np
import openpyxl
import pytest
import xlsxwriter

import libreoffice
from conftest import MINI, SHIPPED, edit, run_cli
from rubric import RubricError, load_study
from rubric.compute.evaluate import evaluate
from rubric.compute.methods.wsm import wsm
from rubric.compute.ranking import competition_ranks
from rubric.compute.report import DEFAULT_SAMPLES, DEFAULT_SEED, build_report
from rubric.compute.weights import derive_weights
from rubric.writers import sheet_engine, xlsx
from rubric.workbooks.comparison import BANNER
from rubric.workbooks.weight_inputs import is_hierarchical, sheet_inputs
from rubric.writers.xlsx import write_workbook

SAMPLES = 2000   # SMAA draws for the workbooks written here (the CLI test checks the defaults)
TOLERANCE = 1e-9
STUDIES = {"mini": MINI, "shipped": SHIPPED}
FORMULA_BLOCKS = ("Weights_normalised", "Weights_group_normalised", "Weights_normalised_sum", "Weights_rows",
                  "Results_totals", "Results_ranks", "Results_group_contributions", "Results_contribution_sums",
                  "Summary_totals", "Summary_ranks", "Summary_group_contributions")


# -- helpers --------------------------------------------------------------------------------------------

def block(book, name):
    """The cells of a defined name as a list of rows."""
    [(title, ref)] = list(book.defined_names[name].destinations)
    cells = book[title][ref.replace("$", "")]
    return [list(row) for row in (cells if isinstance(cells[0], tuple) else (cells,))]


def cell_values(book, name) -> np.ndarray:
    return np.array([[c.value for c in row] for row in block(book, name)], dtype=float)


def engine_expectations(study, raw=None) -> dict[str, np.ndarray]:
    """What every formula block must hold: from the engine, or (raw: [criterion, profile] the Weights
    inputs with some flat profiles' values retyped) from the engine's wsm and ranking on those weights."""
    evaluations = [evaluate(study, p.id, "wsm") for p in study.profiles]
    shown = np.array([[sheet_inputs(p, e.weights).values[c.id] for c in study.rubric.criteria]
                      for p, e in zip(study.profiles, evaluations)]).T
    normalised = np.array([derive_weights(p, study.rubric).leaf for p in study.profiles]).T
    if raw is None:
        raw = shown
        totals = np.array([e.scores for e in evaluations]).T
        ranks = np.array([e.ranks for e in evaluations]).T
    else:
        for k, profile in enumerate(study.profiles):
            if not np.array_equal(raw[:, k], shown[:, k]):
                assert not is_hierarchical(profile), "a retyped column of a flat profile: input / column sum"
                normalised[:, k] = raw[:, k] / raw[:, k].sum()
        totals = np.array([wsm(e.values, normalised[:, k]).scores for k, e in enumerate(evaluations)]).T
        ranks = np.array([competition_ranks(totals[:, k]) for k in range(totals.shape[1])]).T
    index = {c.id: i for i, c in enumerate(study.rubric.criteria)}
    group_weights = np.array([normalised[[index[c.id] for c in g.leaves()]].sum(axis=0) for g in study.rubric.all_groups()])
    # Results and the Summary list the options in the order of the default profile's ranks as written
    # (by id within a tie); the Summary reads their live totals, ranks and group contributions from Results
    default = [p.id for p in study.profiles].index(evaluate(study).profile_id)
    written = evaluations[default]
    order = sorted(range(len(written.options)), key=lambda i: (written.ranks[i], written.options[i]))
    membership = study.rubric.top_group_of()
    groups = np.column_stack([
        np.nan_to_num(written.values)[:, columns] @ normalised[columns, default]
        for columns in ([j for j, c in enumerate(written.criteria) if membership[c] == g.id]
                        for g in study.rubric.groups)])
    found = {"Weights_group_normalised": group_weights} if any(is_hierarchical(p) for p in study.profiles) else {}
    return {**found, "Weights_input": raw, "Weights_normalised": normalised,
            "Weights_normalised_sum": normalised.sum(axis=0)[None, :], "Weights_rows": normalised.T,
            "Results_totals": totals[order], "Results_ranks": ranks[order],
            "Results_group_contributions": groups[order], "Results_contribution_sums": totals[order, default][:, None],
            "Summary_totals": totals[order, default][:, None], "Summary_ranks": ranks[order, default][:, None],
            "Summary_group_contributions": groups[order]}


def check_formulas(written_path, recalculated, expected) -> tuple[int, float]:
    """Every formula cell of the written workbook, recalculated, equals the engine's number.

    Returns (formula cells checked, largest absolute deviation). Fails on a formula cell that no
    expectation covers, so a new formula cannot go unchecked."""
    written = openpyxl.load_workbook(written_path)
    formulas = {(ws.title, c.coordinate) for ws in written.worksheets for row in ws.iter_rows() for c in row
                if c.data_type == "f"}
    checked, deviation = set(), 0.0
    for name in FORMULA_BLOCKS:
        if name not in expected:  # a block the study does not have (group rows: no hierarchical profile)
            continue
        cells = block(written, name)
        values = cell_values(recalculated, name)
        want = expected[name]
        assert values.shape == want.shape, name
        for i, row in enumerate(cells):
            for k, cell in enumerate(row):
                assert cell.data_type == "f", f"{name} {cell.coordinate} is not a formula"
                got = values[i, k]
                gap = abs(got - want[i, k])
                assert gap <= TOLERANCE, f"{name} {cell.parent.title}!{cell.coordinate}: {got} != {want[i, k]}"
                deviation = max(deviation, gap)
                checked.add((cell.parent.title, cell.coordinate))
    assert formulas - checked == set(), "formula cells no test checks"
    assert len(checked) == len(formulas)
    return len(checked), deviation


def recalc(path, outdir, label):
    start = time.perf_counter()
    book = libreoffice.recalculated(path, outdir)
    print(f"\nLibreOffice recalculation, {label}: {time.perf_counter() - start:.1f} s")
    return book


@pytest.fixture(scope="module")
def soffice():
    return libreoffice.require_soffice()


@pytest.fixture(scope="module", params=sorted(STUDIES))
def case(request, tmp_path_factory):
    """A study's report written once per module: (name, study, report, path)."""
    name = request.param
    study = load_study(STUDIES[name])
    report = build_report(study, samples=SAMPLES)
    path = tmp_path_factory.mktemp(f"workbook-{name}") / f"{name}.xlsx"
    write_workbook(report, path)
    return name, study, report, path


@pytest.fixture(scope="module")
def recalculated(case, soffice, tmp_path_factory):
    name, _, _, path = case
    return recalc(path, tmp_path_factory.mktemp(f"recalc-{name}"), f"recalculate {name}")


# -- LibreOffice: every formula equals the engine ---------------------------------------------------------

def test_every_formula_recalculates_to_the_engine_number(case, recalculated):
    name, study, _, path = case
    expected = engine_expectations(study)
    count, deviation = check_formulas(path, recalculated, expected)
    n_c, n_p, n_o = len(study.rubric.criteria), len(study.profiles), len(study.options)
    n_top, n_all = len(study.rubric.groups), len(study.rubric.all_groups())  # both studies have a hierarchical profile
    # normalised + rows, their sums, the groups' weights (group rows), totals + ranks, the Summary's live
    # total and rank per option; the contribution of each top group and their sum on Results, and the
    # groups again on the Summary
    assert count == 2 * n_c * n_p + n_p + n_all * n_p + 2 * n_o * n_p + 2 * n_o + n_o * (2 * n_top + 1)
    print(f"\n{name}: {count} formula cells checked, max |deviation| {deviation:.3g}")
    # the inputs are each profile's own values (points, or derived percentages to the 15 digits LibreOffice keeps)
    assert np.allclose(cell_values(recalculated, "Weights_input"), expected["Weights_input"], rtol=1e-14, atol=0)


def test_every_formula_carries_the_engine_number_as_its_cached_value(case):
    # what a reader that does not recalculate shows (LibreOffice by default, viewers, data_only readers)
    name, study, _, path = case
    cached = openpyxl.load_workbook(path, data_only=True)
    count, deviation = check_formulas(path, cached, engine_expectations(study))
    assert count > 0 and deviation <= TOLERANCE


def test_no_cell_holds_an_error_value(recalculated):
    assert libreoffice.error_cells(recalculated) == []


def test_changing_a_weight_input_recomputes_totals_and_ranks(case, soffice, tmp_path_factory):
    name, study, _, path = case
    base = engine_expectations(study)
    raw = base["Weights_input"]
    default = [p.id for p in study.profiles].index(study.defaults.profile)
    # the first change of one raw weight of the default profile that changes its ranking
    change = next(((j, value) for j in range(raw.shape[0]) for value in (5.0, 0.0)
                   if not np.array_equal(engine_expectations(study, _with(raw, j, default, value))["Results_ranks"]
                                         [:, default], base["Results_ranks"][:, default])), None)
    assert change is not None, "no single weight change moves the ranking"
    j, value = change
    book = openpyxl.load_workbook(path)
    [cell] = [row[default] for i, row in enumerate(block(book, "Weights_input")) if i == j]
    assert cell.protection.locked is False
    cell.value = value
    changed = tmp_path_factory.mktemp(f"changed-{name}") / f"{name}-changed.xlsx"
    book.save(changed)
    recalculated = recalc(changed, tmp_path_factory.mktemp(f"recalc-changed-{name}"), f"weight change {name}")
    expected = engine_expectations(study, _with(raw, j, default, value))
    count, deviation = check_formulas(changed, recalculated, expected)
    print(f"\n{name}, weight of {study.rubric.criteria[j].id} set to {value} for {study.defaults.profile}: "
          f"{count} formula cells checked, max |deviation| {deviation:.3g}")
    assert not np.array_equal(cell_values(recalculated, "Results_ranks"), base["Results_ranks"])
    assert libreoffice.error_cells(recalculated) == []


def _with(raw, j, k, value):
    raw = raw.copy()
    raw[j, k] = value
    return raw


# -- text from records stays text --------------------------------------------------------------------------

INJECTED = ("=1+1", "@SUM(A1)", "-2+3", "<r>x</r>")


@pytest.fixture(scope="module")
def injected(tmp_path_factory):
    root = tmp_path_factory.mktemp("injection")
    study_dir = root / "mini"
    shutil.copytree(MINI, study_dir)
    edit(study_dir / "options" / "alpha.yaml", 'title: "Option alpha"', 'title: "=1+1"')
    edit(study_dir / "options" / "alpha.yaml", 'summary: "Summary of alpha."', 'summary: "-2+3"')
    edit(study_dir / "sessions" / "round-1.yaml", 'rationale: "ann on alpha/impact."', 'rationale: "@SUM(A1)"')
    # XlsxWriter's own markup for rich text, which must stay literal text too
    edit(study_dir / "options" / "beta.yaml", 'summary: "Summary of beta."', 'summary: "<r>x</r>"')
    study = load_study(study_dir)
    assert study.option("alpha").title == "=1+1"
    path = root / "injected.xlsx"
    write_workbook(build_report(study, samples=200), path)
    return path


def _cells_holding(book, texts):
    return [(ws.title, c.coordinate, c) for ws in book.worksheets for row in ws.iter_rows() for c in row
            if c.value in texts]


def test_record_text_is_written_as_text_never_as_a_formula(injected):
    book = openpyxl.load_workbook(injected)
    found = _cells_holding(book, INJECTED)
    assert {c.value for _, _, c in found} == set(INJECTED)
    assert all(c.data_type == "s" for _, _, c in found), [(s, a, c.data_type) for s, a, c in found]
    places = {(s, a) for s, a, c in found if c.value == "=1+1"}
    assert ("Options", "B5") in places and any(s == "Scores" for s, _ in places)
    assert not any(c.data_type == "f" and c.value in INJECTED for ws in book.worksheets
                   for row in ws.iter_rows() for c in row)


def test_record_text_stays_text_after_libreoffice(injected, soffice, tmp_path_factory):
    written = {(s, a): c.value for s, a, c in _cells_holding(openpyxl.load_workbook(injected), INJECTED)}
    book = recalc(injected, tmp_path_factory.mktemp("recalc-injection"), "injection")
    for (sheet, address), value in written.items():
        assert book[sheet][address].value == value, (sheet, address)
        assert book[sheet][address].data_type == "s"
    assert libreoffice.error_cells(book) == []


# -- atomic write ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def mini_report():
    return build_report(load_study(MINI), samples=200)


def test_a_failing_sheet_leaves_the_previous_file_untouched(mini_report, tmp_path, monkeypatch):
    target = tmp_path / "out" / "book.xlsx"
    write_workbook(mini_report, target)
    before = target.read_bytes()

    def broken(*args, **kwargs):
        raise RuntimeError("sheet writer failed")

    monkeypatch.setattr(xlsx, "_results", broken)
    with pytest.raises(RuntimeError, match="sheet writer failed"):
        write_workbook(mini_report, target)
    assert target.read_bytes() == before
    assert sorted(p.name for p in target.parent.iterdir()) == ["book.xlsx"]


def test_a_failure_while_saving_removes_the_partial_temp_file(mini_report, tmp_path, monkeypatch):
    target = tmp_path / "book.xlsx"
    write_workbook(mini_report, target)
    before = target.read_bytes()

    def half_close(self):  # as XlsxWriter reports a failed write: FileCreateError(the OSError)
        self.filename.write(b"PK\x03\x04 partial")
        raise xlsxwriter.exceptions.FileCreateError(OSError(28, "disk full"))

    monkeypatch.setattr(xlsxwriter.Workbook, "close", half_close)
    with pytest.raises(RubricError, match="cannot write the workbook: disk full"):
        write_workbook(mini_report, target)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx"]


def test_a_sheet_too_big_for_a_spreadsheet_is_refused_and_nothing_written(mini_report, tmp_path, monkeypatch):
    target = tmp_path / "book.xlsx"
    monkeypatch.setattr(sheet_engine, "MAX_ROWS", 20)  # the About sheet has more rows than that
    with pytest.raises(RubricError, match=r"book.xlsx: cannot write the workbook: sheet About would need more "
                                          r"than 20 rows or 16,384 columns$"):
        write_workbook(mini_report, target)
    assert list(tmp_path.iterdir()) == []


def test_the_output_folder_is_created(mini_report, tmp_path):
    target = tmp_path / "new" / "deeper" / "book.xlsx"
    assert write_workbook(mini_report, target) == str(target)
    assert openpyxl.load_workbook(target)["_meta"]["A1"].value == "kind"
    assert sorted(p.name for p in target.parent.iterdir()) == ["book.xlsx"]


# -- structure and values (no LibreOffice needed) -----------------------------------------------------------

@pytest.fixture(scope="module")
def shipped_book(tmp_path_factory):
    study = load_study(SHIPPED)
    report = build_report(study, samples=SAMPLES)
    path = tmp_path_factory.mktemp("shipped-structure") / "shipped.xlsx"
    write_workbook(report, path)
    return study, report, openpyxl.load_workbook(path)


def test_sheets_names_and_values(shipped_book):
    study, report, book = shipped_book
    assert book.sheetnames == ["About", "Summary", "Options", "Evidence", "Rubric", "Scores", "Analysts", "Disagreement",
                               "Weights", "Weight inputs", "Results", "Compare", "Sensitivity", "SMAA",
                               "Value for money", "Swaps", "_meta"]
    assert book["_meta"].sheet_state == "hidden"
    # values written from the engine's results
    assert np.allclose(cell_values(book, "Scores_values"), report.analysis.consensus.value, rtol=0, atol=0)
    # ranked tables list the options best first by the default profile (by id within a tie)
    default = report.evaluation(report.default_profile)
    best_first = sorted(range(len(report.options)), key=lambda i: (default.ranks[i], report.options[i]))
    assert np.array_equal(cell_values(book, "Compare_profile_ranks"), report.comparison.profile_ranks.T[best_first])
    compare_rows = [row for row in book["Compare"].iter_rows(values_only=True)]
    assert ("option", *report.comparison.methods, "best", "worst") in [row[:len(report.comparison.methods) + 3]
                                                                       for row in compare_rows]
    vikor = report.comparison.method_evaluations[report.comparison.methods.index("vikor")]
    compromise = ", ".join(vikor.options[i] for i in vikor.result.compromise)
    assert any(str(row[0]).startswith(f"VIKOR: v: 0.5; compromise: {compromise};") for row in compare_rows)
    assert np.allclose(cell_values(book, "Smaa_acceptability"), report.smaa.acceptability[best_first], rtol=0, atol=0)
    assert [c.value for c in block(book, "Scores_values")[0]] == list(report.analysis.consensus.value[0])
    options = [row[0].value for row in book["Results"].iter_rows(min_row=6, max_row=5 + len(study.options))]
    assert options == [report.options[i] for i in best_first]
    evidence = sum(len(o.evidence) for o in study.options)
    measures = sum(len(o.measures) for o in study.options)
    # the quotes; then, after a blank row, a section title, a header and one row per measure
    assert book["Evidence"].max_row == 4 + evidence + (3 + measures if measures else 0)
    assert book["Analysts"].max_row == 4 + len(report.session.scores)
    abstained = [c.value for c in book["Analysts"]["D"] if isinstance(c.value, str) and c.value.startswith("abst")]
    assert len(abstained) == sum(1 for s in report.session.scores if s.abstained)
    sensitivity = book["Sensitivity"]
    nearest = min(report.sensitivity.analyses, key=lambda a: (a.distance is None, a.distance or 0.0))
    assert [sensitivity.cell(5, k).value for k in (2, 4, 10)] == [nearest.name, nearest.current, len(nearest.swaps)]
    assert book["SMAA"]["A7"].value == "samples" and book["SMAA"]["B7"].value == SAMPLES
    assert book["SMAA"]["A8"].value == "seed" and book["SMAA"]["B8"].value == DEFAULT_SEED


def test_inputs_are_unlocked_and_styled_and_sheets_protected_without_password(shipped_book):
    _, _, book = shipped_book
    for row in block(book, "Weights_input"):
        for cell in row:
            assert cell.protection.locked is False
            assert cell.fill.fgColor.rgb.endswith("FFF2CC") and cell.font.color.rgb.endswith("0000FF")
            assert cell.comment is not None and "Input" in cell.comment.text
            assert cell.number_format in ("General", "0.0")   # points as recorded, derived percentages
    for row in block(book, "Weights_normalised"):
        for cell in row:
            assert cell.protection.locked is not False
            assert cell.value.startswith("=") and "/SUM(" in cell.value
    assert all(c.protection.locked is False for row in block(book, "Weights_comments") for c in row)
    for ws in book.worksheets:
        assert ws.protection.sheet, ws.title
        assert not ws.protection.password, ws.title
    assert book["Scores"].freeze_panes == "C5" and book["Weights"].freeze_panes == "D1"
    assert block(book, "Results_totals")[0][0].number_format == "0.0"
    assert block(book, "Results_totals")[0][0].value.startswith("=SUMPRODUCT(Scores!")
    assert len(book["Scores"].conditional_formatting) >= 1
    for name in ("Scores_values", "Weights_input", "Weights_normalised", "Results_totals", "Results_ranks"):
        assert name in book.defined_names


def test_charts_are_native(shipped_book, tmp_path):
    study, report, _ = shipped_book
    path = tmp_path / "charts.xlsx"
    write_workbook(report, path)
    with zipfile.ZipFile(path) as archive:
        charts = [n for n in archive.namelist() if n.startswith("xl/charts/chart")]
        xml = "".join(archive.read(n).decode() for n in charts)
    # bars: Summary (groups, best first), Results (groups), SMAA (ranks), Weights (one per profile);
    # columns: Results (totals per profile); scatter: the value function of the one natural criterion,
    # one value-for-money chart per profile, and one sensitivity chart per top criterion group
    n_p, n_g = len(study.profiles), len(study.rubric.groups)
    assert len(charts) == 4 + 1 + 2 * n_p + n_g
    assert len(re.findall(r'grouping val="stacked"', xml)) == 3
    assert len(re.findall(r'grouping val="clustered"', xml)) == 1 + n_p
    assert len(re.findall(r'<(?:c:)?barDir val="bar"', xml)) == 3 + n_p
    assert len(re.findall(r'<(?:c:)?barDir val="col"', xml)) == 1
    assert len(re.findall(r'<c:scatterChart>', xml)) == 1 + n_p + n_g


# -- the command -------------------------------------------------------------------------------------------

def test_report_command_writes_the_default_path(tmp_path):
    code, out, err = run_cli("report", MINI, cwd=tmp_path)
    assert code == 0, err
    target = tmp_path / "reports" / "mini-comparison.xlsx"
    assert out.strip() == "reports/mini-comparison.xlsx"
    book = openpyxl.load_workbook(target)
    meta = {row[0].value: row[1].value for row in book["_meta"].iter_rows()}
    study = load_study(MINI)
    assert meta["kind"] == "comparison"
    assert meta["study_id"] == "mini" and meta["input_hash"] == study.input_hash
    assert meta["smaa_seed"] == str(DEFAULT_SEED) and meta["smaa_samples"] == str(DEFAULT_SAMPLES)
    assert meta["tool_version"]
    about = book["About"]
    assert about["A1"].value == BANNER
    assert about["A1"].fill.fgColor.rgb.endswith("C00000")
    for sheet in ("Scores", "Analysts", "Results"):
        assert book[sheet]["A1"].value == BANNER
    texts = [c.value for row in about.iter_rows() for c in row if isinstance(c.value, str)]
    assert study.input_hash in texts and "round-1 (used here) [illustrative]" in texts
    assert str(DEFAULT_SEED) in {str(c.value) for row in about.iter_rows() for c in row}


def test_report_command_options_and_errors(tmp_path):
    code, out, err = run_cli("report", MINI, "-o", tmp_path / "x" / "y.xlsx", "--samples", "300", "--seed", "7")
    assert code == 0, err
    assert out.strip() == str(tmp_path / "x" / "y.xlsx")
    meta = {r[0].value: r[1].value for r in openpyxl.load_workbook(tmp_path / "x" / "y.xlsx")["_meta"].iter_rows()}
    assert (meta["smaa_seed"], meta["smaa_samples"]) == ("7", "300")
    code, out, err = run_cli("report", tmp_path / "missing", "-o", tmp_path / "z.xlsx")
    assert code == 1 and "not a folder" in err and not (tmp_path / "z.xlsx").exists()
    code, out, err = run_cli("report", MINI, "--samples", "0")
    assert code == 2


def test_no_banner_when_the_session_is_not_illustrative(tmp_path):
    study_dir = tmp_path / "mini"
    shutil.copytree(MINI, study_dir)
    edit(study_dir / "sessions" / "round-1.yaml", "illustrative: true", "illustrative: false")
    study = load_study(study_dir)
    path = write_workbook(build_report(study, samples=100), tmp_path / "real.xlsx")
    book = openpyxl.load_workbook(path)
    assert book["About"]["A1"].value == "Comparison workbook"
    assert book["Scores"]["A1"].value == study.title
    assert not any(isinstance(c.value, str) and "ILLUSTRATIVE DATA" in c.value
                   for ws in book.worksheets for row in ws.iter_rows() for c in row)
    assert {r[0].value: r[1].value for r in book["_meta"].iter_rows()}["illustrative"] == "false"
