"""Pooling several analysts' values into one value per option x criterion, and how far they agree."""

from __future__ import annotations

import warnings

import attrs
import numpy as np

from .agreement import krippendorff_alpha
from .values import ScoreTensor

DISAGREEMENT_LEVELS = 2  # analysts this many scale steps apart (or more) are flagged


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
    level_spread: np.ndarray = attrs.field(eq=False)  # max - min scale position
    disagreement: np.ndarray = attrs.field(eq=False)  # bool, spread >= DISAGREEMENT_LEVELS
    alpha_interval: dict = attrs.field(eq=False)      # criterion id -> alpha
    alpha_ordinal: dict = attrs.field(eq=False)
    overall_alpha_interval: float = float("nan")      # over every option x criterion cell
    overall_alpha_ordinal: float = float("nan")


def consensus(tensor: ScoreTensor, rule: str = "median") -> Consensus:
    values = tensor.values
    with warnings.catch_warnings():  # all-abstained cells give NaN, reported by the caller
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(values, axis=0)
        median = np.nanmedian(values, axis=0)
        std = np.nanstd(values, axis=0)
        low = np.nanmin(values, axis=0)
        high = np.nanmax(values, axis=0)
        spread = np.nanmax(tensor.positions, axis=0) - np.nanmin(tensor.positions, axis=0)
    count = (~np.isnan(values)).sum(axis=0)
    disagreement = np.nan_to_num(spread, nan=0.0) >= DISAGREEMENT_LEVELS
    alpha_interval, alpha_ordinal = {}, {}
    for k, criterion in enumerate(tensor.criteria):
        alpha_interval[criterion] = krippendorff_alpha(values[:, :, k], "interval")
        alpha_ordinal[criterion] = krippendorff_alpha(tensor.levels[:, :, k], "ordinal")
    overall_interval = krippendorff_alpha(values.reshape(values.shape[0], -1), "interval")
    overall_ordinal = krippendorff_alpha(tensor.levels.reshape(values.shape[0], -1), "ordinal")
    chosen = median if rule == "median" else mean
    return Consensus(rule, chosen, mean, median, std, low, high, count, spread, disagreement,
                     alpha_interval, alpha_ordinal, overall_interval, overall_ordinal)


def analyst_values(tensor: ScoreTensor, pooled: Consensus, analyst: str) -> np.ndarray:
    """One analyst's values; where they abstained, the consensus of the others stands in."""
    own = tensor.values[tensor.analysts.index(analyst)]
    return np.where(np.isnan(own), pooled.value, own)
