"""Ranks from scores. Tie rule: standard competition ranking ("1224"): an option's rank is 1 plus
the number of options whose score is higher by more than 1e-9 x max(1, largest |score|). The
comparison workbook's rank formula computes exactly this."""

from __future__ import annotations

import numpy as np

TIE_TOLERANCE = 1e-9


def tolerance(scores) -> float:
    scores = np.asarray(scores, dtype=float)
    return TIE_TOLERANCE * max(1.0, float(np.max(np.abs(scores)))) if scores.size else TIE_TOLERANCE


def competition_ranks(scores, higher_is_better: bool = True) -> np.ndarray:
    scores = np.asarray(scores, dtype=float)
    keyed = scores if higher_is_better else -scores
    if np.isfinite(keyed).all():
        # the options beating each one, counted in the sorted scores (n log n, no n x n table)
        thresholds = keyed + tolerance(scores)
        return 1 + keyed.size - np.searchsorted(np.sort(keyed), thresholds, side="right")
    better = keyed[None, :] > keyed[:, None] + tolerance(scores)   # [i, k]: k beats i (NaN beats none)
    return 1 + better.sum(axis=1)
