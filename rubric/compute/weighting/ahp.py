"""AHP (Saaty 1980): pairwise judgements of the items, weights from the principal eigenvector of
their reciprocal matrix, with Saaty's consistency ratio."""

from __future__ import annotations

import attrs
import numpy as np

from .common import Derived

NAME = "ahp"

# Saaty's random consistency index (Saaty 1980, "The Analytic Hierarchy Process", table 1.7:
# mean CI of 500 random reciprocal matrices), indexed by matrix order n.
SAATY_RANDOM_INDEX = {1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41,
                      9: 1.45, 10: 1.49, 11: 1.51, 12: 1.48, 13: 1.56, 14: 1.57, 15: 1.59}
RANDOM_INDEX_NAME = "Saaty (1980) random index"
CR_THRESHOLD = 0.10


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


def validate(block, pointer: str) -> list[tuple[str, str]]:
    """Every pair of items judged exactly once, each judgement between two different items of the block."""
    found = []
    ids = [item.id for item in block.items]
    known = set(ids)
    seen: dict[frozenset, int] = {}
    for index, judgement in enumerate(block.judgements):
        where = f"{pointer}/judgements/{index}"
        for side in ("a", "b"):
            if getattr(judgement, side) not in known:
                found.append((f"{where}/{side}", f"{getattr(judgement, side)!r} is not an item of this block"))
        if judgement.a == judgement.b:
            found.append((where, "an item cannot be compared with itself"))
        pair = frozenset((judgement.a, judgement.b))
        if pair in seen:
            found.append((where, f"the pair {judgement.a}/{judgement.b} is judged twice"))
        seen[pair] = index
    missing = [f"{a}/{b}" for i, a in enumerate(ids) for b in ids[i + 1:] if frozenset((a, b)) not in seen]
    if missing:
        found.append((f"{pointer}/judgements", f"missing pairwise judgements: {', '.join(missing)}"))
    return found


def derive(profile, block) -> Derived:
    result = ahp_weights(pairwise_matrix(tuple(item.id for item in block.items), block.judgements))
    return Derived(result.weights, result)


def describe(profile) -> str:
    return NAME
