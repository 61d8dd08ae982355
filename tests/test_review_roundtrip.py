"""A reviewer edits weights in the comparison workbook; `import-weights` turns them into profiles."""

import shutil
from pathlib import Path

import numpy as np
import openpyxl
import pytest

from conftest import run_cli
from libreoffice import convert, require_soffice
from rubric import load_study
from rubric.compute.evaluate import evaluate
from rubric.workbooks.comparison import (COMMENT_LABEL, CRITERION_COLUMN, FIRST_INPUT_COLUMN, HEADER_ROW, META_SHEET,
                                         WEIGHTS_SHEET, meta_cell)


def tree_bytes(root: Path) -> dict:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def report(mini, tmp_path) -> Path:
    path = tmp_path / "reports" / "mini.xlsx"
    code, out, err = run_cli("report", mini, "-o", path, "--samples", "2000")
    assert code == 0, err
    return path


def weights_columns(ws):
    return {ws.cell(row=HEADER_ROW, column=c).value: c for c in range(FIRST_INPUT_COLUMN, FIRST_INPUT_COLUMN + 4)}


def set_weight(path: Path, profile: str, criterion: str, value, out: Path):
    book = openpyxl.load_workbook(path)
    ws = book[WEIGHTS_SHEET]
    column = weights_columns(ws)[profile]
    row = next(r for r in range(HEADER_ROW + 1, 20) if ws.cell(row=r, column=CRITERION_COLUMN).value == criterion)
    ws.cell(row=row, column=column).value = value
    book.save(out)
    return f"{ws.cell(row=row, column=column).coordinate}"


def reviewer_comment_column(ws) -> int:
    return next(c for c in range(FIRST_INPUT_COLUMN, ws.max_column + 1)
                if ws.cell(row=HEADER_ROW, column=c).value == COMMENT_LABEL)


def import_edited(book, study: Path, tmp_path: Path):
    """Save the edited workbook and run `rubric import-weights` on it: (exit code, stdout, stderr)."""
    edited = tmp_path / "edited.xlsx"
    book.save(edited)
    return run_cli("import-weights", study, edited)


def test_edited_weight_comes_back_with_the_workbooks_recalculated_ranking(mini, report, tmp_path):
    require_soffice()
    edited = tmp_path / "edited.xlsx"
    set_weight(report, "tree-swing", "cost", 0.9, edited)
    [saved] = convert([edited], "xlsx", tmp_path / "libreoffice")  # recalculated and saved by LibreOffice
    book = openpyxl.load_workbook(saved, data_only=True)
    results = book["Results"]
    headers = [results.cell(row=5, column=c).value for c in range(1, results.max_column + 1)]
    total_col = headers.index("tree-swing") + 1
    rank_col = headers.index("tree-swing", total_col) + 1
    options = [results.cell(row=r, column=1).value for r in range(6, 9)]
    sheet_totals = {o: results.cell(row=6 + i, column=total_col).value for i, o in enumerate(options)}
    sheet_ranks = {o: results.cell(row=6 + i, column=rank_col).value for i, o in enumerate(options)}

    code, out, err = run_cli("import-weights", mini, saved)
    assert code == 0, err
    assert "new profile tree-swing-reviewed" in out
    assert "weight cost" in out and "0.200 -> " in out
    study = load_study(mini)
    assert study.profile("tree-swing").method == "swing"  # the original raw inputs are kept
    reviewed = evaluate(study, "tree-swing-reviewed", "wsm")
    assert study.profile("tree-swing-reviewed").method == "direct"
    assert {r.option: r.rank for r in reviewed.ranking()} == sheet_ranks
    assert {r.option: r.score for r in reviewed.ranking()} == pytest.approx(sheet_totals, abs=1e-9)
    # the edit really changed something: cost now dominates
    assert reviewed.weights.as_dict()["cost"] == pytest.approx(0.9 / (0.3 + 0.5 + 0.9))


def test_flat_direct_profile_is_updated_in_place(mini, report, tmp_path):
    edited = tmp_path / "edited.xlsx"
    set_weight(report, "flat-direct", "impact", 0.9, edited)
    path = mini / "profiles" / "flat-direct.yaml"
    before = path.read_text()
    code, out, err = run_cli("import-weights", mini, edited)
    assert code == 0, err
    assert "update flat-direct" in out
    after = path.read_text()
    assert after == before.replace("points: 50", "points: 0.9").replace("points: 30", "points: 0.3").replace(
        "points: 20", "points: 0.2")  # everything else, rationales included, unchanged


def test_new_column_becomes_a_new_profile_with_comments(mini, report, tmp_path):
    book = openpyxl.load_workbook(report)
    ws = book[WEIGHTS_SHEET]
    new = ws.max_column + 1  # a reviewer appends a column at the right edge
    ws.cell(row=HEADER_ROW, column=new).value = "community-panel"
    for row, value in ((HEADER_ROW + 1, 1), (HEADER_ROW + 2, 3), (HEADER_ROW + 3, 1)):
        ws.cell(row=row, column=new).value = value
    comment_row = next(r for r in range(HEADER_ROW + 1, 20)
                       if ws.cell(row=r, column=CRITERION_COLUMN).value == COMMENT_LABEL)
    ws.cell(row=comment_row, column=new).value = "Panel of village chiefs, May session."
    comment_col = reviewer_comment_column(ws)
    ws.cell(row=HEADER_ROW + 2, column=comment_col).value = "Risk matters most to the panel."
    code, out, err = import_edited(book, mini, tmp_path)
    assert code == 0, err
    assert "new profile community-panel" in out
    profile = load_study(mini).profile("community-panel")
    assert profile.method == "direct" and "Panel of village chiefs" in profile.description
    items = {i.id: i for i in profile.blocks[0].items}
    assert (items["impact"].points, items["risk"].points, items["cost"].points) == (1, 3, 1)
    assert items["risk"].rationale == "Reviewer comment: Risk matters most to the panel."


def test_as_names_the_profile_and_unchanged_workbook_writes_nothing(mini, report, tmp_path):
    before = tree_bytes(mini)
    code, out, err = run_cli("import-weights", mini, report)
    assert code == 0 and "no weights changed" in out
    assert tree_bytes(mini) == before
    edited = tmp_path / "edited.xlsx"
    set_weight(report, "tree-ahp", "risk", 0.1, edited)
    code, out, err = run_cli("import-weights", mini, edited, "--as", "ahp-tweaked", "--dry-run")
    assert code == 0 and "new profile ahp-tweaked" in out and "dry run" in out
    assert tree_bytes(mini) == before
    code, out, err = run_cli("import-weights", mini, edited, "--as", "ahp-tweaked")
    assert code == 0, err
    w = evaluate(load_study(mini), "ahp-tweaked").weights.as_dict()
    assert w == pytest.approx({"impact": 0.25 / 0.6, "risk": 0.1 / 0.6, "cost": 0.25 / 0.6})


@pytest.mark.parametrize("value, message", [
    (-1, "weight -1 must be a finite number of zero or more"),
    ("0.4", "weight '0.4' is a number stored as text"),
    ("=0.2*2", "a formula in a weight input cell; type a number"),
    ("lots", "weight 'lots' is not a number"),
    (None, "no weight for risk in column 'flat-rank'"),
])
def test_bad_weight_cells_are_rejected_with_their_cell(mini, report, tmp_path, value, message):
    edited = tmp_path / "edited.xlsx"
    cell = set_weight(report, "flat-rank", "risk", value, edited)
    before = tree_bytes(mini)
    code, out, err = run_cli("import-weights", mini, edited)
    assert code == 1 and "Traceback" not in err
    assert err.strip() == f"{edited}: {WEIGHTS_SHEET}!{cell}: {message}"
    assert tree_bytes(mini) == before


def test_workbook_of_another_study_is_rejected(mini, report, shipped, tmp_path):
    code, out, err = run_cli("import-weights", shipped, report)
    assert code == 1
    assert err.strip() == f"{report}: {META_SHEET}!{meta_cell('study_id')}: written for study 'mini', not 'detainees-and-insurgencies'"


def test_row_comments_are_added_to_rationales_never_replacing_them(mini, report, tmp_path):
    book = openpyxl.load_workbook(report)
    ws = book[WEIGHTS_SHEET]
    ws.cell(row=HEADER_ROW + 1, column=FIRST_INPUT_COLUMN).value = 0.8      # flat-direct, impact
    comment_col = reviewer_comment_column(ws)
    ws.cell(row=HEADER_ROW + 1, column=comment_col).value = "Raised after the May review."
    code, out, err = import_edited(book, mini, tmp_path)
    assert code == 0, err
    items = {i.id: i for i in load_study(mini).profile("flat-direct").blocks[0].items}
    assert items["impact"].rationale == "Main aim. Reviewer comment: Raised after the May review."
    assert items["risk"].rationale == "Second."
