"""Rankings side by side: across stakeholder profiles, across methods, across analysts."""

from __future__ import annotations

import itertools

import attrs
import numpy as np

from ..model import Study
from .evaluate import Evaluation, analyse_session, evaluate, pick_method, pick_profile
from .methods import AGGREGATION_METHODS


def kendall_tau(a, b) -> float:
    """Kendall's tau-b between two score (or rank) vectors, ties handled; NaN when undefined (fewer
    than two options, or one vector constant), as scipy.stats.kendalltau gives.

    In numpy, O(n log^2 n): sort by (a, b); the discordant pairs are then the strict inversions of
    b, counted by a bottom-up merge pass per power of two. scipy's import alone costs most of a
    second, on every `compare` and `report`.
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    n = len(a)
    pairs = n * (n - 1) // 2
    if n < 2:
        return float("nan")
    order = np.lexsort((b, a))
    a, b = a[order], b[order]
    tied_a = _tied_pairs(a)
    tied_b = _tied_pairs(np.sort(b))
    same_both = np.r_[True, (a[1:] != a[:-1]) | (b[1:] != b[:-1])]
    tied_both = _run_pairs(same_both)             # runs of equal (a, b): sorted by a, then b
    discordant = strict_inversions(np.unique(b, return_inverse=True)[1])
    denominator = (pairs - tied_a) * (pairs - tied_b)
    if denominator <= 0:
        return float("nan")
    return float((pairs - tied_a - tied_b + tied_both - 2 * discordant) / np.sqrt(float(denominator)))


def _tied_pairs(sorted_values) -> int:
    return _run_pairs(np.r_[True, sorted_values[1:] != sorted_values[:-1]])


def _run_pairs(run_starts) -> int:
    """Pairs within runs of equal neighbours, given where each run starts."""
    lengths = np.diff(np.r_[np.nonzero(run_starts)[0], len(run_starts)])
    return int((lengths * (lengths - 1) // 2).sum())


def strict_inversions(codes) -> int:
    """Pairs i < j with codes[i] > codes[j], for integer codes >= 0."""
    size = 1 << max(0, int(len(codes) - 1).bit_length())
    pad = int(codes.max(initial=0)) + 1            # padding sorts last and inverts nothing
    values = np.full(size, pad, dtype=np.int64)
    values[:len(codes)] = codes
    key = pad + 1                                  # offsets keep each block's keys apart
    count, width = 0, 1
    while width < size:
        blocks = values.reshape(-1, 2, width)      # each half already sorted by the previous pass
        offset = (np.arange(len(blocks)) * key)[:, None]
        left = (blocks[:, 0, :] + offset).ravel()
        right = blocks[:, 1, :] + offset
        not_greater = np.searchsorted(left, right, side="right") - np.arange(len(blocks))[:, None] * width
        count += int((width - not_greater).sum())
        values = np.sort(values.reshape(-1, 2 * width), axis=1).ravel()
        width *= 2
    return count


@attrs.frozen
class Comparison:
    """How rankings differ between stakeholders (and methods and analysts) for one session."""

    method: str
    session_id: str
    top_k: int
    options: tuple[str, ...]
    evaluations: tuple[Evaluation, ...]            # one per profile
    profile_ranks: np.ndarray = attrs.field(eq=False)  # [profile, option]
    profile_tau: np.ndarray = attrs.field(eq=False)    # [profile, profile]
    robust: tuple[str, ...]                        # in every profile's top k
    contested: tuple[tuple[str, int, int], ...]   # (option, best rank, worst rank), widest first; see compare()
    methods: tuple[str, ...]                       # every aggregation method, registry order
    method_evaluations: tuple[Evaluation, ...]     # one per method, default profile
    method_ranks: np.ndarray = attrs.field(eq=False)  # [method, option], default profile
    method_tau: np.ndarray = attrs.field(eq=False)
    default_profile: str
    analysts: tuple[str, ...]
    analyst_ranks: np.ndarray = attrs.field(eq=False)  # [analyst, option], default profile and method

    @property
    def profiles(self) -> tuple[str, ...]:
        return tuple(e.profile_id for e in self.evaluations)


def tau_matrix(rows) -> np.ndarray:
    n = len(rows)
    matrix = np.eye(n)
    for i, j in itertools.combinations(range(n), 2):
        matrix[i, j] = matrix[j, i] = kendall_tau(rows[i], rows[j])
    return matrix


CONTESTED_MIN_SPREAD = 2   # places between an option's best and worst rank across profiles


def compare(study: Study, method: str | None = None, session: str | None = None, top_k: int = 3,
            contested_count: int = 5, analysis=None) -> Comparison:
    method = pick_method(study, method)
    analysis = analysis or analyse_session(study, session)
    evaluations = tuple(evaluate(study, p.id, method, analysis=analysis) for p in study.profiles)
    ranks = np.array([e.ranks for e in evaluations])
    options = analysis.tensor.options
    robust = tuple(options[i] for i in range(len(options)) if (ranks[:, i] <= top_k).all())
    best, worst = ranks.min(axis=0), ranks.max(axis=0)
    spread_order = sorted(range(len(options)), key=lambda i: (-(worst[i] - best[i]), -ranks[:, i].std(), options[i]))
    # robust options are not also contested, and one place up or down between neighbours is no contest
    contested = tuple((options[i], int(best[i]), int(worst[i])) for i in spread_order
                      if worst[i] - best[i] >= CONTESTED_MIN_SPREAD and options[i] not in robust)[:contested_count]
    default_profile = pick_profile(study, None)
    by_method = tuple(evaluate(study, default_profile, m, analysis=analysis) for m in AGGREGATION_METHODS)
    method_ranks = np.array([e.ranks for e in by_method])
    analysts = analysis.tensor.analysts
    analyst_ranks = np.array([evaluate(study, default_profile, method, analysis=analysis, analyst=a).ranks
                              for a in analysts])
    return Comparison(method, analysis.session.id, top_k, options, evaluations, ranks, tau_matrix(ranks), robust,
                      contested, tuple(AGGREGATION_METHODS), by_method, method_ranks, tau_matrix(method_ranks), default_profile,
                      analysts, analyst_ranks)
