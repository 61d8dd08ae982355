"""One-way weight thresholds and SMAA-2."""

import json
import tracemalloc

import numpy as np
import pytest

from conftest import run_cli
from rubric import load_study
from rubric.compute.evaluate import evaluate, run_sensitivity, run_smaa
from rubric.compute.sensitivity import one_way
from rubric.compute.smaa import ValueSampler, smaa


def weights_at(weights, members, t):
    """Independent construction of the varied weight vector (not the module's line algebra)."""
    weights = np.asarray(weights, float)
    inside = np.zeros(len(weights), bool)
    inside[members] = True
    w_in, w_out = weights[inside].sum(), weights[~inside].sum()
    result = np.empty_like(weights)
    result[inside] = t * weights[inside] / w_in
    result[~inside] = (1 - t) * weights[~inside] / w_out
    return result


def order_at(values, weights, members, t):
    return tuple(np.argsort(-(values @ weights_at(weights, members, t)), kind="stable"))


@pytest.mark.parametrize("seed", range(12))
def test_thresholds_are_exactly_where_ranks_change(seed):
    rng = np.random.default_rng(seed)
    n, m = rng.integers(3, 8), rng.integers(2, 6)
    values = rng.uniform(0, 100, size=(n, m))
    weights = rng.dirichlet(np.ones(m))
    options = tuple(f"o{i}" for i in range(n))
    members = sorted(rng.choice(m, size=rng.integers(1, m), replace=False).tolist())
    result = one_way(values, weights, members, options, "x", "criterion")
    assert result.current == pytest.approx(weights[members].sum())
    index = {o: i for i, o in enumerate(options)}
    delta = 1e-7
    for swap in result.swaps:
        i, k = index[swap.rising], index[swap.falling]
        if swap.weight - delta > 0:
            below = values @ weights_at(weights, members, swap.weight - delta)
            assert below[i] < below[k]
        if swap.weight + delta < 1:
            above = values @ weights_at(weights, members, swap.weight + delta)
            assert above[i] > above[k]
        at = values @ weights_at(weights, members, swap.weight)
        assert at[i] == pytest.approx(at[k], abs=1e-9)
    # on a fine grid the order changes only across a threshold
    grid = np.linspace(0, 1, 2001)
    thresholds = np.array([s.weight for s in result.swaps])
    orders = [order_at(values, weights, members, t) for t in grid]
    for a, b, before, after in zip(grid, grid[1:], orders, orders[1:]):
        if before != after:
            assert ((thresholds >= a - 1e-12) & (thresholds <= b + 1e-12)).any(), (a, b)
    # the top option holds exactly on the reported interval
    low, high = result.top_interval
    top = index[result.top]
    for t in grid:
        totals = values @ weights_at(weights, members, t)
        if low + 1e-9 < t < high - 1e-9:
            assert np.argmax(totals) == top
        elif t < low - 1e-9 or t > high + 1e-9:
            assert totals.max() > totals[top]


def test_sensitivity_on_mini_by_hand(mini):
    study = load_study(mini)
    evaluation, result = run_sensitivity(study, "flat-direct")
    impact = next(a for a in result.analyses if a.name == "impact")
    # values alpha (100,100,50) beta (50,70,100) gamma (0,100,0); others keep risk:cost = 3:2
    # alpha: b = 80, a = 100; beta: b = 82, a = 50 -> swap at t = 2/52
    assert [(s.rising, s.falling) for s in impact.swaps] == [("alpha", "beta")]
    assert impact.swaps[0].weight == pytest.approx(2 / 52)
    assert impact.top_interval == pytest.approx((2 / 52, 1.0))
    assert impact.distance == pytest.approx(0.5 - 2 / 52)
    # risk: gamma (risk 100) overtakes beta at 15/22; gamma and alpha are equal at risk weight 1 and
    # alpha is ahead everywhere below, a touch at t = 1 that the code listed as a swap before issue 16
    risk = next(a for a in result.analyses if a.name == "risk")
    assert [(s.rising, s.falling) for s in risk.swaps] == [("gamma", "beta")] and risk.swap_count == 1
    assert risk.swaps[0].weight == pytest.approx(15 / 22)
    assert risk.top_changes == () and risk.takes_over is None
    assert [(c.top, c.before) for c in impact.top_changes] == [("alpha", "beta")]
    assert impact.top_changes[0].weight == pytest.approx(2 / 52) and impact.takes_over == "beta"
    groups = {a.name: a for a in result.analyses if a.kind == "group"}
    assert groups["effect"].members == ("impact", "risk") and groups["effect"].current == pytest.approx(0.8)


def _random_study(seed):
    """Values from a few levels, and copies of options, so ties, touches at 0 or 1 and equal lines are common."""
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(3, 9)), int(rng.integers(2, 6))
    values = rng.choice([0.0, 25.0, 50.0, 100.0], size=(n, m))
    copies = rng.integers(0, n, size=2)
    values[copies[1]] = values[copies[0]]                    # two options equal everywhere
    members = sorted(rng.choice(m, size=int(rng.integers(1, m)), replace=False).tolist())
    outside = [j for j in range(m) if j not in members]
    values[(copies[0] + 1) % n, outside] = values[(copies[0] + 2) % n, outside]  # equal at t = 0
    values[(copies[0] + 1) % n, members] = values[(copies[0] + 3) % n, members]  # equal at t = 1
    weights = rng.choice([1.0, 2.0, 3.0], size=m)
    return values, weights / weights.sum(), members


@pytest.mark.parametrize("seed", range(40))
def test_only_real_swaps_and_none_missing_on_random_studies(seed):
    values, weights, members = _random_study(seed)
    n = len(values)
    options = tuple(f"o{i}" for i in range(n))
    result = one_way(values, weights, members, options, "x", "criterion")
    index = {o: i for i, o in enumerate(options)}
    reported = set()
    for swap in result.swaps:
        i, k = index[swap.rising], index[swap.falling]
        assert 0 < swap.weight < 1, swap
        delta = min(1e-7, swap.weight / 2, (1 - swap.weight) / 2)
        below = values @ weights_at(weights, members, swap.weight - delta)
        above = values @ weights_at(weights, members, swap.weight + delta)
        assert below[i] < below[k] and above[i] > above[k], swap      # the order changes around the weight
        reported.add(frozenset((i, k)))
    assert result.swap_count == len(reported) == len(result.swaps)
    # brute force: a pair whose order differs between two weights strictly inside (0, 1) is a swap
    grid = np.linspace(0, 1, 401)[1:-1]
    totals = np.stack([values @ weights_at(weights, members, t) for t in grid])
    for i in range(n):
        for k in range(i + 1, n):
            gap = totals[:, i] - totals[:, k]
            if (gap > 1e-9).any() and (gap < -1e-9).any():
                assert frozenset((i, k)) in reported, (i, k)
    # the top option on the grid is the one the top changes name
    changes = result.top_changes
    for t, row in zip(grid, totals):
        leaders = np.nonzero(row >= row.max() - 1e-9)[0]
        if len(leaders) > 1 or any(abs(t - c.weight) < 1e-6 for c in changes):
            continue
        passed = [c for c in changes if c.weight < t]
        expected = passed[-1].top if passed else None
        if expected is not None:
            assert options[leaders[0]] == expected, (t, changes)
        elif changes:
            assert options[leaders[0]] == changes[0].before, (t, changes)
    assert all(a.weight < b.weight for a, b in zip(changes, changes[1:]))


def test_sensitivity_at_scale_keeps_memory_and_objects_small():
    rng = np.random.default_rng(3)
    values = rng.uniform(0, 100, size=(1500, 12))
    weights = rng.dirichlet(np.ones(12))
    options = tuple(f"o{i}" for i in range(1500))
    tracemalloc.start()
    result = one_way(values, weights, [0, 1, 2], options, "x", "group")
    peak_counting = tracemalloc.get_traced_memory()[1]
    result.swaps_involving([0])
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert result.swap_count > 10_000            # the random lines cross a lot
    assert peak_counting < 120 * 2**20, peak_counting   # row blocks, not several options x options float arrays
    assert peak < 120 * 2**20, peak
    shown = result.swaps_involving([0])
    assert shown and all("o0" in (s.rising, s.falling) for s in shown)
    weight, rising, falling = result.swap_arrays()
    assert len(weight) == result.swap_count
    assert len(shown) == int(((rising == 0) | (falling == 0)).sum())
    several = result.swaps_involving([0, 7, 3])     # pairs between two chosen options listed once
    expected = {(s.weight, s.rising, s.falling) for s in result.swaps
                if {s.rising, s.falling} & {"o0", "o7", "o3"}}
    assert len(several) == len(expected) and {(s.weight, s.rising, s.falling) for s in several} == expected


def test_sensitivity_cli_json(mini):
    code, out, err = run_cli("sensitivity", mini, "--profile", "flat-direct", "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    impact = next(a for a in doc["analyses"] if a["name"] == "impact")
    assert impact["swaps"][0]["weight"] == pytest.approx(2 / 52)
    assert impact["top"] == "alpha"
    assert impact["takes_over"] == "beta" and impact["top_changes"][0]["before"] == "beta"
    risk = next(a for a in doc["analyses"] if a["name"] == "risk")
    assert [(s["rising"], s["falling"]) for s in risk["swaps"]] == [("gamma", "beta")]  # no touch at t = 1


def reference_smaa(values, samples, seed, centre=None, concentration=100.0):
    """A plain per-sample loop, written independently of the module."""
    rng = np.random.default_rng(seed)
    n, m = values.shape
    counts = np.zeros((n, n))
    for _ in range(samples):
        w = rng.dirichlet(np.ones(m) if centre is None else concentration * np.asarray(centre))
        totals = values @ w
        for rank, option in enumerate(sorted(range(n), key=lambda i: -totals[i])):
            counts[option, rank] += 1
    return counts / samples


@pytest.mark.parametrize("centre", [None, [0.5, 0.3, 0.2]])
def test_smaa_agrees_with_reference_monte_carlo(centre):
    values = np.array([[100.0, 20.0, 50.0], [60.0, 70.0, 40.0], [30.0, 90.0, 80.0], [55.0, 50.0, 45.0]])
    samples = 20000
    result = smaa(values, None, ("a", "b", "c", "d"), ("x", "y", "z"), samples, seed=11,
                  centre=None if centre is None else np.array(centre), concentration=100.0)
    reference = reference_smaa(values, samples, seed=99, centre=centre)
    # both estimates carry the stated 95% error; their difference is within the sum
    assert np.abs(result.acceptability - reference).max() <= 2 * result.max_error
    assert result.acceptability.sum(axis=0) == pytest.approx(np.ones(4))
    assert result.acceptability.sum(axis=1) == pytest.approx(np.ones(4))


def test_smaa_central_weights_and_confidence():
    values = np.array([[100.0, 0.0], [0.0, 100.0], [40.0, 40.0]])
    result = smaa(values, None, ("a", "b", "c"), ("x", "y"), 20000, seed=5)
    # a wins when w_x > 1/2: its central weight is E[w_x | w_x > 1/2] = 3/4 under uniform weights
    assert result.central_weights[0, 0] == pytest.approx(0.75, abs=0.01)
    assert result.acceptability[0, 0] == pytest.approx(0.5, abs=result.max_error)
    assert result.confidence[0] == 1.0 and result.confidence[1] == 1.0
    assert np.isnan(result.confidence[2])  # never first: no central weight vector


def test_value_sampler_draws_only_scored_values_uniformly():
    analyst_values = np.array([[[10.0]], [[np.nan]], [[30.0]], [[50.0]]])  # one cell, one abstention
    sampler = ValueSampler(analyst_values)
    draws = sampler.draw(np.random.default_rng(0), 30000)[:, 0, 0]
    assert set(np.unique(draws)) == {10.0, 30.0, 50.0}
    frequencies = np.array([(draws == v).mean() for v in (10.0, 30.0, 50.0)])
    assert frequencies == pytest.approx([1 / 3] * 3, abs=0.015)


def test_same_seed_gives_byte_identical_json(mini):
    args = ("smaa", mini, "--samples", "5000", "--seed", "42", "--scores", "analysts", "--format", "json")
    first, second = run_cli(*args), run_cli(*args)
    assert first[0] == 0 and first[1] == second[1]
    doc = json.loads(first[1])
    assert doc["seed"] == 42 and doc["samples"] == 5000
    assert set(doc["acceptability"]) == {"alpha", "beta", "gamma"}
    assert all(len(row) == 3 for row in doc["acceptability"].values())
    other = run_cli("smaa", mini, "--samples", "5000", "--seed", "43", "--scores", "analysts", "--format", "json")
    assert other[1] != first[1]


def test_unseeded_run_records_its_seed(mini):
    study = load_study(mini)
    _, result = run_smaa(study, samples=2000)
    _, again = run_smaa(study, samples=2000, seed=result.seed)
    assert np.array_equal(result.acceptability, again.acceptability)


def test_memory_stays_flat_as_samples_grow():
    rng = np.random.default_rng(1)
    values = rng.uniform(0, 100, size=(20, 8))
    analysts = rng.uniform(0, 100, size=(3, 20, 8))
    peaks = []
    for samples in (16384, 163840):  # 4 chunks, then 40
        tracemalloc.start()
        smaa(values, analysts, tuple(map(str, range(20))), tuple(map(str, range(8))), samples, seed=1)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    assert peaks[1] < 1.3 * peaks[0], peaks


def test_smaa_analysts_mode_on_mini(mini):
    study = load_study(mini)
    analysis, result = run_smaa(study, uniform=True, samples=4000, seed=3, scores="analysts")
    assert result.scores_model == "analysts" and result.weights_model == "uniform"
    assert result.acceptability.shape == (3, 3)
    e = evaluate(study, "flat-direct", "wsm")
    assert result.options == e.options


def test_progress_bar_only_on_a_terminal(monkeypatch, mini):
    import io

    from rubric import cli

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setattr(cli.sys, "stderr", io.StringIO())
    assert cli._progress_bar("smaa") is None
    screen = Terminal()
    monkeypatch.setattr(cli.sys, "stderr", screen)
    study = load_study(mini)
    run_smaa(study, samples=10000, seed=1, progress=cli._progress_bar("smaa"))
    frames = screen.getvalue().split("\r")
    assert frames[-1] == "smaa [" + "#" * 30 + "] 10000/10000\n"
    assert "4096/10000" in screen.getvalue()  # one frame per chunk


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("function, q, p", [("usual", 0.0, 0.0), ("linear", 0.0, 25.0), ("linear", 5.0, 25.0)])
def test_promethee_flows_from_sorted_values_equal_the_pairwise_definition(seed, function, q, p):
    from rubric.compute.methods.promethee import preference, promethee_ii

    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(1, 40)), int(rng.integers(1, 6))
    # levels on a coarse grid so that ties and differences of exactly q or p are common
    values = rng.choice([0.0, 5.0, 25.0, 30.0, 50.0, 55.0, 100.0], size=(n, m))
    if seed % 2:
        values += rng.uniform(0, 100, size=(n, m)) * (rng.random((n, m)) < 0.5)
    weights = rng.dirichlet(np.ones(m))
    benefit = rng.random(m) < 0.7
    result = promethee_ii(values, weights, function, q, p, benefit)
    oriented = np.where(benefit, values, -values)
    pi = (preference(oriented[:, None, :] - oriented[None, :, :], function, q, p) * weights).sum(axis=2)
    np.fill_diagonal(pi, 0.0)
    denominator = max(n - 1, 1)
    assert np.allclose(result.positive_flow, pi.sum(axis=1) / denominator, rtol=0, atol=1e-12)
    assert np.allclose(result.negative_flow, pi.sum(axis=0) / denominator, rtol=0, atol=1e-12)
    assert np.allclose(result.preference_index, pi, rtol=0, atol=1e-12)


def test_promethee_memory_is_linear_in_options():
    from rubric.compute.methods.promethee import promethee_ii

    rng = np.random.default_rng(4)
    values = rng.uniform(0, 100, size=(3000, 40))
    tracemalloc.start()
    result = promethee_ii(values, rng.dirichlet(np.ones(40)), "linear", 5.0, 30.0)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 8 * 2**20, peak     # options x options x criteria float arrays needed 2.9 GB here
    assert result.scores.shape == (3000,) and abs(result.scores.sum()) < 1e-9   # net flows sum to zero


def test_terminal_counts_only_real_swaps(mini):
    code, out, err = run_cli("sensitivity", mini, "--profile", "flat-direct")
    assert code == 0, err
    rows = {line.split()[1]: line.split() for line in out.splitlines() if line.startswith(("criterion", "group"))}
    # risk: gamma over beta is a swap; gamma and alpha only touch at weight 1 (counted as 2 before)
    assert rows["risk"][-1] == "1" and rows["risk"][-2] == "-"
    assert rows["impact"][-2:] == ["beta", "1"]


def test_lines_meeting_at_an_end_up_to_rounding_are_no_change_of_top():
    """Two options equal on the varied criterion meet at t = 1; rounding put the meeting at
    0.9999999999999999, which made a threshold with no change of top (and `rubric report` on a
    generated 800-option study failed writing the Sensitivity sheet). Found by random search."""
    import numpy as np

    from rubric.compute.sensitivity import one_way, top_interval, line_coefficients

    values = np.array([[100.0, 0.0, 0.0], [100.0, 40.0, 25.0]])
    weights = np.array([6.0, 7.0, 8.0]) / 21.0
    intercept, slope, current = line_coefficients(values, weights, [0])
    assert top_interval(intercept, slope, 1, current) == (0.0, 1.0)
    analysis = one_way(values, weights, [0], ("a", "b"), "c0", "criterion")
    assert (analysis.top, analysis.top_interval, analysis.distance, analysis.top_changes) == ("b", (0.0, 1.0), None, ())
    assert analysis.swap_count == 0
