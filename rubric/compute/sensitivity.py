"""Exact one-way weight sensitivity for the weighted sum.

Vary the weight t of one criterion (or the total weight of one group) from 0 to 1; the other
weights keep their proportions and share 1 - t. Then every option's total is linear in t:

    V_i(t) = b_i + t (a_i - b_i)

with a_i the option's weighted mean value over the varied criteria (their own proportions) and b_i
its weighted mean over the rest. Two lines cross at most once, so every place where two options
swap is found exactly, with no stepping.

A swap is real only when the two options' order differs at the two ends of [0, 1]: the lines
cross strictly inside the interval. Lines that only touch at t = 0 or t = 1 (equal there, one
ahead everywhere else), or are equal everywhere, never change order and are not swaps. "Equal" uses
the ranking's tie tolerance, so what counts as a swap matches what changes the ranks.
"""

from __future__ import annotations

import attrs
import numpy as np

from .ranking import TIE_TOLERANCE

EPS = 1e-12


@attrs.frozen
class Swap:
    weight: float       # the weight t at which the two options' totals are equal
    rising: str         # the option ranked above the other for t just above `weight`
    falling: str


@attrs.frozen
class TopChange:
    weight: float       # the weight t at which the top option changes
    top: str            # on top just above `weight`
    before: str         # on top just below `weight`


@attrs.frozen
class OneWay:
    """Sensitivity of the ranking to one criterion's (or group's) weight."""

    name: str                       # criterion or group id
    kind: str                       # "criterion" or "group"
    members: tuple[str, ...]        # the criteria whose weight varies together
    current: float                  # current weight (share of the total)
    intercept: np.ndarray = attrs.field(eq=False)  # b_i: total at t = 0
    slope: np.ndarray = attrs.field(eq=False)      # a_i - b_i
    options: tuple[str, ...]
    swap_count: int                 # real swaps in (0, 1); the swaps themselves are listed on demand
    top: str                        # the current top option
    top_interval: tuple[float, float]  # the weights over which `top` stays on top
    distance: float | None          # from current weight to the nearest change of top; None: never
    top_changes: tuple[TopChange, ...]  # every change of the top option over (0, 1), by weight
    takes_over: str | None          # the option that takes the top at the nearest change; None: never

    # Swaps can number in the millions on a large study (n^2 / 2 pairs per analysis), so only their
    # count is kept; they are computed, and made objects, only for what a caller lists.
    def swap_arrays(self, option_indices=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(weight, rising index, falling index) of every real swap, or of those involving the given options."""
        return crossings(self.intercept, self.slope, self.options, option_indices)

    @property
    def swaps(self) -> tuple[Swap, ...]:
        return self._swap_objects(*self.swap_arrays())

    def swaps_involving(self, option_indices) -> tuple[Swap, ...]:
        """The swaps in which one of the given options takes part, by weight then names."""
        return self._swap_objects(*self.swap_arrays(option_indices))

    def _swap_objects(self, weight, rising, falling) -> tuple[Swap, ...]:
        o = self.options
        return tuple(Swap(float(t), o[i], o[k]) for t, i, k in zip(weight, rising, falling))

    def on_top_beyond(self, weight: float, above: bool) -> str | None:
        """The option on top just above (or below) the change of top nearest `weight`; None when
        the top never changes."""
        return _on_top_beyond(self.top_changes, weight, above)

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


def _tie_tolerance(intercept, slope) -> float:
    largest = max(float(np.abs(intercept).max(initial=0.0)), float(np.abs(intercept + slope).max(initial=0.0)))
    return TIE_TOLERANCE * max(1.0, largest)


def _grid(totals, tol) -> np.ndarray:
    """Totals on a grid of the tie tolerance: two options are level where their grid points are
    equal. Rounding is monotone, so a strict order on the grid is a strict order of the totals, and
    the same classification serves the pairwise listing and the sort-based count."""
    return np.round(np.asarray(totals, dtype=float) / tol)


def _real_pairs(start, end, rows, columns):
    """[row, column] mask of the pairs that really swap: strictly ordered at t = 0 and at t = 1
    (on the tolerance grid), in opposite orders."""
    d0 = start[rows, None] - start[None, columns]
    d1 = end[rows, None] - end[None, columns]
    return ((d0 > 0) & (d1 < 0)) | ((d0 < 0) & (d1 > 0))


def _row_blocks(n: int):
    rows = max(1, 4_000_000 // max(n, 1))   # pairwise arrays of about 4 million cells whatever the size
    for lo in range(0, n, rows):
        yield np.arange(lo, min(n, lo + rows))


def count_swaps(intercept, slope) -> int:
    """How many pairs really swap in (0, 1), in O(n log^2 n): sorted by the grid totals at t = 0
    (then at t = 1), the swapping pairs are exactly the strict inversions of the order at t = 1."""
    from .compare import strict_inversions

    intercept = np.asarray(intercept, dtype=float)
    at_one = intercept + np.asarray(slope, dtype=float)
    tol = _tie_tolerance(intercept, slope)
    start, end = _grid(intercept, tol), _grid(at_one, tol)
    order = np.lexsort((end, start))
    return strict_inversions(np.unique(end[order], return_inverse=True)[1])


def crossings(intercept, slope, options, option_indices=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Real swaps as arrays (weight, rising index, falling index), sorted by weight then names: every
    one, or those involving `option_indices`.

    The gap between options i and k is d0 = b_i - b_k at t = 0 and d1 = a_i - a_k at t = 1; they
    swap iff they are strictly ordered at both ends (on the tie-tolerance grid) in opposite orders,
    at t = d0 / (d0 - d1).
    """
    intercept = np.asarray(intercept, dtype=float)
    at_one = intercept + np.asarray(slope, dtype=float)
    tol, n = _tie_tolerance(intercept, slope), len(intercept)
    start, end = _grid(intercept, tol), _grid(at_one, tol)
    every = np.arange(n)
    first, second = [], []
    if option_indices is None:
        for rows in _row_blocks(n):
            real = _real_pairs(start, end, rows, every) & (rows[:, None] < every[None, :])  # each pair once
            i, k = np.nonzero(real)
            first.append(rows[i])
            second.append(k)
    else:
        chosen = np.unique(np.asarray(list(option_indices), dtype=np.intp))
        real = _real_pairs(start, end, chosen, every)
        # a pair of two chosen options once: from the lower index
        real &= ~np.isin(every, chosen)[None, :] | (chosen[:, None] < every[None, :])
        i, k = np.nonzero(real)
        first.append(chosen[i])
        second.append(k)
    i = np.concatenate(first) if first else np.zeros(0, np.intp)
    k = np.concatenate(second) if second else np.zeros(0, np.intp)
    d0 = intercept[i] - intercept[k]
    d1 = at_one[i] - at_one[k]
    weight = d0 / (d0 - d1)
    i_rises = d1 > 0          # i ahead at t = 1, so just above the crossing
    rising = np.where(i_rises, i, k)
    falling = np.where(i_rises, k, i)
    name_rank = np.empty(n, dtype=np.intp)
    name_rank[np.argsort(np.asarray(options, dtype=object), kind="stable")] = np.arange(n)
    order = np.lexsort((name_rank[falling], name_rank[rising], weight))
    return weight[order], rising[order], falling[order]


def top_changes(intercept, slope, options) -> tuple[TopChange, ...]:
    """The upper envelope of the lines over (0, 1): where the top option changes and to which.

    From the option on top just above t = 0, repeatedly find the first line with a steeper slope
    that overtakes the current top strictly later and strictly before t = 1; at most n steps,
    each vectorised over the options.
    """
    intercept = np.asarray(intercept, dtype=float)
    slope = np.asarray(slope, dtype=float)
    if not len(intercept):
        return ()
    tol = _tie_tolerance(intercept, slope)
    leaders = np.nonzero(intercept >= intercept.max() - tol)[0]
    top = int(leaders[np.argmax(slope[leaders])])
    at, changes = 0.0, []
    while True:
        steeper = slope > slope[top] + EPS
        if not steeper.any():
            break
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.where(steeper, (intercept[top] - intercept) / (slope - slope[top]), np.inf)
        # a steeper line level with the top at `at` was a candidate there, and the steepest one won
        t[t <= at + EPS] = np.inf
        first = float(t.min())
        if not first < 1.0 - EPS:
            break
        candidates = np.nonzero(t <= first + EPS)[0]
        successor = int(candidates[np.argmax(slope[candidates])])
        if first > 0.0:
            changes.append(TopChange(first, options[successor], options[top]))
        top, at = successor, first
    return tuple(changes)


def _on_top_beyond(changes, weight: float, above: bool) -> str | None:
    if not changes:
        return None
    change = min(changes, key=lambda c: abs(c.weight - weight))
    return change.top if above else change.before


def top_interval(intercept, slope, top: int, current: float) -> tuple[float, float]:
    """Largest interval around `current` on which option `top` has the highest total."""
    # top stays ahead of i while d(t) = (b_top - b_i) + t (s_top - s_i) >= 0
    d0 = intercept[top] - intercept
    ds = slope[top] - slope
    with np.errstate(divide="ignore", invalid="ignore"):
        t = -d0 / ds
    others = np.arange(len(intercept)) != top
    gaining = others & (ds > EPS)        # ahead for t >= t*
    losing = others & (ds < -EPS)        # ahead for t <= t*
    low = max(0.0, float(np.minimum(t[gaining], current).max(initial=0.0)))
    high = min(1.0, float(np.maximum(t[losing], current).min(initial=1.0)))
    # two lines that meet at an end (equal values on the varied criteria) cross there up to rounding,
    # 1 - 2e-16 say: a touch at the end, as top_changes reads it, not a change of top
    return (0.0 if low <= EPS else low), (1.0 if high >= 1.0 - EPS else high)


def one_way(values, weights, members, options, name: str, kind: str, member_ids=None) -> OneWay:
    intercept, slope, current = line_coefficients(values, weights, members)
    totals_now = intercept + current * slope
    top = int(np.argmax(totals_now))
    low, high = top_interval(intercept, slope, top, current)
    gaps = [current - low if low > 0.0 else None, high - current if high < 1.0 else None]
    gaps = [g for g in gaps if g is not None]
    distance = min(gaps) if gaps else None
    changes = top_changes(intercept, slope, options)
    takes_over = None
    if distance is not None:
        if low > 0.0 and current - low == distance:   # the top changes going down: what was on top below
            takes_over = _on_top_beyond(changes, low, above=False)
        else:
            takes_over = _on_top_beyond(changes, high, above=True)
    return OneWay(name, kind, tuple(member_ids or (str(m) for m in members)), current, intercept, slope,
                  tuple(options), count_swaps(intercept, slope), options[top], (low, high), distance, changes,
                  takes_over)


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
