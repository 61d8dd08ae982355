"""A reviewer edits weights in the comparison workbook; `import-weights` turns them into profiles."""

import datetime as dt
from pathlib import Path

import numpy as np
import openpyxl
import pytest

from conftest import run_cli
from libreoffice import convert, require_soffice
from rubric import load_study
from rubric.compute.evaluate import evaluate
from rubric.workbooks.comparison import (COMMENT_LABEL, CRITERION_COLUMN, FIRST_INPUT_COLUMN, HEADER_ROW, META_SHEET,
                                         SPARE_HEADER, WEIGHTS_SHEET, meta_cell)

TODAY = dt.date.today().isoformat()


def tree_bytes(root: Path) -> dict:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def report(mini, tmp_path) -> Path:
    path = tmp_path / "reports" / "mini.xlsx"
    code, out, err = run_cli("report", mini, "-o", path, "--samples", "2000")
    assert code == 0, err
    return path


def column_of(ws, header) -> int:
    """The first column headed `header` (the input column of a profile; the normalised one comes later)."""
    return next(c for c in range(FIRST_INPUT_COLUMN, ws.max_column + 1) if ws.cell(row=HEADER_ROW, column=c).value == header)


def row_of(ws, item) -> int:
    """The row of a criterion, a group, or the reviewer comment row."""
    return next(r for r in range(HEADER_ROW + 1, ws.max_row + 1) if ws.cell(row=r, column=CRITERION_COLUMN).value == item)


def set_weight(path: Path, profile: str, item: str, value, out: Path):
    book = openpyxl.load_workbook(path)
    ws = book[WEIGHTS_SHEET]
    cell = ws.cell(row=row_of(ws, item), column=column_of(ws, profile))
    cell.value = value
    book.save(out)
    return cell.coordinate


def import_edited(book, study: Path, tmp_path: Path):
    """Save the edited workbook and run `rubric import-weights` on it: (exit code, stdout, stderr)."""
    edited = tmp_path / "edited.xlsx"
    book.save(edited)
    return run_cli("import-weights", study, edited)


def test_edited_weight_comes_back_with_the_workbooks_recalculated_ranking(mini, report, tmp_path):
    require_soffice()
    edited = tmp_path / "edited.xlsx"
    set_weight(report, "tree-swing", "delivery", 100, edited)   # a group row: delivery now level with effect
    [saved] = convert([edited], "xlsx", tmp_path / "libreoffice")  # recalculated and saved by LibreOffice
    book = openpyxl.load_workbook(saved, data_only=True)
    profiles = [p.id for p in load_study(mini).profiles]
    k = profiles.index("tree-swing")
    totals = [row[k].value for row in block(book, "Results_totals")]
    ranks = [row[k].value for row in block(book, "Results_ranks")]

    code, out, err = run_cli("import-weights", mini, saved)
    assert code == 0, err
    assert "new profile tree-swing-reviewed" in out
    assert "weight cost" in out and "0.200 -> 0.500" in out
    study = load_study(mini)
    assert study.profile("tree-swing").method == "swing"  # the original raw inputs are kept
    reviewed = evaluate(study, "tree-swing-reviewed", "wsm")
    assert study.profile("tree-swing-reviewed").method == "direct"
    # each row of Results (in whatever order it lists the options) is an option of the imported profile,
    # with the same total and rank
    engine = {r.option: (r.score, r.rank) for r in reviewed.ranking()}
    for total, rank in zip(totals, ranks):
        [option] = [o for o, (score, _) in engine.items() if abs(score - total) < 1e-9]
        assert engine[option][1] == rank
    assert reviewed.weights.as_dict()["cost"] == pytest.approx(0.5)


def block(book, name):
    [(title, ref)] = list(book.defined_names[name].destinations)
    return [list(row) for row in book[title][ref.replace("$", "")]]


def test_direct_profile_is_updated_in_place(mini, report, tmp_path):
    edited = tmp_path / "edited.xlsx"
    set_weight(report, "flat-direct", "impact", 60, edited)
    path = mini / "profiles" / "flat-direct.yaml"
    before = path.read_text()
    code, out, err = run_cli("import-weights", mini, edited)
    assert code == 0, err
    assert "update flat-direct" in out
    after = path.read_text()
    # the one value typed, and its rationale; every other byte as it was
    assert after == before.replace(
        'points: 50, rationale: "Main aim."',
        f"points: 60, rationale: 'Main aim. Set to 60 by the reviewer in edited.xlsx on {TODAY} (was 50).'")


def test_new_column_becomes_a_new_profile_with_comments(mini, report, tmp_path):
    book = openpyxl.load_workbook(report)
    ws = book[WEIGHTS_SHEET]
    new = column_of(ws, SPARE_HEADER)   # a spare column: the reviewer types an id over its header
    ws.cell(row=HEADER_ROW, column=new).value = "community-panel"
    for criterion, value in (("impact", 1), ("risk", 3), ("cost", 1)):
        ws.cell(row=row_of(ws, criterion), column=new).value = value
    ws.cell(row=row_of(ws, COMMENT_LABEL), column=new).value = "Panel of village chiefs, May session."
    ws.cell(row=row_of(ws, "risk"), column=column_of(ws, COMMENT_LABEL)).value = "Risk matters most to the panel."
    code, out, err = import_edited(book, mini, tmp_path)
    assert code == 0, err
    assert "new profile community-panel" in out
    profile = load_study(mini).profile("community-panel")
    assert profile.method == "direct" and "Panel of village chiefs" in profile.description
    items = {i.id: i for i in profile.blocks[0].items}
    assert (items["impact"].points, items["risk"].points, items["cost"].points) == (1, 3, 1)
    assert items["risk"].rationale == (f"Set by the reviewer in edited.xlsx on {TODAY}. "
                                       "Reviewer comment: Risk matters most to the panel.")


def test_as_names_the_profile_and_unchanged_workbook_writes_nothing(mini, report, tmp_path):
    before = tree_bytes(mini)
    code, out, err = run_cli("import-weights", mini, report)
    assert code == 0 and "no weights changed" in out
    assert tree_bytes(mini) == before
    edited = tmp_path / "edited.xlsx"
    set_weight(report, "tree-ahp", "risk", 10, edited)   # risk's share within effect: 66.7% -> 10
    code, out, err = run_cli("import-weights", mini, edited, "--as", "ahp-tweaked", "--dry-run")
    assert code == 0 and "new profile ahp-tweaked" in out and "dry run" in out
    assert tree_bytes(mini) == before
    code, out, err = run_cli("import-weights", mini, edited, "--as", "ahp-tweaked")
    assert code == 0, err
    w = evaluate(load_study(mini), "ahp-tweaked").weights.as_dict()
    impact = 100 / 3
    assert w == pytest.approx({"impact": 0.75 * impact / (impact + 10), "risk": 0.75 * 10 / (impact + 10),
                               "cost": 0.25})


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
    ws.cell(row=row_of(ws, "impact"), column=column_of(ws, "flat-direct")).value = 80
    ws.cell(row=row_of(ws, "impact"), column=column_of(ws, COMMENT_LABEL)).value = "Raised after the May review."
    code, out, err = import_edited(book, mini, tmp_path)
    assert code == 0, err
    items = {i.id: i for i in load_study(mini).profile("flat-direct").blocks[0].items}
    assert items["impact"].rationale == (f"Main aim. Set to 80 by the reviewer in edited.xlsx on {TODAY} (was 50). "
                                         "Reviewer comment: Raised after the May review.")
    assert items["risk"].rationale == "Second."
