"""From a loaded study to result objects: which values, which weights, which method, which ranks."""

from __future__ import annotations

import attrs
import numpy as np

from ..errors import Problem, RubricError, UsageError
from ..model import Preference, Session, Study
from . import SCORE_MODELS
from .consensus import Consensus, analyst_values, consensus
from .methods import AGGREGATION_METHODS, AggregationMethod
from .ranking import competition_ranks
from .values import ScoreTensor, score_tensor
from .weights import ProfileWeights, profile_weights


@attrs.frozen
class SessionAnalysis:
    """A session's scores (every analyst's, as a tensor) and their consensus and agreement."""

    session: Session
    tensor: ScoreTensor
    consensus: Consensus


@attrs.frozen
class RankedOption:
    option: str
    score: float
    rank: int


@attrs.frozen
class Evaluation:
    study_id: str
    profile_id: str
    method: str
    session_id: str
    analyst: str | None                          # None: the consensus values
    options: tuple[str, ...]
    criteria: tuple[str, ...]
    weights: ProfileWeights
    values: np.ndarray = attrs.field(eq=False)   # [option, criterion] 0-100 values
    result: object = attrs.field(eq=False)       # the method's result, with its intermediate tables
    ranks: np.ndarray = attrs.field(eq=False)
    # [option, criterion] the pooled measures in their units (NaN on level criteria), and what the
    # method read: "values" or "measures" (study.yaml `methods: {<method>: {on: measures}}`)
    measures: np.ndarray = attrs.field(default=None, eq=False)
    units: tuple[str, ...] = ()                  # per criterion, "" on level criteria
    inputs: str = "values"

    @property
    def scores(self) -> np.ndarray:
        return self.result.scores

    @property
    def aggregation(self) -> AggregationMethod:
        return AGGREGATION_METHODS[self.method]

    def findings(self) -> dict:
        """What the method reports beyond scores and ranks (VIKOR: S, R, Q and the compromise set)."""
        finder = self.aggregation.findings
        return finder(self.result, self.options) if finder else {}

    def ranking(self) -> list[RankedOption]:
        order = sorted(range(len(self.options)), key=lambda i: (self.ranks[i], self.options[i]))
        return [RankedOption(self.options[i], float(self.scores[i]), int(self.ranks[i])) for i in order]


def pick_session(study: Study, session_id: str | None, scenario_ok: bool = False) -> Session:
    """The session to rank from: the one named, else the study's default, else its first session of
    today. A session scored under a scenario is not today's: it is refused unless `scenario_ok`."""
    session_id = session_id or study.defaults.session
    if session_id is None:
        today = [s for s in study.sessions if s.scenario is None]   # scenario sessions are not the baseline
        if not today:
            raise RubricError(Problem(study.root, "the study has no scoring session to rank from"))
        session_id = today[0].id
    if session_id not in {s.id for s in study.sessions}:
        raise UsageError(Problem(study.root, f"unknown session {session_id!r} "
                                 f"(sessions: {', '.join(s.id for s in study.sessions) or 'none'})"))
    session = study.session(session_id)
    if session.scenario is not None and not scenario_ok:
        raise UsageError(Problem(study.root, f"session {session_id} scores scenario {session.scenario}, not today: "
                                 "rank a session of today, and see the scenario with `rubric scenarios`"))
    return session


def pick_profile(study: Study, profile_id: str | None) -> str:
    profile_id = profile_id or study.defaults.profile or (study.profiles[0].id if study.profiles else None)
    if profile_id not in {p.id for p in study.profiles}:
        raise UsageError(Problem(study.root, f"unknown profile {profile_id!r} "
                                 f"(profiles: {', '.join(p.id for p in study.profiles)})"))
    return profile_id


def pick_method(study: Study, method: str | None) -> str:
    method = method or study.defaults.method
    if method not in AGGREGATION_METHODS:
        raise UsageError(Problem(study.root, f"unknown method {method!r} "
                                 f"(methods: {', '.join(AGGREGATION_METHODS)})"))
    return method


def analyse_session(study: Study, session_id: str | None = None, scenario_ok: bool = False) -> SessionAnalysis:
    session = pick_session(study, session_id, scenario_ok)
    if not session.scores:
        raise RubricError(Problem(f"{study.root}/sessions/{session.id}.yaml",
                                  f"session {session.id} has no scores yet (see `rubric template`)"))
    tensor = score_tensor(study, session)
    pooled = consensus(tensor, study.consensus)
    empty = np.argwhere(pooled.count == 0)
    if len(empty):
        cells = ", ".join(f"{tensor.options[o]}/{tensor.criteria[c]}" for o, c in empty[:5])
        raise RubricError(Problem(f"{study.root}/sessions/{session.id}.yaml",
                                  f"every analyst abstained on {len(empty)} cell(s), so they have no value: {cells}"))
    return SessionAnalysis(session, tensor, pooled)


def method_inputs(study: Study, method: str) -> str:
    """"measures" when study.yaml runs this method on the natural measures, else "values"."""
    from .methods import ON

    return study.method_settings.get(method, {}).get(ON.name, ON.default)


def run_method(study: Study, method: str, values, weights, measures=None):
    """The method's result with the study's settings for it (its defaults where study.yaml is silent).

    On measures (every criterion natural; the loader checked), the method reads the measures in
    their units, with each criterion's direction as its cost flag and, for PROMETHEE, each
    criterion's own preference function (the usual function where a criterion sets none: a
    study-wide threshold on 0-100 values means nothing in a criterion's unit)."""
    aggregation = AGGREGATION_METHODS[method]
    settings = study.method_settings.get(method)
    if method_inputs(study, method) != "measures":
        return aggregation.run(values, weights, settings)
    criteria = study.rubric.criteria
    inputs = {"benefit": [c.direction == "benefit" for c in criteria]}
    if method == "promethee":
        inputs["criteria_functions"] = [c.preference or Preference() for c in criteria]
    return aggregation.run(measures, weights, settings, **inputs)


def evaluate(study: Study, profile: str | None = None, method: str | None = None, session: str | None = None,
             analyst: str | None = None, analysis: SessionAnalysis | None = None,
             weights: ProfileWeights | None = None) -> Evaluation:
    """Rank the options for one profile and method on a session's consensus (or one analyst's) values."""
    profile_id = pick_profile(study, profile)
    method = pick_method(study, method)
    analysis = analysis or analyse_session(study, session)
    tensor, pooled = analysis.tensor, analysis.consensus
    if analyst is None:
        values, measures = pooled.value, pooled.measure
    elif analyst in tensor.analysts:
        values = analyst_values(tensor, pooled, analyst)
        own = tensor.raw[tensor.analysts.index(analyst)]
        measures = np.where(np.isnan(own), pooled.measure, own)
    else:
        raise UsageError(Problem(study.root, f"unknown analyst {analyst!r} in session {analysis.session.id} "
                                 f"(analysts: {', '.join(analysis.tensor.analysts)})"))
    weights = weights or profile_weights(study, profile_id)
    measures = np.where(tensor.natural[None, :], measures, np.nan)
    result = run_method(study, method, values, weights.leaf, measures)
    ranks = competition_ranks(result.scores, AGGREGATION_METHODS[method].higher_is_better)
    return Evaluation(study.id, profile_id, method, analysis.session.id, analyst, tensor.options,
                      tensor.criteria, weights, values, result, ranks, measures,
                      tuple(c.unit for c in study.rubric.criteria), method_inputs(study, method))


def run_sensitivity(study: Study, profile: str | None = None, session: str | None = None,
                    analyst: str | None = None):
    from .sensitivity import sensitivity

    evaluation = evaluate(study, profile, "wsm", session, analyst)
    return evaluation, sensitivity(evaluation, study.rubric)


def range_sampler(study: Study, tensor: ScoreTensor):
    from .smaa import RangeSampler

    criteria = study.rubric.criteria
    return RangeSampler(tensor.values, tensor.raw, tensor.low, tensor.high, tensor.natural,
                        [c.value_of if c.natural else None for c in criteria],
                        [None if c.natural else c.values() for c in criteria])


def run_smaa(study: Study, profile: str | None = None, uniform: bool = False, samples: int = 10000,
             seed: int | None = None, scores: str = "consensus", session: str | None = None,
             concentration: float | None = None, progress=None, analysis: SessionAnalysis | None = None,
             scenarios: bool = False):
    import math

    from .smaa import MAX_SAMPLES, smaa

    if not 1 <= samples <= MAX_SAMPLES:
        raise UsageError(Problem(study.root, f"--samples must be between 1 and {MAX_SAMPLES:,}"))
    if concentration is not None and not (math.isfinite(concentration) and concentration > 0):
        raise UsageError(Problem(study.root, "--concentration must be a positive finite number"))
    analysis = analysis or analyse_session(study, session)
    centre = profile_id = None
    if not uniform:
        profile_id = pick_profile(study, profile)
        centre = profile_weights(study, profile_id).leaf
    if scores not in SCORE_MODELS:
        raise UsageError(Problem(study.root, f"unknown score model {scores!r} (models: {', '.join(SCORE_MODELS)})"))
    if scenarios:
        from .scenarios import scenario_probabilities, scenario_values, applicable

        if scores != "consensus":
            raise UsageError(Problem(study.root, "--scenarios draws each scenario's consensus values; it does not "
                                     "combine with --scores analysts or ranges"))
        if not applicable(study):
            raise UsageError(Problem(study.root, "--scenarios: the study has no scenarios (for this decision)"))
        ids, values = scenario_values(study, analysis)
        result = smaa(analysis.consensus.value, None, analysis.tensor.options, analysis.tensor.criteria, samples,
                      seed, centre, concentration, profile_id, progress, None, ids, values,
                      scenario_probabilities(applicable(study)))
        return analysis, result
    sampler = range_sampler(study, analysis.tensor) if scores == "ranges" else None
    result = smaa(analysis.consensus.value, analysis.tensor.values if scores == "analysts" else None,
                  analysis.tensor.options, analysis.tensor.criteria, samples, seed, centre, concentration,
                  profile_id, progress, sampler)
    return analysis, result
