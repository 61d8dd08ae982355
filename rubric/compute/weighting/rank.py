"""Rank-based weights: a rank order of the items turned into weights by rank-order centroid or
rank-sum (the profile's `rank_scheme`)."""

from __future__ import annotations

import numpy as np

from .common import Derived

NAME = "rank"


def _positions_weights(ranks, position_weights) -> np.ndarray:
    """Tied items share the mean of the weights of the positions they occupy together."""
    ranks = np.asarray(ranks, dtype=float)
    order = np.argsort(ranks, kind="stable")
    weights = np.empty(len(ranks))
    position = 0
    for rank in np.unique(ranks):
        members = order[ranks[order] == rank]
        weights[members] = position_weights[position:position + len(members)].mean()
        position += len(members)
    return weights


def rank_order_centroid(ranks) -> np.ndarray:
    """ROC (Barron & Barrett 1996): w_k = (1/n) * sum_{i=k..n} 1/i for the item in position k."""
    n = len(ranks)
    positions = np.array([np.sum(1.0 / np.arange(k, n + 1)) / n for k in range(1, n + 1)])
    return _positions_weights(ranks, positions)


def rank_sum(ranks) -> np.ndarray:
    """Rank-sum: w_k = 2 (n + 1 - k) / (n (n + 1)) for the item in position k."""
    n = len(ranks)
    positions = np.array([2.0 * (n + 1 - k) / (n * (n + 1)) for k in range(1, n + 1)])
    return _positions_weights(ranks, positions)


SCHEMES = {"roc": rank_order_centroid, "rank-sum": rank_sum}


def validate(block, pointer: str) -> list[tuple[str, str]]:
    ranks = sorted(item.rank for item in block.items)
    if ranks and ranks[0] != 1:
        return [(f"{pointer}/items", "ranks must start at 1")]
    return []


def derive(profile, block) -> Derived:
    return Derived(SCHEMES[profile.rank_scheme]([item.rank for item in block.items]))


def describe(profile) -> str:
    return f"{NAME} ({profile.rank_scheme})"
