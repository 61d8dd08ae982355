"""What every weighting method shares: its result type and the normalisation of points."""

from __future__ import annotations

import attrs
import numpy as np


@attrs.frozen
class Derived:
    """A block's local weights (summing to 1), with the AHP consistency figures when there are any."""

    local: np.ndarray = attrs.field(eq=False)
    ahp: object | None = None  # ahp.AhpResult for AHP blocks


def normalise(points) -> np.ndarray:
    """Points (direct or swing) -> weights summing to 1."""
    points = np.asarray(points, dtype=float)
    total = points.sum()
    if not np.isfinite(total) or total <= 0 or (points < 0).any():
        raise ValueError("weights must be non-negative, finite and not all zero")
    return points / total


def all_zero(block, pointer: str) -> list[tuple[str, str]]:
    if all(item.points == 0 for item in block.items):
        return [(f"{pointer}/items", "weights are all zero")]
    return []
