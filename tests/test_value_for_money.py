"""Value for money: benefit without the cost criterion, cost in its unit, benefit per unit cost and
the efficient frontier, against brute force and a hand-worked study through the CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import run_cli
from natural_study import natural, write_study
from rubric.compute.value_for_money import benefits, efficient, frontier, per_unit_cost, value_for_money
from rubric.records.load import load_study
from vfm_study import hand_study, set_study


def dominated_pairwise(benefit, cost) -> np.ndarray:
    n = len(benefit)
    return np.array([any(benefit[j] >= benefit[i] and cost[j] <= cost[i]
                         and (benefit[j] > benefit[i] or cost[j] < cost[i]) for j in range(n) if j != i)
                     for i in range(n)], dtype=bool)


# small integer grids so that equal costs, equal benefits and exact duplicates are common
points = st.lists(st.tuples(st.integers(0, 6), st.integers(-3, 6)), min_size=0, max_size=25)


@settings(max_examples=50, deadline=None)
@given(points)
def test_efficient_options_are_exactly_the_undominated_ones(pairs):
    benefit = np.array([b * 12.5 for b, _ in pairs], dtype=float)
    cost = np.array([c * 0.5 for _, c in pairs], dtype=float)
    mask = efficient(benefit, cost)
    assert mask.tolist() == (~dominated_pairwise(benefit, cost)).tolist()
    order = frontier(benefit, cost, mask)
    assert sorted(order) == np.flatnonzero(mask).tolist()
    shown = [(cost[i], -benefit[i]) for i in order]
    assert shown == sorted(shown)
    # along the frontier, paying more always buys strictly more benefit (duplicates aside)
    for i, j in zip(order, order[1:]):
        assert (cost[j] > cost[i] and benefit[j] > benefit[i]) or (cost[j] == cost[i] and benefit[j] == benefit[i])


def test_exact_ties_are_handled():
    benefit = np.array([50.0, 50.0, 50.0, 40.0, 60.0, 60.0])
    cost = np.array([10.0, 10.0, 12.0, 10.0, 12.0, 12.0])
    # 0 and 1 duplicate (both efficient); 2 beaten by 0 on cost; 3 by 0 on benefit; 4 and 5 duplicates
    assert efficient(benefit, cost).tolist() == [True, True, False, False, True, True]
    assert frontier(benefit, cost, efficient(benefit, cost)) == [0, 1, 4, 5]


def test_benefit_renormalises_the_other_weights_and_ratio_skips_free_options():
    values = np.array([[100.0, 30.0, 60.0], [0.0, 90.0, 0.0]])
    assert benefits(values, [0.5, 0.2, 0.3], 0).tolist() == pytest.approx([0.4 * 30 + 0.6 * 60, 0.4 * 90])
    ratio = per_unit_cost([10.0, 10.0, 10.0], [2.0, 0.0, -1.0])
    assert ratio[0] == 5.0 and np.isnan(ratio[1:]).all()


def test_hand_worked_value_for_money_through_the_cli(tmp_path):
    study = hand_study(tmp_path / "s")
    code, out, err = run_cli("value-for-money", study, "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert (doc["cost_criterion"], doc["unit"], doc["profile"], doc["session"]) == \
        ("annual-cost", "EUR million per year", "equal", "s1")
    got = {o["option"]: (o["benefit"], o["cost"], o["benefit_per_cost"], o["efficient"]) for o in doc["options"]}
    assert got == {"bau": (20.0, 0.0, None, True), "opt-a": (60.0, 30.0, 2.0, True),
                   "opt-b": (50.0, 20.0, 2.5, True), "opt-c": (40.0, 10.0, 4.0, True),
                   "opt-d": (20.0, 5.0, 4.0, False), "opt-e": (75.0, 40.0, 1.875, True),
                   "opt-f": (5.0, 1.0, 5.0, False)}
    assert doc["frontier"] == ["bau", "opt-c", "opt-b", "opt-a", "opt-e"]
    code, out, _ = run_cli("value-for-money", study, "--format", "csv")
    assert code == 0 and out.splitlines()[0] == "option,benefit,cost,benefit_per_cost,efficient"
    assert "opt-d,20.0,5.0,4.0,false" in out.splitlines()
    code, out, _ = run_cli("value-for-money", study)
    assert code == 0 and "frontier (cost order): bau, opt-c, opt-b, opt-a, opt-e" in out


def test_a_scope_restricts_the_options_compared(tmp_path):
    study = load_study(hand_study(tmp_path / "s"))
    # without bau, opt-d (20 at 5) and opt-f (5 at 1) are no longer beaten
    result = value_for_money(study, scope=[o.id != "bau" for o in study.options])
    assert result.options == ("opt-a", "opt-b", "opt-c", "opt-d", "opt-e", "opt-f")
    assert [result.options[i] for i in result.frontier] == ["opt-f", "opt-d", "opt-c", "opt-b", "opt-a", "opt-e"]
    assert value_for_money(study, scope=[1, 3]).options == ("opt-a", "opt-c")


def test_a_level_cost_criterion_named_explicitly_costs_its_pooled_level(tmp_path):
    levels = {"id": "effort", "direction": "cost",
              "levels": [{"level": n, "descriptor": f"effort {n}"} for n in (1, 2, 3, 4, 5)]}
    root = write_study(tmp_path / "s", [[4, 50], [2, 30]], [levels, natural("lives", "benefit", 0, 100)], [1, 3],
                       analysts=("ann", "bob"))
    code, out, err = run_cli("value-for-money", root, "--format", "json")
    assert code == 1 and "value_for_money: {cost_criterion:" in err and len(err.strip().splitlines()) == 1
    set_study(root, value_for_money={"cost_criterion": "effort"})
    code, out, err = run_cli("value-for-money", root, "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["unit"] == "level"
    assert [(o["benefit"], o["cost"], o["efficient"]) for o in doc["options"]] == [(50.0, 4.0, True),
                                                                                   (30.0, 2.0, True)]


def _unchanged(root):
    return {p: p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("case", ["two natural costs", "unknown criterion", "benefit criterion", "all weight on cost"])
def test_bad_cost_criteria_are_refused_in_one_line(tmp_path, case):
    criteria = [natural("annual-cost", "cost", 100, 0, unit="EUR"), natural("lives", "benefit", 0, 100),
                natural("upfront", "cost", 50, 0, unit="EUR")]
    weights = [0, 0, 1] if case == "all weight on cost" else [1, 1, 1]
    root = write_study(tmp_path / "s", [[10, 50, 5], [20, 30, 10]], criteria, weights)
    expected = {"two natural costs": ("study.yaml: value for money needs to know the cost criterion and it has 2 "
                                      "natural cost criteria (annual-cost, upfront): add `value_for_money: "
                                      "{cost_criterion: <criterion id>}`"),
                "unknown criterion": "/value_for_money/cost_criterion: unknown criterion 'nope'",
                "benefit criterion": "/value_for_money/cost_criterion: 'lives' is not a cost criterion",
                "all weight on cost": "profiles/equal.yaml: profile equal puts all its weight on the cost "
                                      "criterion upfront"}[case]
    if case == "unknown criterion":
        set_study(root, value_for_money={"cost_criterion": "nope"})
    elif case == "benefit criterion":
        set_study(root, value_for_money={"cost_criterion": "lives"})
    elif case == "all weight on cost":
        set_study(root, value_for_money={"cost_criterion": "upfront"})
    before = _unchanged(root)
    for command in (["value-for-money"], ["packages", "--budget", "10"]):
        code, out, err = run_cli(*command, root)
        assert code == 1 and out == ""
        assert len(err.strip().splitlines()) == 1 and expected in err, err
        if case in ("unknown criterion", "benefit criterion"):
            assert "study.yaml:" in err.split(": /")[0]
    assert _unchanged(root) == before
