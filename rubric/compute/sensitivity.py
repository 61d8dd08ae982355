"""Exact one-way weight sensitivity for the weighted sum.

Vary the weight t of one criterion (or the total weight of one group) from 0 to 1; the other
weights keep their proportions and share 1 - t. Then every option's total is linear in t:

    V_i(t) = b_i + t (a_i - b_i)

with a_i the option's weighted mean value over the varied criteria (their own proportions) and b_i
its weighted mean over the rest. Two lines cross at most once, so every place where two options
swap is found exactly, with no stepping.
"""

from __future__ import annotations

import attrs
import numpy as np

EPS = 1e-12


@attrs.frozen
class Swap:
    weight: float       # the weight t at which the two options' totals are equal
    rising: str         # the option ranked above the other for t just above `weight`
    falling: str


@attrs.frozen
class OneWay:
    """Sensitivity of the ranking to one criterion's (or group's) weight."""

    name: str                       # criterion or group id
    kind: str                       # "criterion" or "group"
    members: tuple[str, ...]        # the criteria whose weight varies together
    current: float                  # current weight (share of the total)
    intercept: np.ndarray = attrs.field(eq=False)  # b_i: total at t = 0
    slope: np.ndarray = attrs.field(eq=False)      # a_i - b_i
    swaps: tuple[Swap, ...]         # every crossing in [0, 1], by weight
    top: str                        # the current top option
    top_interval: tuple[float, float]  # the weights over which `top` stays on top
    distance: float | None          # from current weight to the nearest change of top; None: never

    def totals(self, t) -> np.ndarray:
        return self.intercept + np.asarray(t, dtype=float)[..., None] * self.slope


def line_coefficients(values, weights, members) -> tuple[np.ndarray, np.ndarray, float]:
    """Intercept b and slope (a - b) of every option's total as a function of the varied weight."""
    values = np.asarray(values, dtype=float)
    weights = np.asarray(weights, dtype=float)
    inside = np.zeros(len(weights), dtype=bool)
    inside[list(members)] = True
    current = float(weights[inside].sum())
    rest = 1.0 - current

    def share(mask, total):
        # keep proportions; a block with no weight at all splits evenly
        if total > EPS:
            return np.where(mask, weights, 0.0) / total
        return mask / mask.sum() if mask.any() else np.zeros(len(weights))

    a = values @ share(inside, current)
    b = values @ share(~inside, rest)
    return b, a - b, current


def crossings(intercept, slope, options) -> list[Swap]:
    swaps = []
    n = len(options)
    for i in range(n):
        for k in range(i + 1, n):
            gap_slope = slope[i] - slope[k]
            if abs(gap_slope) <= EPS:
                continue  # parallel (or identical): never swap
            t = (intercept[k] - intercept[i]) / gap_slope
            if 0.0 <= t <= 1.0:
                rising, falling = (options[i], options[k]) if gap_slope > 0 else (options[k], options[i])
                swaps.append(Swap(float(t), rising, falling))
    swaps.sort(key=lambda s: (s.weight, s.rising, s.falling))
    return swaps


def top_interval(intercept, slope, top: int, current: float) -> tuple[float, float]:
    """Largest interval around `current` on which option `top` has the highest total."""
    low, high = 0.0, 1.0
    for i in range(len(intercept)):
        if i == top:
            continue
        # top stays ahead while d(t) = (b_top - b_i) + t (s_top - s_i) >= 0
        d0 = intercept[top] - intercept[i]
        ds = slope[top] - slope[i]
        if abs(ds) <= EPS:
            continue
        t = -d0 / ds
        if ds > 0:        # ahead for t >= t*
            low = max(low, min(t, current))
        else:             # ahead for t <= t*
            high = min(high, max(t, current))
    return float(low), float(high)


def one_way(values, weights, members, options, name: str, kind: str, member_ids=None) -> OneWay:
    intercept, slope, current = line_coefficients(values, weights, members)
    totals_now = intercept + current * slope
    top = int(np.argmax(totals_now))
    low, high = top_interval(intercept, slope, top, current)
    gaps = [current - low if low > 0.0 else None, high - current if high < 1.0 else None]
    gaps = [g for g in gaps if g is not None]
    return OneWay(name, kind, tuple(member_ids or (str(m) for m in members)), current, intercept, slope,
                  tuple(crossings(intercept, slope, options)), options[top], (low, high),
                  min(gaps) if gaps else None)


@attrs.frozen
class Sensitivity:
    profile_id: str
    session_id: str
    options: tuple[str, ...]
    criteria: tuple[str, ...]
    weights: np.ndarray = attrs.field(eq=False)
    analyses: tuple[OneWay, ...]   # every criterion, then every group


def sensitivity(evaluation, rubric) -> Sensitivity:
    """One-way analyses for every criterion and every group of a weighted-sum evaluation."""
    criteria = evaluation.criteria
    index = {c: i for i, c in enumerate(criteria)}
    varied = [(c, "criterion", (c,)) for c in criteria]
    varied += [(g.id, "group", tuple(leaf.id for leaf in g.leaves())) for g in rubric.all_groups()]
    analyses = tuple(
        one_way(evaluation.values, evaluation.weights.leaf, [index[c] for c in members], evaluation.options, name,
                kind, members)
        # varying every criterion at once trades against nothing: no weight to move, no threshold
        for name, kind, members in varied if len(members) < len(criteria))
    return Sensitivity(evaluation.profile_id, evaluation.session_id, evaluation.options, criteria,
                       evaluation.weights.leaf, analyses)
