from __future__ import annotations

import attrs
import numpy as np


@attrs.frozen
class WsmResult:
    scores: np.ndarray = attrs.field(eq=False)         # total value per option, 0-100
    contributions: np.ndarray = attrs.field(eq=False)  # [option, criterion] w_j * v_ij

    tables = ("contributions",)


def wsm(values, weights) -> WsmResult:
    """Additive value model: V_i = sum_j w_j v_ij."""
    values = np.asarray(values, dtype=float)
    weights = np.asarray(weights, dtype=float)
    contributions = values * weights
    return WsmResult(contributions.sum(axis=1), contributions)
