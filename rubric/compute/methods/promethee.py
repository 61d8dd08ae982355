from __future__ import annotations

import attrs
import numpy as np

# Brans' six preference functions: P(d) for d = g(a) - g(b) on a criterion to maximise
FUNCTIONS = ("usual", "u-shape", "v-shape", "level", "linear", "gaussian")


@attrs.frozen
class PrometheeResult:
    scores: np.ndarray = attrs.field(eq=False)            # net flow phi in [-1, 1]
    positive_flow: np.ndarray = attrs.field(eq=False)     # phi+ (leaving)
    negative_flow: np.ndarray = attrs.field(eq=False)     # phi- (entering)
    function: str = "usual"                               # the study-wide function (see `functions`)
    q: float = 0.0
    p: float = 0.0
    # what the options x options preference index is built from, on demand (nothing reads it on a run)
    oriented_values: np.ndarray = attrs.field(default=None, eq=False, repr=False)
    weights: np.ndarray = attrs.field(default=None, eq=False, repr=False)
    functions: tuple = ()                                 # per criterion (function, q, p, s)

    tables = ("positive_flow", "negative_flow", "preference_index")

    @property
    def preference_index(self) -> np.ndarray:
        """[a, b] pi(a, b) = sum_j w_j P_j(a, b), built one criterion at a time (options x options)."""
        values, n = self.oriented_values, len(self.oriented_values)
        pi = np.zeros((n, n))
        for j, weight in enumerate(self.weights):
            if weight:
                pi += weight * preference(np.subtract.outer(values[:, j], values[:, j]), *self.functions[j])
        np.fill_diagonal(pi, 0.0)
        return pi


def check_function(function: str, q: float = 0.0, p: float = 0.0, s: float = 0.0) -> None:
    if function not in FUNCTIONS:
        raise ValueError(f"unknown preference function {function!r}")
    if function in ("linear", "level") and not 0 <= q < p:
        raise ValueError(f"{function} preference needs 0 <= q < p")
    if function == "v-shape" and not p > 0:
        raise ValueError("v-shape preference needs p > 0")
    if function == "u-shape" and not q >= 0:
        raise ValueError("u-shape preference needs q >= 0")
    if function == "gaussian" and not s > 0:
        raise ValueError("gaussian preference needs s > 0")


def preference(d, function: str = "usual", q: float = 0.0, p: float = 0.0, s: float = 0.0):
    """Preference degree for differences d = g(a) - g(b) (Brans, Vincke & Mareschal 1986):

    usual (I): 1 if d > 0. u-shape (II): 1 if d > q. v-shape (III): d / p up to p, then 1.
    level (IV): 1/2 if q < d <= p, 1 if d > p. linear (V): (d - q) / (p - q) between q and p,
    then 1. gaussian (VI): 1 - exp(-d^2 / (2 s^2)) for d > 0. All are 0 for d <= 0.
    """
    check_function(function, q, p, s)
    d = np.asarray(d, dtype=float)
    if function == "usual":
        return (d > 0).astype(float)
    if function == "u-shape":
        return (d > q).astype(float)
    if function == "level":
        return 0.5 * (d > q) + 0.5 * (d > p)
    if function == "gaussian":
        return np.where(d > 0, -np.expm1(-d * d / (2.0 * s * s)), 0.0)
    q = 0.0 if function == "v-shape" else q
    return np.clip((d - q) / (p - q), 0.0, 1.0)


def _step_flows(s, column, t) -> tuple[np.ndarray, np.ndarray]:
    """sum_b [g(a) - g(b) > t] and sum_b [g(b) - g(a) > t] against the sorted values s."""
    return (np.searchsorted(s, column - t, "left").astype(float),
            (len(s) - np.searchsorted(s, column + t, "right")).astype(float))


def _ramp_flows(s, column, q, p) -> tuple[np.ndarray, np.ndarray]:
    """The linear function's sums: a prefers fully every b with g(b) <= g(a) - p, partly (linearly)
    every b with g(a) - p < g(b) < g(a) - q, whose sum is a difference of prefix sums. P is
    continuous at q and p, so where a value falls on a boundary does not change the sum."""
    n, span = len(s), p - q
    cumulative = np.concatenate(([0.0], np.cumsum(s)))
    full = np.searchsorted(s, column - p, "right")                 # b with g(a) - g(b) >= p
    partial_end = np.searchsorted(s, column - q, "left")           # ... and up to g(a) - g(b) > q
    leaving = full + ((partial_end - full) * (column - q) - (cumulative[partial_end] - cumulative[full])) / span
    full_from = np.searchsorted(s, column + p, "left")             # a with g(a) - g(b) >= p
    partial_from = np.searchsorted(s, column + q, "right")         # a with g(a) - g(b) > q
    entering = (n - full_from) + ((cumulative[full_from] - cumulative[partial_from])
                                  - (full_from - partial_from) * (column + q)) / span
    return leaving, entering


def _criterion_flows(column, function: str, q: float, p: float, s: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """sum_b P(g(a) - g(b)) and sum_b P(g(b) - g(a)) for one criterion.

    The step and ramp functions (usual, u-shape, level, v-shape, linear) in O(n log n) from the
    sorted values; the Gaussian, which has no such form, pairwise in blocks of rows (O(n^2) time,
    O(n) memory per block)."""
    if function == "gaussian":
        n = len(column)
        leaving, entering = np.zeros(n), np.zeros(n)
        block = max(1, 2_000_000 // max(n, 1))
        for start in range(0, n, block):
            d = column[start:start + block, None] - column[None, :]
            leaving[start:start + block] = preference(d, "gaussian", s=s).sum(axis=1)
            entering[start:start + block] = preference(-d, "gaussian", s=s).sum(axis=1)
        return leaving, entering
    ordered = np.sort(column)
    if function in ("usual", "u-shape"):
        return _step_flows(ordered, column, q if function == "u-shape" else 0.0)
    if function == "level":
        low_leaving, low_entering = _step_flows(ordered, column, q)
        high_leaving, high_entering = _step_flows(ordered, column, p)
        return 0.5 * (low_leaving + high_leaving), 0.5 * (low_entering + high_entering)
    return _ramp_flows(ordered, column, 0.0 if function == "v-shape" else q, p)


def promethee_ii(values, weights, function: str = "usual", q: float = 0.0, p: float = 0.0, benefit=None,
                 s: float = 0.0, criteria_functions=None) -> PrometheeResult:
    """PROMETHEE II (Brans & Vincke 1985): phi(a) = phi+(a) - phi-(a), flows averaged over n - 1.

    One preference function (function, q, p, s) for every criterion, or `criteria_functions`: per
    criterion an object with .function, .q, .p, .s (thresholds in that criterion's unit).
    `benefit` marks benefit columns (default all); cost columns are compared with the sign flipped.
    The flows are sums over the other options, so they are computed per criterion from the sorted
    values (O(n log n), memory linear in options; pairwise only for the Gaussian), never through the
    options x options x criteria differences; the preference index is built only when asked for.
    """
    values = np.asarray(values, dtype=float)
    if criteria_functions is None:
        functions = ((function, q, p, s),) * values.shape[1]
    else:
        functions = tuple((f.function, f.q, f.p, f.s) for f in criteria_functions)
    for given in set(functions):
        check_function(*given)
    if benefit is not None:
        values = np.where(np.asarray(benefit, dtype=bool), values, -values)
    weights = np.asarray(weights, dtype=float)
    n = values.shape[0]
    plus, minus = np.zeros(n), np.zeros(n)
    for j, weight in enumerate(weights):
        if weight:
            leaving, entering = _criterion_flows(values[:, j], *functions[j])
            plus += weight * leaving
            minus += weight * entering
    denominator = max(n - 1, 1)
    plus, minus = plus / denominator, minus / denominator
    return PrometheeResult(plus - minus, plus, minus, function, q, p, values, weights, functions)
