"""Differences between two profiles or two sessions: weights, scores and the resulting ranks."""

from __future__ import annotations

import attrs
import numpy as np

from ..errors import Problem, UsageError
from ..model import Study
from .evaluate import analyse_session, evaluate


@attrs.frozen
class RankChange:
    option: str
    rank_a: int
    rank_b: int
    score_a: float
    score_b: float


@attrs.frozen
class Diff:
    kind: str                       # "profiles" or "sessions"
    a: str
    b: str
    context: str                    # what was held fixed: the session (profiles) or profile (sessions)
    method: str
    weights: tuple[tuple[str, float, float], ...]  # (criterion, a, b); both the same for sessions
    cells: tuple[tuple[str, str, float, float], ...]  # (option, criterion, value a, value b) that differ
    ranks: tuple[RankChange, ...]
    notes: tuple[str, ...] = ()     # what the comparison should be read with (analyst sets that differ)


def diff(study: Study, a: str, b: str, method: str | None = None) -> Diff:
    profiles = {p.id for p in study.profiles}
    sessions = {s.id for s in study.sessions}
    if a in profiles and b in profiles:
        first, second = evaluate(study, a, method), evaluate(study, b, method)
        kind, context = "profiles", first.session_id
    elif a in sessions and b in sessions:
        first = evaluate(study, None, method, analysis=analyse_session(study, a, scenario_ok=True))
        second = evaluate(study, None, method, analysis=analyse_session(study, b, scenario_ok=True))
        kind, context = "sessions", first.profile_id
    else:
        raise UsageError(Problem(study.root, f"{a!r} and {b!r} must both be profiles ({', '.join(sorted(profiles))}) "
                                 f"or both be sessions ({', '.join(sorted(sessions)) or 'none'})"))
    weights = tuple((c, float(x), float(y)) for c, x, y in zip(first.criteria, first.weights.leaf, second.weights.leaf))
    differing = np.argwhere(np.abs(first.values - second.values) > 1e-12)
    cells = tuple((first.options[o], first.criteria[c], float(first.values[o, c]), float(second.values[o, c]))
                  for o, c in differing)
    ranks = tuple(sorted((RankChange(o, int(ra), int(rb), float(sa), float(sb))
                          for o, ra, rb, sa, sb in zip(first.options, first.ranks, second.ranks, first.scores,
                                                       second.scores)), key=lambda r: (r.rank_b, r.option)))
    notes = ()
    if kind == "sessions":
        analysts_a, analysts_b = study.session(a).analysts, study.session(b).analysts
        if set(analysts_a) != set(analysts_b):
            notes = (f"the sessions' analysts differ: {a} has {len(analysts_a)} ({', '.join(analysts_a)}), {b} has "
                     f"{len(analysts_b)} ({', '.join(analysts_b)}); a consensus of different people is compared",)
    return Diff(kind, a, b, context, first.method, weights, cells, ranks, notes)
