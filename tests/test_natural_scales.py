"""Criteria on natural scales: records, value functions, located errors, consensus and agreement,
methods on measures against pymcdm, SMAA with score ranges against an independent Monte Carlo, and
the shipped study ranked exactly as before natural scales existed."""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from conftest import SHIPPED, run_cli
from natural_study import natural, write_study
from rubric.compute.evaluate import analyse_session, evaluate, run_smaa
from rubric.records.load import load_study

LEVELS = {"id": "judged", "direction": "benefit",
          "levels": [{"level": n, "descriptor": f"level {n}"} for n in (1, 2, 3, 4, 5)]}
MIXED = [
    natural("annual-cost", "cost", 500, 0, "EUR million per year"),
    natural("people", "benefit", 0, 1000, "people per year", value_function={"kind": "exponential", "curvature": 2.0}),
    natural("months", "cost", 36, 0, "months", value_function={
        "kind": "piecewise", "points": [[0, 100], [6, 80], [18, 30], [36, 0]]}),
    LEVELS,
]
# [analyst][option][criterion]
MIXED_SCORES = [
    [[120, 400, 12, 4], [300, 900, 3, 2], [50, 100, 30, 5]],
    [[150, 350, 12, 3], [250, 800, 6, 2], [200, 150, 24, 1]],
]


def _mixed(tmp_path, **extra) -> Path:
    return write_study(tmp_path / "mixed", MIXED_SCORES, MIXED, [4, 3, 2, 1], analysts=("ann", "bob"), **extra)


def _tree_hash(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(root)).encode() + path.read_bytes())
    return digest.hexdigest()


# -- value functions -----------------------------------------------------------------------------

def test_value_functions_on_natural_scales(tmp_path):
    study = load_study(_mixed(tmp_path))
    cost, people, months, judged = study.rubric.criteria
    assert cost.natural and cost.unit == "EUR million per year" and not judged.natural
    # linear, cost: 0 at worst (500), 100 at best (0)
    assert cost.value_of([500, 0, 120, 250]) == pytest.approx([0, 100, 76, 50])
    # Kirkwood (1997), Strategic Decision Making, ch. 4: v(x) = (1 - exp(-(x - low) / rho)) /
    # (1 - exp(-(high - low) / rho)); curvature c = (high - low) / rho, here rho = 500
    rho = 1000 / 2.0
    for x in (0, 100, 400, 999.5, 1000):
        expected = 100 * (1 - math.exp(-x / rho)) / (1 - math.exp(-1000 / rho))
        assert float(people.value_of(x)) == pytest.approx(expected, abs=1e-12)
    # piecewise: straight lines through the points, falling with months
    assert months.value_of([0, 3, 6, 12, 18, 27, 36]) == pytest.approx([100, 90, 80, 55, 30, 15, 0])
    # a negative curvature is convex: below the straight line everywhere inside
    convex = natural("c", "benefit", 0, 10, value_function={"kind": "exponential", "curvature": -3})
    study2 = load_study(write_study(tmp_path / "convex", [[5]], [convex], [1]))
    assert 0 < float(study2.rubric.criteria[0].value_of(5)) < 50


def test_values_and_consensus_of_a_mixed_study(tmp_path):
    analysis = analyse_session(load_study(_mixed(tmp_path)))
    tensor, pooled = analysis.tensor, analysis.consensus
    assert list(tensor.natural) == [True, True, True, False]
    assert tensor.raw[0, 0].tolist() == [120, 400, 12, 4]
    assert tensor.values[0, 0, 0] == pytest.approx(76.0) and tensor.values[1, 0, 0] == pytest.approx(70.0)
    # median of two = their mean, on values and on measures alike
    assert pooled.value[0, 0] == pytest.approx(73.0) and pooled.measure[0, 0] == pytest.approx(135.0)
    # the level criterion's values: 4 -> 75, 3 -> 50
    assert pooled.value[0, 3] == pytest.approx(62.5)
    # disagreement: natural cells 25 or more value points apart; level cells 2 or more levels apart
    spread = tensor.values.max(axis=0) - tensor.values.min(axis=0)
    natural_flags = pooled.disagreement[:, :3]
    assert (natural_flags == (spread[:, :3] >= 25)).all()
    assert pooled.disagreement[2, 3] and not pooled.disagreement[0, 3]   # levels 5 vs 1; 4 vs 3
    assert natural_flags.any() and not natural_flags.all()


def test_disagreement_rule_for_natural_scales_at_its_threshold(tmp_path):
    # linear 0..100: values equal measures. 25 apart is flagged; 24.9 is not
    criteria = [natural("x", "benefit", 0, 100)]
    study = write_study(tmp_path / "s", [[[50], [10]], [[75], [34.9]]], criteria, [1], analysts=("ann", "bob"))
    pooled = analyse_session(load_study(study)).consensus
    assert pooled.disagreement[:, 0].tolist() == [True, False]
    assert pooled.value_spread[:, 0] == pytest.approx([25.0, 24.9])


def test_alpha_on_natural_scales_against_the_krippendorff_package(tmp_path):
    import krippendorff

    pooled = analyse_session(load_study(_mixed(tmp_path))).consensus
    analysis = analyse_session(load_study(_mixed(tmp_path / "again")))
    values = analysis.tensor.values
    for k, criterion in enumerate(analysis.tensor.criteria):
        ref = krippendorff.alpha(reliability_data=values[:, :, k], level_of_measurement="interval")
        assert pooled.alpha_interval[criterion] == pytest.approx(ref, abs=1e-9)
    # ordinal alpha only where the scale has levels
    assert set(pooled.alpha_ordinal) == {"judged"}
    # the overall ordinal alpha pools the level criteria's values (oriented: higher is better)
    ref = krippendorff.alpha(reliability_data=values[:, :, 3], level_of_measurement="ordinal")
    assert pooled.overall_alpha_ordinal == pytest.approx(ref, abs=1e-9)
    ref = krippendorff.alpha(reliability_data=values.reshape(2, -1), level_of_measurement="interval")
    assert pooled.overall_alpha_interval == pytest.approx(ref, abs=1e-9)


def test_overall_ordinal_alpha_orients_cost_and_benefit_levels(mini):
    """Raw level numbers of a cost and a benefit criterion mean opposite things; pooled as values
    (best = 100 on both), perfectly agreeing analysts stay perfectly agreeing."""
    import krippendorff

    analysis = analyse_session(load_study(mini))
    values = analysis.tensor.values
    ref = krippendorff.alpha(reliability_data=values.reshape(values.shape[0], -1), level_of_measurement="ordinal")
    assert analysis.consensus.overall_alpha_ordinal == pytest.approx(ref, abs=1e-9)


# -- the shipped study is unchanged --------------------------------------------------------------

FIRST_EDITION = Path(__file__).parent / "data" / "policies-v1"


def test_the_shipped_study_ranks_exactly_as_before_natural_scales():
    """tests/data/shipped-rankings.json: every profile's ranking by every method, captured from
    `rubric compare` at commit d1fa878, before natural scales existed. The study itself is kept as
    tests/data/policies-v1 (the first edition), since policies/ is now the second edition."""
    from rubric.compute.methods import AGGREGATION_METHODS

    before = json.loads((Path(__file__).parent / "data" / "shipped-rankings.json").read_text())["methods"]
    study = load_study(FIRST_EDITION)
    analysis = analyse_session(study)
    assert set(before) == set(AGGREGATION_METHODS)
    for method, profiles in before.items():
        for profile, ranking in profiles.items():
            now = evaluate(study, profile, method, analysis=analysis).ranking()
            assert [(r.option, r.rank) for r in now] == [(o, rank) for o, _, rank in ranking]
            assert [r.score for r in now] == pytest.approx([score for _, score, _ in ranking], abs=1e-12)


# -- located errors ------------------------------------------------------------------------------

def _session_index(study: Path, analyst: str, option: str, criterion: str) -> int:
    scores = yaml.safe_load((study / "sessions" / "s1.yaml").read_text())["scores"]
    return next(i for i, s in enumerate(scores)
                if (s["analyst"], s["option"], s["criterion"]) == (analyst, option, criterion))


def _set_score(study: Path, analyst, option, criterion, **changes):
    path = study / "sessions" / "s1.yaml"
    data = yaml.safe_load(path.read_text())
    index = _session_index(study, analyst, option, criterion)
    _change(data["scores"][index], changes)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return index


def _set_criterion(study: Path, index: int, **changes):
    path = study / "rubric.yaml"
    data = yaml.safe_load(path.read_text())
    _change(data["groups"][0]["criteria"][index], changes)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def _change(record: dict, changes: dict) -> None:
    """Set each field to its value; a value of None removes the field."""
    for key, value in changes.items():
        if value is None:
            record.pop(key, None)
        else:
            record[key] = value


def _refused(study: Path, where: str, message: str) -> None:
    """validate and report both fail with one located line; report writes nothing."""
    code, out, err = run_cli("validate", study)
    assert code == 1 and "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert any(where in line and message in line for line in lines), err
    before = _tree_hash(study)
    output = study.parent / "out.xlsx"
    code, _, err = run_cli("report", study, "-o", output)
    assert code == 1 and not output.exists() and _tree_hash(study) == before


RUBRIC_CASES = [
    ("non-monotone piecewise", 2, {"value_function": {"kind": "piecewise", "points": [[0, 100], [6, 60], [18, 70],
                                                                                    [36, 0]]}},
     "/groups/0/criteria/2/value_function/points", "not monotone"),
    ("points not covering worst and best", 2, {"value_function": {"kind": "piecewise",
                                                                  "points": [[0, 100], [18, 30], [30, 0]]}},
     "/groups/0/criteria/2/value_function/points", "must start and end at the scale's worst and best"),
    ("piecewise not 0 and 100 at the ends", 2, {"value_function": {"kind": "piecewise",
                                                                   "points": [[0, 90], [18, 30], [36, 0]]}},
     "/groups/0/criteria/2/value_function/points", "must give 0 at worst (36) and 100 at best (0)"),
    ("worst equal to best", 0, {"scale": {"kind": "natural", "unit": "EUR", "worst": 5, "best": 5}},
     "/groups/0/criteria/0/scale", "worst and best are both 5"),
    ("unit missing", 0, {"scale": {"kind": "natural", "worst": 500, "best": 0}},
     "/groups/0/criteria/0/scale", "'unit' is a required property"),
    ("best on the wrong side for a cost", 0, {"scale": {"kind": "natural", "unit": "EUR", "worst": 0, "best": 500}},
     "/groups/0/criteria/0/scale", "a cost criterion needs best below worst"),
    ("levels and scale together", 0, {"levels": [{"level": 1, "descriptor": "a"}, {"level": 2, "descriptor": "b"}]},
     "/groups/0/criteria/0", "either `levels` (an anchored scale) or `scale`"),
    ("points on a natural scale", 0, {"value_function": {"kind": "points", "points": {1: 0, 2: 100}}},
     "/groups/0/criteria/0/value_function/kind", "a natural scale takes a linear, piecewise or exponential"),
    ("exponential on levels", 3, {"value_function": {"kind": "exponential", "curvature": 1}},
     "/groups/0/criteria/3/value_function/kind", "needs a natural scale"),
    ("preference missing its threshold", 0, {"preference": {"function": "linear", "q": 5}},
     "/groups/0/criteria/0/preference", "linear needs p"),
    ("preference q not below p", 0, {"preference": {"function": "level", "q": 5, "p": 5}},
     "/groups/0/criteria/0/preference", "level preference needs q < p"),
    ("preference on a level criterion", 3, {"preference": {"function": "usual"}},
     "/groups/0/criteria/3/preference", "needs a natural scale"),
]


@pytest.mark.parametrize("case", RUBRIC_CASES, ids=[c[0] for c in RUBRIC_CASES])
def test_bad_natural_criteria_are_located(tmp_path, case):
    _, index, changes, where, message = case
    study = _mixed(tmp_path)
    _set_criterion(study, index, **changes)
    _refused(study, f"rubric.yaml:", f"{where}: ")
    _refused(study, where, message)


SCORE_CASES = [
    ("value outside the range", ("ann", "opt-1", "annual-cost"), {"value": 650},
     "/value", "value 650 is outside the scale of annual-cost (500 to 0 EUR million per year); widen"),
    ("low above high", ("ann", "opt-1", "annual-cost"), {"low": 140, "high": 100},
     "/low", "low 140 is above high 100"),
    ("range not around the value", ("ann", "opt-1", "annual-cost"), {"low": 130},
     "/low", "low 130 is above the score 120"),
    ("a level for a natural criterion", ("ann", "opt-1", "annual-cost"), {"value": None, "level": 3},
     "/level", "'annual-cost' is measured in EUR million per year: give `value:`"),
    ("a value for a level criterion", ("ann", "opt-1", "judged"), {"level": None, "value": 3.5},
     "/value", "'judged' is scored by level"),
    ("a range bound that is not a level", ("ann", "opt-1", "judged"), {"low": 2.5},
     "/low", "low 2.5 is not a level of 'judged'"),
    ("a range on an abstention", ("ann", "opt-1", "annual-cost"), {"value": None, "abstain": "no view", "low": 1},
     "/low", "an abstention has no range"),
    ("a value and a level together", ("ann", "opt-1", "annual-cost"), {"level": 3},
     "", "give either a level or a value, not both"),
    ("NaN", ("ann", "opt-1", "annual-cost"), {"value": float("nan")}, "/value", "number must be finite"),
    ("infinity", ("ann", "opt-1", "annual-cost"), {"high": float("inf")}, "/high", "number must be finite"),
    ("a range typed as text", ("ann", "opt-1", "annual-cost"), {"low": "about 100"}, "/low",
     "'about 100' is not of type 'number'"),
]


@pytest.mark.parametrize("case", SCORE_CASES, ids=[c[0] for c in SCORE_CASES])
def test_bad_natural_scores_are_located(tmp_path, case):
    _, key, changes, field, message = case
    study = _mixed(tmp_path)
    index = _set_score(study, *key, **changes)
    _refused(study, f"sessions/s1.yaml:", f"/scores/{index}{field}: {message}")


def test_bad_measures_and_method_inputs_are_located(tmp_path):
    measures = {"opt-1": [{"criterion": "annual-cost", "value": 700, "source": "src", "locator": "p. 2"},
                          {"criterion": "judged", "value": 3, "source": "src", "locator": "p. 2"},
                          {"criterion": "people", "value": 300, "low": 400, "high": 500, "source": "nope",
                           "locator": "p. 3"}]}
    study = _mixed(tmp_path, measures=measures, methods={"topsis": {"on": "measures"}})
    code, _, err = run_cli("validate", study)
    assert code == 1
    assert "options/opt-1.yaml:" in err
    assert "/measures/0/value: value 700 is outside the scale of annual-cost" in err
    assert "/measures/1/criterion: 'judged' is a level scale; measures are for criteria on a natural scale" in err
    assert "/measures/2/source: unknown source 'nope'" in err
    assert "/measures/2/low: low 400 is above the score 300" in err
    assert "study.yaml:" in err and "/methods/topsis/on: TOPSIS on measures needs every criterion on a natural " \
                                   "scale; judged is scored by level" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 5


def test_measures_are_loaded_with_their_sources(tmp_path):
    measures = {"opt-2": [{"criterion": "annual-cost", "value": 280, "low": 240, "high": 330, "source": "src",
                           "locator": "table 3", "quote": "a quote", "note": "our estimate from the table"}]}
    study = load_study(_mixed(tmp_path, measures=measures))
    measure = study.option("opt-2").measure("annual-cost")
    assert (measure.value, measure.low, measure.high, measure.locator) == (280.0, 240.0, 330.0, "table 3")
    assert study.option("opt-1").measure("annual-cost") is None


# -- methods on measures against pymcdm -----------------------------------------------------------

raw_cases = st.integers(3, 7).flatmap(lambda n: st.integers(2, 5).flatmap(lambda m: st.tuples(
    st.lists(st.lists(st.floats(1, 1000, allow_nan=False), min_size=m, max_size=m), min_size=n, max_size=n),
    st.lists(st.floats(0.05, 1), min_size=m, max_size=m),
    st.lists(st.booleans(), min_size=m, max_size=m),
    st.lists(st.tuples(st.floats(0, 50), st.floats(1, 300)), min_size=m, max_size=m))))


def _natural_study(tmp_path, matrix, weights, benefit, preference=None, name="s", method="topsis"):
    matrix = np.asarray(matrix)
    criteria = []
    for j, is_benefit in enumerate(benefit):
        low, high = float(matrix[:, j].min()) - 1, float(matrix[:, j].max()) + 1
        worst, best = (low, high) if is_benefit else (high, low)
        extra = {"preference": preference[j]} if preference else {}
        criteria.append(natural(f"c{j}", "benefit" if is_benefit else "cost", worst, best, **extra))
    return write_study(tmp_path / name, matrix.tolist(), criteria, weights, methods={method: {"on": "measures"}})


@settings(max_examples=25, deadline=None)
@given(raw_cases)
def test_topsis_on_measures_matches_pymcdm(tmp_path_factory, case):
    """Records on disk -> load -> TOPSIS on the raw matrix with cost flags, against pymcdm's TOPSIS
    (vector normalisation; its cost columns as 1 - r, the same distances as an ideal at the minimum)."""
    from pymcdm import methods as pm
    from pymcdm.normalizations import vector_normalization

    matrix, weights, benefit, _ = case
    assume((np.ptp(np.asarray(matrix), axis=0) > 1e-6).all())   # pymcdm divides by each column's spread
    study = load_study(_natural_study(tmp_path_factory.mktemp("t"), matrix, weights, benefit))
    mine = evaluate(study, method="topsis").scores
    w = np.asarray(weights) / sum(weights)
    types = np.where(benefit, 1, -1)
    ref = pm.TOPSIS(normalization_function=vector_normalization)(np.asarray(matrix), w, types, validation=False)
    assert mine == pytest.approx(ref, abs=1e-9)


PYMCDM_NAMES = {"usual": "usual", "u-shape": "ushape", "v-shape": "vshape", "level": "level", "linear": "vshape_2"}


@settings(max_examples=25, deadline=None)
@given(raw_cases, st.lists(st.sampled_from(sorted(PYMCDM_NAMES)), min_size=5, max_size=5))
def test_promethee_on_measures_with_a_function_per_criterion_matches_pymcdm(tmp_path_factory, case, functions):
    """Per-criterion preference functions and thresholds in units; pymcdm takes one function for
    all criteria, so each criterion's flows come from pymcdm on that column alone (weight 1), and
    the net flow is their weighted sum (flows are linear in the weights)."""
    from pymcdm import methods as pm

    matrix, weights, benefit, thresholds = case
    matrix = np.asarray(matrix)
    m = matrix.shape[1]
    preference = []
    for j in range(m):
        q, width = thresholds[j]
        given = {"function": functions[j]}
        if functions[j] in ("u-shape", "level", "linear"):
            given["q"] = q
        if functions[j] in ("v-shape", "level", "linear"):
            given["p"] = q + width
        preference.append(given)
    study = load_study(_natural_study(tmp_path_factory.mktemp("p"), matrix, weights, benefit, preference,
                                      method="promethee"))
    mine = evaluate(study, method="promethee").scores
    w = np.asarray(weights) / sum(weights)
    ref = np.zeros(len(matrix))
    for j in range(m):
        given = preference[j]
        p = [given["p"]] if "p" in given else None
        q = [given["q"]] if "q" in given else None
        if given["function"] == "v-shape":
            q = None
        column = pm.PROMETHEE_II(PYMCDM_NAMES[given["function"]], p=p, q=q)
        ref += w[j] * column(matrix[:, [j]], np.array([1.0]), np.array([1 if benefit[j] else -1]), validation=False)
    assert mine == pytest.approx(ref, abs=1e-9)


def test_gaussian_flows_equal_the_pairwise_definition():
    from rubric.compute.methods.promethee import promethee_ii

    rng = np.random.default_rng(3)
    values = rng.uniform(0, 20, size=(9, 3))
    weights = np.array([0.5, 0.3, 0.2])
    result = promethee_ii(values, weights, "gaussian", s=4.0, benefit=[True, False, True])
    oriented = values * np.array([1, -1, 1])
    d = oriented[:, None, :] - oriented[None, :, :]
    pi = (np.where(d > 0, 1 - np.exp(-d ** 2 / 32.0), 0.0) * weights).sum(axis=2)
    assert result.scores == pytest.approx((pi.sum(axis=1) - pi.sum(axis=0)) / 8, abs=1e-12)
    assert result.preference_index == pytest.approx(pi, abs=1e-12)


def test_vikor_on_measures_uses_the_directions(tmp_path):
    """Opricovic & Tzeng (2004)'s three alternatives through records: f1 minimised (1, 2, 5), f2
    maximised (3000, 3750, 4500); S, R, Q worked by hand from the paper's formulas (see
    tests/test_published_examples.py): Q = 1, 0, 1 and A2 the compromise."""
    criteria = [natural("f1", "cost", 10, 0), natural("f2", "benefit", 0, 5000)]
    study = write_study(tmp_path / "v", [[1, 3000], [2, 3750], [5, 4500]], criteria, [1, 1],
                        methods={"vikor": {"on": "measures"}})
    code, out, err = run_cli("rank", study, "--method", "vikor", "--format", "json")
    assert code == 0, err
    document = json.loads(out)
    assert document["findings"]["Q"] == pytest.approx({"opt-1": 1.0, "opt-2": 0.0, "opt-3": 1.0}, abs=1e-12)
    assert document["findings"]["S"]["opt-2"] == pytest.approx(0.375, abs=1e-12)
    assert document["findings"]["compromise"] == ["opt-2"]


def test_values_stay_the_input_of_the_weighted_sum_and_product(tmp_path):
    """On values, TOPSIS reads the 0-100 values (oriented by the value functions); on measures the
    raw units. The two differ, and the weighted sum is the same whatever `on` says elsewhere."""
    criteria = [natural("a", "cost", 100, 0), natural("b", "benefit", 0, 10)]
    matrix = [[10, 2], [60, 9], [90, 10]]
    on_values = load_study(write_study(tmp_path / "v", matrix, criteria, [1, 1]))
    on_measures = load_study(write_study(tmp_path / "m", matrix, criteria, [1, 1],
                                         methods={"topsis": {"on": "measures"}}))
    a, b = evaluate(on_values, method="topsis"), evaluate(on_measures, method="topsis")
    assert a.inputs == "values" and b.inputs == "measures"
    assert not np.allclose(a.scores, b.scores)
    assert evaluate(on_values, method="wsm").scores == pytest.approx(evaluate(on_measures, method="wsm").scores)
    assert b.measures.tolist() == [[10, 2], [60, 9], [90, 10]]


# -- SMAA with score ranges ----------------------------------------------------------------------

def _ranged_study(tmp_path) -> Path:
    ranges = {("ann", "opt-1", "annual-cost"): (60, 200), ("bob", "opt-2", "annual-cost"): (150, 400),
              ("ann", "opt-3", "people"): (50, 300), ("ann", "opt-1", "judged"): (2, 5),
              ("bob", "opt-3", "judged"): (1, 3), ("ann", "opt-2", "months"): (1, 10)}
    return _mixed(tmp_path, ranges=ranges)


def _independent_monte_carlo(study, samples: int, seed: int) -> np.ndarray:
    """Written for this test from the definition: per sample, uniform weights on the simplex; per
    cell one analyst uniformly among those who scored it; then triangular(low, value, high) in
    units through the value function, or a level uniform over low..high through the level values."""
    rng = np.random.default_rng(seed)
    session = study.sessions[0]
    criteria = study.rubric.criteria
    options = [o.id for o in study.options]
    cells = {}
    for score in session.scores:
        cells.setdefault((score.option, score.criterion), []).append(score)
    counts = np.zeros((len(options), len(options)))
    for _ in range(samples):
        weights = rng.dirichlet(np.ones(len(criteria)))
        values = np.zeros((len(options), len(criteria)))
        for i, option in enumerate(options):
            for k, criterion in enumerate(criteria):
                scores = cells[(option, criterion.id)]
                score = scores[rng.integers(len(scores))]
                x = score.score
                low = score.low if score.low is not None else x
                high = score.high if score.high is not None else x
                if criterion.natural:
                    if high > low:
                        x = rng.triangular(low, x, high)
                    values[i, k] = float(criterion.value_of(x))
                else:
                    levels = [n for n in criterion.level_numbers if low <= n <= high]
                    values[i, k] = criterion.values()[levels[rng.integers(len(levels))]]
        order = np.argsort(-(values @ weights))
        counts[order, np.arange(len(options))] += 1
    return counts / samples


@pytest.mark.slow
def test_smaa_ranges_agree_with_an_independent_monte_carlo(tmp_path):
    study = load_study(_ranged_study(tmp_path))
    _, result = run_smaa(study, uniform=True, samples=20000, seed=11, scores="ranges")
    assert result.scores_model == "ranges"
    reference = _independent_monte_carlo(study, 6000, seed=5)
    # two independent estimates: the difference's standard error from both sample sizes
    se = np.sqrt(reference * (1 - reference) / 6000 + result.acceptability * (1 - result.acceptability) / 20000)
    assert np.abs(result.acceptability - reference).max() <= 4.5 * se.max() + 1e-3
    # the ranges matter: the acceptabilities differ from the analysts-only model by more than noise
    _, analysts = run_smaa(study, uniform=True, samples=20000, seed=11, scores="analysts")
    assert np.abs(result.acceptability - analysts.acceptability).max() > 0.02


def test_smaa_ranges_are_reproducible_and_draw_inside_the_ranges(tmp_path):
    from rubric.compute.evaluate import range_sampler

    study = load_study(_ranged_study(tmp_path))
    analysis = analyse_session(study)
    sampler = range_sampler(study, analysis.tensor)
    draws = sampler.draw(np.random.default_rng(1), 4000)   # [sample, option, criterion]
    cost = study.rubric.criteria[0]
    # opt-1 annual cost: ann 120 in (60, 200) -> values 88..60, bob 150 fixed -> 70
    cell = draws[:, 0, 0]
    assert cell.min() >= float(cost.value_of(200)) - 1e-9 and cell.max() <= float(cost.value_of(60)) + 1e-9
    assert np.isclose(cell, 70.0).mean() == pytest.approx(0.5, abs=0.03)
    # opt-1 judged: ann level 4 in 2..5 -> values 25, 50, 75, 100 uniformly; bob 3 fixed -> 50
    judged = draws[:, 0, 3]
    shares = [np.isclose(judged, v).mean() for v in (25, 50, 75, 100)]
    assert shares == pytest.approx([0.125, 0.625, 0.125, 0.125], abs=0.03)
    # a cell without ranges never moves
    assert set(np.unique(draws[:, 1, 1])) <= {float(v) for v in analysis.tensor.values[:, 1, 1]}
    code1, out1, _ = run_cli("smaa", study.root, "--scores", "ranges", "--seed", "9", "--samples", "3000",
                             "--format", "json")
    code2, out2, _ = run_cli("smaa", study.root, "--scores", "ranges", "--seed", "9", "--samples", "3000",
                             "--format", "json")
    assert code1 == code2 == 0 and out1 == out2
    assert json.loads(out1)["scores_model"] == "ranges"


def test_triangular_inverse_cdf_matches_numpy():
    from rubric.compute.smaa import triangular

    u = np.random.default_rng(0).random(200000)
    x = triangular(u, np.full_like(u, 2.0), np.full_like(u, 3.0), np.full_like(u, 7.0))
    assert x.min() >= 2.0 and x.max() <= 7.0
    assert x.mean() == pytest.approx(4.0, abs=0.01)                  # (2 + 3 + 7) / 3
    assert np.median(x) == pytest.approx(7 - math.sqrt(0.5 * 5 * 4), abs=0.01)   # F(m) = 1/2 above the mode
    ref = np.random.default_rng(1).triangular(2, 3, 7, 200000)
    assert np.quantile(x, [0.1, 0.3, 0.9]) == pytest.approx(np.quantile(ref, [0.1, 0.3, 0.9]), abs=0.03)
