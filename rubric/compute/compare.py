"""Rankings side by side: across stakeholder profiles, across methods, across analysts."""

from __future__ import annotations

import itertools

import attrs
import numpy as np

from ..model import Study
from .evaluate import Evaluation, analyse_session, evaluate, pick_method, pick_profile
from .methods import AGGREGATION_METHODS


def kendall_tau(a, b) -> float:
    """Kendall's tau-b between two score (or rank) vectors, ties handled (scipy)."""
    import warnings

    from scipy.stats import kendalltau

    with warnings.catch_warnings():  # fewer than two options: tau is undefined (NaN), no need to warn
        warnings.simplefilter("ignore")
        return float(kendalltau(a, b).statistic)


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
    contested: tuple[tuple[str, int, int], ...]   # (option, best rank, worst rank), widest first
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
    contested = tuple((options[i], int(best[i]), int(worst[i])) for i in spread_order[:contested_count]
                      if worst[i] > best[i])
    default_profile = pick_profile(study, None)
    by_method = tuple(evaluate(study, default_profile, m, analysis=analysis) for m in AGGREGATION_METHODS)
    method_ranks = np.array([e.ranks for e in by_method])
    analysts = analysis.tensor.analysts
    analyst_ranks = np.array([evaluate(study, default_profile, method, analysis=analysis, analyst=a).ranks
                              for a in analysts])
    return Comparison(method, analysis.session.id, top_k, options, evaluations, ranks, tau_matrix(ranks), robust,
                      contested, tuple(AGGREGATION_METHODS), by_method, method_ranks, tau_matrix(method_ranks), default_profile,
                      analysts, analyst_ranks)
