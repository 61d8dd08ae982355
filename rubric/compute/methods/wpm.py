from __future__ import annotations

import attrs
import numpy as np

VALUE_FLOOR = 1.0  # the product needs positive numbers: the worst level (value 0) counts as 1


@attrs.frozen
class WpmResult:
    scores: np.ndarray = attrs.field(eq=False)   # weighted geometric mean value, 1-100
    factors: np.ndarray = attrs.field(eq=False)  # [option, criterion] max(v, 1) ** w_j

    tables = ("factors",)


def wpm(values, weights) -> WpmResult:
    """Weighted product: P_i = prod_j max(v_ij, 1) ** w_j (weights sum to 1, so a geometric mean)."""
    values = np.maximum(np.asarray(values, dtype=float), VALUE_FLOOR)
    factors = values ** np.asarray(weights, dtype=float)
    return WpmResult(np.prod(factors, axis=1), factors)
