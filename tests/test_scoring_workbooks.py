"""Analyst scoring workbooks: template, fill in, import; every rejection rule; nothing half-written."""

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from conftest import run_cli
from rubric import load_study
from rubric.workbooks.text import encode_text

LEVELS = {"impact": (1, 2, 3), "risk": (1, 2, 3), "cost": (1, 2, 3)}
TRICKY = ["Règlement: ça dépend, 多样性 ✓", "first line\nsecond line", "=SUM(A1:A3) is not a formula",
          "+1 more", "@mention", "-minus start", "\ttab start", "carriage\rreturn", "form\x0cfeed"]


def tree_hash(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*")):
        digest.update(str(path.relative_to(root)).encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def new_session(study_dir: Path, session_id: str = "round-2") -> None:
    (study_dir / "sessions" / f"{session_id}.yaml").write_text(
        f'id: {session_id}\ndate: "2026-02-01"\nrubric: {{id: mini-rubric, version: "2.1"}}\n'
        "participants: []\nscores: []\n")


def make_template(study_dir, analyst, out, session="round-2", *extra):
    code, stdout, err = run_cli("template", study_dir, "--session", session, "--analyst", analyst, "-o", out, *extra)
    assert code == 0, err
    assert stdout.strip() == str(out)
    return out


def columns(ws):
    header = next(r for r in ws.iter_rows(min_row=1, max_row=10) if any(c.value == "Key" for c in r))
    return header[0].row, {c.value: c.column for c in header if c.value}


def rows_by_key(ws):
    header_row, cols = columns(ws)
    return cols, {ws.cell(row=r, column=cols["Key"]).value: r for r in range(header_row + 1, ws.max_row + 1)
                  if ws.cell(row=r, column=cols["Key"]).value}


def set_text(cell, text):
    cell.value = text
    cell.data_type = "s"


def fill(path, analyst_index, abstain_key=None):
    """Fill every row; return the scores we entered, as the session should hold them."""
    book = openpyxl.load_workbook(path)
    ws = book["Scores"]
    cols, rows = rows_by_key(ws)
    entered = {}
    for n, (key, r) in enumerate(sorted(rows.items())):
        option, criterion = key.split("/")
        rationale = f"{TRICKY[(n + analyst_index) % len(TRICKY)]} ({key})"
        confidence = ("low", "medium", "high")[(n + analyst_index) % 3]
        set_text(ws.cell(row=r, column=cols["Rationale"]), encode_text(rationale))
        set_text(ws.cell(row=r, column=cols["Confidence"]), confidence)
        sources = ("src-one",) if n % 2 else ("src-one", "src-two")
        set_text(ws.cell(row=r, column=cols["Sources cited"]), ", ".join(sources))
        if key == abstain_key:
            set_text(ws.cell(row=r, column=cols["Abstain (reason)"]), "No basis: the documents are silent.")
            level, abstain = None, "No basis: the documents are silent."
        else:
            level = LEVELS[criterion][(n + analyst_index) % 3]
            ws.cell(row=r, column=cols["Level"]).value = level
            abstain = None
        entered[key] = (level, abstain, confidence, rationale, sources)
    book.save(path)
    return entered


def libreoffice_resave(path: Path, work: Path) -> Path:
    """Open and re-save the workbook in real LibreOffice, as a reviewer's spreadsheet program would."""
    soffice = shutil.which("soffice")
    if soffice is None:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice (soffice) is required in CI")
        pytest.skip("LibreOffice is not installed: cannot test a re-saved workbook")
    out = work / "resaved"
    out.mkdir()
    profile = work / "lo-profile"
    subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
                    "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), str(path)],
                   check=True, capture_output=True, timeout=180)
    resaved = out / path.name
    assert resaved.is_file()
    return resaved


def test_three_analysts_round_trip_exactly(mini, tmp_path):
    new_session(mini)
    files, expected = [], {}
    for i, analyst in enumerate(("dan", "eve", "fay")):
        path = make_template(mini, analyst, tmp_path / f"{analyst}.xlsx")
        expected[analyst] = fill(path, i, abstain_key="beta/risk" if analyst == "eve" else None)
        files.append(path)
    files[2] = libreoffice_resave(files[2], tmp_path)
    code, out, err = run_cli("import-scores", mini, *files)
    assert code == 0, err
    assert "session round-2: 27 change(s) for dan, eve, fay" in out
    # first scores are counted per analyst, not listed cell by cell
    assert {"dan: 9 new score(s)", "eve: 9 new score(s)", "fay: 9 new score(s)"} <= set(out.splitlines())
    assert "(none) ->" not in out
    session = load_study(mini).session("round-2")
    assert session.analysts == ("dan", "eve", "fay")
    got = {(s.analyst, f"{s.option}/{s.criterion}"): (s.level, s.abstain, s.confidence, s.rationale, s.evidence)
           for s in session.scores}
    want = {(a, k): v for a, cells in expected.items() for k, v in cells.items()}
    assert got == want  # rationale text exactly as typed: non-ASCII, line breaks, leading = + @ - tab


def test_prefilled_template_round_trips_without_change(mini, tmp_path):
    path = make_template(mini, "bob", tmp_path / "bob.xlsx", "round-1", "--prefill")
    before = (mini / "sessions" / "round-1.yaml").read_bytes()
    code, out, err = run_cli("import-scores", mini, path, "--replace")
    assert code == 0, err
    assert "0 change(s)" in out
    assert (mini / "sessions" / "round-1.yaml").read_bytes() == before


def test_replace_prints_diff_and_dry_run_writes_nothing(mini, tmp_path):
    path = make_template(mini, "ann", tmp_path / "ann.xlsx", "round-1", "--prefill")
    book = openpyxl.load_workbook(path)
    ws = book["Scores"]
    cols, rows = rows_by_key(ws)
    ws.cell(row=rows["gamma/cost"], column=cols["Level"]).value = 1          # was 3
    set_text(ws.cell(row=rows["beta/impact"], column=cols["Rationale"]), "Changed my mind.")
    book.save(path)
    code, out, err = run_cli("import-scores", mini, path)
    assert code == 1 and "already have scores in session round-1; use --replace" in err
    before = tree_hash(mini)
    code, out, err = run_cli("import-scores", mini, path, "--replace", "--dry-run")
    assert code == 0, err
    assert "ann beta/impact: rationale changed" in out
    assert "ann gamma/cost: level 3 -> 1" in out
    assert "2 change(s)" in out and "dry run: nothing written" in out
    assert tree_hash(mini) == before
    code, out, err = run_cli("import-scores", mini, path, "--replace")
    assert code == 0, err
    scores = {(s.option, s.criterion): s for s in load_study(mini).session("round-1").scores if s.analyst == "ann"}
    assert scores["gamma", "cost"].level == 1 and scores["beta", "impact"].rationale == "Changed my mind."


def test_sorted_hidden_and_inserted_rows_are_fine(mini, tmp_path):
    new_session(mini)
    path = make_template(mini, "dan", tmp_path / "dan.xlsx")
    entered = fill(path, 0)
    book = openpyxl.load_workbook(path)
    ws = book["Scores"]
    header_row, cols = columns(ws)
    first, last = header_row + 1, ws.max_row
    values = [[ws.cell(row=r, column=c).value for c in range(1, ws.max_column + 1)] for r in range(first, last + 1)]
    values.reverse()                                  # sorted the other way
    values.insert(4, [None] * ws.max_column)          # an inserted blank row
    for offset, row in enumerate(values):
        for c, v in enumerate(row, 1):
            cell = ws.cell(row=first + offset, column=c)
            cell.value = v
            if isinstance(v, str):
                cell.data_type = "s"
    ws.row_dimensions[first + 2].hidden = True
    book.save(path)
    code, out, err = run_cli("import-scores", mini, path)
    assert code == 0, err
    got = {f"{s.option}/{s.criterion}": s.level for s in load_study(mini).session("round-2").scores}
    assert got == {k: v[0] for k, v in entered.items()}


@pytest.fixture
def filled(mini, tmp_path):
    new_session(mini)
    path = make_template(mini, "dan", tmp_path / "dan.xlsx")
    fill(path, 0)
    return path


def rejects(mini, path, *expected):
    before = tree_hash(mini)
    code, out, err = run_cli("import-scores", mini, path)
    assert code == 1, out
    assert "Traceback" not in err
    for text in expected:
        assert text in err, err
    assert tree_hash(mini) == before  # a rejected import changes nothing
    return err


def edit_book(path, change):
    book = openpyxl.load_workbook(path)
    ws = book["Scores"]
    cols, rows = rows_by_key(ws)
    change(book, ws, cols, rows)
    book.save(path)


def cell(ws, cols, rows, key, column):
    return ws.cell(row=rows[key], column=cols[column])


def test_reject_blank_level(mini, filled):
    edit_book(filled, lambda b, ws, c, r: setattr(cell(ws, c, r, "alpha/impact", "Level"), "value", None))
    rejects(mini, filled, f"{filled}: Scores!G6: alpha/impact: no level; choose one, or give a reason to abstain")


def test_reject_level_out_of_range(mini, filled):
    edit_book(filled, lambda b, ws, c, r: setattr(cell(ws, c, r, "alpha/risk", "Level"), "value", 7))
    rejects(mini, filled, f"{filled}: Scores!G7: alpha/risk: 7 is not a level of risk (levels 1, 2, 3)")


def test_reject_level_not_a_level(mini, filled):
    edit_book(filled, lambda b, ws, c, r: set_text(cell(ws, c, r, "alpha/cost", "Level"), "high"))
    rejects(mini, filled, f"{filled}: Scores!G8: alpha/cost: 'high' is not a level of cost")


def test_reject_number_stored_as_text(mini, filled):
    edit_book(filled, lambda b, ws, c, r: set_text(cell(ws, c, r, "beta/impact", "Level"), "2"))
    rejects(mini, filled, f"{filled}: Scores!G9: beta/impact: level '2' is a number stored as text")


def test_reject_formula_in_input_cell(mini, filled):
    def change(book, ws, cols, rows):
        cell(ws, cols, rows, "beta/risk", "Level").value = "=1+1"
        cell(ws, cols, rows, "beta/cost", "Rationale").value = "=A1"
    edit_book(filled, change)
    rejects(mini, filled, f"{filled}: Scores!G10: beta/risk: a formula was typed into the level cell",
            f"{filled}: Scores!O11: beta/cost: rationale: a formula was typed into an input cell")


def test_reject_merged_cells(mini, filled):
    edit_book(filled, lambda b, ws, c, r: ws.merge_cells("O12:O13"))
    rejects(mini, filled, f"{filled}: Scores!O12: merged cells (O12:O13) in the score rows")


def test_reject_duplicated_and_altered_keys(mini, filled):
    def change(book, ws, cols, rows):
        set_text(cell(ws, cols, rows, "gamma/risk", "Key"), "gamma/impact")
        set_text(cell(ws, cols, rows, "gamma/cost", "Key"), "gamma/costs")
    edit_book(filled, change)
    rejects(mini, filled, f"{filled}: Scores!A13: key 'gamma/impact' appears twice (first at Scores!A12)",
            f"{filled}: Scores!A14: key 'gamma/costs' was altered",
            "row for gamma/risk is missing", "row for gamma/cost is missing")


def test_reject_missing_row(mini, filled):
    edit_book(filled, lambda b, ws, c, r: ws.delete_rows(r["beta/cost"]))
    rejects(mini, filled, f"{filled}: Scores!A: row for beta/cost is missing")


def test_reject_bad_confidence_missing_rationale_unknown_source(mini, filled):
    def change(book, ws, cols, rows):
        set_text(cell(ws, cols, rows, "alpha/impact", "Confidence"), "sure")
        cell(ws, cols, rows, "alpha/risk", "Rationale").value = None
        set_text(cell(ws, cols, rows, "alpha/cost", "Sources cited"), "src-one, src-404")
    edit_book(filled, change)
    rejects(mini, filled, f"{filled}: Scores!N6: alpha/impact: 'sure' is not a confidence (low, medium or high)",
            f"{filled}: Scores!O7: alpha/risk: rationale missing",
            f"{filled}: Scores!P8: alpha/cost: unknown source(s) ['src-404']")


def test_reject_level_and_abstention_together(mini, filled):
    edit_book(filled, lambda b, ws, c, r: set_text(cell(ws, c, r, "alpha/impact", "Abstain (reason)"), "no idea"))
    rejects(mini, filled, f"{filled}: Scores!G6: alpha/impact: give a level or an abstention reason, not both")


def test_reject_tampered_meta(mini, filled):
    book = openpyxl.load_workbook(filled)
    book["_meta"]["B4"].value = "someone-else"
    book.save(filled)
    rejects(mini, filled, f"{filled}: _meta!A1: the hidden _meta sheet was altered; make a new template")


def test_reject_workbook_of_another_study(mini, tmp_path, shipped):
    path = make_template(shipped, "analyst-rights", tmp_path / "other.xlsx", "illustrative-2026")
    rejects(mini, path, f"{path}: _meta!B2: made for study 'detainees-and-insurgencies', not 'mini'")


def test_reject_workbook_of_a_removed_session(mini, filled):
    (mini / "sessions" / "round-2.yaml").unlink()
    rejects(mini, filled, f"{filled}: _meta!B3: made for session 'round-2', which this study does not have")


def test_reject_other_rubric_version(mini, filled):
    for name in ("rubric.yaml", "sessions/round-1.yaml", "sessions/round-2.yaml"):
        path = mini / name
        path.write_text(path.read_text().replace('version: "2.1"', 'version: "2.2"'))
    rejects(mini, filled, f"{filled}: _meta!B6: made for rubric version '2.1', the study's rubric has '2.2'")


def test_reject_missing_sheet_and_not_a_workbook(mini, filled, tmp_path):
    book = openpyxl.load_workbook(filled)
    del book["Scores"]
    book["_lists"].sheet_state = "visible"  # a workbook needs one visible sheet
    book.save(filled)
    rejects(mini, filled, f"{filled}: sheet 'Scores' is missing")
    csv = tmp_path / "scores.xlsx"
    csv.write_text("Key,Level\nalpha/impact,3\n")
    rejects(mini, csv, f"{csv}: not an .xlsx workbook (not a zip archive")


def test_one_bad_workbook_rejects_the_whole_import(mini, tmp_path):
    new_session(mini)
    good = make_template(mini, "dan", tmp_path / "dan.xlsx")
    fill(good, 0)
    bad = make_template(mini, "eve", tmp_path / "eve.xlsx")
    fill(bad, 1)
    edit_book(bad, lambda b, ws, c, r: setattr(cell(ws, c, r, "alpha/impact", "Level"), "value", 9))
    before = tree_hash(mini)
    code, out, err = run_cli("import-scores", mini, good, bad)
    assert code == 1 and "9 is not a level of impact" in err
    assert tree_hash(mini) == before


def test_template_is_protected_with_dropdowns_and_meta(mini, tmp_path):
    path = make_template(mini, "ann", tmp_path / "ann.xlsx", "round-1", "--prefill")
    book = openpyxl.load_workbook(path)
    ws = book["Scores"]
    assert ws.protection.sheet and book["_meta"].sheet_state == "hidden" and book["_lists"].sheet_state == "hidden"
    cols, rows = rows_by_key(ws)
    level = cell(ws, cols, rows, "alpha/impact", "Level")
    assert level.value == 3 and level.protection.locked is False
    assert cell(ws, cols, rows, "alpha/impact", "Question").protection.locked is True
    formulas = {dv.formula1 for dv in ws.data_validations.dataValidation}
    assert {"=Levels_c1", "=Levels_c2", "=Levels_c3", '"low,medium,high"'} <= formulas
    assert "Levels_c1" in book.defined_names
    meaning = cell(ws, cols, rows, "alpha/impact", "What the level means").value
    assert meaning.startswith('=IF(G6="","",IFERROR(INDEX(Meanings_c1,MATCH(G6,Levels_c1,0))')
    meta = {r[0].value: r[1].value for r in book["_meta"].iter_rows(max_row=8)}
    assert (meta["study"], meta["session"], meta["analyst"], meta["rubric_id"], meta["rubric_version"]) == \
        ("mini", "round-1", "ann", "mini-rubric", "2.1")
    # illustrative session: labelled in the workbook
    assert "ILLUSTRATIVE" in str(ws["B4"].value)


def test_diff_profiles_and_sessions(mini, tmp_path):
    code, out, err = run_cli("diff", mini, "flat-direct", "tree-ahp", "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["weights"]["impact"] == {"a": pytest.approx(0.5), "b": pytest.approx(0.25)}
    assert {r["option"]: (r["rank_a"], r["rank_b"]) for r in doc["ranks"]} == {"alpha": (1, 1), "beta": (2, 2),
                                                                              "gamma": (3, 3)}
    path = make_template(mini, "ann", tmp_path / "ann.xlsx", "round-1", "--prefill")
    shutil.copy(mini / "sessions" / "round-1.yaml", mini / "sessions" / "round-3.yaml")
    session3 = mini / "sessions" / "round-3.yaml"
    session3.write_text(session3.read_text().replace("id: round-1", "id: round-3", 1)
                        .replace("    level: 3\n", "    level: 1\n", 1))
    code, out, err = run_cli("diff", mini, "round-1", "round-3", "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    # ann's alpha/impact 3 -> 1: median of (3, 3, 2) = 100 becomes median of (1, 3, 2) = 50
    assert doc["values"] == [{"option": "alpha", "criterion": "impact", "a": 100.0, "b": 50.0}]
    code, out, err = run_cli("diff", mini, "round-1", "flat-direct")
    assert code == 2 and "must both be profiles" in err


def test_level_meaning_formula_recalculates_in_libreoffice(mini, tmp_path):
    """Every "What the level means" formula, recalculated by LibreOffice, shows the chosen level's
    descriptor; a blank level shows nothing, a wrong one says so; no cell holds an error."""
    from libreoffice import error_cells, recalculated, require_soffice

    require_soffice()
    path = make_template(mini, "ann", tmp_path / "ann.xlsx", "round-1", "--prefill")
    book = openpyxl.load_workbook(path)
    ws = book["Scores"]
    cols, rows = rows_by_key(ws)
    cell(ws, cols, rows, "beta/cost", "Level").value = None
    cell(ws, cols, rows, "gamma/cost", "Level").value = 7
    book.save(path)
    study = load_study(mini)
    levels = {(s.option, s.criterion): s.level for s in study.session("round-1").scores if s.analyst == "ann"}
    result = recalculated(path, tmp_path / "recalc")
    assert error_cells(result) == []
    sheet = result["Scores"]
    checked = 0
    for key, row in rows.items():
        option, criterion_id = key.split("/")
        shown = sheet.cell(row=row, column=cols["What the level means"]).value
        if key == "beta/cost":
            assert shown in (None, "")
        elif key == "gamma/cost":
            assert shown == "(not a level of this criterion)"
        else:
            level = study.rubric.criterion(criterion_id).levels[levels[option, criterion_id] - 1]
            assert shown == f"{level.label}: {level.descriptor}"
        checked += 1
    assert checked == 9


def test_workbook_problems_carry_sheet_and_cell_as_fields(mini, filled):
    from rubric.errors import RubricError
    from rubric.records.workbook_scores import read_scores_workbook

    edit_book(filled, lambda b, ws, c, r: set_text(cell(ws, c, r, "alpha/impact", "Confidence"), "sure"))
    with pytest.raises(RubricError) as caught:
        read_scores_workbook(filled, load_study(mini))
    [problem] = caught.value.problems
    assert (problem.sheet, problem.cell, problem.line, problem.pointer) == ("Scores", "N6", None, None)
    assert str(problem) == f"{filled}: Scores!N6: alpha/impact: 'sure' is not a confidence (low, medium or high)"
