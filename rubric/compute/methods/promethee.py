from __future__ import annotations

import attrs
import numpy as np


@attrs.frozen
class PrometheeResult:
    scores: np.ndarray = attrs.field(eq=False)            # net flow phi in [-1, 1]
    positive_flow: np.ndarray = attrs.field(eq=False)     # phi+ (leaving)
    negative_flow: np.ndarray = attrs.field(eq=False)     # phi- (entering)
    function: str = "usual"
    q: float = 0.0
    p: float = 0.0
    # what the options x options preference index is built from, on demand (nothing reads it on a run)
    oriented_values: np.ndarray = attrs.field(default=None, eq=False, repr=False)
    weights: np.ndarray = attrs.field(default=None, eq=False, repr=False)

    tables = ("positive_flow", "negative_flow", "preference_index")

    @property
    def preference_index(self) -> np.ndarray:
        """[a, b] pi(a, b) = sum_j w_j P_j(a, b), built one criterion at a time (options x options)."""
        values, n = self.oriented_values, len(self.oriented_values)
        pi = np.zeros((n, n))
        for j, weight in enumerate(self.weights):
            if weight:
                pi += weight * preference(np.subtract.outer(values[:, j], values[:, j]), self.function, self.q,
                                          self.p)
        np.fill_diagonal(pi, 0.0)
        return pi


def preference(d, function: str = "usual", q: float = 0.0, p: float = 0.0):
    """Preference degree for differences d = g(a) - g(b).

    usual (type I): 1 if d > 0 else 0. linear (type V, with indifference threshold q and
    preference threshold p, q < p): 0 if d <= q, (d - q) / (p - q) if q < d <= p, 1 if d > p.
    """
    d = np.asarray(d, dtype=float)
    if function == "usual":
        return (d > 0).astype(float)
    if function == "linear":
        if not 0 <= q < p:
            raise ValueError("linear preference needs 0 <= q < p")
        return np.clip((d - q) / (p - q), 0.0, 1.0)
    raise ValueError(f"unknown preference function {function!r}")


def _criterion_flows(column, function: str, q: float, p: float) -> tuple[np.ndarray, np.ndarray]:
    """sum_b P(g(a) - g(b)) and sum_a P(g(a) - g(b)) for one criterion, in O(n log n).

    Against the sorted values s: with the usual function, a prefers every b below it. With the
    linear one, a prefers fully every b with g(b) <= g(a) - p, partly (linearly) every b with
    g(a) - p < g(b) < g(a) - q, whose sum is a difference of prefix sums. P is continuous at q and
    p, so where a value falls on a boundary does not change the sum."""
    s = np.sort(column)
    n = len(s)
    if function == "usual":
        return (np.searchsorted(s, column, "left").astype(float),
                (n - np.searchsorted(s, column, "right")).astype(float))
    span = p - q
    cumulative = np.concatenate(([0.0], np.cumsum(s)))
    full = np.searchsorted(s, column - p, "right")                 # b with g(a) - g(b) >= p
    partial_end = np.searchsorted(s, column - q, "left")           # ... and up to g(a) - g(b) > q
    leaving = full + ((partial_end - full) * (column - q) - (cumulative[partial_end] - cumulative[full])) / span
    full_from = np.searchsorted(s, column + p, "left")             # a with g(a) - g(b) >= p
    partial_from = np.searchsorted(s, column + q, "right")         # a with g(a) - g(b) > q
    entering = (n - full_from) + ((cumulative[full_from] - cumulative[partial_from])
                                  - (full_from - partial_from) * (column + q)) / span
    return leaving, entering


def promethee_ii(values, weights, function: str = "usual", q: float = 0.0, p: float = 0.0,
                 benefit=None) -> PrometheeResult:
    """PROMETHEE II (Brans & Vincke 1985): phi(a) = phi+(a) - phi-(a), flows averaged over n - 1.

    One preference function for every criterion (the study's values share the 0-100 scale).
    `benefit` marks benefit columns (default all); cost columns are compared with the sign flipped.
    The flows are sums over the other options, so they are computed per criterion from the sorted
    values (O(n log n), memory linear in options), never through the options x options x criteria
    differences; the preference index itself is built only when asked for.
    """
    if function not in ("usual", "linear"):
        raise ValueError(f"unknown preference function {function!r}")
    if function == "linear" and not 0 <= q < p:
        raise ValueError("linear preference needs 0 <= q < p")
    values = np.asarray(values, dtype=float)
    if benefit is not None:
        values = np.where(np.asarray(benefit, dtype=bool), values, -values)
    weights = np.asarray(weights, dtype=float)
    n = values.shape[0]
    plus, minus = np.zeros(n), np.zeros(n)
    for j, weight in enumerate(weights):
        if weight:
            leaving, entering = _criterion_flows(values[:, j], function, q, p)
            plus += weight * leaving
            minus += weight * entering
    denominator = max(n - 1, 1)
    plus, minus = plus / denominator, minus / denominator
    return PrometheeResult(plus - minus, plus, minus, function, q, p, values, weights)
