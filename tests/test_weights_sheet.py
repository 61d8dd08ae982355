"""The Weights sheet of the comparison workbook (layout format 2) and `rubric import-weights`.

Inputs hold each profile's own values (points as recorded, derived percentages for rank and AHP,
group rows for hierarchical profiles); LibreOffice recalculates the normalised weights to the
engine's; an edit recomputes Results; the import writes the values as typed, keeps untouched
rationales, reports each comment once, takes new profiles from the spare columns and refuses bad
cells with one line naming the cell.
"""

import datetime as dt
import re
import shutil
from pathlib import Path

import attrs
import numpy as np
import openpyxl
from openpyxl.utils import get_column_letter
import pytest

import libreoffice
from conftest import MINI, ROOT, SHIPPED, run_cli
from rubric import load_study
from rubric.compute.evaluate import evaluate
from rubric.compute.methods.wsm import wsm
from rubric.compute.report import build_report
from rubric.compute.weights import derive_weights, profile_weights
from rubric.model import WeightItem
from rubric.workbooks.comparison import (COMMENT_LABEL, CRITERION_COLUMN, FIRST_INPUT_COLUMN, FORMAT, HEADER_ROW,
                                         META_SHEET, SCALE_LABEL, SPARE_HEADER, WEIGHTS_SHEET, meta_cell)
from rubric.workbooks.weight_inputs import sheet_inputs
from rubric.writers.xlsx import write_workbook

V1 = ROOT / "tests" / "data" / "policies-v1"
STUDIES = {"mini": MINI, "shipped": SHIPPED, "policies-v1": V1}
SAMPLES = 500
TODAY = dt.date.today().isoformat()


def block(book, name):
    [(title, ref)] = list(book.defined_names[name].destinations)
    cells = book[title][ref.replace("$", "")]
    return [list(row) for row in (cells if isinstance(cells[0], tuple) else (cells,))]


def values(book, name) -> np.ndarray:
    return np.array([[c.value for c in row] for row in block(book, name)], dtype=float)


class Sheet:
    """Where things are on a Weights sheet: columns by header (first match), rows by id."""

    def __init__(self, ws):
        self.ws = ws
        self.column, self.row = {}, {}
        for c in range(FIRST_INPUT_COLUMN, ws.max_column + 1):
            self.column.setdefault(ws.cell(HEADER_ROW, c).value, c)
        for r in range(HEADER_ROW - 1, ws.max_row + 1):   # from the scale row over the header
            value = ws.cell(r, CRITERION_COLUMN).value
            self.row.setdefault(value, r)
            if value == COMMENT_LABEL:
                break

    def cell(self, item, header):
        return self.ws.cell(self.row[item], self.column[header])

    def spare(self, k=0):
        return [c for c in range(FIRST_INPUT_COLUMN, self.ws.max_column + 1)
                if self.ws.cell(HEADER_ROW, c).value == SPARE_HEADER][k]


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """Each study's workbook, written once: name -> (study, report, path)."""
    out = tmp_path_factory.mktemp("weights-sheet")
    found = {}
    for name, root in STUDIES.items():
        study = load_study(root)
        report = build_report(study, samples=SAMPLES)
        found[name] = (study, report, Path(write_workbook(report, out / f"{name}.xlsx")))
    return found


@pytest.fixture(scope="module")
def recalculated(written, tmp_path_factory):
    """The three workbooks recalculated by LibreOffice in one run: name -> openpyxl book (values)."""
    libreoffice.require_soffice()
    names = sorted(written)
    outs = libreoffice.convert([written[n][2] for n in names], "xlsx", tmp_path_factory.mktemp("weights-lo"))
    return {n: openpyxl.load_workbook(o, data_only=True) for n, o in zip(names, outs)}


def copy_study(root: Path, tmp_path: Path) -> Path:
    target = tmp_path / root.name
    shutil.copytree(root, target)
    return target


def edit_and_save(path: Path, out: Path, change) -> Path:
    book = openpyxl.load_workbook(path)
    change(Sheet(book[WEIGHTS_SHEET]))
    book.save(out)
    return out


def tree_bytes(root: Path) -> dict:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# -- what the sheet holds ----------------------------------------------------------------------------

def test_inputs_hold_each_profiles_own_values(written):
    for name, (study, report, path) in written.items():
        book = openpyxl.load_workbook(path)
        sheet = Sheet(book[WEIGHTS_SHEET])
        criteria = [c.id for c in study.rubric.criteria]
        groups = [g.id for g in study.rubric.all_groups()]
        for profile in study.profiles:
            shown = sheet_inputs(profile, profile_weights(study, profile.id))
            assert sheet.cell(SCALE_LABEL, profile.id).value == shown.scale
            for criterion in criteria:
                cell = sheet.cell(criterion, profile.id)
                # points exactly; derived percentages to the 16 digits a workbook stores
                assert cell.value == (shown.values[criterion] if shown.points else
                                      pytest.approx(shown.values[criterion], rel=1e-15)), (name, profile.id, criterion)
                assert cell.protection.locked is False
            for group in groups:
                cell = sheet.cell(group, profile.id)
                if shown.hierarchical:
                    assert cell.value == pytest.approx(shown.values[group], rel=1e-15)
                    assert cell.protection.locked is False
                else:
                    assert cell.value is None and cell.protection.locked is not False
    study, _, path = written["shipped"]
    sheet = Sheet(openpyxl.load_workbook(path)[WEIGHTS_SHEET])
    # the reviewer's 100-point scale, exactly as recorded
    assert [sheet.cell(c, "justice-ministry").value for c in ("recidivism", "rights-rule-of-law", "feasibility")] \
        == [20, 17, 13]
    assert sheet.cell(SCALE_LABEL, "justice-ministry").value == "points"
    # a hierarchical swing profile: group points and its criteria's points within their group
    assert [sheet.cell(g, "interior-security").value for g in ("security", "delivery", "legitimacy", "rights")] \
        == [100, 40, 30, 15]
    assert sheet.cell("control-retained", "interior-security").value == 90
    assert sheet.cell(SCALE_LABEL, "interior-security").value == "swing points (best = 100), within each group"
    # a rank profile shows the percentages its method derives
    ngo = profile_weights(study, "human-rights-ngo").as_dict()
    assert sheet.cell("rights-rule-of-law", "human-rights-ngo").value == pytest.approx(100 * ngo["rights-rule-of-law"])
    assert sheet.cell(SCALE_LABEL, "human-rights-ngo").value == "% derived (rank)"
    # the guide names the command and the spare columns, which are unlocked
    guide = " ".join(str(sheet.ws.cell(r, 1).value) for r in range(4, HEADER_ROW))
    assert "rubric import-weights policies REVIEWED.xlsx" in guide and f"'{SPARE_HEADER}'" in guide
    for k in range(3):
        assert sheet.ws.cell(HEADER_ROW, sheet.spare(k)).protection.locked is False
        assert sheet.ws.cell(sheet.row["recidivism"], sheet.spare(k)).protection.locked is False
    assert openpyxl.load_workbook(path)[META_SHEET][meta_cell("format")].value == FORMAT == "2"


def test_one_chart_per_profile(written):
    import zipfile

    for name, (study, _, path) in written.items():
        with zipfile.ZipFile(path) as archive:
            sheets = {n for n in archive.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)}
            titles = [re.findall(rb"<a:t>([^<]*)</a:t>", archive.read(n)) for n in archive.namelist()
                      if n.startswith("xl/charts/chart")]
        expected = [f"{p.id}: {sheet_inputs(p, profile_weights(study, p.id)).scale}" for p in study.profiles]
        # titled with the profile and its scale, in profile order
        assert [t[0].decode() for t in titles if t and t[0].decode() in expected] == expected, name
        assert sheets


# -- LibreOffice: the formulas give the engine's weights, and follow an edit --------------------------

@pytest.mark.slow
def test_normalised_weights_recalculate_to_the_engines(written, recalculated):
    for name, (study, _, _) in written.items():
        book = recalculated[name]
        expected = np.array([profile_weights(study, p.id).leaf for p in study.profiles])
        assert np.abs(values(book, "Weights_normalised") - expected.T).max() < 1e-12, name
        assert np.abs(values(book, "Weights_rows") - expected).max() < 1e-12, name
        assert np.abs(values(book, "Weights_normalised_sum") - 1).max() < 1e-12, name
        group_weights = np.array([[profile_weights(study, p.id).group_weight(study.rubric, g.id)
                                   for p in study.profiles] for g in study.rubric.all_groups()])
        assert np.abs(values(book, "Weights_group_normalised") - group_weights).max() < 1e-12, name
        assert [e for e in libreoffice.error_cells(book) if e.startswith(WEIGHTS_SHEET)] == []


def _expected_weights(study, profile_id, typed):
    """The leaf weights the sheet computes from its values with some of them retyped (a direct profile)."""
    shown = sheet_inputs(study.profile(profile_id), profile_weights(study, profile_id)).values
    profile = study.profile(profile_id)
    blocks = tuple(attrs.evolve(block, judgements=(), items=tuple(
        WeightItem(i.id, i.rationale, typed.get(i.id, shown[i.id])) for i in block.items)) for block in profile.blocks)
    return derive_weights(attrs.evolve(profile, method="direct", blocks=blocks), study.rubric).leaf


@pytest.mark.slow
def test_edited_points_recompute_results_and_import_as_the_sheet_shows(written, tmp_path):
    study, report, path = written["shipped"]
    edits = {"justice-ministry": {"recidivism": 30, "feasibility": 2.5},
             "interior-security": {"security": 60, "control-retained": 40},   # a group row and a criterion
             "human-rights-ngo": {"civilian-protection": 30}}                  # a derived percentage

    def change(sheet):
        for profile_id, typed in edits.items():
            for item, value in typed.items():
                sheet.cell(item, profile_id).value = value

    edited = edit_and_save(path, tmp_path / "edited.xlsx", change)
    [saved] = libreoffice.convert([edited], "xlsx", tmp_path / "lo")   # recalculated and saved by LibreOffice
    book = openpyxl.load_workbook(saved, data_only=True)
    profiles = [p.id for p in study.profiles]
    normalised = values(book, "Weights_normalised")
    totals = values(book, "Results_totals")   # [option, profile]; compared as sets: rows may be in rank order
    for k, profile_id in enumerate(profiles):
        weights = (_expected_weights(study, profile_id, edits[profile_id]) if profile_id in edits
                   else profile_weights(study, profile_id).leaf)
        assert np.abs(normalised[:, k] - weights).max() < 1e-12, profile_id
        engine = wsm(evaluate(study, profile_id, "wsm").values, weights).scores
        assert np.abs(np.sort(totals[:, k]) - np.sort(engine)).max() < 1e-9, profile_id
    # the edits really moved the totals
    before = evaluate(study, "justice-ministry", "wsm").scores
    assert np.abs(np.sort(totals[:, profiles.index("justice-ministry")]) - np.sort(before)).max() > 0.1

    root = copy_study(SHIPPED, tmp_path)
    code, out, err = run_cli("import-weights", root, saved)
    assert code == 0, err
    assert "update justice-ministry" in out and "new profile interior-security-reviewed" in out
    assert ("new profile human-rights-ngo-reviewed (column G 'human-rights-ngo', a direct-points copy of the "
            "percentages typed; human-rights-ngo keeps its rank inputs)") in out
    imported = load_study(root)
    for profile_id in edits:
        target = profile_id if profile_id == "justice-ministry" else f"{profile_id}-reviewed"
        assert imported.profile(target).method == "direct"
        column = normalised[:, profiles.index(profile_id)]
        assert np.abs(profile_weights(imported, target).leaf - column).max() < 1e-9, target
    assert imported.profile("interior-security").method == "swing"   # its own inputs kept


# -- import-weights -----------------------------------------------------------------------------------

def test_direct_profile_keeps_its_scale_and_untouched_rationales(written, tmp_path):
    _, _, path = written["shipped"]
    root = copy_study(SHIPPED, tmp_path)
    original = (root / "profiles" / "justice-ministry.yaml").read_text()
    edited = edit_and_save(path, tmp_path / "edited.xlsx",
                           lambda s: setattr(s.cell("recidivism", "justice-ministry"), "value", 25))
    code, out, err = run_cli("import-weights", root, edited)
    assert code == 0, err
    assert "update justice-ministry (column" in out and "points as typed" in out
    after = (root / "profiles" / "justice-ministry.yaml").read_text()
    old_lines, new_lines = original.splitlines(), after.splitlines()
    changed = [i for i, (a, b) in enumerate(zip(old_lines, new_lines)) if a != b]
    # only the recidivism item: its points and its rationale (which had two lines, now one)
    assert old_lines[changed[0]] == "    points: 20" and new_lines[changed[0]] == "    points: 25"
    assert len(new_lines) == len(old_lines) - 1 and old_lines[changed[-1] + 2:] == new_lines[changed[-1] + 1:]
    profile = load_study(root).profile("justice-ministry")
    items = {i.id: i for i in profile.blocks[0].items}
    assert (items["recidivism"].points, items["rights-rule-of-law"].points, items["feasibility"].points) == (25, 17, 13)
    assert items["recidivism"].rationale.endswith(f"Set to 25 by the reviewer in edited.xlsx on {TODAY} (was 20).")
    assert items["recidivism"].rationale.startswith("Many convicts serve only a few years")
    assert items["rights-rule-of-law"].rationale.startswith("Convictions depend on admissible evidence")
    assert "reviewer" not in items["rights-rule-of-law"].rationale


def test_hierarchical_swing_profile_becomes_a_direct_copy_with_the_typed_points(written, tmp_path):
    study, _, path = written["shipped"]
    root = copy_study(SHIPPED, tmp_path)

    def change(sheet):
        sheet.cell("security", "interior-security").value = 80
        sheet.cell("control-retained", "interior-security").value = 85.5
    code, out, err = run_cli("import-weights", root, edit_and_save(path, tmp_path / "edited.xlsx", change))
    assert code == 0, err
    text = (root / "profiles" / "interior-security-reviewed.yaml").read_text()
    assert not re.search(r"\d\.\d{6,}", text)   # no binary noise such as 0.1716001716001716
    assert "points: 85.5" in text and "rank:" not in text
    reviewed = load_study(root).profile("interior-security-reviewed")
    original = study.profile("interior-security")
    assert [b.node for b in reviewed.blocks] == [b.node for b in original.blocks]
    for new_block, old_block in zip(reviewed.blocks, original.blocks):
        for new, old in zip(new_block.items, old_block.items):
            if new.id in ("security", "control-retained"):
                assert new.rationale.startswith(old.rationale) and f"in edited.xlsx on {TODAY}" in new.rationale
            else:
                assert (new.points, new.rationale) == (old.points, old.rationale)
    assert {i.id: i.points for b in reviewed.blocks for i in b.items}["security"] == 80


def test_rank_percentage_edit_is_written_as_typed(written, tmp_path):
    _, _, path = written["shipped"]
    root = copy_study(SHIPPED, tmp_path)
    edited = edit_and_save(path, tmp_path / "edited.xlsx",
                           lambda s: setattr(s.cell("civilian-protection", "human-rights-ngo"), "value", 17.16))
    code, out, err = run_cli("import-weights", root, edited)
    assert code == 0, err
    assert "a direct-points copy of the percentages typed; human-rights-ngo keeps its rank inputs" in out
    text = (root / "profiles" / "human-rights-ngo-reviewed.yaml").read_text()
    points = [float(x) for x in re.findall(r"points: ([\d.e+-]+)", text)]
    assert "points: 17.16\n" in text
    assert all(len(re.sub(r"[^\d]", "", f"{p!r}").lstrip("0")) <= 10 for p in points)   # 10 significant digits at most


def test_each_comment_is_reported_once(written, tmp_path):
    _, _, path = written["shipped"]
    root = copy_study(SHIPPED, tmp_path)
    before = tree_bytes(root)

    def change(sheet):
        sheet.cell("feasibility", COMMENT_LABEL).value = "Feasibility is overrated."
        sheet.ws.cell(sheet.row[COMMENT_LABEL], sheet.column["custodians"]).value = "Looks right."
    code, out, err = run_cli("import-weights", root, edit_and_save(path, tmp_path / "edited.xlsx", change))
    assert code == 0, err
    notes = [line for line in out.splitlines() if line.startswith("note:")]
    assert len(notes) == 2, out
    assert "(feasibility) is not imported" in notes[1] and "(custodians) is not imported" in notes[0]
    assert "no weights changed: nothing to write" in out and tree_bytes(root) == before


def test_row_comment_goes_with_the_changed_item(written, tmp_path):
    _, _, path = written["shipped"]
    root = copy_study(SHIPPED, tmp_path)

    def change(sheet):
        sheet.cell("recidivism", "justice-ministry").value = 22
        sheet.cell("recidivism", COMMENT_LABEL).value = "Raised after the May review."
    code, out, err = run_cli("import-weights", root, edit_and_save(path, tmp_path / "edited.xlsx", change))
    assert code == 0, err
    assert "note:" not in out
    items = {i.id: i for i in load_study(root).profile("justice-ministry").blocks[0].items}
    assert items["recidivism"].rationale.endswith("(was 20). Reviewer comment: Raised after the May review.")


def test_spare_column_becomes_a_new_validated_profile(written, tmp_path):
    study, _, path = written["mini"]
    root = copy_study(MINI, tmp_path)

    def change(sheet):
        column = sheet.spare(1)
        sheet.ws.cell(HEADER_ROW, column).value = "community-panel"
        for criterion, value in (("impact", 1), ("risk", 3.5), ("cost", 0)):
            sheet.ws.cell(sheet.row[criterion], column).value = value
        sheet.ws.cell(sheet.row[COMMENT_LABEL], column).value = "Panel of village chiefs, May session."
    code, out, err = run_cli("import-weights", root, edit_and_save(path, tmp_path / "edited.xlsx", change))
    assert code == 0, err
    assert "new profile community-panel" in out and "note:" not in out
    profile = load_study(root).profile("community-panel")
    assert profile.method == "direct" and profile.description.endswith("Reviewer comment: Panel of village chiefs, May session.")
    assert {i.id: i.points for i in profile.blocks[0].items} == {"impact": 1, "risk": 3.5, "cost": 0}
    assert profile.blocks[0].items[0].rationale == f"Set by the reviewer in edited.xlsx on {TODAY}."


def test_tree_ahp_percentages_become_a_direct_tree(written, tmp_path):
    study, _, path = written["mini"]
    root = copy_study(MINI, tmp_path)
    edited = edit_and_save(path, tmp_path / "edited.xlsx", lambda s: setattr(s.cell("effect", "tree-ahp"), "value", 50))
    code, out, err = run_cli("import-weights", root, edited)
    assert code == 0, err
    reviewed = load_study(root)
    assert reviewed.profile("tree-ahp-reviewed").method == "direct"
    assert profile_weights(reviewed, "tree-ahp-reviewed").leaf == pytest.approx(
        _expected_weights(study, "tree-ahp", {"effect": 50}), abs=1e-9)
    assert profile_weights(reviewed, "tree-ahp-reviewed").group_weight(reviewed.rubric, "effect") == pytest.approx(
        50 / (50 + 25), abs=1e-9)


def _set(item, header, value):
    return lambda sheet: setattr(sheet.cell(item, header), "value", value)


def _spare_header(value, typed=True):
    def change(sheet):
        column = sheet.spare(0)
        sheet.ws.cell(HEADER_ROW, column).value = value
        if typed:
            for criterion in ("impact", "risk", "cost"):
                sheet.ws.cell(sheet.row[criterion], column).value = 1
    return change


BAD_CELLS = [
    ("negative", _set("risk", "flat-direct", -1), ("risk", "flat-direct"), "weight -1 must be a finite number of zero or more"),
    ("text", _set("risk", "flat-direct", "lots"), ("risk", "flat-direct"), "weight 'lots' is not a number"),
    ("group-text", _set("effect", "tree-swing", "0.4"), ("effect", "tree-swing"), "weight '0.4' is a number stored as text"),
    ("empty", _set("cost", "flat-rank", None), ("cost", "flat-rank"), "no weight for cost in column 'flat-rank'"),
    ("bad-id", _spare_header("Panel View"), None,
     "new column header 'Panel View' is not a valid profile id (lowercase letters, digits and dashes); rename it or use --as ID"),
    ("no-id", _spare_header(SPARE_HEADER), None, f"weights typed under '{SPARE_HEADER}': type the new profile's id over it"),
    ("id-no-weights", _spare_header("panel", typed=False), None, "no weights in column 'panel': type one for every criterion"),
]


@pytest.mark.parametrize("case", BAD_CELLS, ids=[c[0] for c in BAD_CELLS])
def test_bad_cell_is_one_line_naming_it_and_nothing_is_written(written, tmp_path, case):
    name, change, where, message = case
    _, _, path = written["mini"]
    root = copy_study(MINI, tmp_path)
    sheet = Sheet(openpyxl.load_workbook(path)[WEIGHTS_SHEET])
    cell = sheet.cell(*where).coordinate if where else sheet.ws.cell(HEADER_ROW, sheet.spare(0)).coordinate
    edited = edit_and_save(path, tmp_path / "edited.xlsx", change)
    before = tree_bytes(root)
    code, out, err = run_cli("import-weights", root, edited)
    assert code == 1 and err.strip() == f"{edited}: {WEIGHTS_SHEET}!{cell}: {message}"
    assert tree_bytes(root) == before


def test_workbook_of_an_older_layout_is_refused_in_one_line(written, tmp_path):
    _, _, path = written["mini"]
    root = copy_study(MINI, tmp_path)
    book = openpyxl.load_workbook(path)
    book[META_SHEET][meta_cell("format")].value = "1"
    book.save(tmp_path / "old.xlsx")
    code, out, err = run_cli("import-weights", root, tmp_path / "old.xlsx")
    assert code == 1
    assert err.strip() == (f"{tmp_path / 'old.xlsx'}: {META_SHEET}!{meta_cell('format')}: Weights sheet of layout "
                           "format '1'; this rubric reads format 2: write the workbook again with `rubric report` "
                           "and redo the edits there")


def _import_tree_swing_delivery_75(root, tmp_path) -> str:
    """Write the study's workbook, type 75 for tree-swing's delivery, import: the command's output."""
    workbook = tmp_path / "tree.xlsx"
    code, out, err = run_cli("report", root, "-o", workbook, "--samples", "200")
    assert code == 0, err
    edited = edit_and_save(workbook, tmp_path / "edited.xlsx", _set("delivery", "tree-swing", 75))
    code, out, err = run_cli("import-weights", root, edited)
    assert code == 0, err
    return out


def test_hierarchical_direct_profile_is_edited_in_place(tmp_path):
    root = copy_study(MINI, tmp_path)
    path = root / "profiles" / "tree-swing.yaml"
    text = re.sub(r"rank: \d, ", "", path.read_text()).replace("method: swing", "method: direct")
    path.write_text(text)
    out = _import_tree_swing_delivery_75(root, tmp_path)
    assert "update tree-swing" in out
    assert path.read_text() == text.replace(
        '{id: delivery, points: 25, rationale: "Delivery second."}',
        f"{{id: delivery, points: 75, rationale: 'Delivery second. Set to 75 by the reviewer in edited.xlsx on {TODAY} "
        "(was 25).'}")
    assert profile_weights(load_study(root), "tree-swing").as_dict()["cost"] == pytest.approx(75 / 175)


# -- stale workbooks, colliding columns, taken ids, block scalars --------------------------------------

def _points_of(root, profile_id):
    return {i.id: i.points for b in load_study(root).profile(profile_id).blocks for i in b.items}


def test_a_stale_workbook_changes_only_what_its_reviewer_changed(written, tmp_path):
    """Two reviewers edit copies of one workbook: the second import keeps the first's change (the
    sheet is compared with what it was written with, not with the study now); the same workbook
    imported again changes nothing; a third edit of an item changed since is a conflict at its cell."""
    _, _, path = written["shipped"]
    root = copy_study(SHIPPED, tmp_path)
    first = edit_and_save(path, tmp_path / "a.xlsx", _set("recidivism", "justice-ministry", 25))
    second = edit_and_save(path, tmp_path / "b.xlsx", _set("rights-rule-of-law", "justice-ministry", 30))
    for workbook in (first, second):
        code, out, err = run_cli("import-weights", root, workbook)
        assert code == 0 and "update justice-ministry" in out, err
    points = _points_of(root, "justice-ministry")
    assert (points["recidivism"], points["rights-rule-of-law"], points["feasibility"]) == (25, 30, 13)
    code, out, err = run_cli("import-weights", root, first)
    assert code == 0 and "no weights changed: nothing to write" in out, err
    third = edit_and_save(path, tmp_path / "c.xlsx", _set("recidivism", "justice-ministry", 40))
    cell = Sheet(openpyxl.load_workbook(path)[WEIGHTS_SHEET]).cell("recidivism", "justice-ministry").coordinate
    before = tree_bytes(root)
    code, out, err = run_cli("import-weights", root, third)
    assert code == 1 and err.strip() == (
        f"{third}: {WEIGHTS_SHEET}!{cell}: recidivism in profile 'justice-ministry' changed since this workbook "
        "was written (was 20, now 25), and you changed it too: write the workbook again with `rubric report` "
        "and redo the edit there")
    assert tree_bytes(root) == before


def test_a_stale_copy_of_a_swing_profile_takes_the_untouched_points_as_they_are_now(written, tmp_path):
    _, _, path = written["shipped"]
    root = copy_study(SHIPPED, tmp_path)
    profile = root / "profiles" / "interior-security.yaml"
    edited = edit_and_save(path, tmp_path / "edited.xlsx", _set("control-retained", "interior-security", 85.5))
    now = load_study(root).profile("interior-security")
    untouched = next(i for b in now.blocks for i in b.items if i.id not in ("control-retained",)
                     and i.points not in (None, 100))
    text = profile.read_text()   # another edit lands after the workbook was written
    at = text.index(f"id: {untouched.id}")
    profile.write_text(text[:at] + text[at:].replace(f"points: {untouched.points}", f"points: {untouched.points - 1}", 1))
    code, out, err = run_cli("import-weights", root, edited)
    assert code == 0, err
    points = _points_of(root, "interior-security-reviewed")
    assert points["control-retained"] == 85.5 and points[untouched.id] == untouched.points - 1


def _spare_column(sheet, header, values):
    column = sheet.spare(0)
    sheet.ws.cell(HEADER_ROW, column).value = header
    for criterion in values:
        sheet.ws.cell(sheet.row[criterion], column).value = values[criterion]
    return column


def test_two_columns_making_one_profile_are_refused_at_the_second(written, tmp_path):
    study, _, path = written["shipped"]
    root = copy_study(SHIPPED, tmp_path)
    criteria = [c.id for c in study.rubric.criteria]
    found = {}

    def change(sheet):
        sheet.cell("security", "interior-security").value = 99
        found["cell"] = sheet.ws.cell(HEADER_ROW, _spare_column(sheet, "interior-security-reviewed",
                                                                 dict.fromkeys(criteria, 7))).coordinate
    edited = edit_and_save(path, tmp_path / "edited.xlsx", change)
    column = get_column_letter(Sheet(openpyxl.load_workbook(path)[WEIGHTS_SHEET]).column["interior-security"])
    before = tree_bytes(root)
    code, out, err = run_cli("import-weights", root, edited)
    assert code == 1 and err.strip() == (
        f"{edited}: {WEIGHTS_SHEET}!{found['cell']}: profile 'interior-security-reviewed' is also written from "
        f"column {column} (interior-security): two columns cannot make one profile; type another id")
    assert tree_bytes(root) == before


def test_a_new_profile_column_under_a_taken_id_is_refused(written, tmp_path):
    """A profile not on the sheet (here added to the study after the workbook was written; in a
    decision's workbook, any profile of another decision) is never overwritten from a spare column."""
    _, _, path = written["mini"]
    root = copy_study(MINI, tmp_path)
    text = (root / "profiles" / "flat-direct.yaml").read_text().replace("id: flat-direct", "id: panel", 1)
    (root / "profiles" / "panel.yaml").write_text(text)
    found = {}

    def change(sheet):
        found["cell"] = sheet.ws.cell(HEADER_ROW, _spare_column(sheet, "panel", {"impact": 1, "risk": 2,
                                                                                 "cost": 3})).coordinate
    edited = edit_and_save(path, tmp_path / "edited.xlsx", change)
    before = tree_bytes(root)
    code, out, err = run_cli("import-weights", root, edited)
    assert code == 1 and err.strip() == (
        f"{edited}: {WEIGHTS_SHEET}!{found['cell']}: profile id 'panel' is taken: a new-profile column always "
        "makes a NEW profile; type another id (to edit that profile, write a report that shows it)")
    assert tree_bytes(root) == before


BLOCK_SCALARS = {">-": "    rationale: >-\n      Prosecuting recruiters and organisers contributes to preventing "
                       "attacks, though disruption\n      is mainly the police's task.\n\n",
                 "|": "    rationale: |\n      Prosecuting recruiters and organisers contributes to preventing "
                      "attacks, though disruption\n      is mainly the police's task.\n"}


@pytest.mark.parametrize("style", list(BLOCK_SCALARS))
def test_flat_direct_profile_with_a_block_scalar_rationale_is_edited_in_place(written, tmp_path, style):
    _, _, path = written["shipped"]
    root = copy_study(SHIPPED, tmp_path)
    profile = root / "profiles" / "justice-ministry.yaml"
    old = ("    rationale: Prosecuting recruiters and organisers contributes to preventing attacks, though "
           "disruption\n      is mainly the police's task.\n")
    text = profile.read_text()
    assert old in text
    text = text.replace(old, BLOCK_SCALARS[style])
    profile.write_text(text)
    edited = edit_and_save(path, tmp_path / "edited.xlsx", _set("attack-disruption", "justice-ministry", 25))
    code, out, err = run_cli("import-weights", root, edited)
    assert code == 0, err
    after = profile.read_text()
    stamp = f"Set to 25 by the reviewer in edited.xlsx on {TODAY} (was 9)."
    new = ("'Prosecuting recruiters and organisers contributes to preventing attacks, though disruption is mainly "
           f"the police''s task. {stamp}'" if style == ">-" else   # a literal block keeps its line break
           "\"Prosecuting recruiters and organisers contributes to preventing attacks, though disruption\\nis mainly "
           f"the police's task. {stamp}\"")
    assert after == text.replace("    points: 9\n" + BLOCK_SCALARS[style].rstrip("\n") + "\n",
                                 f"    points: 25\n    rationale: {new}\n")
    items = {i.id: i for i in load_study(root).profile("justice-ministry").blocks[0].items}
    assert items["attack-disruption"].points == 25 and items["recidivism"].points == 20


@pytest.mark.parametrize("style", [">-", "|"])
def test_hierarchical_direct_profile_with_block_scalars_is_edited_in_place(tmp_path, style):
    root = copy_study(MINI, tmp_path)
    path = root / "profiles" / "tree-swing.yaml"
    text = path.read_text().replace("method: swing", "method: direct")
    text = re.sub(r"- \{id: (\w+), rank: \d, points: (\d+), rationale: \"([^\"]*)\"\}",
                  lambda m: (f"- id: {m[1]}\n        points: {m[2]}\n        rationale: {style}\n"
                             f"          {m[3]}\n          second line."), text)
    path.write_text(text)
    out = _import_tree_swing_delivery_75(root, tmp_path)
    old_text = "Delivery second. second line." if style == ">-" else "Delivery second.\\nsecond line."
    quoted = (f"'{old_text} Set to 75" if style == ">-" else f'"{old_text} Set to 75')
    end = "'" if style == ">-" else '"'
    assert path.read_text() == text.replace(
        f"points: 25\n        rationale: {style}\n          Delivery second.\n          second line.",
        f"points: 75\n        rationale: {quoted} by the reviewer in edited.xlsx on {TODAY} (was 25).{end}")
    points = _points_of(root, "tree-swing")
    assert (points["delivery"], points["effect"], points["risk"]) == (75, 100, 100)


# -- a profile the typed values make that the loader refuses: named at its Weights cells ---------------

def _column_comment(header, text):
    return lambda sheet: setattr(sheet.ws.cell(sheet.row[COMMENT_LABEL], sheet.column[header]), "value", text)


def _both(*changes):
    def change(sheet):
        for one in changes:
            one(sheet)
    return change


INVALID_PROFILES = [
    ("block-all-zero", _both(_set("impact", "tree-swing", 0), _set("risk", "tree-swing", 0)),
     lambda s: f"{s.cell('impact', 'tree-swing').coordinate}:{s.cell('risk', 'tree-swing').coordinate}",
     "profile tree-swing-reviewed as typed: weights are all zero"),
    ("huge", _set("risk", "flat-direct", 1e300), lambda s: s.cell("risk", "flat-direct").coordinate,
     "profile flat-direct as typed: 1e+300 is greater than the maximum of 1000000000000000"),
    ("long-comment", _both(_set("risk", "flat-direct", 7), _column_comment("flat-direct", "x" * 3990)),
     lambda s: s.ws.cell(s.row[COMMENT_LABEL], s.column["flat-direct"]).coordinate,
     re.compile(r"profile flat-direct as typed: its description with the reviewer's note would be 4,\d\d\d "
                r"characters; the limit is 4,000: shorten the comment")),
]


@pytest.mark.parametrize("case", INVALID_PROFILES, ids=[c[0] for c in INVALID_PROFILES])
def test_an_invalid_profile_is_refused_at_its_cells(written, tmp_path, case):
    name, change, where, message = case
    _, _, path = written["mini"]
    root = copy_study(MINI, tmp_path)
    cell = where(Sheet(openpyxl.load_workbook(path)[WEIGHTS_SHEET]))
    edited = edit_and_save(path, tmp_path / "edited.xlsx", change)
    before = tree_bytes(root)
    code, out, err = run_cli("import-weights", root, edited)
    prefix = f"{edited}: {WEIGHTS_SHEET}!{cell}: "
    assert code == 1 and err.count("\n") == 1 and err.startswith(prefix), err
    found = err.strip()[len(prefix):]
    assert (message.fullmatch(found) if isinstance(message, re.Pattern) else found == message), found
    assert tree_bytes(root) == before


def test_a_reviewed_copy_id_too_long_asks_for_as(tmp_path):
    root = copy_study(MINI, tmp_path)
    long_id = "flat-rank-" + "x" * 30   # 40 characters: with "-reviewed", 49
    for path in (root / "profiles").glob("*.yaml"):
        path.write_text(path.read_text().replace("flat-rank", long_id))
    (root / "profiles" / "flat-rank.yaml").rename(root / "profiles" / f"{long_id}.yaml")
    workbook = tmp_path / "long.xlsx"
    code, out, err = run_cli("report", root, "-o", workbook, "--samples", "200")
    assert code == 0, err
    edited = edit_and_save(workbook, tmp_path / "edited.xlsx", _set("risk", long_id, 50))
    header = get_column_letter(Sheet(openpyxl.load_workbook(workbook)[WEIGHTS_SHEET]).column[long_id])
    code, out, err = run_cli("import-weights", root, edited)
    assert code == 1 and err.strip() == (
        f"{edited}: {WEIGHTS_SHEET}!{header}{HEADER_ROW}: the reviewed copy of {long_id} would be "
        f"'{long_id}-reviewed', longer than an id may be (48 characters); choose its id with --as ID")
    code, out, err = run_cli("import-weights", root, edited, "--as", "flat-rank-panel")
    assert code == 0 and load_study(root).profile("flat-rank-panel").method == "direct", err


def test_a_comment_in_an_unused_spare_column_is_noted(written, tmp_path):
    _, _, path = written["mini"]
    root = copy_study(MINI, tmp_path)
    found = {}

    def change(sheet):
        cell = sheet.ws.cell(sheet.row[COMMENT_LABEL], sheet.spare(1))
        cell.value, found["cell"] = "Maybe a panel profile later.", cell.coordinate
    code, out, err = run_cli("import-weights", root, edit_and_save(path, tmp_path / "edited.xlsx", change))
    assert code == 0, err
    assert out.splitlines()[0] == (f"note: the comment in {WEIGHTS_SHEET}!{found['cell']} is not imported: its "
                                   "spare column has no new profile id and no weights")


def test_the_rationale_note_gives_the_number_as_written(written, tmp_path):
    _, _, path = written["shipped"]
    root = copy_study(SHIPPED, tmp_path)
    edited = edit_and_save(path, tmp_path / "edited.xlsx", _set("recidivism", "justice-ministry", 25.123456789))
    code, out, err = run_cli("import-weights", root, edited)
    assert code == 0, err
    items = {i.id: i for i in load_study(root).profile("justice-ministry").blocks[0].items}
    assert items["recidivism"].points == 25.12345679
    assert items["recidivism"].rationale.endswith(f"Set to 25.12345679 by the reviewer in edited.xlsx on {TODAY} (was 20).")


def test_a_workbook_with_a_new_profile_imported_again_changes_nothing(written, tmp_path):
    _, _, path = written["mini"]
    root = copy_study(MINI, tmp_path)
    edited = edit_and_save(path, tmp_path / "edited.xlsx",
                           lambda s: _spare_column(s, "panel", {"impact": 1, "risk": 2, "cost": 3}))
    code, out, err = run_cli("import-weights", root, edited)
    assert code == 0 and "new profile panel" in out, err
    before = tree_bytes(root)
    code, out, err = run_cli("import-weights", root, edited)
    assert code == 0 and "no weights changed: nothing to write" in out, err
    assert tree_bytes(root) == before


def test_a_workbook_without_its_record_of_the_written_inputs_is_refused(written, tmp_path):
    _, _, path = written["mini"]
    root = copy_study(MINI, tmp_path)
    book = openpyxl.load_workbook(path)
    del book["Weight inputs"]
    Sheet(book[WEIGHTS_SHEET]).cell("risk", "flat-direct").value = 7
    book.save(tmp_path / "cut.xlsx")
    before = tree_bytes(root)
    code, out, err = run_cli("import-weights", root, tmp_path / "cut.xlsx")
    assert code == 1 and err.strip() == (f"{tmp_path / 'cut.xlsx'}: no 'Weight inputs' sheet: this workbook does not "
                                         "say what its Weights sheet was written with; write it again with "
                                         "`rubric report`")
    assert tree_bytes(root) == before
