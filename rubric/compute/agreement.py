"""Krippendorff's alpha from the coincidence matrix (Krippendorff 2011, "Computing Krippendorff's
Alpha-Reliability", sections C and E). Missing values (abstentions) are simply not pairable."""

from __future__ import annotations

import numpy as np


def krippendorff_alpha(data, level: str = "interval") -> float:
    """Alpha for reliability data shaped [coder, unit] with NaN for missing values.

    level: "interval" (squared difference) or "ordinal" (ranks over the observed value marginals).
    Returns NaN when fewer than two pairable values exist or all values are identical (no variation).
    """
    data = np.asarray(data, dtype=float)
    observed = ~np.isnan(data)
    per_unit = observed.sum(axis=0)
    pairable = per_unit >= 2
    data, observed, per_unit = data[:, pairable], observed[:, pairable], per_unit[pairable]
    if data.size == 0:
        return float("nan")
    domain = np.unique(data[observed])
    if len(domain) < 2:
        return float("nan")
    # counts[v, u]: how many coders gave value v to unit u
    index = np.searchsorted(domain, np.where(observed, data, domain[0]))
    counts = np.zeros((len(domain), data.shape[1]))
    np.add.at(counts, (index[observed], np.nonzero(observed)[1]), 1.0)
    # o[c, k] = sum_u (n_uc n_uk - [c == k] n_uc) / (m_u - 1)
    scaled = counts / (per_unit - 1.0)
    coincidences = scaled @ counts.T - np.diag(scaled.sum(axis=1))
    marginals = coincidences.sum(axis=1)
    total = marginals.sum()
    if level == "interval":
        delta = (domain[:, None] - domain[None, :]) ** 2
    elif level == "ordinal":
        cumulative = np.cumsum(marginals)
        # sum_{g=c..k} n_g - (n_c + n_k) / 2, for c <= k (symmetric)
        upper = cumulative[None, :] - cumulative[:, None] + marginals[:, None]
        between = np.where(np.arange(len(domain))[:, None] <= np.arange(len(domain))[None, :], upper, upper.T)
        delta = (between - (marginals[:, None] + marginals[None, :]) / 2.0) ** 2
    else:
        raise ValueError(f"unknown level of measurement {level!r}")
    observed_disagreement = (coincidences * delta).sum()
    expected_disagreement = (np.outer(marginals, marginals) * delta).sum() / (total - 1.0)
    if expected_disagreement == 0:
        return float("nan")
    return float(1.0 - observed_disagreement / expected_disagreement)
