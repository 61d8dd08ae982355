"""rubric: appraise policy options with a scoring rubric."""

from __future__ import annotations

__all__ = ["load_study", "RubricError"]

from .errors import RubricError


def load_study(path="policies"):
    """Load and validate a study folder; raises RubricError listing every problem."""
    from .records.load import load_study as _load

    return _load(path)
