"""Scores -> 0-100 values through each criterion's value function. Raw levels are never summed."""

from __future__ import annotations

import attrs
import numpy as np

from ..model import Session, Study


@attrs.frozen
class ScoreTensor:
    """Every analyst's score as arrays indexed [analyst, option, criterion]; NaN where abstained."""

    analysts: tuple[str, ...]
    options: tuple[str, ...]
    criteria: tuple[str, ...]
    levels: np.ndarray = attrs.field(eq=False)     # level numbers, float, NaN where abstained
    positions: np.ndarray = attrs.field(eq=False)  # index of the level in the criterion's scale
    values: np.ndarray = attrs.field(eq=False)     # 0-100 values, NaN where abstained


def score_tensor(study: Study, session: Session) -> ScoreTensor:
    criteria = study.rubric.criteria
    options = tuple(o.id for o in study.options)
    analysts = session.analysts
    a_index = {a: i for i, a in enumerate(analysts)}
    o_index = {o: i for i, o in enumerate(options)}
    c_index = {c.id: i for i, c in enumerate(criteria)}
    shape = (len(analysts), len(options), len(criteria))
    levels = np.full(shape, np.nan)
    positions = np.full(shape, np.nan)
    values = np.full(shape, np.nan)
    value_maps = [c.values() for c in criteria]
    position_maps = [{n: i for i, n in enumerate(c.level_numbers)} for c in criteria]
    for score in session.scores:
        if score.level is None:
            continue
        cell = (a_index[score.analyst], o_index[score.option], c_index[score.criterion])
        k = cell[2]
        levels[cell] = score.level
        positions[cell] = position_maps[k][score.level]
        values[cell] = value_maps[k][score.level]
    return ScoreTensor(analysts, options, tuple(c.id for c in criteria), levels, positions, values)
