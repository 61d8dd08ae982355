"""rubric: appraise policy options with a scoring rubric."""

from __future__ import annotations

__all__ = ["load_study", "RubricError"]


def __getattr__(name):  # imported on first use, so `rubric --help` stays fast
    if name == "RubricError":
        from .errors import RubricError

        return RubricError
    raise AttributeError(name)


def load_study(path="policies"):
    """Load and validate a study folder; raises RubricError listing every problem."""
    from .records.load import load_study as _load

    return _load(path)
