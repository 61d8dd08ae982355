from __future__ import annotations

import attrs
import numpy as np


@attrs.frozen
class PrometheeResult:
    scores: np.ndarray = attrs.field(eq=False)            # net flow phi in [-1, 1]
    positive_flow: np.ndarray = attrs.field(eq=False)     # phi+ (leaving)
    negative_flow: np.ndarray = attrs.field(eq=False)     # phi- (entering)
    preference_index: np.ndarray = attrs.field(eq=False)  # [a, b] pi(a, b) = sum_j w_j P_j(a, b)
    function: str = "usual"
    q: float = 0.0
    p: float = 0.0

    tables = ("positive_flow", "negative_flow", "preference_index")


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


def promethee_ii(values, weights, function: str = "usual", q: float = 0.0, p: float = 0.0,
                 benefit=None) -> PrometheeResult:
    """PROMETHEE II (Brans & Vincke 1985): phi(a) = phi+(a) - phi-(a), flows averaged over n - 1.

    One preference function for every criterion (the study's values share the 0-100 scale).
    `benefit` marks benefit columns (default all); cost columns are compared with the sign flipped.
    """
    values = np.asarray(values, dtype=float)
    if benefit is not None:
        values = np.where(np.asarray(benefit, dtype=bool), values, -values)
    weights = np.asarray(weights, dtype=float)
    n = values.shape[0]
    if function not in ("usual", "linear"):
        raise ValueError(f"unknown preference function {function!r}")
    if function == "linear" and not 0 <= q < p:
        raise ValueError("linear preference needs 0 <= q < p")
    # one criterion at a time, in one reused buffer: memory options x options, not options x
    # options x criteria; the same arithmetic as preference() then times the weight
    pi = np.zeros((n, n))
    buffer = np.empty((n, n))
    for j, weight in enumerate(weights):
        if not weight:
            continue
        column = values[:, j]
        np.subtract.outer(column, column, out=buffer)        # d = g_j(a) - g_j(b)
        if function == "usual":
            pi += np.greater(buffer, 0, out=np.empty((n, n), dtype=bool)) * weight
        else:
            buffer -= q
            buffer /= p - q
            np.clip(buffer, 0.0, 1.0, out=buffer)
            buffer *= weight
            pi += buffer
    np.fill_diagonal(pi, 0.0)
    denominator = max(n - 1, 1)
    plus, minus = pi.sum(axis=1) / denominator, pi.sum(axis=0) / denominator
    return PrometheeResult(plus - minus, plus, minus, pi, function, q, p)
