"""Ranks from scores. Tie rule: standard competition ranking ("1224"): options whose scores differ
by less than 1e-9 (relative to the largest magnitude) share the best rank of the tie."""

from __future__ import annotations

import numpy as np

TIE_TOLERANCE = 1e-9


def competition_ranks(scores, higher_is_better: bool = True) -> np.ndarray:
    scores = np.asarray(scores, dtype=float)
    keyed = -scores if higher_is_better else scores
    order = np.argsort(keyed, kind="stable")
    scale = max(1.0, float(np.max(np.abs(scores)))) if scores.size else 1.0
    ranks = np.empty(len(scores), dtype=int)
    for position, index in enumerate(order):
        if position and keyed[index] - keyed[order[position - 1]] <= TIE_TOLERANCE * scale:
            ranks[index] = ranks[order[position - 1]]
        else:
            ranks[index] = position + 1
    return ranks
