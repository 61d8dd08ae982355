from __future__ import annotations

import attrs
import numpy as np

from ..ranking import tolerance


@attrs.frozen
class VikorResult:
    scores: np.ndarray = attrs.field(eq=False)         # Q: 0 = best compromise, lower ranks first
    group_utility: np.ndarray = attrs.field(eq=False)  # S_i = sum_j w_j d_ij (d: share of the range from best)
    regret: np.ndarray = attrs.field(eq=False)         # R_i = max_j w_j d_ij
    v: float
    compromise: tuple[int, ...]                        # option indices of the compromise set, best Q first
    acceptable_advantage: bool                         # C1: Q(a2) - Q(a1) >= 1 / (m - 1)
    acceptable_stability: bool                         # C2: a1 is also best by S or by R

    tables = ("group_utility", "regret")

    @property
    def advantage_threshold(self) -> float:
        return 1.0 / max(len(self.scores) - 1, 1)


def _share_of_range(x, low, high) -> np.ndarray:
    """(x - low) / (high - low), 0 where the range is empty (every option equal: nobody regrets it)."""
    span = high - low
    return np.divide(x - low, span, out=np.zeros_like(np.asarray(x, dtype=float)), where=span > 0)


def vikor(values, weights, v: float = 0.5, benefit=None) -> VikorResult:
    """VIKOR compromise ranking (Opricovic & Tzeng 2004, EJOR 156: 445-455).

    d_ij = (f*_j - f_ij) / (f*_j - f-_j) with f* the best and f- the worst value of criterion j;
    S_i = sum_j w_j d_ij, R_i = max_j w_j d_ij, Q_i = v (S_i - S*)/(S- - S*) + (1 - v)(R_i - R*)/(R- - R*).
    Lower Q is better. With a1, a2 first and second by Q, the compromise is a1 alone when
    C1 (Q(a2) - Q(a1) >= 1/(m - 1)) and C2 (a1 also best by S or R) hold; {a1, a2} when only C2
    fails; and every option whose Q is within 1/(m - 1) of Q(a1) when C1 fails.
    A criterion on which every option is equal, or an S (R) equal for every option, adds nothing.
    `benefit` marks benefit columns (default all: the study's values are already oriented).
    """
    values = np.asarray(values, dtype=float)
    weights = np.asarray(weights, dtype=float)
    if benefit is not None:
        values = np.where(np.asarray(benefit, dtype=bool), values, -values)
    best, worst = values.max(axis=0), values.min(axis=0)
    regrets = weights * _share_of_range(best - values, 0.0, best - worst)
    s, r = regrets.sum(axis=1), regrets.max(axis=1)
    q = v * _share_of_range(s, s.min(), s.max()) + (1 - v) * _share_of_range(r, r.min(), r.max())
    m = len(q)
    order = np.argsort(q, kind="stable")
    threshold = 1.0 / max(m - 1, 1)
    first = int(order[0])
    advantage = m < 2 or bool(q[order[1]] - q[first] >= threshold - tolerance(q))
    stability = bool(s[first] <= s.min() + tolerance(s) or r[first] <= r.min() + tolerance(r))
    if advantage and stability:
        compromise = (first,)
    elif advantage:
        compromise = (first, int(order[1]))
    else:
        compromise = tuple(int(i) for i in order if q[i] - q[first] < threshold - tolerance(q))
    return VikorResult(q, s, r, float(v), compromise, advantage, stability)
