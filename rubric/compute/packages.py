"""Option packages: the K best sets of compatible options within a budget.

The model is additive. An option's gain is its benefit (as in value for money: the weighted value
of every criterion but the cost criterion, 0-100) minus the reference benefit, the benefit of the
business-as-usual option (the highest of them when several options are marked
business-as-usual; 0 when none is). A package's benefit is the sum of its members' gains and its
cost the sum of their costs (the cost criterion's pooled measures). This assumes options neither
reinforce nor undercut one another: two options together are worth exactly what each is worth
alone, and cost exactly the sum of their costs.

A package is a set S of options in scope, none of them business-as-usual, such that
- no two members conflict (`conflicts_with`, read both ways),
- every option a member requires is a member (a requirement on a business-as-usual option is met:
  it is the reference state; one on an option out of scope is not),
- a member whose gain is not positive is in S only because another member requires it (an option
  no better than the reference is never worth adopting for itself),
- its total cost is within the budget and its total benefit is positive (above doing nothing).

The best packages are found exactly, as a 0-1 integer programme solved by HiGHS
(`scipy.optimize.milp`, with a zero optimality gap): maximise gain . x subject to the rules above
as linear constraints. The next best are found by adding, after each package S found, the no-good
cut sum_{i in S} x_i - sum_{i not in S} x_i <= |S| - 1, which removes S and nothing else. Packages
whose benefits tie with the K-th (within TOLERANCE; at most MAX_TIED of them) are all collected
before the K are chosen, so the order is deterministic: benefit descending, cost ascending, then
the members in study order (option records are read sorted by file name, that is by id).

The top package's budget range: the top package S* (cost C*) at the budget asked, B, stays the
best for every budget b in [C*, B'), where B' is the lowest cost of any package whose benefit beats
S*'s by more than TOLERANCE (1e-4 value points). Below C*, S* is not affordable; from B' on, a
better package is. In between, a package affordable at b either was affordable at B (b <= B), so
S* beat it then, or costs more than B >= C* and so loses a benefit tie to S* on cost. B' is one
more integer programme: minimise cost . x over packages with gain . x >= benefit(S*) + TOLERANCE,
no budget; when there is none, S* stays the best at every budget from C* up.
"""

from __future__ import annotations

import math

import attrs
import numpy as np

# benefits closer than this (in 0-100 value points) are ties. Well above HiGHS's feasibility
# tolerance (1e-6), so that a benefit floor of `benefit + TOLERANCE` is never infeasible by less than
# the solver can tell (which HiGHS ends in a solve error); every package it returns is checked exactly
TOLERANCE = 1e-4
MAX_TIED = 1000   # packages tied with the K-th collected at most, before choosing K of them


@attrs.frozen
class Package:
    members: tuple[int, ...]   # option indices, ascending
    benefit: float
    cost: float


@attrs.frozen
class PackageProblem:
    """The integer programme's data over n options: gains and costs, conflicting pairs (i, j) and
    requirements (i requires j) as index pairs, and which options may be members at all."""

    gain: np.ndarray = attrs.field(eq=False)
    cost: np.ndarray = attrs.field(eq=False)
    conflicts: tuple[tuple[int, int], ...] = ()
    requires: tuple[tuple[int, int], ...] = ()
    allowed: np.ndarray = attrs.field(default=None, eq=False)  # bool; None: every option


def package_totals(members, gain, cost) -> tuple[float, float]:
    """(benefit, cost) of a set of options, summed exactly (math.fsum), in one fixed way."""
    return math.fsum(float(gain[i]) for i in members), math.fsum(float(cost[i]) for i in members)


def _constraints(problem: PackageProblem):
    """Rows (coefficient dicts) and bounds of the package rules, and per-option upper bounds."""
    n = len(problem.gain)
    allowed = np.ones(n, dtype=bool) if problem.allowed is None else np.asarray(problem.allowed, dtype=bool)
    upper = allowed.astype(float)
    rows, lows, highs = [], [], []
    for i, j in problem.conflicts:                       # x_i + x_j <= 1
        rows.append({i: 1.0, j: 1.0}), lows.append(-np.inf), highs.append(1.0)
    required_by: dict[int, list[int]] = {}
    for i, j in problem.requires:                        # x_i <= x_j
        if not allowed[j]:
            upper[i] = 0.0
            continue
        rows.append({i: 1.0, j: -1.0}), lows.append(-np.inf), highs.append(0.0)
        required_by.setdefault(j, []).append(i)
    for j in np.flatnonzero(problem.gain <= 0):          # x_j <= sum of its requirers
        requirers = [i for i in required_by.get(int(j), ()) if i != j]
        if not requirers:
            upper[j] = 0.0
            continue
        row = {int(j): 1.0}
        for i in requirers:
            row[i] = row.get(i, 0.0) - 1.0
        rows.append(row), lows.append(-np.inf), highs.append(0.0)
    return rows, lows, highs, upper


def _matrix(rows, n):
    from scipy.sparse import csr_array

    data, indices, pointers = [], [], [0]
    for row in rows:
        for column, value in sorted(row.items()):
            indices.append(column)
            data.append(value)
        pointers.append(len(indices))
    return csr_array((np.array(data, dtype=float), np.array(indices, dtype=np.int64), np.array(pointers)),
                     shape=(len(rows), n))


class _Solver:
    """The integer programme with its cuts; `best` solves it again under a budget or benefit floor."""

    def __init__(self, problem: PackageProblem):
        self.problem = problem
        self.n = len(problem.gain)
        self.rows, self.lows, self.highs, self.upper = _constraints(problem)

    def cut(self, members) -> None:
        inside = set(members)
        self.rows.append({i: (1.0 if i in inside else -1.0) for i in range(self.n)})
        self.lows.append(-np.inf)
        self.highs.append(len(inside) - 1.0)

    def solve(self, objective, extra_rows=(), extra_lows=(), extra_highs=()):
        """The members of an optimal x (minimising objective . x), () for the empty set, or None
        when no x meets the rows. Options fixed at 0 are left out of the programme, and a row left
        with no option is checked at x = 0 (HiGHS ends some fully reduced problems in a solve error)."""
        from scipy.optimize import Bounds, LinearConstraint, milp

        free = np.flatnonzero(self.upper > 0)
        column = {int(j): c for c, j in enumerate(free)}
        rows, lows, highs = [], [], []
        for row, low, high in zip([*self.rows, *extra_rows], [*self.lows, *extra_lows],
                                  [*self.highs, *extra_highs]):
            kept = {column[i]: value for i, value in row.items() if i in column and value != 0}
            if kept:
                rows.append(kept), lows.append(low), highs.append(high)
            elif not low <= 0 <= high:
                return None
        if not len(free):
            return ()
        constraints = [LinearConstraint(_matrix(rows, len(free)), lows, highs)] if rows else []
        objective = np.asarray(objective, dtype=float)[free]
        for presolve in (True, False):
            # HiGHS's presolve can end a small problem in a solve error (status 4); the same
            # problem without presolve solves
            result = milp(objective, integrality=np.ones(len(free)), bounds=Bounds(0, 1),
                          constraints=constraints, options={"mip_rel_gap": 0.0, "presolve": presolve})
            if result.status in (0, 2):
                break
        else:
            from ..errors import RubricError

            raise RubricError(f"the integer programme solver (HiGHS) failed on the package problem: "
                              f"{result.message}")
        if result.status == 2 or result.x is None:  # infeasible: no package left
            return None
        return tuple(int(free[c]) for c in np.flatnonzero(np.round(result.x) > 0.5))

    def best_within(self, budget: float):
        cost_row = {i: float(c) for i, c in enumerate(self.problem.cost) if c != 0}
        return self.solve(-np.asarray(self.problem.gain, dtype=float), [cost_row], [-np.inf], [budget])


def best_packages(problem: PackageProblem, budget: float, k: int) -> list[Package]:
    """The k best packages within the budget (fewer when fewer exist), best first."""
    if k < 1:
        return []
    gain, cost = problem.gain, problem.cost
    solver = _Solver(problem)
    found: list[Package] = []
    floor = None  # the K-th benefit, once K are found
    while len(found) < k + MAX_TIED:
        members = solver.best_within(budget)
        if not members:
            break
        benefit, total = package_totals(members, gain, cost)
        if total > budget:  # within the solver's feasibility tolerance, not within the budget
            solver.cut(members)
            continue
        if benefit <= TOLERANCE or (floor is not None and benefit < floor - TOLERANCE):
            break
        found.append(Package(members, benefit, total))
        if len(found) == k:
            floor = benefit
        solver.cut(members)
    return sorted(found, key=lambda p: (-p.benefit, p.cost, p.members))[:k]


def better_from(problem: PackageProblem, package: Package) -> float | None:
    """The lowest budget at which a package with a higher benefit than `package` (by more than
    TOLERANCE) is affordable; None when no package beats it at any budget."""
    solver = _Solver(problem)
    gain_row = {i: float(g) for i, g in enumerate(problem.gain) if g != 0}
    while True:
        members = solver.solve(np.asarray(problem.cost, dtype=float), [gain_row], [package.benefit + TOLERANCE],
                               [np.inf])
        if members is None:
            return None
        benefit, total = package_totals(members, problem.gain, problem.cost)
        if benefit > package.benefit + TOLERANCE:
            return total
        solver.cut(members)  # let in by the solver's feasibility tolerance (1e-6 on a row)


@attrs.frozen
class Packages:
    study_id: str
    profile_id: str
    session_id: str
    cost_criterion: str
    unit: str
    budget: float
    baseline: tuple[str, ...]      # the business-as-usual options (the reference; never members)
    reference: float               # the reference benefit subtracted from every option's
    options: tuple[str, ...]       # every option of the study; packages hold indices into it
    gain: np.ndarray = attrs.field(eq=False)
    cost: np.ndarray = attrs.field(eq=False)
    packages: tuple[Package, ...] = ()
    best_until: float | None = None  # the top package stays best for budgets [its cost, best_until)
    illustrative: bool = False


def package_problem(study, gain, scope) -> PackageProblem:
    """The study's conflicts and requirements as index pairs, over the options in `scope` (indices)."""
    index = {option.id: i for i, option in enumerate(study.options)}
    reference = {i for i, option in enumerate(study.options) if option.baseline == "business-as-usual"}
    allowed = np.zeros(len(study.options), dtype=bool)
    allowed[np.asarray(scope, dtype=int)] = True
    allowed[list(reference)] = False
    conflicts, requires = set(), []
    for i, option in enumerate(study.options):
        for other in option.conflicts_with:
            conflicts.add((min(i, index[other]), max(i, index[other])))
        requires.extend((i, index[other]) for other in option.requires if index[other] not in reference)
    return PackageProblem(np.asarray(gain, dtype=float), None, tuple(sorted(conflicts)), tuple(requires), allowed)


def option_packages(study, budget: float, top: int = 1, profile: str | None = None, session: str | None = None,
                    analysis=None, scope=None) -> Packages:
    """The `top` best packages within `budget` for a profile (see the module docstring)."""
    from .value_for_money import benefit_and_cost, option_scope

    profile_id, analysis, criterion, benefit, cost = benefit_and_cost(study, profile, session, analysis)
    baseline = tuple(o.id for o in study.options if o.baseline == "business-as-usual")
    reference = max((float(benefit[i]) for i, o in enumerate(study.options) if o.baseline == "business-as-usual"),
                    default=0.0)
    gain = benefit - reference
    problem = attrs.evolve(package_problem(study, gain, option_scope(study, scope)), cost=cost)
    found = best_packages(problem, budget, top)
    until = better_from(problem, found[0]) if found else None
    return Packages(study.id, profile_id, analysis.session.id, criterion.id,
                    criterion.unit if criterion.natural else "level", float(budget), baseline, reference,
                    tuple(o.id for o in study.options), gain, cost, tuple(found), until,
                    analysis.session.illustrative)
