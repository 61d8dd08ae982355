"""The method registries (aggregation and weighting) and VIKOR, the method added through them."""

import json

import numpy as np
import pytest

from conftest import MINI, ROOT, SHIPPED, edit, run_cli
from rubric import RubricError, load_study
from rubric.cli import build_parser, main
from rubric.compute import weights as weights_module
from rubric.compute.compare import compare
from rubric.compute.evaluate import analyse_session, evaluate
from rubric.compute.methods import AGGREGATION_METHODS
from rubric.compute.methods.vikor import vikor
from rubric.compute.weighting import WEIGHTING_METHODS


# -- one registry, read everywhere ------------------------------------------------------------------

def _schema(kind):
    return json.loads((ROOT / "schemas" / f"{kind}.schema.json").read_text(encoding="utf-8"))


def test_study_schema_lists_the_registered_methods_and_their_settings():
    schema = _schema("study")
    assert schema["properties"]["defaults"]["properties"]["method"]["enum"] == list(AGGREGATION_METHODS)
    assert schema["properties"]["methods"]["properties"] == {
        name: method.settings_schema() for name, method in AGGREGATION_METHODS.items() if method.settings}
    assert schema["properties"]["methods"]["properties"]["vikor"]["properties"]["v"]["default"] == 0.5


def test_profile_schema_lists_the_registered_weighting_methods_and_rank_schemes():
    from rubric.compute.weighting.rank import SCHEMES

    properties = _schema("profile")["properties"]
    assert properties["method"]["enum"] == list(WEIGHTING_METHODS)
    assert properties["rank_scheme"]["enum"] == list(SCHEMES)


def test_cli_method_choices_are_the_registry():
    parser = build_parser()
    for command in ("rank", "compare", "diff"):
        sub = parser._subparsers._group_actions[0].choices[command]
        [action] = [a for a in sub._actions if a.dest == "method"]
        assert tuple(action.choices) == tuple(AGGREGATION_METHODS) and "vikor" in action.choices


def test_unknown_method_on_the_command_line_is_a_usage_error():
    code, out, err = run_cli("rank", MINI, "--method", "electre")
    assert code == 2 and "invalid choice: 'electre'" in err and "vikor" in err and "Traceback" not in err


def test_unknown_method_through_the_library_is_a_located_usage_error():
    study = load_study(MINI)
    with pytest.raises(RubricError) as caught:
        evaluate(study, method="electre")
    assert str(caught.value) == f"{MINI}: unknown method 'electre' (methods: {', '.join(AGGREGATION_METHODS)})"


def test_unknown_default_method_in_study_yaml_is_located(mini):
    line = edit(mini / "study.yaml", "method: wsm", "method: electre")
    code, out, err = run_cli("validate", mini)
    assert code == 1 and err.startswith(f"{mini}/study.yaml:{line}: /defaults/method: 'electre' is not one of")
    assert out == ""


def test_unknown_weighting_method_in_a_profile_is_located(mini):
    path = mini / "profiles" / "flat-direct.yaml"
    line = edit(path, "method: direct", "method: smart")
    code, out, err = run_cli("validate", mini)
    assert code == 1 and err.startswith(f"{mini}/profiles/flat-direct.yaml:{line}: /method: 'smart' is not one of")


def test_every_method_ranks_in_its_own_direction():
    study = load_study(SHIPPED)
    analysis = analyse_session(study)
    for name, method in AGGREGATION_METHODS.items():
        evaluation = evaluate(study, method=name, analysis=analysis)
        best = evaluation.scores.max() if method.higher_is_better else evaluation.scores.min()
        assert evaluation.scores[evaluation.ranks == 1] == pytest.approx(best)
        assert evaluation.ranks.max() > 1


def test_profile_weights_are_derived_once_per_command(monkeypatch, capsys):
    calls = []
    derive = weights_module.derive_weights
    monkeypatch.setattr(weights_module, "derive_weights", lambda *a: calls.append(a[0].id) or derive(*a))
    assert main(["compare", str(SHIPPED), "--format", "json"]) == 0
    study = load_study(SHIPPED)
    assert sorted(calls) == sorted(2 * [p.id for p in study.profiles])  # two loads above, one derivation each
    calls.clear()
    evaluate(study, "justice-ministry", "vikor")
    compare(study)
    assert calls == []  # every later use reads the loaded study's weights


# -- VIKOR ---------------------------------------------------------------------------------------------

def test_vikor_matches_pymcdm_on_the_shipped_study_for_every_profile():
    from pymcdm.methods import VIKOR

    study = load_study(SHIPPED)
    analysis = analyse_session(study)
    reference = VIKOR(v=0.5)
    for profile in study.profiles:
        mine = evaluate(study, profile.id, "vikor", analysis=analysis)
        types = np.ones(len(mine.criteria))
        _, _, _, s, r, q = reference._method(mine.values, mine.weights.leaf, types)
        assert mine.result.group_utility == pytest.approx(s, abs=1e-12)
        assert mine.result.regret == pytest.approx(r, abs=1e-12)
        assert mine.scores == pytest.approx(q, abs=1e-12)
        assert mine.ranks.tolist() == reference.rank(q).astype(int).tolist(), profile.id


def test_vikor_compromise_set_when_the_advantage_is_not_acceptable():
    """C1 fails: option 2 is best on both criteria (Q = 0) but option 0 is within 1/(3-1) of it.
    By hand (f* = 90, 80; f- = 0, 0; w = 1/2 each): S = 17/72, 1, 0; R = 1/8, 1/2, 0;
    Q(0) = 0.5 (17/72) + 0.5 (1/8)/(1/2) = 35/144."""
    result = vikor(np.array([[70, 60], [0, 0], [90, 80]], dtype=float), [0.5, 0.5])
    assert result.group_utility == pytest.approx([17 / 72, 1, 0], abs=1e-12)
    assert result.regret == pytest.approx([1 / 8, 1 / 2, 0], abs=1e-12)
    assert result.scores == pytest.approx([35 / 144, 1, 0], abs=1e-12)
    assert not result.acceptable_advantage and result.acceptable_stability
    assert result.compromise == (2, 0)


def test_vikor_compromise_pair_when_only_stability_fails():
    """C2 fails: option 1 is first by Q with an acceptable advantage over option 3 (Q 0.048 vs
    0.410, threshold 1/3), but option 0 has the lower S and option 3 the lower R; the compromise
    is {1, 3}. By hand: f* = 35, 65, 75; f- = 0, 10, 10; w = 1/3 each; option 1's regrets are
    (30/35, 5/55, 5/65)/3, so S = 0.3417 > S(0) = 1/3 and R = 2/7 > R(3) = 0.2821."""
    values = np.array([[0, 65, 75], [5, 60, 70], [35, 10, 10], [20, 35, 20]], dtype=float)
    result = vikor(values, [1 / 3, 1 / 3, 1 / 3])
    assert result.group_utility[1] == pytest.approx((30 / 35 + 5 / 55 + 5 / 65) / 3, abs=1e-12)
    assert result.regret[1] == pytest.approx(2 / 7, abs=1e-12)
    assert result.group_utility.min() == pytest.approx(1 / 3) and np.argmin(result.group_utility) == 0
    assert np.argmin(result.regret) == 3
    assert result.scores[3] - result.scores[1] >= 1 / 3
    assert result.acceptable_advantage and not result.acceptable_stability
    assert result.compromise == (1, 3)


def test_vikor_strategy_weight_is_read_from_study_yaml(mini):
    edit(mini / "study.yaml", "consensus: median", "consensus: median\nmethods: {vikor: {v: 0.2}}")
    study = load_study(mini)
    evaluation = evaluate(study, method="vikor")
    assert evaluation.result.v == 0.2
    expected = vikor(evaluation.values, evaluation.weights.leaf, v=0.2)
    assert evaluation.scores == pytest.approx(expected.scores, abs=0)
    default = vikor(evaluation.values, evaluation.weights.leaf)
    assert not np.allclose(default.scores, expected.scores)  # the setting changes the answer here


def test_vikor_strategy_weight_out_of_range_is_located(mini):
    line = edit(mini / "study.yaml", "consensus: median", "consensus: median\nmethods: {vikor: {v: 1.5}}")
    code, out, err = run_cli("rank", mini, "--method", "vikor")
    assert code == 1 and err.startswith(f"{mini}/study.yaml:{line + 1}: /methods/vikor/v: 1.5 is greater than")
    assert out == ""


def test_vikor_in_rank_json_with_its_tables_and_compromise():
    code, out, err = run_cli("rank", SHIPPED, "--method", "vikor", "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    from rubric.compute.scope import scope

    # the shipped study ranks its default decision (Turkey's returnees, ten options)
    study = scope(load_study(SHIPPED)).study
    assert len(study.options) == 10
    evaluation = evaluate(study, method="vikor")
    assert doc["method"] == "vikor" and doc["higher_is_better"] is False
    findings = doc["findings"]
    assert set(findings["Q"]) == {o.id for o in study.options}
    assert findings["S"] == {o: pytest.approx(float(x)) for o, x in zip(evaluation.options,
                                                                       evaluation.result.group_utility)}
    assert findings["compromise"] == [evaluation.options[i] for i in evaluation.result.compromise]
    assert findings["advantage_threshold"] == pytest.approx(1 / (len(study.options) - 1))
    ranking = doc["ranking"]
    assert ranking[0]["score"] == min(findings["Q"].values())
    assert [r["rank"] for r in ranking] == sorted(r["rank"] for r in ranking)
    assert findings["compromise"][0] == ranking[0]["option"]


def test_vikor_in_compare_method_agreement():
    code, out, err = run_cli("compare", SHIPPED, "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert list(doc["methods"]["ranks"]) == list(AGGREGATION_METHODS)
    assert -1 <= doc["methods"]["kendall_tau"]["wsm"]["vikor"] <= 1
    assert doc["methods"]["kendall_tau"]["vikor"]["vikor"] == 1
    assert "compromise" in doc["methods"]["findings"]["vikor"]
    code, table, err = run_cli("compare", SHIPPED, "--method", "vikor")
    prose = " ".join(table.split())
    assert code == 0 and "agreement of the other methods with vikor (profile" in prose
    assert "(1 the same order, -1 reversed): wsm " in prose and "VIKOR: v: 0.5; compromise:" in table
