"""Edge cases found in review: each once crashed, lost data or gave a wrong number."""

import os
import stat

import numpy as np
import openpyxl
import pytest

from conftest import run_cli
from rubric import load_study
from rubric.compute.evaluate import analyse_session, run_sensitivity
from rubric.compute.smaa import smaa


def test_init_into_current_folder_and_unwritable_places(tmp_path):
    empty = tmp_path / "here"
    empty.mkdir()
    code, out, err = run_cli("init", ".", cwd=empty)
    assert code == 0, err
    assert (empty / "study.yaml").is_file() and load_study(empty)
    mode = stat.S_IMODE(os.stat(empty / "options").st_mode)
    assert mode & 0o055 == 0o055 & ~_umask()  # group/others can read the study (not mkdtemp's 0700)
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    code, out, err = run_cli("init", blocker / "study")
    assert code == 1 and "Traceback" not in err and err.startswith(f"{blocker / 'study'}: cannot create the study")


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_negative_seed_is_a_usage_error(mini):
    for command in (["smaa", mini, "--seed", "-1"], ["report", mini, "--seed", "-5", "-o", mini / "x.xlsx"]):
        code, out, err = run_cli(*command)
        assert code == 2 and "is negative" in err and "Traceback" not in err
    assert not (mini / "x.xlsx").exists()


def test_template_output_errors_and_bad_analyst_ids(mini, tmp_path):
    code, out, err = run_cli("template", mini, "--session", "round-1", "--analyst", "ann", "-o", tmp_path)
    assert code == 1 and err.startswith(f"{tmp_path}: output is a folder") and "Traceback" not in err
    for bad in ("../../x", "Bad Id"):
        code, out, err = run_cli("template", mini, "--session", "round-1", "--analyst", bad, "-o", tmp_path / "t.xlsx")
        assert code == 2 and "is not a valid id" in err
    assert not (tmp_path / "t.xlsx").exists()


def test_compare_has_no_analyst_option(mini):
    code, out, err = run_cli("compare", mini, "--analyst", "ann")
    assert code == 2 and "unrecognized arguments: --analyst" in err


def test_identical_options_share_smaa_ranks_evenly():
    values = np.array([[60.0, 40.0], [60.0, 40.0], [0.0, 0.0]])
    result = smaa(values, None, ("a", "b", "c"), ("x", "y"), 20000, seed=3)
    assert result.acceptability[0, 0] == pytest.approx(0.5, abs=result.max_error)
    assert result.acceptability[1, 0] == pytest.approx(0.5, abs=result.max_error)
    assert result.confidence[0] == 0.5 and result.confidence[1] == 0.5  # tied first: half each


def test_sensitivity_skips_a_group_holding_every_criterion(tmp_path, mini):
    rubric = mini / "rubric.yaml"
    text = rubric.read_text()
    # merge both groups into one: "effect" now holds all three criteria
    text = text.replace("  - id: delivery\n    name: Delivery\n    criteria:\n", "")
    rubric.write_text(text)
    for name in ("tree-swing", "tree-ahp"):
        (mini / "profiles" / f"{name}.yaml").unlink()
    _, result = run_sensitivity(load_study(mini), "flat-direct")
    names = [a.name for a in result.analyses]
    assert names == ["impact", "risk", "cost"]  # no "effect": varying every weight at once is meaningless


def test_a_criterion_named_overall_keeps_its_alpha(mini):
    for path in [mini / "rubric.yaml", mini / "profiles" / "flat-direct.yaml", mini / "profiles" / "flat-rank.yaml",
                 mini / "profiles" / "tree-swing.yaml", mini / "profiles" / "tree-ahp.yaml",
                 mini / "sessions" / "round-1.yaml"]:
        text = path.read_text()
        for old in ("id: cost", "criterion: cost"):
            text = text.replace(old, old.replace("cost", "overall"))
        path.write_text(text)
    c = analyse_session(load_study(mini)).consensus
    assert set(c.alpha_interval) == {"impact", "risk", "overall"}
    assert c.alpha_interval["overall"] != c.overall_alpha_interval


def test_import_keeps_a_sessions_own_indentation(mini, tmp_path):
    path = mini / "sessions" / "round-1.yaml"
    flush = path.read_text().replace("\n  - ", "\n- ").replace("\n    ", "\n  ")  # sequences flush with keys
    path.write_text(flush)
    load_study(mini)
    workbook = tmp_path / "ann.xlsx"
    assert run_cli("template", mini, "--session", "round-1", "--analyst", "ann", "-o", workbook, "--prefill")[0] == 0
    book = openpyxl.load_workbook(workbook)
    book["Scores"]["G6"].value = 1  # ann alpha/impact: 3 -> 1
    book.save(workbook)
    code, out, err = run_cli("import-scores", mini, workbook, "--replace")
    assert code == 0, err
    after = path.read_text()
    changed = [(a, b) for a, b in zip(flush.splitlines(), after.splitlines()) if a != b]
    assert changed == [("  level: 3", "  level: 1")]


def test_yml_records_are_reported_not_half_supported(mini):
    (mini / "options" / "beta.yaml").rename(mini / "options" / "beta.yml")
    code, out, err = run_cli("validate", mini)
    assert code == 1 and "Traceback" not in err
    assert err.strip() == f"{mini}/options/beta.yml: rename to beta.yaml: record files use the .yaml extension"


@pytest.mark.parametrize("old, new", [
    ("  - id: delivery\n    name: Delivery", "  - id: effect\n    name: Delivery"),   # two groups, one id
    ("  - id: delivery\n    name: Delivery", "  - id: leaves\n    name: Delivery"),   # a reserved id
])
def test_a_broken_rubric_never_crashes_the_weights(mini, old, new):
    path = mini / "rubric.yaml"
    path.write_text(path.read_text().replace(old, new))
    code, out, err = run_cli("validate", mini)
    assert code == 1 and "Traceback" not in err
    assert f"{mini}/rubric.yaml:" in err
