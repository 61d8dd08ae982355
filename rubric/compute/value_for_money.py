"""Value for money: each option's benefit (the weighted value of every criterion but the cost
criterion) against its cost (the cost criterion's pooled measure, in its unit), benefit per unit
cost, and the efficient frontier.

The array functions are pure; `value_for_money` wraps them over a study. Every function takes the
options in scope as an index array (None: all), so a caller that screens options out first passes
the ones left."""

from __future__ import annotations

import attrs
import numpy as np

from ..errors import Problem, RubricError
from ..model import Criterion, Study


def benefit_weights(weights, cost_index: int) -> np.ndarray:
    """The leaf weights with the cost criterion's set to 0 and the rest renormalised to sum 1.

    Raises ValueError when the other criteria carry no weight."""
    weights = np.array(weights, dtype=float)
    weights[cost_index] = 0.0
    total = weights.sum()
    if not total > 0:
        raise ValueError("no weight on any criterion but the cost criterion")
    return weights / total


def benefits(values, weights, cost_index: int) -> np.ndarray:
    """Per option, the weighted 0-100 value over every criterion but the cost criterion."""
    return np.asarray(values, dtype=float) @ benefit_weights(weights, cost_index)


def per_unit_cost(benefit, cost) -> np.ndarray:
    """Benefit per unit of cost; NaN where the cost is not positive (a free or saving option has no
    meaningful ratio: read the frontier instead)."""
    benefit, cost = np.asarray(benefit, dtype=float), np.asarray(cost, dtype=float)
    out = np.full(benefit.shape, np.nan)
    positive = cost > 0
    out[positive] = benefit[positive] / cost[positive]
    return out


def efficient(benefit, cost) -> np.ndarray:
    """bool per option: no other option has benefit >= and cost <= with one of the two strict.

    O(n log n): sort by cost; an option is efficient when its benefit is above every strictly
    cheaper option's (the running maximum before its cost) and is the highest among the options of
    exactly its cost. Options equal on both are efficient together (neither beats the other)."""
    benefit, cost = np.asarray(benefit, dtype=float), np.asarray(cost, dtype=float)
    n = len(benefit)
    out = np.zeros(n, dtype=bool)
    if not n:
        return out
    order = np.lexsort((-benefit, cost))  # cost ascending, then benefit descending
    c, b = cost[order], benefit[order]
    starts = np.flatnonzero(np.r_[True, c[1:] != c[:-1]])  # first index of each equal-cost run
    group_best = b[starts]                                  # benefit descending within a run
    cheaper_best = np.r_[-np.inf, np.maximum.accumulate(group_best)[:-1]]
    run = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, n]))
    out[order] = (b == group_best[run]) & (b > cheaper_best[run])
    return out


def frontier(benefit, cost, mask) -> list[int]:
    """Indices of the efficient options in cost order (ties: benefit descending, then index)."""
    benefit, cost = np.asarray(benefit, dtype=float), np.asarray(cost, dtype=float)
    chosen = np.flatnonzero(mask)
    return sorted(chosen.tolist(), key=lambda i: (cost[i], -benefit[i], i))


def cost_criterion(study: Study) -> Criterion:
    """The criterion whose measures are the options' costs: the one study.yaml names under
    `value_for_money`, else the study's only natural cost criterion."""
    rubric = study.rubric
    if study.cost_criterion is not None:
        return rubric.criterion(study.cost_criterion)
    natural_costs = [c for c in rubric.criteria if c.direction == "cost" and c.natural]
    if len(natural_costs) == 1:
        return natural_costs[0]
    found = (f"it has {len(natural_costs)} natural cost criteria ({', '.join(c.id for c in natural_costs)})"
             if natural_costs else "it has no cost criterion on a natural scale")
    raise RubricError(Problem(f"{study.root}/study.yaml", f"value for money needs to know the cost criterion and "
                              f"{found}: add `value_for_money: {{cost_criterion: <criterion id>}}`"))


@attrs.frozen
class ValueForMoney:
    study_id: str
    profile_id: str
    session_id: str
    cost_criterion: str
    unit: str                                      # the cost's unit; "level" on a level criterion
    options: tuple[str, ...]                       # the options in scope
    benefit: np.ndarray = attrs.field(eq=False)    # 0-100, every criterion but the cost
    cost: np.ndarray = attrs.field(eq=False)       # pooled measure (pooled level number on a level scale)
    ratio: np.ndarray = attrs.field(eq=False)      # benefit per unit cost, NaN where cost <= 0
    efficient: np.ndarray = attrs.field(eq=False)  # bool
    frontier: tuple[int, ...] = ()                 # indices into options, in cost order
    illustrative: bool = False


def option_scope(study: Study, scope) -> np.ndarray:
    """Indices of the options in scope, in study order: None is every option; otherwise a bool mask
    over the study's options or a sequence of option indices."""
    n = len(study.options)
    if scope is None:
        return np.arange(n)
    scope = np.asarray(scope)
    return np.flatnonzero(scope) if scope.dtype == bool else np.unique(scope.astype(int))


def benefit_and_cost(study: Study, profile: str | None = None, session: str | None = None, analysis=None):
    """(profile id, analysis, cost criterion, benefit per option, cost per option) over every option."""
    from .evaluate import analyse_session, pick_profile
    from .weights import profile_weights

    criterion = cost_criterion(study)
    profile_id = pick_profile(study, profile)
    analysis = analysis or analyse_session(study, session)
    k = analysis.tensor.criteria.index(criterion.id)
    try:
        benefit = benefits(analysis.consensus.value, profile_weights(study, profile_id).leaf, k)
    except ValueError:
        raise RubricError(Problem(f"{study.root}/profiles/{profile_id}.yaml", f"profile {profile_id} puts all its "
                                  f"weight on the cost criterion {criterion.id}, so the options have no benefit "
                                  "to set against their cost")) from None
    return profile_id, analysis, criterion, benefit, np.asarray(analysis.consensus.measure[:, k], dtype=float)


def value_for_money(study: Study, profile: str | None = None, session: str | None = None, analysis=None,
                    scope=None) -> ValueForMoney:
    """Benefit, cost, benefit per unit cost and the efficient frontier of the options in scope."""
    profile_id, analysis, criterion, benefit, cost = benefit_and_cost(study, profile, session, analysis)
    kept = option_scope(study, scope)
    benefit, cost = benefit[kept], cost[kept]
    mask = efficient(benefit, cost)
    return ValueForMoney(study.id, profile_id, analysis.session.id, criterion.id,
                         criterion.unit if criterion.natural else "level",
                         tuple(analysis.tensor.options[i] for i in kept), benefit, cost,
                         per_unit_cost(benefit, cost), mask, tuple(frontier(benefit, cost, mask)),
                         analysis.session.illustrative)
