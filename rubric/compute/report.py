"""Everything the comparison workbook shows, gathered into one frozen object. Computes, never writes.

The workbook's additive model is the weighted sum: its live formulas (totals and ranks) recompute
the weighted sum from the consensus values and the normalised weights, so the ranks across
profiles, the one-way sensitivity and SMAA are all on that model too; the ranks under the other
aggregation methods are shown next to it for comparison.
"""

from __future__ import annotations

import datetime as _dt

import attrs
import numpy as np

from ..model import Group, Session, Study
from .compare import Comparison, compare
from .evaluate import Evaluation, SessionAnalysis, analyse_session, pick_profile, run_smaa
from .ranking import competition_ranks
from .scenarios import ScenarioAnalysis, analyse_scenarios, applicable
from .scope import Scope, ScreenOutcome
from .sensitivity import Sensitivity, sensitivity
from .smaa import SmaaResult
from . import DEFAULT_SEED  # noqa: F401 (one place: rubric/compute/__init__.py; importers read it here too)

DEFAULT_SAMPLES = 10000
DEFAULT_TOP_K = 3
DEFAULT_PACKAGES = 5   # packages listed on the Packages sheet
METHOD = "wsm"


def tool_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("rubric")
    except PackageNotFoundError:  # running from a checkout without installing
        return "0+unknown"


@attrs.frozen
class DisagreementCell:
    """One option x criterion cell whose analysts are far apart (consensus.disagreement_flags)."""

    option: str
    criterion: str
    levels: tuple[float | None, ...]  # per analyst of the session: level or measure, None where they abstained
    spread: float                    # max - min scale position (levels) or value points (natural scales)
    value: float                     # the consensus value used
    natural: bool = False


@attrs.frozen
class ValueCurve:
    """A natural criterion's value function drawn as points (measure in its unit, value 0-100), for
    the Rubric sheet's chart: its own points for piecewise, worst and best for linear, and
    CURVE_POINTS evenly spaced measures from worst to best for exponential."""

    criterion: str
    unit: str
    worst: float
    best: float
    kind: str
    curvature: float
    measures: tuple[float, ...]
    values: tuple[float, ...]


CURVE_POINTS = 21


def _value_curves(study: Study) -> tuple[ValueCurve, ...]:
    curves = []
    for criterion in study.rubric.criteria:
        if not criterion.natural:
            continue
        scale, function = criterion.scale, criterion.value_function
        if function.kind == "piecewise":
            xs = np.array(sorted(point[0] for point in function.points), dtype=float)
        elif function.kind == "exponential" and function.curvature != 0:
            xs = np.linspace(scale.worst, scale.best, CURVE_POINTS)
        else:
            xs = np.array([scale.worst, scale.best], dtype=float)
        if xs[0] > xs[-1]:
            xs = xs[::-1]
        values = criterion.value_of(xs)
        curves.append(ValueCurve(criterion.id, scale.unit, float(scale.worst), float(scale.best), function.kind,
                                 float(function.curvature), tuple(float(x) for x in xs),
                                 tuple(float(v) for v in values)))
    return tuple(curves)


def _score_ranges(analysis: SessionAnalysis) -> np.ndarray:
    """[option, criterion, 2]: the lowest low and highest high across the analysts, where any analyst
    gave a range (an analyst without one counts with the score itself); NaN where nobody did."""
    tensor = analysis.tensor
    low = np.where(np.isnan(tensor.low), tensor.raw, tensor.low)
    high = np.where(np.isnan(tensor.high), tensor.raw, tensor.high)
    given = (np.isfinite(tensor.low) | np.isfinite(tensor.high)).any(axis=0)
    out = np.full(tensor.raw.shape[1:] + (2,), np.nan)
    if tensor.raw.shape[0]:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            out[..., 0] = np.where(given, np.nanmin(low, axis=0), np.nan)
            out[..., 1] = np.where(given, np.nanmax(high, axis=0), np.nan)
    return out


@attrs.frozen
class LiveModel:
    """What the workbook's live formulas give on the values it writes, stored as their cached values
    (a reader that does not recalculate shows these): rows are profiles in report order."""

    raw: np.ndarray = attrs.field(eq=False)         # [profile, criterion] leaf weights written as inputs
    normalised: np.ndarray = attrs.field(eq=False)  # [profile, criterion] raw / column sum (0 if it is 0)
    totals: np.ndarray = attrs.field(eq=False)      # [profile, option] SUMPRODUCT of values and weights
    ranks: np.ndarray = attrs.field(eq=False)       # [profile, option] 1 + options with a higher total
    group_columns: tuple[tuple[int, ...], ...]      # per top group, its criteria's indices (maybe not adjacent)
    group_contributions: np.ndarray = attrs.field(eq=False)  # [option, top group] default profile's weighted values


def _live_model(study: Study, analysis: SessionAnalysis, evaluations, default_profile: str) -> LiveModel:
    raw = np.array([np.asarray(e.weights.leaf, dtype=float) for e in evaluations])
    sums = raw.sum(axis=1, keepdims=True)
    normalised = np.divide(raw, sums, out=np.zeros_like(raw), where=sums != 0)
    # a consensus value shown as "n/a" counts 0 in SUMPRODUCT
    values = np.nan_to_num(np.asarray(analysis.consensus.value, dtype=float), nan=0.0, posinf=0.0, neginf=0.0)
    totals = np.array([values @ weights for weights in normalised])
    ranks = np.array([competition_ranks(row) for row in totals], dtype=int).reshape(totals.shape)
    membership = study.rubric.top_group_of()
    columns = tuple(tuple(j for j, c in enumerate(analysis.tensor.criteria) if membership[c] == g.id)
                    for g in study.rubric.groups)
    weights = normalised[[e.profile_id for e in evaluations].index(default_profile)]
    by_group = (np.column_stack([values[:, list(c)] @ weights[list(c)] for c in columns]) if columns
                else np.zeros((values.shape[0], 0)))
    return LiveModel(raw, normalised, totals, ranks, columns, by_group)


@attrs.frozen
class Summary:
    """The answer first: what the Summary sheet shows, gathered from the other results."""

    order: tuple[int, ...]                       # option indices by the default profile's rank, best first
    top: tuple[tuple[str, tuple[str, ...]], ...]  # per profile: its top 3 options
    smaa_first: np.ndarray = attrs.field(eq=False)   # [option] share of draws at rank 1
    smaa_ranks: tuple[tuple[int, int], ...] = ()     # per option: best and worst rank taken in >= 5% of draws
    baselines: tuple[tuple[str, str, tuple[int, ...]], ...] = ()  # (option, marker, rank per profile)
    # the smallest weight change that changes the top option: (kind, name, weight now, change, takes over)
    closest: tuple[str, str, float, float, str] | None = None
    flagged_cells: int = 0
    cells: int = 0


SMAA_RANK_SHARE = 0.05  # the Summary's rank range: ranks an option takes in at least this share of draws


@attrs.frozen
class LiveScenarios:
    """The Scenarios sheet's inputs and the cached values of its live formulas: the probability of
    each scenario (baseline first) written as input cells, and each option's expected score,
    SUMPRODUCT of those probabilities and the option's scores across the scenarios."""

    probabilities: np.ndarray = attrs.field(eq=False)  # [scenario] as written (the records', or equal)
    given: bool                                       # False: none recorded, equal shares written as a start
    expected: np.ndarray = attrs.field(eq=False)      # [option] probabilities @ scores


def _live_scenarios(analysis: ScenarioAnalysis) -> LiveScenarios:
    given = analysis.probabilities is not None
    n = len(analysis.scenarios)
    probabilities = analysis.probabilities if given else np.full(n, 1.0 / n)
    return LiveScenarios(np.asarray(probabilities, dtype=float), given,
                         np.asarray(probabilities, dtype=float) @ analysis.scores)


@attrs.frozen
class ComparisonReport:
    study: Study
    session: Session
    analysis: SessionAnalysis
    method: str                                   # "wsm": the model behind the workbook's formulas
    default_profile: str
    evaluations: tuple[Evaluation, ...]           # one per profile, study order
    comparison: Comparison
    sensitivity: Sensitivity                      # default profile
    smaa: SmaaResult                              # Dirichlet around the default profile; its scores_model says which values
    criterion_groups: tuple[tuple[str, ...], ...]  # per leaf criterion: names of the groups above it, top first
    top_groups: tuple[Group, ...]
    live: LiveModel = attrs.field(eq=False)       # the cached values of the workbook's live formulas
    disagreements: tuple[DisagreementCell, ...] = ()
    value_curves: tuple[ValueCurve, ...] = ()      # natural criteria, rubric order
    # [option, criterion, 2] lowest low and highest high across analysts (NaN: no range given)
    score_ranges: np.ndarray | None = attrs.field(default=None, eq=False)
    tool_version: str = "0+unknown"
    written_at: str = ""                          # UTC, ISO 8601, seconds
    value_for_money: tuple = ()                   # ValueForMoney per profile, report order; () without a cost criterion
    smaa_weight_spread: str | None = None         # what SMAA's concentration means, in words, for the SMAA sheet
    summary: Summary | None = None
    packages: object = None                       # Packages within the budget `report --budget` gave, or None
    scope: Scope | None = None                    # the decision and its screening (None: not scoped)
    # every option of the decision x applicable requirement; with --no-screening, what screening would
    # have found (shown for information; nothing was left out)
    screening: tuple[ScreenOutcome, ...] = ()
    scenarios: ScenarioAnalysis | None = None     # default profile, weighted sum; None: no scenario applies
    live_scenarios: LiveScenarios | None = attrs.field(default=None, eq=False)

    @property
    def decision(self):
        return None if self.scope is None else self.scope.decision

    @property
    def requirements(self):
        """The requirements that apply to the report's decision (every one without decisions)."""
        decision = self.decision
        return tuple(r for r in self.study.requirements if r.applies_to(decision.id if decision else None))

    @property
    def illustrative(self) -> bool:
        return self.session.illustrative

    @property
    def options(self) -> tuple[str, ...]:
        return self.analysis.tensor.options

    @property
    def criteria(self) -> tuple[str, ...]:
        return self.analysis.tensor.criteria

    @property
    def profiles(self) -> tuple[str, ...]:
        return tuple(e.profile_id for e in self.evaluations)

    def evaluation(self, profile_id: str) -> Evaluation:
        return next(e for e in self.evaluations if e.profile_id == profile_id)


def _group_paths(study: Study) -> tuple[tuple[str, ...], ...]:
    paths: dict[str, tuple[str, ...]] = {}

    def walk(group: Group, above: tuple[str, ...]) -> None:
        here = above + (group.name,)
        for child in group.children:
            if isinstance(child, Group):
                walk(child, here)
            else:
                paths[child.id] = here

    for group in study.rubric.groups:
        walk(group, ())
    return tuple(paths[c.id] for c in study.rubric.criteria)


def _disagreements(analysis: SessionAnalysis) -> tuple[DisagreementCell, ...]:
    tensor, pooled = analysis.tensor, analysis.consensus
    cells = []
    for o, c in np.argwhere(pooled.disagreement):
        natural = bool(tensor.natural[c])
        given = tuple(None if np.isnan(x) else (float(x) if natural else int(x)) for x in tensor.raw[:, o, c])
        spread = float(pooled.value_spread[o, c]) if natural else int(pooled.level_spread[o, c])
        cells.append(DisagreementCell(tensor.options[o], tensor.criteria[c], given, spread,
                                      float(pooled.value[o, c]), natural))
    return tuple(cells)


def _summary(study: Study, comparison: Comparison, default: Evaluation, one_way: Sensitivity, smaa_result,
             analysis: SessionAnalysis) -> Summary:
    options = default.options
    order = tuple(sorted(range(len(options)), key=lambda i: (default.ranks[i], options[i])))
    top = tuple((e.profile_id, tuple(r.option for r in e.ranking()[:3])) for e in comparison.evaluations)
    acceptability = smaa_result.acceptability
    ranks = []
    for row in acceptability:
        taken = np.nonzero(row >= SMAA_RANK_SHARE)[0]
        ranks.append((int(taken.min()) + 1, int(taken.max()) + 1) if len(taken) else (0, 0))
    markers = {o.id: o.baseline for o in study.options}
    baselines = tuple((o, markers[o], tuple(int(row[i]) for row in comparison.profile_ranks))
                      for i, o in enumerate(options) if markers.get(o) in ("business-as-usual", "do-minimum"))
    moving = [a for a in one_way.analyses if a.distance is not None]
    closest = None
    if moving:
        a = min(moving, key=lambda a: (a.distance, a.kind, a.name))
        closest = (a.kind, a.name, float(a.current), float(a.distance), a.takes_over)
    flagged = int(np.count_nonzero(analysis.consensus.disagreement))
    return Summary(order, top, acceptability[:, 0].copy(), tuple(ranks), baselines, closest, flagged,
                   int(analysis.consensus.disagreement.size))


def _weight_spread(result, weights) -> str | None:
    """One sentence: how far the concentration lets weights move (the 90% interval of the heaviest)."""
    from .smaa import weight_intervals

    if result.concentration is None:
        return None
    leaf = np.asarray(weights.leaf, dtype=float)
    k = int(np.argmax(leaf))
    low, high = weight_intervals(leaf, result.concentration)[k]
    return (f"each draw's weights scatter around the profile's: with concentration {result.concentration:g}, "
            f"the heaviest weight ({weights.criteria[k]}, {leaf[k]:.3f}) falls between {low:.3f} and {high:.3f} "
            "in 90% of draws; a lower concentration spreads them wider")


def _value_for_money(study: Study, evaluations, session_id: str, analysis) -> tuple:
    """Benefit against cost for every profile, when the study has a cost criterion to use (else ())."""
    from ..errors import RubricError
    from .value_for_money import cost_criterion, value_for_money

    try:
        cost_criterion(study)
    except RubricError:
        return ()
    try:
        return tuple(value_for_money(study, e.profile_id, session_id, analysis) for e in evaluations)
    except RubricError:   # a profile with every weight on the cost criterion: no benefit to show
        return ()


def _packages(study: Study, budget: float, top: int, profile: str, session_id: str, analysis):
    from .packages import option_packages

    return option_packages(study, budget, top, profile, session_id, analysis)


def build_report(study: Study, session: str | None = None, samples: int = DEFAULT_SAMPLES,
                 seed: int | None = None, top_k: int = DEFAULT_TOP_K, now: _dt.datetime | None = None,
                 progress=None, scores: str = "consensus", budget: float | None = None,
                 packages_top: int = DEFAULT_PACKAGES, scope: Scope | None = None) -> ComparisonReport:
    """Run every computation the comparison workbook shows, for one session of a study (with `scope`,
    the study it narrowed to a decision and screened: `scope.study`). With a `budget`, the best
    packages of options within it too (the Packages sheet)."""
    seed = DEFAULT_SEED if seed is None else int(seed)
    analysis = analyse_session(study, session)
    session_id = analysis.session.id
    comparison = compare(study, METHOD, session_id, top_k, analysis=analysis)
    default_profile = pick_profile(study, None)
    evaluations = comparison.evaluations
    default = next(e for e in evaluations if e.profile_id == default_profile)
    one_way = sensitivity(default, study.rubric)
    _, smaa_result = run_smaa(study, default_profile, False, samples, seed, scores, session_id,
                              progress=progress, analysis=analysis)
    top_groups = study.rubric.groups
    written = (now or _dt.datetime.now(_dt.timezone.utc)).astimezone(_dt.timezone.utc)
    scenario_analysis = (analyse_scenarios(study, default_profile, METHOD, session_id, top_k)
                         if applicable(study) else None)
    return ComparisonReport(
        study=study, session=analysis.session, analysis=analysis, method=METHOD, default_profile=default_profile,
        evaluations=evaluations, comparison=comparison, sensitivity=one_way, smaa=smaa_result,
        criterion_groups=_group_paths(study), top_groups=top_groups,
        live=_live_model(study, analysis, evaluations, default_profile),
        disagreements=_disagreements(analysis), value_curves=_value_curves(study),
        score_ranges=_score_ranges(analysis), tool_version=tool_version(),
        value_for_money=_value_for_money(study, evaluations, session_id, analysis),
        smaa_weight_spread=_weight_spread(smaa_result, default.weights),
        summary=_summary(study, comparison, default, one_way, smaa_result, analysis),
        packages=None if budget is None else _packages(study, budget, packages_top, default_profile, session_id,
                                                       analysis),
        written_at=written.replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        scope=scope, screening=_screening(scope, session_id), scenarios=scenario_analysis,
        live_scenarios=None if scenario_analysis is None else _live_scenarios(scenario_analysis))



def _screening(scoped: Scope | None, session_id: str) -> tuple[ScreenOutcome, ...]:
    """The scope's outcomes; with screening off, what it would have found (empty when it cannot say,
    as when every option would fail)."""
    from ..errors import RubricError
    from .scope import scope

    if scoped is None or scoped.screening:
        return () if scoped is None else scoped.outcomes
    decision = scoped.decision.id if scoped.decision else None
    try:
        return scope(scoped.study, decision, True, session_id).outcomes
    except RubricError:
        return ()
