"""Scoring engine: values, weights, consensus, agreement, methods, rankings, comparison."""

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from conftest import run_cli
from rubric import load_study
from rubric.compute.agreement import krippendorff_alpha
from rubric.compute.compare import compare
from rubric.compute.evaluate import analyse_session, evaluate
from rubric.compute.methods.promethee import promethee_ii
from rubric.compute.methods.topsis import topsis
from rubric.compute.methods.wpm import wpm
from rubric.compute.methods.wsm import wsm
from rubric.compute.ranking import competition_ranks
from rubric.compute.weighting.rank import rank_order_centroid, rank_sum
from rubric.compute.weights import derive_weights


@pytest.fixture
def study(mini):
    return load_study(mini)


# -- weights ------------------------------------------------------------------------------------

def test_direct_weights(study):
    w = derive_weights(study.profile("flat-direct"), study.rubric)
    assert w.as_dict() == pytest.approx({"impact": 0.5, "risk": 0.3, "cost": 0.2}, abs=1e-12)


def test_swing_hierarchical_roll_up(study):
    # rubric: effect 100, delivery 25 -> 0.8 / 0.2; effect: risk 100, impact 60 -> 0.625 / 0.375
    w = derive_weights(study.profile("tree-swing"), study.rubric)
    assert w.as_dict() == pytest.approx({"impact": 0.8 * 0.375, "risk": 0.8 * 0.625, "cost": 0.2}, abs=1e-12)
    assert w.group_weight(study.rubric, "effect") == pytest.approx(0.8)


def test_ahp_hierarchical_roll_up(study):
    # 2x2 reciprocal matrices are consistent: [1 3; 1/3 1] -> 3/4, 1/4; impact vs risk 1/2 -> 1/3, 2/3
    w = derive_weights(study.profile("tree-ahp"), study.rubric)
    assert w.as_dict() == pytest.approx({"impact": 0.25, "risk": 0.5, "cost": 0.25}, abs=1e-12)
    assert all(b.ahp.consistency_ratio == pytest.approx(0.0, abs=1e-12) for b in w.blocks)


def test_rank_order_centroid_profile(study):
    w = derive_weights(study.profile("flat-rank"), study.rubric)
    assert w.as_dict() == pytest.approx({"cost": 11 / 18, "impact": 5 / 18, "risk": 2 / 18}, abs=1e-12)


def test_rank_ties_share_positions():
    # two items tied first share the mean of positions 1 and 2
    full = rank_order_centroid([1, 2, 3])
    tied = rank_order_centroid([1, 1, 3])
    assert tied[0] == tied[1] == pytest.approx((full[0] + full[1]) / 2)
    assert rank_sum([1, 2, 3]) == pytest.approx([3 / 6, 2 / 6, 1 / 6])


# -- consensus and agreement ----------------------------------------------------------------------

def test_consensus_values_and_disagreement(study):
    analysis = analyse_session(study)
    c = analysis.consensus
    o, k = analysis.tensor.options.index("beta"), analysis.tensor.criteria.index("risk")
    # beta/risk levels 2, 2, 3 -> values 70, 70, 0 (points value function)
    assert c.median[o, k] == 70 and c.mean[o, k] == pytest.approx(140 / 3)
    assert c.std[o, k] == pytest.approx(np.std([70, 70, 0]))
    assert (c.low[o, k], c.high[o, k]) == (0, 70)
    assert not c.disagreement[o, k]            # one level apart
    g, i = analysis.tensor.options.index("gamma"), analysis.tensor.criteria.index("impact")
    assert c.disagreement[g, i] == False       # levels 1, 2, 1  # noqa: E712
    # gamma/risk: cat abstained -> only two values count, abstention is not zero
    r = analysis.tensor.criteria.index("risk")
    assert c.count[g, r] == 2 and c.mean[g, r] == 100


def test_disagreement_flag_two_levels_apart(mini):
    path = mini / "sessions" / "round-1.yaml"
    text = path.read_text().replace('rationale: "cat on beta/impact."', 'rationale: "cat on beta/impact."', 1)
    lines = text.splitlines()
    i = lines.index("  - analyst: cat") + 7 * 3  # cat's beta/impact entry
    assert lines[i + 2] == "    criterion: impact" and lines[i + 1] == "    option: beta"
    lines[i + 3] = "    level: 3"                 # ann 2, bob 1, cat 3 -> spread 2
    path.write_text("\n".join(lines) + "\n")
    analysis = analyse_session(load_study(mini))
    o, k = analysis.tensor.options.index("beta"), analysis.tensor.criteria.index("impact")
    assert analysis.consensus.disagreement[o, k]
    assert analysis.consensus.level_spread[o, k] == 2


def test_alpha_against_krippendorff_package(study):
    import krippendorff

    analysis = analyse_session(study)
    values = analysis.tensor.values
    ref = krippendorff.alpha(reliability_data=values.reshape(3, -1), level_of_measurement="interval")
    assert analysis.consensus.overall_alpha_interval == pytest.approx(ref, abs=1e-9)
    levels = analysis.tensor.raw[:, :, 0]
    ref = krippendorff.alpha(reliability_data=levels, level_of_measurement="ordinal")
    assert analysis.consensus.alpha_ordinal["impact"] == pytest.approx(ref, abs=1e-9)


@settings(max_examples=200, deadline=None)
@given(st.integers(2, 6), st.integers(2, 25), st.integers(0, 2**32 - 1), st.sampled_from(["interval", "ordinal"]))
def test_alpha_matches_krippendorff_on_random_data(coders, units, seed, level):
    import krippendorff

    rng = np.random.default_rng(seed)
    data = rng.integers(1, 6, size=(coders, units)).astype(float)
    data[rng.random(data.shape) < 0.2] = np.nan
    mine = krippendorff_alpha(data, level)
    try:
        ref = krippendorff.alpha(reliability_data=data, level_of_measurement=level)
    except (ValueError, ZeroDivisionError):
        ref = float("nan")
    if np.isnan(ref) or np.isnan(mine):  # undefined (e.g. no pairable values): undefined for both
        assert np.isnan(ref) and np.isnan(mine)
    else:
        assert mine == pytest.approx(ref, abs=1e-9)


# -- methods: independent implementation (pymcdm) -------------------------------------------------

matrices = st.integers(2, 8).flatmap(lambda n: st.integers(2, 6).flatmap(lambda m: st.tuples(
    arrays(np.float64, (n, m), elements=st.floats(0, 100, allow_nan=False)),
    arrays(np.float64, (m,), elements=st.floats(0.01, 1, allow_nan=False)))))


def _distinct(scores):
    s = np.sort(scores)
    return np.all(np.diff(s) > 1e-9)


@settings(max_examples=150, deadline=None)
@given(matrices)
def test_wsm_and_topsis_match_pymcdm(case):
    from pymcdm import methods as pm
    from pymcdm.normalizations import vector_normalization

    values, weights = case
    weights = weights / weights.sum()
    types = np.ones(values.shape[1])
    identity = lambda x, cost=False: x  # noqa: E731 - our values are already on one scale
    ref = pm.WSM(normalization_function=identity)(values, weights, types, validation=False)
    assert wsm(values, weights).scores == pytest.approx(ref, rel=1e-9, abs=1e-9)
    if (np.ptp(values, axis=0) > 1e-6).all() and (np.sqrt((values ** 2).sum(axis=0)) > 1e-6).all():
        ref = pm.TOPSIS(normalization_function=vector_normalization)(values, weights, types, validation=False)
        assert topsis(values, weights).scores == pytest.approx(ref, rel=1e-9, abs=1e-9)


@settings(max_examples=150, deadline=None)
@given(matrices, st.sampled_from(["usual", "linear"]))
def test_promethee_matches_pymcdm(case, function):
    from pymcdm import methods as pm

    values, weights = case
    weights = weights / weights.sum()
    m = values.shape[1]
    types = np.ones(m)
    if function == "usual":
        ref = pm.PROMETHEE_II("usual")(values, weights, types, validation=False)
        mine = promethee_ii(values, weights)
    else:
        ref = pm.PROMETHEE_II("vshape_2", p=[30.0] * m, q=[5.0] * m)(values, weights, types, validation=False)
        mine = promethee_ii(values, weights, "linear", q=5.0, p=30.0)
    assert mine.scores == pytest.approx(ref, abs=1e-9)
    assert mine.positive_flow - mine.negative_flow == pytest.approx(mine.scores)


def test_topsis_cost_columns_match_pymcdm():
    from pymcdm import methods as pm
    from pymcdm.normalizations import vector_normalization

    rng = np.random.default_rng(7)
    values = rng.uniform(1, 100, size=(6, 4))
    weights = np.array([0.4, 0.3, 0.2, 0.1])
    types = np.array([1, -1, 1, -1])
    ref = pm.TOPSIS(normalization_function=vector_normalization)(values, weights, types)
    assert topsis(values, weights, benefit=types > 0).scores == pytest.approx(ref, rel=1e-9)


def test_wpm_is_weighted_geometric_mean_with_floor():
    values = np.array([[100.0, 25.0], [0.0, 100.0]])
    result = wpm(values, np.array([0.5, 0.5]))
    assert result.scores == pytest.approx([50.0, 10.0])  # sqrt(100*25); sqrt(1*100): 0 counts as 1


# -- properties ------------------------------------------------------------------------------------

@settings(max_examples=150, deadline=None)
@given(matrices, st.floats(0.1, 10), st.sampled_from(["wsm", "wpm", "topsis", "promethee"]))
def test_scaling_weights_leaves_ranks_unchanged(case, factor, method):
    """Every method's order is invariant to the scale of the weights (checked where no near-ties
    make float rounding decide the order)."""
    from rubric.compute.methods import AGGREGATION_METHODS

    values, weights = case
    weights = weights / weights.sum()
    base = AGGREGATION_METHODS[method].run(values, weights).scores
    scaled = AGGREGATION_METHODS[method].run(values, weights * factor).scores
    if method == "wpm":  # prod v^(c w) = (prod v^w)^c, compare in logs
        base, scaled = np.log(base), np.log(scaled)
    if _distinct(base):
        assert np.argsort(-scaled).tolist() == np.argsort(-base).tolist()


@settings(max_examples=200, deadline=None)
@given(matrices, st.data())
def test_raising_a_value_never_lowers_the_wsm_total(case, data):
    values, weights = case
    i = data.draw(st.integers(0, values.shape[0] - 1))
    j = data.draw(st.integers(0, values.shape[1] - 1))
    raised = values.copy()
    raised[i, j] = data.draw(st.floats(values[i, j], 100))
    assert wsm(raised, weights).scores[i] >= wsm(values, weights).scores[i] - 1e-12


@settings(max_examples=200, deadline=None)
@given(matrices, st.data())
def test_dominated_option_never_ranks_above_dominating(case, data):
    values, weights = case
    # make option 1 dominate option 0: at least as good everywhere, better somewhere
    better = np.maximum(values[0], values[1])
    j = data.draw(st.integers(0, values.shape[1] - 1))
    better[j] = min(100.0, better[j] + data.draw(st.floats(0.5, 50)))
    values = values.copy()
    values[1] = better
    values[1, j] = max(values[1, j], values[0, j] + 0.5)
    ranks = competition_ranks(wsm(values, weights).scores)
    assert ranks[1] <= ranks[0]


def test_ties_share_the_best_rank():
    assert competition_ranks([5.0, 7.0, 5.0, 1.0]).tolist() == [2, 1, 2, 4]
    assert competition_ranks([3.0, 3.0 + 1e-13, 2.0]).tolist() == [1, 1, 3]


def test_competition_ranks_by_sorting_match_the_pairwise_definition_by_brute_force():
    """Ranks come from the sorted scores (n log n); brute force: 1 + the options higher by more than
    the tolerance, counted pair by pair, on ties, near ties at the tolerance, -0.0, large values and
    lower-is-better."""
    from rubric.compute.ranking import tolerance

    rng = np.random.default_rng(5)
    for case in range(3000):
        n = int(rng.integers(0, 9))
        scores = rng.choice([0.0, -0.0, 1.0, 2.0, 1e-9, 2e-9, 1 + 1e-9, 1 + 2e-9, 50.0, 1e12, -7.5], size=n)
        if case % 2:
            scores = scores + rng.normal(0, 1e-9, size=n)
        for higher in (True, False):
            keyed = scores if higher else -scores
            expected = [1 + sum(k > x + tolerance(scores) for k in keyed) for x in keyed]
            assert competition_ranks(scores, higher).tolist() == expected, (scores, higher)


# -- evaluation, comparison and the command line -------------------------------------------------

def test_evaluate_mini_by_hand(study):
    e = evaluate(study, "flat-direct", "wsm")
    # consensus medians: alpha (100, 100, 50), beta (50, 70, 100), gamma (0, 100, 0)
    assert e.values.tolist() == [[100, 100, 50], [50, 70, 100], [0, 100, 0]]
    assert [(r.option, r.score, r.rank) for r in e.ranking()] == [
        ("alpha", pytest.approx(90.0), 1), ("beta", pytest.approx(66.0), 2), ("gamma", pytest.approx(30.0), 3)]


def test_analyst_ranking_fills_abstention_with_consensus(study):
    e = evaluate(study, "flat-direct", "wsm", analyst="cat")
    g = e.options.index("gamma")
    # cat: gamma impact 1 -> 0, risk abstained -> consensus 100, cost 2 -> 50
    assert e.values[g].tolist() == [0, 100, 50]


def test_compare_profiles(study):
    c = compare(study, "wsm", top_k=1)
    assert c.profiles == ("flat-direct", "flat-rank", "tree-ahp", "tree-swing")
    ranks = {p: dict(zip(c.options, row)) for p, row in zip(c.profiles, c.profile_ranks)}
    assert ranks["flat-rank"] == {"alpha": 2, "beta": 1, "gamma": 3}
    assert c.robust == ()
    # alpha and beta only trade places 1 and 2: one place between neighbours is no contest
    assert c.contested == ()
    from scipy.stats import kendalltau
    assert c.profile_tau[0, 1] == pytest.approx(kendalltau([1, 2, 3], [2, 1, 3]).statistic)


def test_rank_json_document(mini):
    code, out, err = run_cli("rank", mini, "--profile", "tree-swing", "--method", "topsis", "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert set(doc) >= {"study", "profile", "method", "session", "weights", "values", "ranking"}
    assert (doc["study"], doc["profile"], doc["method"], doc["session"]) == ("mini", "tree-swing", "topsis", "round-1")
    assert sum(doc["weights"].values()) == pytest.approx(1.0)
    assert doc["values"]["beta"] == {"impact": 50.0, "risk": 70.0, "cost": 100.0}
    study = load_study(mini)
    e = evaluate(study, "tree-swing", "topsis")
    assert [r["score"] for r in doc["ranking"]] == [r.score for r in e.ranking()]  # unrounded
    assert [r["rank"] for r in doc["ranking"]] == sorted(r["rank"] for r in doc["ranking"])


def test_rank_unknown_profile_is_usage_error(mini):
    code, out, err = run_cli("rank", mini, "--profile", "nobody")
    assert code == 2 and err.startswith(f"{mini}: unknown profile 'nobody'") and "Traceback" not in err


def test_compare_json_and_csv(mini):
    code, out, err = run_cli("compare", mini, "--format", "json")
    doc = json.loads(out)
    assert set(doc["profiles"]) == {"flat-direct", "flat-rank", "tree-ahp", "tree-swing"}
    assert doc["profiles"]["flat-direct"]["ranking"][0]["option"] == "alpha"
    assert doc["kendall_tau"]["flat-direct"]["tree-ahp"] == pytest.approx(1.0)
    assert set(doc["methods"]["ranks"]) == {"wsm", "wpm", "topsis", "promethee", "vikor"}
    assert doc["methods"]["findings"]["vikor"]["compromise"] == ["alpha"]
    code, out, err = run_cli("compare", mini, "--format", "csv")
    lines = out.splitlines()
    assert lines[0].startswith("option,rank:flat-direct,rank:flat-rank")
    assert lines[1].startswith("alpha,1,2,1,1")


@pytest.mark.parametrize("where", ["mini", "shipped"])
def test_table_fits_100_columns(mini, where):
    from conftest import SHIPPED

    for command in ("validate", "rank", "compare", "sensitivity", "smaa"):
        code, out, err = run_cli(command, mini if where == "mini" else SHIPPED)
        assert code == 0, err
        assert max(len(line) for line in out.splitlines()) <= 100, command


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 40).flatmap(lambda n: st.tuples(
    st.lists(st.sampled_from([0.0, 1.0, 2.0, 2.5, 7.0]), min_size=n, max_size=n),
    st.lists(st.one_of(st.sampled_from([0.0, 1.0, 3.0]), st.floats(-1e6, 1e6)), min_size=n, max_size=n))))
def test_numpy_kendall_tau_b_matches_scipy_with_ties(pair):
    import warnings

    from scipy.stats import kendalltau

    from rubric.compute.compare import kendall_tau

    a, b = pair
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = float(kendalltau(a, b).statistic)
    got = kendall_tau(a, b)
    assert (np.isnan(got) and np.isnan(expected)) or got == pytest.approx(expected, abs=1e-12)


def test_numpy_kendall_tau_b_on_a_large_ranking():
    from scipy.stats import kendalltau

    from rubric.compute.compare import kendall_tau

    rng = np.random.default_rng(8)
    a = rng.integers(0, 300, 2001).astype(float)          # many ties, a length that is not a power of two
    b = a + rng.normal(0, 40, 2001)
    assert kendall_tau(a, b) == pytest.approx(kendalltau(a, b).statistic, abs=1e-12)
    assert kendall_tau(a, -a) == pytest.approx(-1.0) and kendall_tau(a, a) == pytest.approx(1.0)


def test_compare_does_not_import_scipy(mini):
    import subprocess
    import sys

    from conftest import ROOT

    probe = ("import sys, rubric.cli; code = rubric.cli.main(['compare', sys.argv[1], '--format', 'json']); "
             "print(code, 'scipy' in sys.modules, file=sys.stderr)")
    proc = subprocess.run([sys.executable, "-c", probe, str(mini)], capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert proc.stderr.strip().splitlines()[-1] == "0 False", proc.stderr


@pytest.mark.parametrize("decision", ["turkey-returnees", "foreign-detainees", "insurgent-demands"])
def test_contested_options_move_two_places_or_more_and_are_not_robust(decision):
    """The shipped study once listed the same options as robust (top 3 for every profile) and as
    contested (ranks 1-3): contested now means not robust and ranks at least 2 places apart,
    widest first, ties by the spread of the ranks."""
    from conftest import SHIPPED
    from rubric import load_study
    from rubric.compute.compare import CONTESTED_MIN_SPREAD
    from rubric.compute.scope import scope

    scoped = scope(load_study(SHIPPED), decision)
    c = compare(scoped.study, "wsm", top_k=3)
    ranks = {o: c.profile_ranks[:, i] for i, o in enumerate(c.options)}
    robust = {o for o, r in ranks.items() if (r <= 3).all()}
    assert set(c.robust) == robust
    eligible = {o for o, r in ranks.items() if r.max() - r.min() >= CONTESTED_MIN_SPREAD and o not in robust}
    listed = [o for o, _, _ in c.contested]
    assert set(listed) <= eligible and len(listed) == min(5, len(eligible))
    assert all((b, w) == (ranks[o].min(), ranks[o].max()) for o, b, w in c.contested)
    spreads = [w - b for _, b, w in c.contested]
    assert spreads == sorted(spreads, reverse=True)
    left_out = eligible - set(listed)
    assert all(ranks[o].max() - ranks[o].min() <= spreads[-1] for o in left_out)


def test_every_method_explains_itself_on_the_compare_sheet(study, tmp_path):
    """A reader meets 'wsm, wpm, topsis, promethee, vikor' on Compare: each gets its name and one sentence."""
    import openpyxl

    from rubric.compute.methods import AGGREGATION_METHODS
    from rubric.compute.report import build_report
    from rubric.writers.xlsx import write_workbook

    path = tmp_path / "c.xlsx"
    write_workbook(build_report(study, samples=200, seed=1), path)
    rows = list(openpyxl.load_workbook(path)["Compare"].iter_rows(values_only=True))
    at = next(i for i, row in enumerate(rows) if row[0] == "What each method does")
    assert rows[at + 1][:3] == ("method", "name", "how it ranks")
    listed = {row[0]: row[1:3] for row in rows[at + 2:at + 2 + len(AGGREGATION_METHODS)]}
    assert listed == {name: (m.label, m.explain) for name, m in AGGREGATION_METHODS.items()}
    assert all(len(m.explain.split()) >= 8 for m in AGGREGATION_METHODS.values())
