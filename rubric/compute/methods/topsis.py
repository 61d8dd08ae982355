from __future__ import annotations

import attrs
import numpy as np


@attrs.frozen
class TopsisResult:
    scores: np.ndarray = attrs.field(eq=False)      # relative closeness C_i in [0, 1]
    normalised: np.ndarray = attrs.field(eq=False)  # r_ij = x_ij / sqrt(sum_i x_ij^2)
    weighted: np.ndarray = attrs.field(eq=False)    # w_j r_ij
    ideal: np.ndarray = attrs.field(eq=False)       # per criterion best weighted value
    anti_ideal: np.ndarray = attrs.field(eq=False)
    distance_ideal: np.ndarray = attrs.field(eq=False)
    distance_anti_ideal: np.ndarray = attrs.field(eq=False)

    tables = ("normalised", "weighted", "ideal", "anti_ideal", "distance_ideal", "distance_anti_ideal")


def topsis(values, weights, benefit=None) -> TopsisResult:
    """TOPSIS (Hwang & Yoon 1981) with vector normalisation and Euclidean distances.

    `benefit` marks benefit columns (default: all; the study's values are already oriented by the
    value functions). For a cost column the ideal is the minimum. C_i = S-_i / (S+_i + S-_i); when
    all options are identical every C_i is 0.5.
    """
    values = np.asarray(values, dtype=float)
    benefit = np.ones(values.shape[1], dtype=bool) if benefit is None else np.asarray(benefit, dtype=bool)
    norms = np.sqrt((values ** 2).sum(axis=0))
    normalised = np.divide(values, norms, out=np.zeros_like(values), where=norms > 0)
    weighted = normalised * np.asarray(weights, dtype=float)
    high, low = weighted.max(axis=0), weighted.min(axis=0)
    ideal, anti = np.where(benefit, high, low), np.where(benefit, low, high)
    d_ideal = np.sqrt(((weighted - ideal) ** 2).sum(axis=1))
    d_anti = np.sqrt(((weighted - anti) ** 2).sum(axis=1))
    total = d_ideal + d_anti
    closeness = np.divide(d_anti, total, out=np.full_like(total, 0.5), where=total > 0)
    return TopsisResult(closeness, normalised, weighted, ideal, anti, d_ideal, d_anti)
