"""SMAA-2 (Lahdelma & Salminen 2001) by Monte Carlo, vectorised and processed in chunks.

Weights are drawn from a Dirichlet distribution: all-ones (uniform on the simplex) when there is
no preference information, or concentration * w around a profile's weights w (mean w; variance of
w_j is w_j (1 - w_j) / (concentration + 1)); criteria a profile gives zero weight keep zero.
Values are either the consensus (fixed); or, per sample and per option x criterion cell, the value
of one analyst drawn uniformly among those who scored that cell (abstentions are never drawn:
"analysts"); or that and then a value within the drawn analyst's range ("ranges": triangular on
low / value / high on a natural scale, then through the value function; uniform over the levels
low..high on a level scale, each through the value function; a score without a range stays fixed).
Scores are weighted sums; ranks are by descending score.
"""

from __future__ import annotations

import math
import secrets
from typing import Callable

import attrs
import numpy as np

from .ranking import TIE_TOLERANCE

CHUNK = 4096                  # samples per chunk: fixed, so a seed gives the same draws everywhere
DEFAULT_CONCENTRATION = 100.0
CHUNK_BYTES = 64 * 1024 * 1024
MAX_SAMPLES = 10**9           # above this a run takes hours; the CLI refuses it as a usage error


@attrs.frozen
class SmaaResult:
    options: tuple[str, ...]
    criteria: tuple[str, ...]
    samples: int
    seed: int
    weights_model: str               # "uniform" or "dirichlet around <profile>"
    concentration: float | None
    scores_model: str                # "consensus", "analysts" or "ranges"
    acceptability: np.ndarray = attrs.field(eq=False)     # [option, rank] probability
    central_weights: np.ndarray = attrs.field(eq=False)   # [option, criterion]; NaN if never first
    confidence: np.ndarray = attrs.field(eq=False)        # [option]; NaN if never first
    standard_error: np.ndarray = attrs.field(eq=False)    # [option, rank] sqrt(p (1 - p) / N)
    # with scenarios: their ids, how often each was drawn, and the acceptability within each
    scenarios: tuple[str, ...] = ()
    scenario_draws: np.ndarray | None = attrs.field(default=None, eq=False)          # [scenario] count
    scenario_acceptability: np.ndarray | None = attrs.field(default=None, eq=False)  # [scenario, option, rank]
    scenario_probabilities: np.ndarray | None = attrs.field(default=None, eq=False)  # None: uniform

    def grouped(self, k: int = 3) -> np.ndarray:
        """[option, k + 1]: the acceptability of ranks 1..k, then of rank k + 1 or lower together."""
        head = self.acceptability[:, :k]
        return np.column_stack([head, self.acceptability[:, k:].sum(axis=1)]) if self.acceptability.shape[1] > k \
            else head

    @property
    def confidence_informative(self) -> bool:
        """With fixed values, an option that can come first always does at its own central weights
        (confidence 1): the factors say something only when the values are drawn too."""
        return self.scores_model not in ("consensus",)

    @property
    def max_error(self) -> float:
        """95% half-width that holds for every acceptability index: 1.96 sqrt(p (1 - p) / N) at p = 1/2."""
        return monte_carlo_error(self.samples)


def _chunks(samples: int, size: int):
    done = 0
    while done < samples:
        step = min(size, samples - done)
        yield done, step
        done += step


def draw_weights(rng, n: int, count: int, centre=None, concentration: float = DEFAULT_CONCENTRATION) -> np.ndarray:
    if centre is None:
        return rng.dirichlet(np.ones(n), size=count)
    centre = np.asarray(centre, dtype=float)
    positive = centre > 0
    if positive.all():  # the same draws, without a zero-filled copy
        return rng.dirichlet(concentration * centre, size=count)
    weights = np.zeros((count, n))
    weights[:, positive] = rng.dirichlet(concentration * centre[positive], size=count)
    return weights


class ValueSampler:
    """Draws [sample, option, criterion] value arrays from the analysts' scores."""

    model = "analysts"
    arrays_per_cell = 3      # float arrays of [sample, option, criterion] alive at once while drawing
    # confidence factors from one draw per chunk shared by every option (common random numbers),
    # instead of fresh draws per option; the analysts model keeps its per-option draws, so its
    # output for a seed stays what it always was
    shared_confidence = False

    def __init__(self, analyst_values: np.ndarray):
        # analyst_values [analyst, option, criterion] with NaN for abstentions: per cell, the scored
        # values packed first, so drawing index floor(u * count) picks one of them uniformly
        order = np.argsort(np.isnan(analyst_values), axis=0, kind="stable")
        self.packed = np.take_along_axis(analyst_values, order, axis=0)
        self.count = (~np.isnan(analyst_values)).sum(axis=0)
        if (self.count == 0).any():
            raise ValueError("a cell has no analyst value to draw from")

    def draw(self, rng, size: int) -> np.ndarray:
        u = rng.random((size, *self.count.shape))
        pick = np.minimum((u * self.count).astype(np.intp), self.count - 1)
        return np.take_along_axis(self.packed[None, ...], pick[:, None, ...], axis=1)[:, 0]


def triangular(u, low, mode, high):
    """Inverse CDF of the triangular distribution on [low, high] with its peak at mode (vectorised;
    low == high gives low)."""
    span = high - low
    with np.errstate(invalid="ignore", divide="ignore"):
        split = np.where(span > 0, (mode - low) / span, 0.0)
        rising = low + np.sqrt(u * span * (mode - low))
        falling = high - np.sqrt((1.0 - u) * span * (high - mode))
    return np.where(u < split, rising, falling)


class RangeSampler(ValueSampler):
    """Draws one analyst per cell (as ValueSampler does), then a value within that analyst's range:
    triangular on low / score / high on a natural criterion, mapped through its value function;
    uniform over the levels low..high on a level criterion, each at its value. A bound not given
    is the score itself; a score with no range keeps its value."""

    model = "ranges"
    arrays_per_cell = 10
    shared_confidence = True

    def __init__(self, analyst_values, raw, low, high, natural, value_functions, level_values):
        """raw, low, high: [analyst, option, criterion] scores and bounds as given (NaN: none).
        natural: [criterion] bool. value_functions[k]: measures -> values for natural criterion k.
        level_values[k]: {level: value} for level criterion k."""
        super().__init__(analyst_values)
        order = np.argsort(np.isnan(analyst_values), axis=0, kind="stable")

        def packed(a):  # a: [analyst, option, criterion, ...]; trailing axes follow the cell's order
            return np.take_along_axis(a, order.reshape(order.shape + (1,) * (a.ndim - order.ndim)), axis=0)

        raw = np.asarray(raw, dtype=float)
        low = np.where(np.isnan(low), raw, low)
        high = np.where(np.isnan(high), raw, high)
        ranged = (low < high) & ~np.isnan(raw)
        self.natural = np.asarray(natural, dtype=bool)
        self.value_functions = value_functions
        self.low, self.mode, self.high = packed(low), packed(raw), packed(high)
        self.ranged = packed(ranged)
        self.ranged_criteria = tuple(int(k) for k in np.nonzero(ranged.any(axis=(0, 1)))[0])
        # level cells: the values of the levels low..high, packed first, and how many there are
        width = max([len(v) for v in level_values if v] or [1])
        candidates = np.zeros((*analyst_values.shape, width))
        counts = np.ones(analyst_values.shape, dtype=np.intp)
        for k, mapping in enumerate(level_values):
            if self.natural[k] or not mapping:
                continue
            levels = np.array(sorted(mapping), dtype=float)
            by_level = np.array([mapping[int(x)] for x in levels])
            inside = (levels[None, None, :] >= low[:, :, k, None]) & (levels[None, None, :] <= high[:, :, k, None])
            counts[:, :, k] = np.maximum(inside.sum(axis=2), 1)
            place = np.argsort(~inside, axis=2, kind="stable")   # levels inside the range first, ascending
            candidates[:, :, k, :len(levels)] = np.take_along_axis(np.broadcast_to(by_level, inside.shape),
                                                                   place, axis=2)
        self.candidates, self.level_counts = packed(candidates), packed(counts)

    def draw(self, rng, size: int) -> np.ndarray:
        n_analysts, n_options, n_criteria = self.packed.shape
        u = rng.random((size, n_options, n_criteria))
        v = rng.random((size, n_options, n_criteria))
        pick = np.minimum((u * self.count).astype(np.intp), self.count - 1)
        # flat index of the drawn analyst's cell in every packed [analyst, option, criterion] array
        flat = pick * (n_options * n_criteria) + np.arange(n_options * n_criteria).reshape(n_options, n_criteria)
        values = self.packed.reshape(-1)[flat]
        ranged = self.ranged.reshape(-1)[flat]
        # only the drawn cells that carry a range are redrawn, criterion by criterion
        for k in self.ranged_criteria:
            cells = ranged[:, :, k]
            if not cells.any():
                continue
            where = flat[:, :, k][cells]
            if self.natural[k]:
                measures = triangular(v[:, :, k][cells], self.low.reshape(-1)[where], self.mode.reshape(-1)[where],
                                      self.high.reshape(-1)[where])
                drawn = self.value_functions[k](measures)
            else:
                counts = self.level_counts.reshape(-1)[where]
                index = np.minimum((v[:, :, k][cells] * counts).astype(np.intp), counts - 1)
                drawn = self.candidates.reshape(-1)[where * self.candidates.shape[-1] + index]
            column = values[:, :, k]
            column[cells] = drawn
        return values


def smaa(values, analyst_values=None, options=(), criteria=(), samples: int = 10000, seed: int | None = None,
         centre=None, concentration: float | None = None, profile_id: str | None = None,
         progress: Callable[[int, int], None] | None = None, sampler: ValueSampler | None = None,
         scenarios: tuple[str, ...] = (), scenario_values=None, scenario_probabilities=None) -> SmaaResult:
    """Rank acceptability, central weights and confidence factors.

    values: [option, criterion] consensus values. analyst_values: [analyst, option, criterion] or
    None for fixed consensus values; or a `sampler` (RangeSampler) that draws the values.
    centre: profile weights, or None for uniform weights. scenario_values: [scenario, option,
    criterion] fixed values per scenario (the baseline among them): each sample then draws a
    scenario, by `scenario_probabilities` or uniformly (the mean of a uniform draw of probabilities
    over their simplex), and ranks on its values; `values` is then not used for the ranks.
    """
    if scenario_values is not None:
        return _smaa_scenarios(np.asarray(scenario_values, dtype=float), scenarios, scenario_probabilities,
                               options, criteria, samples, seed, centre, concentration, profile_id, progress)
    if not 1 <= samples <= MAX_SAMPLES:
        raise ValueError(f"samples must be between 1 and {MAX_SAMPLES:,}")
    values = np.asarray(values, dtype=float)
    n_options, n_criteria = values.shape
    seed = secrets.randbits(63) if seed is None else int(seed)
    concentration = None if centre is None else float(concentration or DEFAULT_CONCENTRATION)
    if sampler is None and analyst_values is not None:
        sampler = ValueSampler(analyst_values)
    # fixed size without sampled values; with them a chunk of draws is [size, option, criterion], so it
    # shrinks with the study to keep memory bounded (still fixed for a given study: same seed, same draws)
    per_sample = n_options * n_criteria * 8 * (sampler.arrays_per_cell if sampler else 3)
    chunk = CHUNK if sampler is None else max(64, min(CHUNK, CHUNK_BYTES // per_sample))
    streams = np.random.SeedSequence(seed)
    counts = np.zeros((n_options, n_options), dtype=np.int64)
    first_weight_sums = np.zeros((n_options, n_criteria))
    for start, size in _chunks(samples, chunk):
        # one child stream per chunk, spawned as it is needed: the same streams as spawning them all
        # up front (children are numbered in order), without a list as long as the run
        rng = np.random.default_rng(streams.spawn(1)[0])
        weights = draw_weights(rng, n_criteria, size, centre, concentration or DEFAULT_CONCENTRATION)
        if sampler is None:
            scores = weights @ values.T
        else:
            scores = np.einsum("soc,sc->so", sampler.draw(rng, size), weights)
        ascending = _ascending_order(scores, rng)   # ascending[s, n - 1 - r] = option at rank r
        _add_rank_counts(counts, ascending)
        first = np.ascontiguousarray(ascending[:, -1])
        for j in range(n_criteria):  # column by column: the same additions in the same order, ~6x faster
            np.add.at(first_weight_sums[:, j], first, weights[:, j])
        if progress:
            progress(start + size, samples)
    acceptability = counts / samples
    with np.errstate(invalid="ignore", divide="ignore"):
        central = first_weight_sums / counts[:, :1]
    confidence = _confidence(values, central, sampler, samples, streams)
    error = np.sqrt(acceptability * (1 - acceptability) / samples)
    model = "uniform" if centre is None else f"dirichlet around {profile_id or 'profile'}"
    return SmaaResult(tuple(options), tuple(criteria), samples, seed, model, concentration,
                      sampler.model if sampler else "consensus", acceptability, central, confidence, error)


def _smaa_scenarios(values, scenarios, probabilities, options, criteria, samples, seed, centre, concentration,
                    profile_id, progress) -> SmaaResult:
    """SMAA-2 with a scenario drawn per sample along with the weights (fixed values per scenario)."""
    n_scenarios, n_options, n_criteria = values.shape
    seed = secrets.randbits(63) if seed is None else int(seed)
    concentration = None if centre is None else float(concentration or DEFAULT_CONCENTRATION)
    p = None if probabilities is None else np.asarray(probabilities, dtype=float) / np.sum(probabilities)
    streams = np.random.SeedSequence(seed)
    counts = np.zeros((n_scenarios, n_options, n_options), dtype=np.int64)
    first_weight_sums = np.zeros((n_options, n_criteria))
    ranks_descending = n_options - 1 - np.arange(n_options)
    transposed = np.ascontiguousarray(values.transpose(0, 2, 1))   # [scenario, criterion, option]
    for start, size in _chunks(samples, CHUNK):
        rng = np.random.default_rng(streams.spawn(1)[0])
        weights = draw_weights(rng, n_criteria, size, centre, concentration or DEFAULT_CONCENTRATION)
        drawn = rng.choice(n_scenarios, size=size, p=p)
        # the samples grouped by scenario (their order within a chunk counts for nothing), so each
        # block is one matmul on its own scenario's values, into a slice of the scores
        order = np.argsort(drawn, kind="stable")
        drawn, weights = drawn[order], weights[order]
        bounds = np.concatenate(([0], np.cumsum(np.bincount(drawn, minlength=n_scenarios))))
        scores = np.empty((size, n_options))
        for k in range(n_scenarios):
            if bounds[k + 1] > bounds[k]:
                np.matmul(weights[bounds[k]:bounds[k + 1]], transposed[k], out=scores[bounds[k]:bounds[k + 1]])
        ascending = _ascending_order(scores, rng)
        flat = (drawn[:, None] * n_options + ascending) * n_options + ranks_descending
        counts += np.bincount(flat.ravel(), minlength=counts.size).reshape(counts.shape)
        first = np.ascontiguousarray(ascending[:, -1])
        for j in range(n_criteria):
            np.add.at(first_weight_sums[:, j], first, weights[:, j])
        if progress:
            progress(start + size, samples)
    total = counts.sum(axis=0)
    acceptability = total / samples
    draws = counts[:, 0, :].sum(axis=1)        # each sample puts exactly one option at rank 1
    with np.errstate(invalid="ignore", divide="ignore"):
        central = first_weight_sums / total[:, :1]
        per_scenario = counts / draws[:, None, None]
    weights_of = np.full(n_scenarios, 1.0 / n_scenarios) if p is None else p
    confidence = np.full(n_options, np.nan)
    for i in range(n_options):
        if np.isfinite(central[i]).all():
            confidence[i] = float(sum(w * _first_share((values[k] @ central[i])[None, :], i)[0]
                                      for k, w in enumerate(weights_of)))
    error = np.sqrt(acceptability * (1 - acceptability) / samples)
    model = "uniform" if centre is None else f"dirichlet around {profile_id or 'profile'}"
    return SmaaResult(tuple(options), tuple(criteria), samples, seed, model, concentration, "scenarios",
                      acceptability, central, confidence, error, tuple(scenarios), draws, per_scenario,
                      None if p is None else p)


def _add_rank_counts(counts, ascending) -> None:
    """counts[option, rank] += how many samples put the option at that rank (ascending[s, n - 1 - r]
    is the option at rank r). One bincount per position: about 2.4x faster than one bincount of
    (option, rank) pairs, which first builds two index arrays the size of the chunk."""
    n = counts.shape[0]
    for position in range(n):
        counts[:, n - 1 - position] += np.bincount(ascending[:, position], minlength=n)


def rank_order(scores, rng) -> np.ndarray:
    """Options by descending score per sample; exact ties are broken at random, never by file order."""
    return _ascending_order(scores, rng)[:, ::-1]


TIE_BLOCK = 32768   # scores ordered and tie-checked at once: blocks of rows of ~256 KB stay in cache


def _ascending_order(scores, rng) -> np.ndarray:
    """rank_order read backwards (lowest score first), contiguous: counting ranks from it needs no
    copy of a reversed view. Done in blocks of rows: a chunk of 4,096 samples of 2,000 options is
    65 MB an array, and gathering and comparing it block by block in cache is ~1.5x faster (~1.2x at
    200 options). The ties of each block draw their random numbers in turn, so the random stream,
    and the order, are those of the whole chunk at once."""
    rows = max(1, TIE_BLOCK // max(1, scores.shape[1]))
    if scores.shape[0] <= rows:
        return _ascending_block(scores, rng)
    order = np.empty(scores.shape, dtype=np.intp)
    for start in range(0, scores.shape[0], rows):
        order[start:start + rows] = _ascending_block(scores[start:start + rows], rng)
    return order


def _ascending_block(scores, rng) -> np.ndarray:
    if scores.shape[1] > 1:
        order = np.argsort(scores, axis=1)    # numpy's default introsort: ~4x faster than a stable sort
        # the sorted scores by gathering through flat indices (~4x faster than take_along_axis and
        # than sorting a second time)
        flat = order + np.arange(0, scores.size, scores.shape[1])[:, None]
        ascending = np.ascontiguousarray(scores).ravel()[flat]
    if scores.shape[1] > 1 and np.isfinite(ascending[:, 0]).all() and np.isfinite(ascending[:, -1]).all():
        # NaN sorts last, -inf first. Any sort will do: a sample whose scores all differ has a single
        # order, and a sample with equal (or nearly equal) scores is flagged below and ordered again
        # as a whole. The smallest gap between neighbours is the tie check.
        gaps = np.subtract(ascending[:, 1:], ascending[:, :-1])
        tied = gaps.min(axis=1) <= TIE_TOLERANCE * np.maximum(1.0, np.abs(ascending[:, -1]))
    else:  # NaN or infinity (or one option): the stable order and its ranked gaps, as they always were
        descending = np.argsort(-scores, axis=1, kind="stable")
        ranked = np.take_along_axis(scores, descending, axis=1)
        tied = (ranked[:, :-1] - ranked[:, 1:] <= TIE_TOLERANCE * np.maximum(1.0, np.abs(ranked[:, :1]))).any(axis=1)
        order = np.ascontiguousarray(descending[:, ::-1])
    if tied.any():
        rows = np.nonzero(tied)[0]
        noise = rng.random((len(rows), scores.shape[1]))
        rounded = np.round(scores[rows] / (TIE_TOLERANCE * np.maximum(1.0, np.abs(scores[rows]).max(axis=1,
                                                                                                   keepdims=True))))
        order[rows] = np.lexsort((noise, -rounded), axis=1)[:, ::-1]
    return order


def _first_share(scores, option: int) -> np.ndarray:
    """Per sample, the option's share of first place: 1/k when it ties for first with k - 1 others."""
    best = scores.max(axis=1, keepdims=True)
    at_top = scores >= best - TIE_TOLERANCE * np.maximum(1.0, np.abs(best))
    return at_top[:, option] / at_top.sum(axis=1)


def _confidence(values, central, sampler, samples, streams) -> np.ndarray:
    """Probability that each option ranks first when the weights are its central weight vector."""
    n_options = values.shape[0]
    confidence = np.full(n_options, np.nan)
    rng = np.random.default_rng(streams.spawn(1)[0]) if sampler else None
    if sampler is not None and sampler.shared_confidence:
        return _shared_confidence(central, sampler, samples, rng)
    for i in range(n_options):
        w = central[i]
        if not np.isfinite(w).all():
            continue
        if sampler is None:
            confidence[i] = float(_first_share((values @ w)[None, :], i)[0])
            continue
        first = 0.0
        for _, size in _chunks(samples, 1024):
            first += float(_first_share(sampler.draw(rng, size) @ w, i).sum())
        confidence[i] = first / samples
    return confidence


def _shared_confidence(central, sampler, samples, rng) -> np.ndarray:
    """Confidence factors from draws shared by all options: each chunk of drawn values is scored
    under every option's central weights at once ([sample, option, weight vector])."""
    n_options = central.shape[0]
    known = np.nonzero(np.isfinite(central).all(axis=1))[0]
    confidence = np.full(n_options, np.nan)
    if not len(known):
        return confidence
    first = np.zeros(len(known))
    size = max(1, min(1024, 16 * 1024 * 1024 // (8 * n_options * len(known))))
    for _, step in _chunks(samples, size):
        scores = sampler.draw(rng, step) @ central[known].T            # [sample, option, vector]
        for j, i in enumerate(known):
            first[j] += float(_first_share(scores[:, :, j], i).sum())
    confidence[known] = first / samples
    return confidence


def weight_intervals(centre, concentration: float, level: float = 0.9) -> np.ndarray:
    """[criterion, 2]: the central `level` interval of each weight drawn from Dirichlet(concentration
    x centre), whose marginal is Beta(c w, c (1 - w)); zero weights stay [0, 0]."""
    from scipy.special import betaincinv

    centre = np.asarray(centre, dtype=float)
    a, b = concentration * centre, concentration * (1.0 - centre)
    out = np.zeros((len(centre), 2))
    inside = (centre > 0) & (centre < 1)
    tail = (1.0 - level) / 2.0
    out[inside, 0] = betaincinv(a[inside], b[inside], tail)
    out[inside, 1] = betaincinv(a[inside], b[inside], 1.0 - tail)
    out[centre >= 1] = 1.0
    return out


def monte_carlo_error(samples: int, p: float = 0.5) -> float:
    return 1.96 * math.sqrt(p * (1 - p) / samples)
