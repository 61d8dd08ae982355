"""Scenarios: scenario records scored by a scenario session or by adjustments, ranks and regret
across scenarios, exact probability ranges, SMAA across scenarios, located errors."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from conftest import run_cli
from natural_study import natural, write_study
from rubric.compute.evaluate import analyse_session, run_smaa
from rubric.compute.scenarios import analyse_scenarios, best_ranges
from rubric.records.load import load_study

CRITERIA = [
    natural("annual-cost", "cost", 500, 0, "EUR million per year"),            # linear: 100 - x / 5
    {"id": "control", "direction": "benefit",
     "levels": [{"level": n, "descriptor": f"control level {n}"} for n in (1, 2, 3, 4, 5)]},   # 0, 25, ..., 100
]
OPTIONS = ["camps", "repatriate", "trial"]
# one analyst; [option][criterion]
SCORES = [[100, 2], [300, 5], [200, 4]]
WEIGHTS = [1, 1]   # equal: score = (cost value + control value) / 2
SCENARIOS = {
    "troops-leave": {"name": "Foreign troops leave", "narrative": "The SDF loses control of the camps.",
                     "probability": 0.3,
                     "adjustments": [{"option": "camps", "criterion": "control", "level": 1,
                                      "rationale": "Breakouts."},
                                     {"option": "trial", "criterion": "control", "shift": -2,
                                      "rationale": "Prisons attacked."}]},
    "donor-fatigue": {"name": "Donor fatigue", "narrative": "Funding halves.", "probability": 0.2,
                      "adjustments": [{"option": "repatriate", "criterion": "annual-cost", "value": 500,
                                       "rationale": "Costs rise."},
                                      {"option": "trial", "criterion": "annual-cost", "value": 400,
                                       "rationale": "Trials drag on."}]},
    "resurgence": {"name": "IS resurgence", "narrative": "IS attacks prisons.", "probability": 0.1},
}
# the resurgence scenario is scored by its own session
RESURGENCE_SCORES = [[150, 1], [320, 4], [220, 2]]


def _study(tmp_path, scenarios=SCENARIOS, name="s") -> Path:
    root = write_study(tmp_path / name, SCORES, CRITERIA, WEIGHTS, options=OPTIONS)
    (root / "scenarios").mkdir()
    for scenario_id, record in scenarios.items():
        (root / "scenarios" / f"{scenario_id}.yaml").write_text(
            yaml.safe_dump({"id": scenario_id, **record}, sort_keys=False))
    session = yaml.safe_load((root / "sessions" / "s1.yaml").read_text())
    if "resurgence" in scenarios:
        session["id"] = "resurgence-round"
        session["scenario"] = "resurgence"
        for score in session["scores"]:
            i, k = OPTIONS.index(score["option"]), [c["id"] for c in CRITERIA].index(score["criterion"])
            score.pop("level", None)
            score.pop("value", None)
            score["level" if k == 1 else "value"] = RESURGENCE_SCORES[i][k]
        (root / "sessions" / "resurgence-round.yaml").write_text(yaml.safe_dump(session, sort_keys=False))
    return root


def _hand(matrix) -> np.ndarray:
    """Equal weights: mean of the cost value (100 - x/5) and the control value (25 (level - 1))."""
    return np.array([((100 - cost / 5) + 25 * (level - 1)) / 2 for cost, level in matrix])


def test_scores_per_scenario_equal_a_hand_computation(tmp_path):
    analysis = analyse_scenarios(load_study(_study(tmp_path)))
    assert analysis.scenarios == ("baseline", "donor-fatigue", "resurgence", "troops-leave")
    expected = {
        "baseline": SCORES,
        "troops-leave": [[100, 1], [300, 5], [200, 2]],
        "donor-fatigue": [[100, 2], [500, 5], [400, 4]],
        "resurgence": RESURGENCE_SCORES,
    }
    for k, scenario in enumerate(analysis.scenarios):
        assert analysis.scores[k] == pytest.approx(_hand(expected[scenario]), abs=1e-12)
    assert analysis.probabilities == pytest.approx([0.4, 0.2, 0.1, 0.3])
    assert analysis.expected == pytest.approx(analysis.probabilities @ analysis.scores)


def test_regret_minimax_robust_and_fragile_against_brute_force(tmp_path):
    analysis = analyse_scenarios(load_study(_study(tmp_path)), top_k=1)
    scores = analysis.scores
    for s, o in itertools.product(range(len(analysis.scenarios)), range(len(OPTIONS))):
        assert analysis.regret[s, o] == pytest.approx(max(scores[s]) - scores[s, o], abs=1e-12)
    worst = [max(max(scores[s]) - scores[s, o] for s in range(len(scores))) for o in range(len(OPTIONS))]
    assert analysis.minimax_regret == tuple(OPTIONS[o] for o in range(3) if worst[o] == min(worst))
    best_each = {OPTIONS[int(np.argmax(row))] for row in scores}
    assert set(analysis.robust) == ({OPTIONS[int(np.argmax(scores[0]))]} if len(best_each) == 1 else set())
    assert analysis.fragile == ((OPTIONS[int(np.argmax(scores[0]))],) if len(best_each) > 1 else ())


def test_an_option_dominated_in_every_scenario_is_never_robust(tmp_path):
    scenarios = {k: dict(v) for k, v in SCENARIOS.items() if k != "resurgence"}
    root = _study(tmp_path, scenarios)
    data = yaml.safe_load((root / "sessions" / "s1.yaml").read_text())
    # camps: costlier and less controlled than trial in every scenario
    for score in data["scores"]:
        if score["option"] == "camps":
            score.update({"value": 450} if score["criterion"] == "annual-cost" else {"level": 1})
    (root / "sessions" / "s1.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    for top_k in (1, 2):
        analysis = analyse_scenarios(load_study(root), top_k=top_k)
        assert "camps" not in analysis.robust


@pytest.mark.parametrize("higher", [True, False])
def test_best_ranges_against_a_fine_grid(higher):
    rng = np.random.default_rng(5)
    for _ in range(30):
        b, s = rng.uniform(0, 100, 6), rng.uniform(0, 100, 6)
        options = tuple(f"o{i}" for i in range(6))
        ranges = best_ranges(b, s, options, higher)
        assert ranges[0][0] == 0.0 and ranges[-1][1] == 1.0
        for lo, hi, best in ranges:
            for p in np.linspace(lo, hi, 7)[1:-1]:
                expected = (1 - p) * b + p * s
                assert options[int(np.argmax(expected) if higher else np.argmin(expected))] == best


def test_one_scenario_gives_exact_probability_ranges(tmp_path):
    root = _study(tmp_path, {"donor-fatigue": SCENARIOS["donor-fatigue"]})
    code, out, err = run_cli("scenarios", root, "--format", "json")
    assert code == 0, err
    document = json.loads(out)
    # baseline: camps 52.5, repatriate 70, trial 67.5; donor fatigue: camps 52.5, repatriate 50,
    # trial 47.5. Expected at probability p: repatriate 70 - 20p, camps 52.5, trial 67.5 - 20p:
    # repatriate is best up to p = 17.5 / 20 = 0.875, camps above
    assert document["scores"]["baseline"] == pytest.approx({"camps": 52.5, "repatriate": 70.0, "trial": 67.5})
    assert document["scores"]["donor-fatigue"] == pytest.approx({"camps": 52.5, "repatriate": 50.0, "trial": 47.5})
    assert [r["option"] for r in document["best_ranges"]] == ["repatriate", "camps"]
    assert [(r["from"], r["to"]) for r in document["best_ranges"]] == [(0.0, pytest.approx(0.875)),
                                                                         (pytest.approx(0.875), 1.0)]
    # regrets: repatriate 0 and 2.5, camps 17.5 and 0, trial 2.5 and 5
    assert document["max_regret"] == pytest.approx({"camps": 17.5, "repatriate": 2.5, "trial": 5.0})
    assert document["minimax_regret"] == ["repatriate"]


def _independent_monte_carlo(values, probabilities, samples, seed):
    """From the definition: per sample a scenario by the probabilities and uniform weights."""
    rng = np.random.default_rng(seed)
    n = values.shape[1]
    counts = np.zeros((n, n))
    for _ in range(samples):
        k = rng.choice(len(values), p=probabilities)
        w = rng.dirichlet(np.ones(values.shape[2]))
        order = np.argsort(-(values[k] @ w))
        counts[order, np.arange(n)] += 1
    return counts / samples


def test_smaa_across_scenarios_agrees_with_an_independent_monte_carlo(tmp_path):
    from rubric.compute.scenarios import scenario_values

    study = load_study(_study(tmp_path))
    baseline = analyse_session(study)
    ids, values = scenario_values(study, baseline)
    _, result = run_smaa(study, uniform=True, samples=40000, seed=3, scenarios=True)
    assert result.scenarios == ids and result.scores_model == "scenarios"
    assert result.scenario_draws.sum() == 40000
    assert result.scenario_draws / 40000 == pytest.approx([0.4, 0.2, 0.1, 0.3], abs=0.01)
    reference = _independent_monte_carlo(values, [0.4, 0.2, 0.1, 0.3], 8000, 9)
    se = np.sqrt(reference * (1 - reference) / 8000 + result.acceptability * (1 - result.acceptability) / 40000)
    assert np.abs(result.acceptability - reference).max() <= 4.5 * se.max() + 1e-3
    # within one scenario, the acceptabilities are those of plain SMAA on that scenario's values
    assert result.scenario_acceptability.sum(axis=1) == pytest.approx(np.ones((4, 3)))
    code, out, err = run_cli("smaa", study.root, "--uniform", "--scenarios", "--seed", "3", "--samples", "2000",
                             "--format", "json")
    assert code == 0, err
    document = json.loads(out)
    assert set(document["scenarios"]["acceptability"]) == set(ids)
    assert document["scenarios"]["probabilities"]["baseline"] == pytest.approx(0.4)


def test_scenarios_without_probabilities_are_drawn_uniformly(tmp_path):
    scenarios = {k: {key: v for key, v in r.items() if key != "probability"} for k, r in SCENARIOS.items()}
    study = load_study(_study(tmp_path, scenarios))
    _, result = run_smaa(study, uniform=True, samples=20000, seed=1, scenarios=True)
    assert result.scenario_probabilities is None
    assert result.scenario_draws / 20000 == pytest.approx([0.25] * 4, abs=0.015)
    assert analyse_scenarios(study).expected is None


def _scenario_file(root: Path, scenario_id: str, change) -> None:
    path = root / "scenarios" / f"{scenario_id}.yaml"
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


BAD = [
    ("adjustment on an unknown option", "troops-leave",
     lambda d: d["adjustments"][0].update(option="elsewhere"), "/adjustments/0/option: unknown option 'elsewhere'"),
    ("adjustment on an unknown criterion", "troops-leave",
     lambda d: d["adjustments"][0].update(criterion="morale"), "/adjustments/0/criterion: unknown criterion 'morale'"),
    ("a shift that leaves the scale", "troops-leave",
     lambda d: d["adjustments"][1].update(shift=-4),
     "/adjustments/1/shift: shift -4 takes solo's 4 (session s1) to 0, outside the scale of control (levels [1, 2, 3, 4, 5])"),
    ("a natural shift that leaves the scale", "donor-fatigue",
     lambda d: d["adjustments"].__setitem__(0, {"option": "repatriate", "criterion": "annual-cost", "shift": 250,
                                                "rationale": "Costs rise."}),
     "/adjustments/0/shift: shift +250 takes solo's 300 (session s1) to 550, outside the scale of annual-cost (500 to 0"),
    ("a replacement outside the scale", "donor-fatigue",
     lambda d: d["adjustments"][1].update(value=600), "/adjustments/1/value: value 600 is outside"),
    ("a negative probability", "troops-leave", lambda d: d.update(probability=-0.1),
     "/probability: -0.1 is less than the minimum of 0"),
    ("probabilities summing to more than 1", "troops-leave", lambda d: d.update(probability=0.9),
     "/probability: the scenarios' probabilities sum to 1.2, more than 1"),
    ("a scenario applied to an unknown decision", "troops-leave", lambda d: d.update(decisions=["mali"]),
     "/decisions/0: unknown decision 'mali' (the study defines no decisions)"),
]


@pytest.mark.parametrize("case", BAD, ids=[c[0] for c in BAD])
def test_bad_scenarios_are_located(tmp_path, case):
    _, scenario_id, change, message = case
    root = _study(tmp_path)
    _scenario_file(root, scenario_id, change)
    code, _, err = run_cli("validate", root)
    assert code == 1 and "Traceback" not in err
    assert any("scenarios/" in line and message in line for line in err.splitlines()), err
    output = tmp_path / "out.json"
    code, _, _ = run_cli("report", root, "-o", tmp_path / "out.xlsx")
    assert code == 1 and not (tmp_path / "out.xlsx").exists()


def test_bad_scenario_sessions_are_located(tmp_path):
    root = _study(tmp_path)
    path = root / "sessions" / "resurgence-round.yaml"
    data = yaml.safe_load(path.read_text())
    data["scenario"] = "nowhere"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    code, _, err = run_cli("validate", root)
    assert code == 1 and "resurgence-round.yaml:" in err and "/scenario: unknown scenario 'nowhere'" in err
    # two sessions for one scenario and one analyst that disagree
    root = _study(tmp_path, name="t")
    data = yaml.safe_load((root / "sessions" / "resurgence-round.yaml").read_text())
    data["id"] = "resurgence-again"
    data["scores"][0]["value"] = 160
    (root / "sessions" / "resurgence-again.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    code, _, err = run_cli("validate", root)
    assert code == 1
    assert "/scores/0: solo scored camps on annual-cost differently for scenario resurgence in session " \
           "resurgence-again" in err or "in session resurgence-round" in err


def test_a_study_without_scenarios_is_unchanged(tmp_path):
    from conftest import SHIPPED
    from rubric.compute.evaluate import evaluate

    study = load_study(SHIPPED)
    analysis = analyse_scenarios(study)
    assert analysis.scenarios == ("baseline",)
    assert list(analysis.scores[0]) == pytest.approx(list(evaluate(study).scores))
    code, _, err = run_cli("smaa", SHIPPED, "--scenarios", "--samples", "100")
    assert code == 2 and "--scenarios: the study has no scenarios" in err


def test_check_sources_checks_scenario_quotes(tmp_path):
    root = _study(tmp_path)
    sources = yaml.safe_load((root / "sources.yaml").read_text())
    sources["sources"][0]["file"] = "src.txt"
    (root / "sources.yaml").write_text(yaml.safe_dump(sources, sort_keys=False))
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "src.txt").write_text("Text with a quote in it, and prisons were attacked at night.")
    _scenario_file(root, "troops-leave", lambda d: d.update(evidence=[
        {"source": "src", "locator": "p. 1", "quote": "prisons were attacked at night"},
        {"source": "src", "locator": "p. 2", "quote": "the camps emptied"}]))
    code, out, err = run_cli("check-sources", root, "--corpus", corpus)
    assert code == 1
    lines = err.strip().splitlines()
    assert lines[0].startswith(f"{root}/scenarios/troops-leave.yaml:") and lines[0].split(": ", 1)[1] == (
        "/evidence/1/quote: quote not found verbatim in src (scenario troops-leave, locator 'p. 2'): "
        "\"the camps emptied\"")
    assert lines[-1] == "1 of 5 quotes not found"


def test_a_scenario_session_is_not_today(tmp_path):
    root = _study(tmp_path)
    code, _, err = run_cli("rank", root, "--session", "resurgence-round")
    assert code == 2 and "session resurgence-round scores scenario resurgence, not today" in err
    code, out, err = run_cli("diff", root, "s1", "resurgence-round")
    assert code == 0, err


def test_a_scenario_must_change_something_and_shifts_are_checked_in_every_session(tmp_path):
    root = _study(tmp_path)
    _scenario_file(root, "troops-leave", lambda d: d.pop("adjustments"))
    code, _, err = run_cli("validate", root)
    assert code == 1 and "scenarios/troops-leave.yaml" in err and "scenario 'troops-leave' changes nothing" in err
    # a second session of today where the same shift leaves the scale
    root = _study(tmp_path, name="t")
    data = yaml.safe_load((root / "sessions" / "s1.yaml").read_text())
    data["id"] = "s2"
    for score in data["scores"]:
        if (score["option"], score["criterion"]) == ("trial", "control"):
            score["level"] = 2
    (root / "sessions" / "s2.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    code, _, err = run_cli("validate", root)
    assert code == 1 and "shift -2 takes solo's 2 (session s2) to 0, outside the scale of control" in err


def test_a_scenario_template_names_the_scenario_and_starts_from_todays_scores(tmp_path):
    import openpyxl

    from rubric.workbooks.scoring import COLUMNS, HEADER_ROW, SCORES_SHEET

    root = _study(tmp_path)
    (root / "scenarios" / "blockade.yaml").write_text(yaml.safe_dump(
        {"id": "blockade", "name": "Border blockade", "narrative": "Crossings close for a year.",
         "drivers": ["Border closure"]}, sort_keys=False))
    (root / "sessions" / "blockade-round.yaml").write_text(yaml.safe_dump(
        {"id": "blockade-round", "date": "2026-12-01", "rubric": {"id": "nat", "version": "1"},
         "scenario": "blockade", "participants": [], "scores": []}, sort_keys=False))
    out = tmp_path / "solo.xlsx"
    code, _, err = run_cli("template", root, "--session", "blockade-round", "--analyst", "solo",
                           "--prefill-from", "s1", "-o", out)
    assert code == 0, err
    sheet = openpyxl.load_workbook(out)[SCORES_SHEET]
    assert sheet["D4"].value.startswith("SCENARIO Border blockade: score each option as it would perform")
    col = {name: i for i, name in enumerate(COLUMNS, 1)}
    rows = {(sheet.cell(r, col["Option"]).value, sheet.cell(r, col["Criterion"]).value): r
            for r in range(HEADER_ROW + 1, sheet.max_row + 1)}
    assert sheet.cell(rows[("repatriate", "annual-cost")], col["Value"]).value == 300
    assert sheet.cell(rows[("repatriate", "control")], col["Level"]).value == 5
    # the analyst changes one cell; imported, the scenario is today's scores but for that cell
    sheet.cell(rows[("repatriate", "control")], col["Level"]).value = 2
    sheet.parent.save(out)
    code, _, err = run_cli("import-scores", root, out)
    assert code == 0, err
    analysis = analyse_scenarios(load_study(root))
    k = analysis.scenarios.index("blockade")
    assert analysis.scores[k] == pytest.approx(_hand([[100, 2], [300, 2], [200, 4]]), abs=1e-12)
    code, _, err = run_cli("template", root, "--session", "s1", "--analyst", "solo", "--prefill-from", "s1")
    assert code == 2 and "--prefill-from names the session being scored" in err
