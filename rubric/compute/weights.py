"""Normalised weights derived from a profile's raw inputs. Pure functions over numpy arrays.

Only raw inputs are ever stored; every weight shown anywhere is derived here.
"""

from __future__ import annotations

import attrs
import numpy as np

from ..model import Profile, Rubric, WeightBlock

# Saaty's random consistency index (Saaty 1980, "The Analytic Hierarchy Process", table 1.7:
# mean CI of 500 random reciprocal matrices), indexed by matrix order n.
SAATY_RANDOM_INDEX = {1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41,
                      9: 1.45, 10: 1.49, 11: 1.51, 12: 1.48, 13: 1.56, 14: 1.57, 15: 1.59}
RANDOM_INDEX_NAME = "Saaty (1980) random index"
CR_THRESHOLD = 0.10


def normalise(points) -> np.ndarray:
    """Points (direct or swing) -> weights summing to 1."""
    points = np.asarray(points, dtype=float)
    total = points.sum()
    if not np.isfinite(total) or total <= 0 or (points < 0).any():
        raise ValueError("weights must be non-negative, finite and not all zero")
    return points / total


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


@attrs.frozen
class AhpResult:
    weights: np.ndarray = attrs.field(eq=False)
    lambda_max: float
    consistency_index: float
    consistency_ratio: float
    random_index: float


def ahp_weights(matrix) -> AhpResult:
    """Principal right eigenvector of a positive reciprocal matrix (Saaty's eigenvector method).

    CI = (lambda_max - n) / (n - 1); CR = CI / RI(n). For n <= 2 a reciprocal matrix is always
    consistent and CR is 0.
    """
    matrix = np.asarray(matrix, dtype=float)
    n = matrix.shape[0]
    if n == 1:
        return AhpResult(np.ones(1), 1.0, 0.0, 0.0, 0.0)
    eigenvalues, eigenvectors = np.linalg.eig(matrix)
    k = int(np.argmax(eigenvalues.real))
    vector = np.abs(eigenvectors[:, k].real)
    lambda_max = float(eigenvalues[k].real)
    ci = max(0.0, (lambda_max - n) / (n - 1))
    ri = SAATY_RANDOM_INDEX.get(n, 1.59)
    cr = ci / ri if ri > 0 else 0.0
    return AhpResult(vector / vector.sum(), lambda_max, ci, cr, ri)


def pairwise_matrix(ids, judgements) -> np.ndarray:
    index = {item: i for i, item in enumerate(ids)}
    matrix = np.ones((len(ids), len(ids)))
    for judgement in judgements:
        a, b = index[judgement.a], index[judgement.b]
        matrix[a, b] = judgement.ratio
        matrix[b, a] = 1.0 / judgement.ratio
    return matrix


@attrs.frozen
class BlockWeights:
    """One block's raw inputs next to the local weights derived from them."""

    node: str
    ids: tuple[str, ...]
    local: np.ndarray = attrs.field(eq=False)
    ahp: AhpResult | None = None


@attrs.frozen
class ProfileWeights:
    profile_id: str
    criteria: tuple[str, ...]  # leaf ids, rubric order
    leaf: np.ndarray = attrs.field(eq=False)  # sums to 1
    blocks: tuple[BlockWeights, ...]
    warnings: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, float]:
        return {c: float(w) for c, w in zip(self.criteria, self.leaf)}

    def group_weight(self, rubric: Rubric, group_id: str) -> float:
        group = next(g for g in rubric.all_groups() if g.id == group_id)
        members = {c.id for c in group.leaves()}
        return float(sum(w for c, w in zip(self.criteria, self.leaf) if c in members))


def block_weights(profile: Profile, block: WeightBlock) -> BlockWeights:
    ids = tuple(item.id for item in block.items)
    ahp = None
    if profile.method in ("direct", "swing"):
        local = normalise([item.points for item in block.items])
    elif profile.method == "rank":
        scheme = rank_order_centroid if profile.rank_scheme == "roc" else rank_sum
        local = scheme([item.rank for item in block.items])
    else:
        ahp = ahp_weights(pairwise_matrix(ids, block.judgements))
        local = ahp.weights
    return BlockWeights(block.node, ids, local, ahp)


def derive_weights(profile: Profile, rubric: Rubric) -> ProfileWeights:
    """Leaf weights: the product of local weights along each leaf's path (group x local)."""
    blocks = tuple(block_weights(profile, block) for block in profile.blocks)
    local = {b.node: dict(zip(b.ids, b.local)) for b in blocks}
    criteria = tuple(c.id for c in rubric.criteria)
    if "leaves" in local:
        leaf = np.array([local["leaves"][c] for c in criteria])
    else:
        products: dict[str, float] = {}

        def walk(node_id: str, children, carried: float) -> None:
            for child in children:
                w = carried * local[node_id][child.id]
                if hasattr(child, "children"):
                    walk(child.id, child.children, w)
                else:
                    products[child.id] = w

        walk("rubric", rubric.groups, 1.0)
        leaf = np.array([products[c] for c in criteria])
    total = leaf.sum()
    if not total > 0:
        raise ValueError(f"profile {profile.id}: every criterion's weight is zero")
    warnings = tuple(
        f"profile {profile.id}, block {b.node}: AHP consistency ratio {b.ahp.consistency_ratio:.3f} "
        f"exceeds {CR_THRESHOLD:.2f} ({RANDOM_INDEX_NAME})"
        for b in blocks if b.ahp is not None and b.ahp.consistency_ratio > CR_THRESHOLD)
    return ProfileWeights(profile.id, criteria, leaf / total, blocks, warnings)
