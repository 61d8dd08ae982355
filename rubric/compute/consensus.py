"""Pooling several analysts' values into one value per option x criterion, and how far they agree."""

from __future__ import annotations

import warnings

import attrs
import numpy as np

from .agreement import krippendorff_alpha
from .values import ScoreTensor

DISAGREEMENT_LEVELS = 2    # on a level scale, analysts this many levels apart (or more) are flagged
DISAGREEMENT_VALUE = 25.0  # on a natural scale, analysts this many value points apart (a quarter of 0-100)


@attrs.frozen
class Consensus:
    rule: str                                   # "median" or "mean": which one `value` holds
    value: np.ndarray = attrs.field(eq=False)   # [option, criterion], the pooled value used
    mean: np.ndarray = attrs.field(eq=False)
    median: np.ndarray = attrs.field(eq=False)
    std: np.ndarray = attrs.field(eq=False)     # population standard deviation of the values
    low: np.ndarray = attrs.field(eq=False)
    high: np.ndarray = attrs.field(eq=False)
    count: np.ndarray = attrs.field(eq=False)   # analysts who scored (did not abstain)
    level_spread: np.ndarray = attrs.field(eq=False)  # max - min scale position (NaN on natural scales)
    disagreement: np.ndarray = attrs.field(eq=False)  # bool, see `disagreement_flags`
    alpha_interval: dict = attrs.field(eq=False)      # criterion id -> alpha on the 0-100 values
    alpha_ordinal: dict = attrs.field(eq=False)       # level criteria only: alpha on the levels
    overall_alpha_interval: float = float("nan")      # over every option x criterion cell, on values
    # over the level criteria's cells, on their 0-100 values: ordinal data oriented so that higher
    # is better on every criterion (raw level numbers would mix cost and benefit scales)
    overall_alpha_ordinal: float = float("nan")
    measure: np.ndarray = attrs.field(default=None, eq=False)  # [option, criterion] pooled raw score (rule)
    value_spread: np.ndarray = attrs.field(default=None, eq=False)  # max - min value


def disagreement_flags(level_spread, value_spread, natural) -> np.ndarray:
    """[option, criterion] bool: on a level criterion, analysts DISAGREEMENT_LEVELS or more levels
    apart; on a natural criterion, DISAGREEMENT_VALUE or more value points apart."""
    by_levels = np.nan_to_num(level_spread, nan=0.0) >= DISAGREEMENT_LEVELS
    by_values = np.nan_to_num(value_spread, nan=0.0) >= DISAGREEMENT_VALUE
    return np.where(np.asarray(natural, dtype=bool)[None, :], by_values, by_levels)


def consensus(tensor: ScoreTensor, rule: str = "median") -> Consensus:
    values = tensor.values
    pool = np.nanmedian if rule == "median" else np.nanmean
    with warnings.catch_warnings():  # all-abstained cells give NaN, reported by the caller
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(values, axis=0)
        median = np.nanmedian(values, axis=0)
        std = np.nanstd(values, axis=0)
        low = np.nanmin(values, axis=0)
        high = np.nanmax(values, axis=0)
        spread = np.nanmax(tensor.positions, axis=0) - np.nanmin(tensor.positions, axis=0)
        measure = pool(tensor.raw, axis=0)
    count = (~np.isnan(values)).sum(axis=0)
    value_spread = np.where(count > 0, high - low, np.nan)
    disagreement = disagreement_flags(spread, value_spread, tensor.natural)
    alpha_interval, alpha_ordinal = {}, {}
    for k, criterion in enumerate(tensor.criteria):
        alpha_interval[criterion] = krippendorff_alpha(values[:, :, k], "interval")
        if not tensor.natural[k]:
            alpha_ordinal[criterion] = krippendorff_alpha(tensor.raw[:, :, k], "ordinal")
    overall_interval = krippendorff_alpha(values.reshape(values.shape[0], -1), "interval")
    level_values = values[:, :, ~tensor.natural]
    overall_ordinal = krippendorff_alpha(level_values.reshape(values.shape[0], -1), "ordinal")
    chosen = median if rule == "median" else mean
    return Consensus(rule, chosen, mean, median, std, low, high, count, spread, disagreement,
                     alpha_interval, alpha_ordinal, overall_interval, overall_ordinal, measure, value_spread)


def analyst_values(tensor: ScoreTensor, pooled: Consensus, analyst: str) -> np.ndarray:
    """One analyst's values; where they abstained, the consensus of the others stands in."""
    own = tensor.values[tensor.analysts.index(analyst)]
    return np.where(np.isnan(own), pooled.value, own)
