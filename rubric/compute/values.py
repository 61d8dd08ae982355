"""Scores -> 0-100 values through each criterion's value function. Raw levels are never summed."""

from __future__ import annotations

import attrs
import numpy as np

from ..model import Criterion, Session, Study


@attrs.frozen
class ScoreTensor:
    """Every analyst's score as arrays indexed [analyst, option, criterion]; NaN where abstained.

    `raw` is the score as given: the level number on a level scale, the measure (in the
    criterion's unit) on a natural scale. `low` and `high` are its range as given (NaN where the
    score has none); `values` is the score through the criterion's value function."""

    analysts: tuple[str, ...]
    options: tuple[str, ...]
    criteria: tuple[str, ...]
    raw: np.ndarray = attrs.field(eq=False)        # level numbers or measures, NaN where abstained
    positions: np.ndarray = attrs.field(eq=False)  # index of the level in the criterion's scale (NaN on natural)
    values: np.ndarray = attrs.field(eq=False)     # 0-100 values, NaN where abstained
    low: np.ndarray = attrs.field(eq=False)        # range bounds as given, NaN where none
    high: np.ndarray = attrs.field(eq=False)
    natural: np.ndarray = attrs.field(eq=False)    # [criterion] bool: measured on a natural scale

    @property
    def has_ranges(self) -> bool:
        return bool(np.isfinite(self.low).any() or np.isfinite(self.high).any())


def criterion_values(criterion: Criterion, raw) -> np.ndarray:
    """0-100 values of raw scores (levels or measures; NaN stays NaN) of one criterion."""
    raw = np.asarray(raw, dtype=float)
    if criterion.natural:
        return np.where(np.isnan(raw), np.nan, criterion.value_of(np.nan_to_num(raw)))
    mapping = criterion.values()
    out = np.full(raw.shape, np.nan)
    for level, value in mapping.items():
        out[raw == level] = value
    return out


def score_tensor(study: Study, session: Session) -> ScoreTensor:
    criteria = study.rubric.criteria
    options = tuple(o.id for o in study.options)
    analysts = session.analysts
    a_index = {a: i for i, a in enumerate(analysts)}
    o_index = {o: i for i, o in enumerate(options)}
    c_index = {c.id: i for i, c in enumerate(criteria)}
    shape = (len(analysts), len(options), len(criteria))
    raw = np.full(shape, np.nan)
    low = np.full(shape, np.nan)
    high = np.full(shape, np.nan)
    for score in session.scores:
        given = score.score
        if given is None:
            continue
        cell = (a_index[score.analyst], o_index[score.option], c_index[score.criterion])
        raw[cell] = given
        if score.low is not None:
            low[cell] = score.low
        if score.high is not None:
            high[cell] = score.high
    values = np.empty(shape)
    positions = np.full(shape, np.nan)
    for k, criterion in enumerate(criteria):
        values[:, :, k] = criterion_values(criterion, raw[:, :, k])
        if not criterion.natural:
            column = raw[:, :, k]
            for position, level in enumerate(criterion.level_numbers):
                positions[:, :, k][column == level] = position
    natural = np.array([c.natural for c in criteria], dtype=bool)
    return ScoreTensor(analysts, options, tuple(c.id for c in criteria), raw, positions, values, low, high, natural)
