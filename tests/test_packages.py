"""Option packages: the K best by HiGHS with no-good cuts against enumerating every subset, the
top package's budget range, a hand-worked study through the CLI, and bad links located."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import run_cli
from rubric.compute.packages import TOLERANCE, PackageProblem, best_packages, better_from
from rubric.records.load import requires_cycles
from vfm_study import ROWS, hand_study, set_option


def feasible_packages(problem: PackageProblem, budget=None):
    """Every package by enumeration of the subsets, straight from the rules (bit masks)."""
    n = len(problem.gain)
    allowed = problem.allowed
    out = []
    for bits in range(1, 1 << n):
        members = [i for i in range(n) if bits >> i & 1]
        if any(not allowed[i] for i in members):
            continue
        if any(bits >> i & 1 and bits >> j & 1 for i, j in problem.conflicts):
            continue
        if any(bits >> i & 1 and not bits >> j & 1 for i, j in problem.requires):
            continue
        if any(problem.gain[j] <= 0 and not any(bits >> i & 1 for i, r in problem.requires if r == j)
               for j in members):
            continue
        benefit = sum(problem.gain[i] for i in members)
        cost = sum(problem.cost[i] for i in members)
        if benefit <= TOLERANCE or (budget is not None and cost > budget):
            continue
        out.append((benefit, cost, tuple(members)))
    return sorted(out, key=lambda p: (-p[0], p[1], p[2]))


@st.composite
def problems(draw):
    n = draw(st.integers(1, 14))
    # halves and whole units: sums are exact, and ties in benefit and cost are common
    gain = np.array(draw(st.lists(st.integers(-4, 20), min_size=n, max_size=n)), dtype=float) * 0.5
    cost = np.array(draw(st.lists(st.integers(0, 12), min_size=n, max_size=n)), dtype=float)
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    conflicts = draw(st.lists(st.sampled_from(pairs), max_size=6, unique=True)) if pairs else []
    # requires only along a random order of the options: acyclic, as the loader guarantees
    order = draw(st.permutations(range(n)))
    later = [(order[a], order[b]) for a in range(n) for b in range(a + 1, n)]
    requires = draw(st.lists(st.sampled_from(later), max_size=5, unique=True)) if later else []
    allowed = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool) | (n < 3)
    budget = float(draw(st.integers(0, 40)))
    k = draw(st.integers(1, 5))
    return PackageProblem(gain, cost, tuple(conflicts), tuple(requires), allowed), budget, k


@settings(max_examples=30, deadline=None)
@given(problems())
def test_best_packages_match_enumerating_every_subset(case):
    problem, budget, k = case
    expected = feasible_packages(problem, budget)
    got = best_packages(problem, budget, k)
    # ties are broken the same way (benefit desc, cost asc, members), so the sets agree too
    assert [(p.benefit, p.cost, p.members) for p in got] == expected[:k]
    if got:
        better = [cost for benefit, cost, _ in feasible_packages(problem) if benefit > got[0].benefit + TOLERANCE]
        assert better_from(problem, got[0]) == (min(better) if better else None)
        # the top package is the best at every budget in its range
        for b in {got[0].cost, budget, (min(better) - 0.5) if better else budget + 100}:
            if b >= got[0].cost and (not better or b < min(better)):
                assert best_packages(problem, b, 1)[0].members == got[0].members


def test_requires_cycles_are_found_once_each():
    graph = [("a", ["b"]), ("b", ["c"]), ("c", ["a", "d"]), ("d", []), ("e", ["f"]), ("f", ["e"]), ("g", ["a"])]
    assert requires_cycles(graph) == [["a", "b", "c"], ["e", "f"]]
    chain = [(f"o{i}", [f"o{i + 1}"]) for i in range(5000)] + [("o5000", ["o0"])]
    assert len(requires_cycles(chain)) == 1 and len(requires_cycles(chain)[0]) == 5001


def test_hand_worked_packages_through_the_cli(tmp_path):
    study = hand_study(tmp_path / "s")
    code, out, err = run_cli("packages", study, "--budget", "60", "--top", "3", "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert (doc["baseline"], doc["reference_benefit"], doc["budget"]) == (["bau"], 20.0, 60.0)
    assert doc["gains"] == {"bau": 0.0, "opt-a": 40.0, "opt-b": 30.0, "opt-c": 20.0, "opt-d": 0.0, "opt-e": 55.0,
                            "opt-f": -15.0}
    # opt-e needs opt-d (gain 0, in only because opt-e requires it); opt-b and opt-c conflict
    assert doc["packages"] == [
        {"rank": 1, "options": ["opt-c", "opt-d", "opt-e"], "benefit": 75.0, "cost": 55.0,
         "best_for_budgets": {"from": 55.0, "below": 65.0}},  # opt-b + opt-d + opt-e: 85 for 65
        {"rank": 2, "options": ["opt-a", "opt-b"], "benefit": 70.0, "cost": 50.0},
        {"rank": 3, "options": ["opt-a", "opt-c"], "benefit": 60.0, "cost": 40.0}]
    code, out, _ = run_cli("packages", study, "--budget", "65")
    assert code == 0 and "opt-b, opt-d, opt-e" in out and "from a budget of 65 up to budgets below 75" in out
    code, out, _ = run_cli("packages", study, "--budget", "4", "--format", "csv")
    assert code == 0 and out == "rank,benefit,cost,options\n"
    code, out, _ = run_cli("packages", study, "--budget", "1000", "--format", "json")
    top = json.loads(out)["packages"][0]
    assert top["options"] == ["opt-a", "opt-b", "opt-d", "opt-e"] and top["benefit"] == 125.0 and top["best_for_budgets"]["below"] is None


def _snapshot(root):
    return {p: p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


LINK_CASES = [
    ("naming itself", "opt-c", {"conflicts_with": ["opt-c"]}, "/conflicts_with/0: an option cannot name itself"),
    ("requiring itself", "opt-c", {"requires": ["opt-c"]}, "/requires/0: an option cannot name itself"),
    ("an unknown option", "opt-c", {"conflicts_with": ["opt-z"]}, "/conflicts_with/0: unknown option 'opt-z'"),
    ("an unknown requirement", "opt-a", {"requires": ["opt-b", "opt-y"]}, "/requires/1: unknown option 'opt-y'"),
    ("requiring a conflicting option", "opt-a", {"requires": ["opt-b"], "conflicts_with": ["opt-b"]},
     "/requires/0: opt-a both requires and conflicts with 'opt-b'"),
    ("a duplicate", "opt-a", {"requires": ["opt-b", "opt-b"]}, "/requires: ['opt-b', 'opt-b'] has non-unique elements"),
]


@pytest.mark.parametrize("case", LINK_CASES, ids=[c[0] for c in LINK_CASES])
def test_bad_links_are_located(tmp_path, case):
    _, option, fields, message = case
    root = hand_study(tmp_path / "s", links=False)
    set_option(root, option, **fields)
    before = _snapshot(root)
    code, out, err = run_cli("packages", root, "--budget", "10")
    assert code == 1 and out == "" and _snapshot(root) == before
    lines = err.strip().splitlines()
    assert len(lines) == 1 and f"options/{option}.yaml:" in lines[0], err
    assert message in lines[0], err


def test_a_requires_cycle_is_reported_once_at_one_record(tmp_path):
    root = hand_study(tmp_path / "s", links=False)
    set_option(root, "opt-a", requires=["opt-f", "opt-b"])
    set_option(root, "opt-b", requires=["opt-c"])
    set_option(root, "opt-c", requires=["opt-a"])
    code, out, err = run_cli("validate", root)
    lines = err.strip().splitlines()
    assert code == 1 and out == "" and len(lines) == 1, err
    line = (root / "options" / "opt-a.yaml").read_text().splitlines().index("- opt-b") + 1
    assert lines[0].endswith(f"options/opt-a.yaml:{line}: /requires/1: circular requires: "
                             "opt-a -> opt-b -> opt-c -> opt-a"), err


@pytest.mark.parametrize("argv, code, message", [
    (["--budget", "-1"], 2, ": --budget -1 is negative: a budget is 0 or more"),
    (["--budget", "nan"], 2, "--budget must be a finite number"),
    (["--budget", "10", "--top", "0"], 2, "--top must be at least 1"),
    (["--budget", "10", "--profile", "nope"], 2, "unknown profile 'nope'"),
])
def test_bad_package_arguments(tmp_path, argv, code, message):
    root = hand_study(tmp_path / "s")
    before = _snapshot(root)
    got, out, err = run_cli("packages", root, *argv)
    assert got == code and out == "" and message in err and _snapshot(root) == before


def test_scope_and_links_to_business_as_usual(tmp_path):
    from rubric.compute.packages import option_packages
    from rubric.records.load import load_study

    root = hand_study(tmp_path / "s")
    set_option(root, "opt-a", requires=["bau"])        # met: business as usual is where packages start
    set_option(root, "opt-b", conflicts_with=["bau"])  # no effect
    study = load_study(root)
    names = lambda result: [[result.options[i] for i in p.members] for p in result.packages]  # noqa: E731
    assert names(option_packages(study, 60, 2)) == [["opt-c", "opt-d", "opt-e"], ["opt-a", "opt-b"]]
    # out of scope, opt-d cannot be adopted, so neither can opt-e, which requires it
    scoped = option_packages(study, 60, 2, scope=[o.id != "opt-d" for o in study.options])
    assert names(scoped) == [["opt-a", "opt-b"], ["opt-a", "opt-c"]]
    assert (scoped.packages[0].benefit, scoped.best_until) == (70.0, None)  # nothing in scope beats it


def test_the_workbook_shows_value_for_money_and_packages(tmp_path):
    """`rubric report --budget` adds a Packages sheet; a study with a cost criterion has a Value for
    money sheet with each profile's benefit, cost, efficiency and a chart of the frontier."""
    import zipfile

    import openpyxl

    from rubric.workbooks import comparison as layout

    study = hand_study(tmp_path / "s")
    out = tmp_path / "r.xlsx"
    code, _, err = run_cli("report", study, "--budget", "60", "--samples", "200", "-o", out)
    assert code == 0, err
    book = openpyxl.load_workbook(out, read_only=True)
    assert layout.VALUE_FOR_MONEY_SHEET in book.sheetnames and layout.PACKAGES_SHEET in book.sheetnames
    rows = list(book[layout.VALUE_FOR_MONEY_SHEET].iter_rows(values_only=True))
    table = {row[0]: row[1:5] for row in rows if row and row[0] in ROWS}
    assert table["opt-e"] == (75.0, 40, 75 / 40, "yes")
    assert table["opt-d"][:2] == (20.0, 5) and table["opt-d"][3] in (None, "")
    assert table["opt-f"][3] in (None, "")
    packages = list(book[layout.PACKAGES_SHEET].iter_rows(values_only=True))
    listed = [row[1:4] for row in packages if row and isinstance(row[0], int)]
    assert listed[:3] == [("opt-c, opt-d, opt-e", 75.0, 55), ("opt-a, opt-b", 70.0, 50), ("opt-a, opt-c", 60.0, 40)]
    with zipfile.ZipFile(out) as archive:
        charts = [n for n in archive.namelist() if n.startswith("xl/charts/chart")]
        scatter = [archive.read(n).decode() for n in charts if "efficient frontier" in archive.read(n).decode()]
    assert len(scatter) == 1 and "<c:scatterChart>" in scatter[0]
    code, _, err = run_cli("report", study, "--budget", "-5", "-o", tmp_path / "x.xlsx")
    assert code == 2 and "--budget must be a number, 0 or more" in err
