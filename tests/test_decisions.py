"""Decisions (separate option sets ranked apart) and must-pass screening requirements."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from conftest import run_cli
from natural_study import natural, write_study
from rubric.compute.evaluate import evaluate
from rubric.compute.scope import scope
from rubric.records.load import load_study

OPTIONS = ["tr-police", "tr-prison", "tr-family", "sy-repatriate", "sy-camps", "sy-trial"]
CRITERIA = [
    natural("annual-cost", "cost", 500, 0, "EUR million per year"),
    natural("people", "benefit", 0, 1000, "people per year"),
    {"id": "rights", "direction": "benefit",
     "levels": [{"level": n, "descriptor": f"rights level {n}"} for n in (1, 2, 3, 4)]},
]
# [analyst][option][criterion]
SCORES = [
    [[120, 400, 3], [300, 700, 2], [60, 150, 4], [250, 900, 4], [80, 200, 1], [200, 500, 3]],
    [[140, 380, 3], [280, 650, 1], [70, 180, 4], [260, 850, 3], [90, 250, 1], [230, 520, 2]],
]
DECISIONS = [
    {"id": "turkey", "question": "How should Turkey handle its returnees?", "decision_makers": ["Turkish state"],
     "options": ["tr-police", "tr-prison", "tr-family"], "baseline": "tr-police"},
    {"id": "syria", "question": "What to do with foreign detainees in north-east Syria?",
     "decision_makers": ["Coalition members"], "families": ["syria"]},
]
REQUIREMENTS = [
    {"id": "rights-floor", "statement": "Meets a floor of rights and rule of law.", "rationale": "Not tradable.",
     "test": {"kind": "threshold", "criterion": "rights", "level": 2}},
    {"id": "affordable", "statement": "Costs at most 280 EUR million a year.", "rationale": "Budget ceiling.",
     "test": {"kind": "threshold", "criterion": "annual-cost", "value": 280}, "decisions": ["turkey"]},
    {"id": "sanctions-law", "statement": "Complies with terrorist-designation and sanctions law.",
     "rationale": "Legal red line.", "test": {"kind": "judgement"}, "decisions": ["syria"]},
]
VERDICTS = [
    {"analyst": "ann", "option": "sy-repatriate", "requirement": "sanctions-law", "verdict": "pass",
     "rationale": "Repatriation is lawful."},
    {"analyst": "bob", "option": "sy-repatriate", "requirement": "sanctions-law", "verdict": "pass",
     "rationale": "Lawful."},
    {"analyst": "ann", "option": "sy-trial", "requirement": "sanctions-law", "verdict": "fail",
     "rationale": "Payments to a designated group."},
    {"analyst": "bob", "option": "sy-trial", "requirement": "sanctions-law", "verdict": "fail",
     "rationale": "Same view."},
    {"analyst": "ann", "option": "sy-camps", "requirement": "sanctions-law", "verdict": "pass",
     "rationale": "No payments."},
    {"analyst": "bob", "option": "sy-camps", "requirement": "sanctions-law", "verdict": "unclear",
     "rationale": "Depends on the camp operator."},
]


def _edit_yaml(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def _study(tmp_path, name="two", options=OPTIONS, scores=SCORES, decisions=DECISIONS, requirements=REQUIREMENTS,
           verdicts=VERDICTS) -> Path:
    root = write_study(tmp_path / name, scores, CRITERIA, [3, 2, 5], options=list(options), analysts=("ann", "bob"))

    def study(data):
        data["families"] = [{"id": "turkey", "name": "Turkey"}, {"id": "syria", "name": "Syria"}]
        if decisions:
            data["decisions"] = decisions
        if requirements:
            data["requirements"] = requirements
    _edit_yaml(root / "study.yaml", study)
    for option in options:
        _edit_yaml(root / "options" / f"{option}.yaml",
                   lambda d, o=option: d.update(family="turkey" if o.startswith("tr") else "syria"))
    if verdicts:
        _edit_yaml(root / "sessions" / "s1.yaml", lambda d: d.update(verdicts=verdicts))
    return root


def _ranking(study_dir, *args) -> dict:
    code, out, err = run_cli("rank", study_dir, "--format", "json", *args)
    assert code == 0, err
    return json.loads(out)


def test_screening_outcomes_and_reasons(tmp_path):
    study = load_study(_study(tmp_path))
    turkey = scope(study, "turkey")
    # rights: consensus level values (median of 2 = mean): tr-prison (2, 1) -> 16.7 < level 2's 33.3: fail
    # affordable: tr-prison's cost 290 > 280: fail too; tr-police 130, tr-family 65 pass
    assert turkey.screened_out == ("tr-prison",)
    reasons = {f.requirement: f.reason for f in turkey.failures("tr-prison")}
    assert set(reasons) == {"rights-floor", "affordable"}
    assert reasons["affordable"] == "annual-cost: consensus 290 EUR million per year, threshold at most 280 EUR " \
                                    "million per year (short of the threshold)"
    assert [o.id for o in turkey.study.options] == ["tr-family", "tr-police"]   # study order (file names)
    syria = scope(study, "syria")
    # sy-camps fails the rights floor (level 1 from both); sy-trial fails the judgement (2 of 2 fail)
    assert set(syria.screened_out) == {"sy-camps", "sy-trial"}
    assert [o.id for o in syria.study.options] == ["sy-repatriate"]
    trial = {f.requirement: f for f in syria.failures("sy-trial")}
    assert trial["sanctions-law"].verdict == "fail"
    assert trial["sanctions-law"].reason == "2 fail (2 analysts); ann: Payments to a designated group."
    camps = {f.requirement: f.verdict for f in syria.failures("sy-camps")}
    assert camps == {"rights-floor": "fail", "sanctions-law": "unclear"}
    # no screening: everything ranked
    assert len(scope(study, "syria", screening=False).study.options) == 3


def test_unclear_passes_but_is_flagged(tmp_path):
    verdicts = [dict(v) for v in VERDICTS]
    requirements = [REQUIREMENTS[2]]
    study = load_study(_study(tmp_path, requirements=requirements, verdicts=verdicts))
    syria = scope(study, "syria")
    assert syria.screened_out == ("sy-trial",) and syria.flagged == ("sy-camps",)
    document = _ranking(study.root, "--decision", "syria")
    assert [r["option"] for r in document["ranking"]] == ["sy-repatriate", "sy-camps"]
    assert document["screening"]["flagged"][0]["option"] == "sy-camps"
    assert "1 pass, 1 unclear (2 analysts)" in document["screening"]["flagged"][0]["unclear"][0]["reason"]


def test_ranks_within_a_decision_equal_a_study_of_its_options_alone(tmp_path):
    """The test of the issue: each decision ranked from the whole study gives the ranks, scores and
    SMAA of a study holding that decision's options alone (no screening, to compare like with like)."""
    whole = _study(tmp_path, requirements=None, verdicts=None)
    for decision, members in (("turkey", OPTIONS[:3]), ("syria", OPTIONS[3:])):
        index = [OPTIONS.index(o) for o in members]
        alone = _study(tmp_path, f"alone-{decision}", options=members, decisions=None, requirements=None,
                       verdicts=None, scores=[[analyst[i] for i in index] for analyst in SCORES])
        for method in ("wsm", "topsis", "promethee", "vikor"):
            a = _ranking(whole, "--decision", decision, "--method", method)
            b = _ranking(alone, "--method", method)
            assert a["ranking"] == b["ranking"] and a["decision"] == decision and "decision" not in b
        code1, out1, _ = run_cli("smaa", whole, "--decision", decision, "--seed", "4", "--samples", "2000",
                                 "--format", "json")
        code2, out2, _ = run_cli("smaa", alone, "--seed", "4", "--samples", "2000", "--format", "json")
        assert code1 == code2 == 0
        assert json.loads(out1)["acceptability"] == json.loads(out2)["acceptability"]


def test_screened_options_are_absent_from_every_ranking_and_visible_with_reasons(tmp_path):
    root = _study(tmp_path)
    document = _ranking(root, "--decision", "turkey")
    # tr-family 79.4 (cost 65 -> 87, people 165 -> 16.5, rights 4 -> 100) ahead of tr-police 63.3
    assert [r["option"] for r in document["ranking"]] == ["tr-family", "tr-police"]
    assert [r["score"] for r in document["ranking"]] == pytest.approx([79.4, 63.3], abs=0.05)
    out = document["screening"]["screened_out"]
    assert [o["option"] for o in out] == ["tr-prison"]
    assert {f["requirement"] for f in out[0]["failed"]} == {"rights-floor", "affordable"}
    for command, extra in (("compare", ()), ("sensitivity", ()), ("smaa", ("--samples", "500", "--seed", "1"))):
        code, text, err = run_cli(command, root, "--decision", "turkey", "--format", "json", *extra)
        assert code == 0, err
        body = json.loads(text)
        assert "tr-prison" not in json.dumps({k: v for k, v in body.items() if k != "screening"})
        assert body["screening"]["screened_out"][0]["option"] == "tr-prison"
    code, table, _ = run_cli("rank", root, "--decision", "turkey")
    assert "screened out: tr-prison (rights-floor:" in table and "decision turkey: How should Turkey" in table
    everything = _ranking(root, "--decision", "turkey", "--no-screening")
    assert {r["option"] for r in everything["ranking"]} == set(OPTIONS[:3])
    assert everything["screening"]["applied"] is False


def test_the_default_decision_and_one_workbook_per_decision(tmp_path):
    root = _study(tmp_path)
    _edit_yaml(root / "study.yaml", lambda d: d["defaults"].update(decision="syria"))
    assert _ranking(root)["decision"] == "syria"
    code, text, err = run_cli("report", root, "--samples", "200", cwd=tmp_path)
    assert code == 0, err
    import openpyxl

    for decision, options in (("turkey", {"tr-family", "tr-police"}), ("syria", {"sy-repatriate"})):
        path = tmp_path / "reports" / f"natural-{decision}-comparison.xlsx"
        assert str(path.relative_to(tmp_path)) in text
        sheet = openpyxl.load_workbook(path, read_only=True)["Scores"]
        found = {row[0] for row in sheet.iter_rows(values_only=True) if row and row[0] in set(OPTIONS)}
        assert found == options
    code, _, err = run_cli("report", root, "-o", tmp_path / "one.xlsx", cwd=tmp_path)
    assert code == 2 and "-o names one workbook, and the study has 2 decisions" in err
    code, text, err = run_cli("report", root, "--decision", "turkey", "-o", tmp_path / "one.xlsx", "--samples", "200")
    assert code == 0 and (tmp_path / "one.xlsx").is_file()


def test_a_session_may_score_one_decision_only(tmp_path):
    root = _study(tmp_path, requirements=None, verdicts=None)
    _edit_yaml(root / "sessions" / "s1.yaml",
               lambda d: d.update(scores=[s for s in d["scores"] if s["option"].startswith("tr")]))
    assert run_cli("validate", root)[0] == 0
    assert _ranking(root, "--decision", "turkey")["ranking"][0]["option"]
    code, _, err = run_cli("rank", root, "--decision", "syria")
    assert code == 1 and err.strip() == (f"{root}/sessions/s1.yaml: session s1 has no scores for the options of "
                                         "decision syria (sy-camps, sy-repatriate, sy-trial)")
    # a cell missing for an option of the decision ranked is an error located in the session
    _edit_yaml(root / "sessions" / "s1.yaml", lambda d: d.update(scores=d["scores"][1:]))
    code, _, err = run_cli("rank", root, "--decision", "turkey")
    assert code == 1
    assert err.strip() == (f"{root}/sessions/s1.yaml: /scores: ann has no score or abstention for tr-police on "
                           "annual-cost (needed to rank decision turkey)")


BAD = [
    ("decision names an unknown option", lambda d: d["decisions"][0]["options"].append("nope"),
     "study.yaml", "/decisions/0/options/3: unknown option 'nope'"),
    ("decision names an unknown family", lambda d: d["decisions"][1].update(families=["elsewhere"]),
     "study.yaml", "/decisions/1/families/0: unknown family 'elsewhere'"),
    ("decision names an unknown profile", lambda d: d["decisions"][0].update(profiles=["nobody"]),
     "study.yaml", "/decisions/0/profiles/0: unknown profile 'nobody'"),
    ("requirement on an unknown criterion", lambda d: d["requirements"][0]["test"].update(criterion="morale"),
     "study.yaml", "/requirements/0/test/criterion: unknown criterion 'morale'"),
    ("threshold outside the scale", lambda d: d["requirements"][1]["test"].update(value=900),
     "study.yaml", "/requirements/1/test/value: threshold 900 is outside the scale of annual-cost (500 to 0"),
    ("threshold level not a level", lambda d: d["requirements"][0]["test"].update(level=7),
     "study.yaml", "/requirements/0/test/level: level 7 is not a level of 'rights'"),
    ("requirement for an unknown decision", lambda d: d["requirements"][2].update(decisions=["iraq"]),
     "study.yaml", "/requirements/2/decisions/0: unknown decision 'iraq'"),
    ("an option in no decision", lambda d: d["decisions"][1].update(families=[], options=["sy-camps", "sy-trial"]),
     "options/sy-repatriate.yaml", "/id: option 'sy-repatriate' belongs to no decision"),
]


@pytest.mark.parametrize("case", BAD, ids=[c[0] for c in BAD])
def test_bad_decisions_and_requirements_are_located(tmp_path, case):
    _, change, file, message = case
    root = _study(tmp_path)
    _edit_yaml(root / "study.yaml", change)
    code, out, err = run_cli("validate", root)
    assert code == 1 and "Traceback" not in err
    assert any(file in line and message in line for line in err.splitlines()), err


def test_bad_verdicts_and_flags(tmp_path):
    root = _study(tmp_path)
    _edit_yaml(root / "sessions" / "s1.yaml", lambda d: d["verdicts"][0].update(verdict="maybe"))
    code, _, err = run_cli("validate", root)
    assert code == 1 and "sessions/s1.yaml:" in err and "/verdicts/0/verdict: 'maybe' is not one of" in err
    root = _study(tmp_path, "b")
    _edit_yaml(root / "sessions" / "s1.yaml", lambda d: d["verdicts"][0].update(requirement="rights-floor"))
    code, _, err = run_cli("validate", root)
    assert code == 1 and "/verdicts/0/requirement: requirement 'rights-floor' is a threshold" in err
    plain = write_study(tmp_path / "plain", [[1]], [natural("x", "benefit", 0, 10)], [1])
    code, _, err = run_cli("rank", plain, "--decision", "turkey")
    assert code == 2 and err.strip().endswith("--decision turkey: the study defines no decisions")
    code, _, err = run_cli("rank", _study(tmp_path, "c"), "--decision", "iraq")
    assert code == 2 and "unknown decision 'iraq' (decisions: turkey, syria)" in err


def test_a_study_without_decisions_is_unchanged(tmp_path):
    """The first edition of the shipped study (tests/data/policies-v1) has no decisions: scoping
    leaves it as it is. (The second edition in policies/ has three; see the next test.)"""
    study = load_study(Path(__file__).parent / "data" / "policies-v1")
    result = scope(study)
    assert result.study is study and result.decision is None and result.outcomes == ()
    assert evaluate(result.study).ranking() == evaluate(study).ranking()


def test_the_shipped_study_scopes_to_its_default_decision():
    from conftest import SHIPPED

    study = load_study(SHIPPED)
    result = scope(study)
    assert result.decision.id == "turkey-returnees"
    assert {o.id for o in result.study.options} == set(result.decision.options) == {
        "policing-short-detention", "prosecution-risk-assessment", "isolate-isis-inmates", "disperse-isis-inmates",
        "in-prison-disengagement", "post-release-reintegration", "family-support", "risk-tiered-case-management",
        "leniency-for-cooperation", "gender-aware-prosecution"}
    # nothing in this decision fails a requirement; three options are flagged unclear on IHL
    ranked = [r.option for r in evaluate(result.study, "interior-security").ranking()]
    assert ranked[:2] == ["prosecution-risk-assessment", "policing-short-detention"]


def test_a_natural_threshold_compares_measures_not_values(tmp_path):
    """A flat stretch of a piecewise value function must not let a worse measure pass: cost 200 is
    value 30 like cost 100 on this function, yet fails "at most 100" (found by hostile testing)."""
    flat = natural("annual-cost", "cost", 500, 0, "EUR million per year",
                   value_function={"kind": "piecewise", "points": [[0, 100], [50, 30], [200, 30], [500, 0]]})
    root = write_study(tmp_path / "flat", [[200], [80]], [flat], [1], options=["dear", "cheap"])
    _edit_yaml(root / "study.yaml", lambda d: d.update(requirements=[
        {"id": "ceiling", "statement": "At most 100.", "rationale": "Budget.",
         "test": {"kind": "threshold", "criterion": "annual-cost", "value": 100}}]))
    result = scope(load_study(root))
    assert result.screened_out == ("dear",)
    assert result.failures("dear")[0].reason == ("annual-cost: consensus 200 EUR million per year, threshold at "
                                                 "most 100 EUR million per year (short of the threshold)")


def test_a_decision_keeps_the_study_default_profile_where_it_is_relevant(tmp_path):
    import shutil

    shipped = tmp_path / "v1"
    shutil.copytree(Path(__file__).parent / "data" / "policies-v1", shipped)   # the first edition: no decisions
    path = shipped / "study.yaml"
    data = yaml.safe_load(path.read_text())
    default = data["defaults"]["profile"]
    options = [p.stem for p in (shipped / "options").glob("*.yaml")]
    data["decisions"] = [{"id": "all", "question": "Everything?", "options": options}]
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    study = load_study(shipped)
    assert study.decision("all").default_profile == default
    assert _ranking(shipped)["profile"] == default


def test_decision_sessions_and_verdicts_are_checked(tmp_path):
    root = _study(tmp_path)
    _edit_yaml(root / "study.yaml", lambda d: d["decisions"][0].update(session="round-9"))
    code, _, err = run_cli("validate", root)
    assert code == 1 and "/decisions/0/session: unknown session 'round-9'" in err
    root = _study(tmp_path, "b")
    _edit_yaml(root / "sessions" / "s1.yaml", lambda d: d["verdicts"][0].update(option="tr-police"))
    code, _, err = run_cli("validate", root)
    assert code == 1 and ("/verdicts/0/option: 'tr-police' is in none of the decisions requirement "
                          "'sanctions-law' applies to (syria)") in err


def test_analysts_make_screening_judgements_in_their_workbook(tmp_path):
    import openpyxl

    from rubric.workbooks.scoring import SCREENING_COLUMNS, SCREENING_HEADER_ROW, SCREENING_SHEET

    root = _study(tmp_path)
    out = tmp_path / "ann.xlsx"
    code, _, err = run_cli("template", root, "--session", "s1", "--analyst", "ann", "--prefill", "-o", out)
    assert code == 0, err
    book = openpyxl.load_workbook(out)
    assert book.sheetnames[:2] == ["Scores", SCREENING_SHEET]
    ws = book[SCREENING_SHEET]
    col = {name: i for i, name in enumerate(SCREENING_COLUMNS, 1)}
    rows = {ws.cell(r, col["Key"]).value: r for r in range(SCREENING_HEADER_ROW + 1, ws.max_row + 1)}
    # the judgement requirement applies to the syria decision only
    assert set(rows) == {"sy-camps/sanctions-law", "sy-repatriate/sanctions-law", "sy-trial/sanctions-law"}
    assert ws.cell(rows["sy-trial/sanctions-law"], col["Verdict"]).value == "fail"     # prefilled
    # ann now passes sy-trial and clears her verdict on sy-camps
    ws.cell(rows["sy-trial/sanctions-law"], col["Verdict"]).value = "pass"
    ws.cell(rows["sy-trial/sanctions-law"], col["Rationale"]).value = "The payments went to a mediator."
    for name in ("Verdict", "Rationale", "Sources cited"):
        ws.cell(rows["sy-camps/sanctions-law"], col[name]).value = None
    book.save(out)
    code, text, err = run_cli("import-scores", root, out, "--replace")
    assert code == 0, err
    assert "ann sy-trial/sanctions-law: verdict fail -> pass" in text
    assert "ann sy-camps/sanctions-law: verdict pass -> (none)" in text
    session = load_study(root).session("s1")
    ann = {(v.option, v.requirement): (v.verdict, v.rationale) for v in session.verdicts if v.analyst == "ann"}
    assert ann == {("sy-repatriate", "sanctions-law"): ("pass", "Repatriation is lawful."),
                   ("sy-trial", "sanctions-law"): ("pass", "The payments went to a mediator.")}
    assert len([v for v in session.verdicts if v.analyst == "bob"]) == 3
    # 1 pass and 1 fail on sy-trial: unclear, so ranked and flagged
    assert scope(load_study(root), "syria").flagged == ("sy-camps", "sy-trial") or \
        "sy-trial" in scope(load_study(root), "syria").flagged
    # a verdict that is not one, and a verdict without a rationale, are located
    book = openpyxl.load_workbook(out)
    ws = book[SCREENING_SHEET]
    ws.cell(rows["sy-camps/sanctions-law"], col["Verdict"]).value = "maybe"
    ws.cell(rows["sy-camps/sanctions-law"], col["Rationale"]).value = "Unsure."
    ws.cell(rows["sy-repatriate/sanctions-law"], col["Rationale"]).value = None
    book.save(out)
    before = (root / "sessions" / "s1.yaml").read_bytes()
    code, _, err = run_cli("import-scores", root, out, "--replace")
    assert code == 1
    verdict_cell = ws.cell(rows["sy-camps/sanctions-law"], col["Verdict"]).coordinate
    rationale_cell = ws.cell(rows["sy-repatriate/sanctions-law"], col["Rationale"]).coordinate
    assert f"Screening!{verdict_cell}: sy-camps/sanctions-law: 'maybe' is not a verdict (pass, fail or unclear)" in err
    assert f"Screening!{rationale_cell}: sy-repatriate/sanctions-law: rationale missing" in err
    assert (root / "sessions" / "s1.yaml").read_bytes() == before
