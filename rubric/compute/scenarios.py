"""Rankings across scenarios: the baseline (today, the session's consensus) and each future a
scenario record describes, scored either by a scenario session or by adjustments to the baseline
scores. For one profile and method: every option's score and rank per scenario, regret, minimax
regret, robust and fragile options, expected scores and, for one scenario beside the baseline, the
exact ranges of its probability over which each option is best."""

from __future__ import annotations

import attrs
import numpy as np

from ..errors import Problem, RubricError
from ..model import Scenario, Session, Study
from .consensus import consensus
from .evaluate import SessionAnalysis, analyse_session, evaluate, pick_method, pick_profile
from .methods import AGGREGATION_METHODS
from .ranking import competition_ranks
from .values import criterion_values, score_tensor

BASELINE = "baseline"


@attrs.frozen
class ScenarioAnalysis:
    study_id: str
    profile: str
    method: str
    session: str
    higher_is_better: bool
    scenarios: tuple[str, ...]               # BASELINE first, then the scenarios in study order
    names: tuple[str, ...]
    options: tuple[str, ...]
    top_k: int
    scores: np.ndarray = attrs.field(eq=False)       # [scenario, option] the method's score
    ranks: np.ndarray = attrs.field(eq=False)        # [scenario, option]
    regret: np.ndarray = attrs.field(eq=False)       # [scenario, option] gap to the scenario's best option
    probabilities: np.ndarray | None = attrs.field(default=None, eq=False)  # [scenario], when every one has one
    # for one scenario beside the baseline: (p from, p to, best option) over its probability p
    best_ranges: tuple[tuple[float, float, str], ...] = ()

    @property
    def max_regret(self) -> np.ndarray:
        return self.regret.max(axis=0)

    @property
    def minimax_regret(self) -> tuple[str, ...]:
        """The option(s) whose largest regret over the scenarios is smallest."""
        worst = self.max_regret
        best = worst.min()
        return tuple(o for o, r in zip(self.options, worst) if r <= best + 1e-9 * max(1.0, abs(best)))

    @property
    def robust(self) -> tuple[str, ...]:
        """In the top k in every scenario."""
        return tuple(o for o, column in zip(self.options, self.ranks.T) if (column <= self.top_k).all())

    @property
    def fragile(self) -> tuple[str, ...]:
        """In the top k today, out of it in at least one scenario."""
        return tuple(o for o, column in zip(self.options, self.ranks.T)
                     if column[0] <= self.top_k and (column > self.top_k).any())

    @property
    def expected(self) -> np.ndarray | None:
        return None if self.probabilities is None else self.probabilities @ self.scores


def scenario_probabilities(scenarios: tuple[Scenario, ...]) -> np.ndarray | None:
    """[baseline, scenarios...] when every scenario states a probability; the baseline takes 1 - sum."""
    if not scenarios or any(s.probability is None for s in scenarios):
        return None
    given = np.array([s.probability for s in scenarios], dtype=float)
    return np.concatenate(([max(0.0, 1.0 - given.sum())], given))


def _merged_session(study: Study, scenario: Scenario) -> Session | None:
    """The scenario's sessions as one (their analysts and scores together; the loader checked that
    two sessions agree wherever they overlap)."""
    sessions = [s for s in study.sessions if s.scenario == scenario.id]
    if not sessions:
        return None
    participants, scores, seen = {}, [], set()
    for session in sessions:
        participants.update({p.id: p for p in session.participants})
        for score in session.scores:
            key = (score.analyst, score.option, score.criterion)
            if key not in seen:
                seen.add(key)
                scores.append(score)
    return attrs.evolve(sessions[0], participants=tuple(participants.values()), scores=tuple(scores))


def _check_inside(study: Study, scenario: Scenario, adjustment, shifted) -> None:
    """The loader checks shifts against every session of today; this guards what it cannot see."""
    criterion = study.rubric.criterion(adjustment.criterion)
    given = shifted[~np.isnan(shifted)]
    if criterion.natural:
        outside = (given < criterion.scale.lowest) | (given > criterion.scale.highest)
    else:
        outside = ~np.isin(given, criterion.level_numbers)
    if outside.any():
        raise RubricError(Problem(f"{study.root}/scenarios/{scenario.id}.yaml",
                                  f"shift {adjustment.shift:+g} on {adjustment.option} / {criterion.id} leaves the "
                                  "scale for this session's scores", pointer="/adjustments"))


def adjusted_tensor(study: Study, baseline: SessionAnalysis, scenario: Scenario):
    """The baseline scores with the scenario's adjustments applied for every analyst."""
    tensor = baseline.tensor
    raw = tensor.raw.copy()
    options = {o: i for i, o in enumerate(tensor.options)}
    criteria = {c: k for k, c in enumerate(tensor.criteria)}
    touched = set()
    for adjustment in scenario.adjustments:
        if adjustment.option not in options:   # an option outside the decision ranked
            continue
        cell = (slice(None), options[adjustment.option], criteria[adjustment.criterion])
        if adjustment.shift is not None:
            raw[cell] = raw[cell] + adjustment.shift          # abstentions (NaN) stay abstentions
            _check_inside(study, scenario, adjustment, raw[cell])
        else:
            raw[cell] = adjustment.level if adjustment.level is not None else adjustment.value
        touched.add(criteria[adjustment.criterion])
    values = tensor.values.copy()
    positions = tensor.positions.copy()
    for k in touched:
        criterion = study.rubric.criteria[k]
        values[:, :, k] = criterion_values(criterion, raw[:, :, k])
        if not criterion.natural:
            positions[:, :, k] = np.nan
            for position, level in enumerate(criterion.level_numbers):
                positions[:, :, k][raw[:, :, k] == level] = position
    return attrs.evolve(tensor, raw=raw, values=values, positions=positions)


def scenario_analysis(study: Study, baseline: SessionAnalysis, scenario: Scenario) -> SessionAnalysis:
    """The session analysis of one scenario: from its session(s), or the baseline scores adjusted."""
    session = _merged_session(study, scenario)
    if session is not None:
        tensor = score_tensor(study, session)
        missing = np.argwhere(np.isnan(tensor.values).all(axis=0))
        if len(missing):
            cells = ", ".join(f"{tensor.options[o]}/{tensor.criteria[c]}" for o, c in missing[:5])
            raise RubricError(Problem(f"{study.root}/sessions/{session.id}.yaml",
                                      f"scenario {scenario.id}: no analyst scored {len(missing)} cell(s): {cells}"))
        return SessionAnalysis(session, tensor, consensus(tensor, study.consensus))
    adjusted = adjusted_tensor(study, baseline, scenario)
    return SessionAnalysis(baseline.session, adjusted, consensus(adjusted, study.consensus))


def _pooled_values(study: Study, baseline: SessionAnalysis, scenario: Scenario) -> np.ndarray:
    """A scenario's consensus values alone (no spread or agreement statistics), for SMAA."""
    import warnings

    if _merged_session(study, scenario) is not None:
        return scenario_analysis(study, baseline, scenario).consensus.value
    values = adjusted_tensor(study, baseline, scenario).values
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmedian(values, axis=0) if study.consensus == "median" else np.nanmean(values, axis=0)


def applicable(study: Study) -> tuple[Scenario, ...]:
    """The scenarios of the decision the study is narrowed to (every scenario without decisions)."""
    return tuple(s for s in study.scenarios if s.applies_to(study.defaults.decision))


def best_ranges(baseline_scores, scenario_scores, options, higher_is_better: bool):
    """Exact intervals of p in [0, 1] (the scenario's probability; the baseline has 1 - p) over
    which each option has the best expected score (1 - p) b + p s: the upper envelope of lines."""
    b = np.asarray(baseline_scores, dtype=float)
    s = np.asarray(scenario_scores, dtype=float)
    if not higher_is_better:
        b, s = -b, -s
    cuts = {0.0, 1.0}
    slope = s - b
    for i in range(len(b)):
        for j in range(i + 1, len(b)):
            if slope[i] != slope[j]:
                p = (b[j] - b[i]) / (slope[i] - slope[j])
                if 0.0 < p < 1.0:
                    cuts.add(float(p))
    points = sorted(cuts)
    ranges: list[list] = []
    for lo, hi in zip(points, points[1:]):
        mid = (lo + hi) / 2
        expected = b + mid * slope
        best = options[int(np.argmax(expected))]
        if ranges and ranges[-1][2] == best:
            ranges[-1][1] = hi
        else:
            ranges.append([lo, hi, best])
    return tuple((float(lo), float(hi), best) for lo, hi, best in ranges)


def analyse_scenarios(study: Study, profile: str | None = None, method: str | None = None,
                      session: str | None = None, top_k: int = 3) -> ScenarioAnalysis:
    profile = pick_profile(study, profile)
    method = pick_method(study, method)
    baseline = analyse_session(study, session)
    scenarios = applicable(study)
    analyses = [baseline] + [scenario_analysis(study, baseline, s) for s in scenarios]
    scores = np.array([evaluate(study, profile, method, analysis=a).scores for a in analyses])
    higher = AGGREGATION_METHODS[method].higher_is_better
    ranks = np.array([competition_ranks(row, higher) for row in scores])
    regret = (scores.max(axis=1, keepdims=True) - scores) if higher else (scores - scores.min(axis=1, keepdims=True))
    options = baseline.tensor.options
    ranges = best_ranges(scores[0], scores[1], options, higher) if len(scenarios) == 1 else ()
    return ScenarioAnalysis(study.id, profile, method, baseline.session.id, higher,
                            (BASELINE,) + tuple(s.id for s in scenarios),
                            ("Baseline (today)",) + tuple(s.name for s in scenarios), options, top_k,
                            scores, ranks, regret, scenario_probabilities(scenarios), ranges)


def scenario_values(study: Study, baseline: SessionAnalysis) -> tuple[tuple[str, ...], np.ndarray]:
    """Scenario ids (baseline first) and their consensus values [scenario, option, criterion], for SMAA."""
    scenarios = applicable(study)
    values = [baseline.consensus.value] + [_pooled_values(study, baseline, s) for s in scenarios]
    return (BASELINE,) + tuple(s.id for s in scenarios), np.array(values)
