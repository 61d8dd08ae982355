"""The study as frozen, validated objects. Built by `rubric.records.load`; never mutated."""

from __future__ import annotations

import re

import attrs

from .terms import PREFERENCE_FUNCTIONS  # noqa: F401  (re-exported: the model's vocabulary)

# The id rule, in the one form both Python and JSON Schema (ECMA-262) read the same way: Python's
# `$` also matches before a final newline, so `(?!\n)` refuses "fam-b\n"; the schemas' `$defs/id`
# patterns are this string (tests/test_hardening_records.py checks that they agree).
ID_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*(?!\n)$"
ID_MAX_LENGTH = 48
_ID = re.compile(ID_PATTERN)


def is_valid_id(text) -> bool:
    """Lowercase letters and digits in dash-separated words, at most ID_MAX_LENGTH characters."""
    return type(text) is str and len(text) <= ID_MAX_LENGTH and _ID.fullmatch(text) is not None

DIRECTIONS = ("benefit", "cost")
BASELINES = ("business-as-usual", "do-minimum", "none")
CONFIDENCES = ("low", "medium", "high")
CONSENSUS_RULES = ("median", "mean")
VERDICTS = ("pass", "fail", "unclear")

_tuple = attrs.field(converter=tuple, default=())


def _one_of(values):
    return attrs.validators.in_(values)


@attrs.frozen
class Family:
    id: str
    name: str
    description: str = ""


@attrs.frozen
class SourcePart:
    """A source's part of a shared corpus file, between two verbatim markers."""

    start: str
    end: str | None = None


@attrs.frozen
class Reliability:
    """Evidence grading of a source: a grade (high, moderate or low) and the reason for it."""

    grade: str
    reason: str


@attrs.frozen
class Source:
    id: str
    title: str
    publisher: str
    authors: tuple[str, ...] = _tuple
    date: str = ""
    kind: str = "other"
    url: str | None = None
    file: str | None = None
    note: str | None = None
    part: SourcePart | None = None
    reliability: Reliability | None = None


@attrs.frozen
class Measure:
    """A documented measurement of an option on a natural criterion, in the criterion's unit."""

    criterion: str
    value: float
    source: str
    locator: str
    low: float | None = None
    high: float | None = None
    quote: str | None = None
    note: str | None = None


@attrs.frozen
class Evidence:
    source: str
    locator: str
    quote: str
    note: str | None = None


@attrs.frozen
class Citation:
    """A score's evidence given by quote: `quote` is one of the option's recorded quotes from `source`
    (the loader checks it, forgiving only typography), as the session wrote it."""

    source: str
    quote: str


@attrs.frozen
class Precedent:
    date: str
    event: str
    source: str | None = None


@attrs.frozen
class Option:
    id: str
    title: str
    family: str
    baseline: str = attrs.field(validator=_one_of(BASELINES))
    summary: str = ""
    mechanism: str = ""
    countries: tuple[str, ...] = _tuple
    actors: tuple[str, ...] = _tuple
    precedents: tuple[Precedent, ...] = _tuple
    benefits: tuple[str, ...] = _tuple
    risks: tuple[str, ...] = _tuple
    preconditions: tuple[str, ...] = _tuple
    evidence: tuple[Evidence, ...] = _tuple
    measures: tuple[Measure, ...] = _tuple
    # option packages: ids of options this one cannot be combined with (symmetric: naming it on
    # one side is enough) and of options it cannot go without
    conflicts_with: tuple[str, ...] = _tuple
    requires: tuple[str, ...] = _tuple

    def measure(self, criterion_id: str) -> Measure | None:
        return next((m for m in self.measures if m.criterion == criterion_id), None)


@attrs.frozen
class Level:
    level: int
    descriptor: str
    label: str = ""


# value functions: `linear` and `points` (a value per level) for level scales; `linear`,
# `piecewise` (straight lines through [measure, value] points) and `exponential` (Kirkwood 1997)
# for natural scales
LEVEL_VALUE_FUNCTIONS = ("linear", "points")
NATURAL_VALUE_FUNCTIONS = ("linear", "piecewise", "exponential")


@attrs.frozen
class ValueFunction:
    """Maps a criterion's scores onto 0-100 (0 at the worst, 100 at the best).

    linear: straight between the worst and best level (or reference measure). points: a value per
    level, as (level, value). piecewise: straight lines through (measure, value) points, in
    ascending measure order. exponential: Kirkwood's v(z) = 100 (1 - exp(-c z)) / (1 - exp(-c)),
    z the distance from worst to best in [0, 1] and c the curvature (c > 0 concave: early
    improvements count most; c = 0 is linear)."""

    kind: str = attrs.field(default="linear",
                            validator=_one_of(tuple(dict.fromkeys(LEVEL_VALUE_FUNCTIONS + NATURAL_VALUE_FUNCTIONS))))
    points: tuple[tuple[float, float], ...] = _tuple
    curvature: float = 0.0


@attrs.frozen
class NaturalScale:
    """A criterion measured in real units. `worst` and `best` are reference levels chosen by the
    appraisal team (value 0 and 100), not the data's range, so values do not move as options come."""

    unit: str
    worst: float
    best: float

    @property
    def lowest(self) -> float:
        return min(self.worst, self.best)

    @property
    def highest(self) -> float:
        return max(self.worst, self.best)

    def contains(self, x: float) -> bool:
        return self.lowest <= x <= self.highest


@attrs.frozen
class Preference:
    """A criterion's own PROMETHEE preference function, its thresholds in the criterion's unit."""

    function: str = attrs.field(default="usual", validator=_one_of(tuple(PREFERENCE_FUNCTIONS)))
    q: float = 0.0
    p: float = 0.0
    s: float = 0.0


@attrs.frozen
class Criterion:
    id: str
    name: str
    question: str
    direction: str = attrs.field(validator=_one_of(DIRECTIONS))
    levels: tuple[Level, ...] = _tuple
    value_function: ValueFunction = ValueFunction()
    description: str = ""
    value_note: str = ""
    scale: NaturalScale | None = None  # None: an anchored level scale
    preference: Preference | None = None

    @property
    def natural(self) -> bool:
        return self.scale is not None

    @property
    def unit(self) -> str:
        return self.scale.unit if self.scale else ""

    @property
    def level_numbers(self) -> tuple[int, ...]:
        return tuple(level.level for level in self.levels)

    def values(self) -> dict[int, float]:
        """The 0-100 value of every level (best level 100, worst 0). Level scales only."""
        if self.value_function.kind == "points":
            return {int(level): float(value) for level, value in self.value_function.points}
        numbers = self.level_numbers
        low, high = min(numbers), max(numbers)
        span = high - low
        if self.direction == "benefit":
            return {n: 100.0 * (n - low) / span for n in numbers}
        return {n: 100.0 * (high - n) / span for n in numbers}

    def value_of(self, measures):
        """0-100 values of measures on a natural scale (array in, array out; clipped at worst and best)."""
        import numpy as np

        x = np.asarray(measures, dtype=float)
        function, scale = self.value_function, self.scale
        if function.kind == "piecewise":
            xs = np.array([point[0] for point in function.points])
            vs = np.array([point[1] for point in function.points])
            return np.interp(x, xs, vs)
        z = np.clip((x - scale.worst) / (scale.best - scale.worst), 0.0, 1.0)
        c = function.curvature
        if function.kind == "exponential" and c != 0:
            return 100.0 * np.expm1(-c * z) / np.expm1(-c)
        return 100.0 * z

    def descriptor(self, level: int) -> str:
        return next(item.descriptor for item in self.levels if item.level == level)


@attrs.frozen
class Group:
    id: str
    name: str
    children: tuple[Group | Criterion, ...] = _tuple
    description: str = ""

    def leaves(self) -> tuple[Criterion, ...]:
        found: list[Criterion] = []
        for child in self.children:
            found.extend(child.leaves() if isinstance(child, Group) else (child,))
        return tuple(found)

    def groups(self) -> tuple[Group, ...]:
        found: list[Group] = [self]
        for child in self.children:
            if isinstance(child, Group):
                found.extend(child.groups())
        return tuple(found)


@attrs.frozen
class Rubric:
    id: str
    version: str
    title: str
    groups: tuple[Group, ...] = _tuple
    description: str = ""

    @property
    def criteria(self) -> tuple[Criterion, ...]:
        """Leaf criteria in document order: the columns of every matrix."""
        return tuple(leaf for group in self.groups for leaf in group.leaves())

    def all_groups(self) -> tuple[Group, ...]:
        return tuple(found for group in self.groups for found in group.groups())

    def criterion(self, criterion_id: str) -> Criterion:
        return next(c for c in self.criteria if c.id == criterion_id)

    def top_group_of(self) -> dict[str, str]:
        """Leaf criterion id -> id of the top-level group holding it."""
        return {leaf.id: group.id for group in self.groups for leaf in group.leaves()}


@attrs.frozen
class WeightItem:
    id: str
    rationale: str
    points: float | None = None
    rank: int | None = None


@attrs.frozen
class Judgement:
    a: str
    b: str
    ratio: float
    rationale: str = ""


@attrs.frozen
class WeightBlock:
    """Raw weighting inputs over the children of one node (`rubric`, a group id, or `leaves`)."""

    node: str
    items: tuple[WeightItem, ...] = _tuple
    judgements: tuple[Judgement, ...] = _tuple


@attrs.frozen
class Profile:
    id: str
    name: str
    represents: str
    method: str  # a name in compute.weighting.WEIGHTING_METHODS (checked by the schema and the loader)
    blocks: tuple[WeightBlock, ...] = _tuple
    description: str = ""
    rank_scheme: str = "roc"  # a key of compute.weighting.rank.SCHEMES (checked by the schema)
    strict: bool = False


@attrs.frozen
class Participant:
    id: str
    name: str = ""
    role: str = ""


@attrs.frozen
class Score:
    analyst: str
    option: str
    criterion: str
    confidence: str = attrs.field(validator=_one_of(CONFIDENCES))
    rationale: str = ""
    level: int | None = None
    abstain: str | None = None
    evidence: tuple[str | Citation, ...] = _tuple   # source ids and quotes cited, in the session's order
    value: float | None = None   # on a natural criterion, in its unit (level criteria use `level`)
    low: float | None = None     # an optional range around the level or value: low <= it <= high
    high: float | None = None

    @property
    def score(self) -> float | None:
        """The level or the measured value; None when abstained."""
        return self.level if self.level is not None else self.value

    @property
    def abstained(self) -> bool:
        return self.level is None and self.value is None

    @property
    def sources(self) -> tuple[str, ...]:
        """The ids of the sources cited, plainly or by quote, each once."""
        return tuple(dict.fromkeys(item.source if isinstance(item, Citation) else item for item in self.evidence))

    @property
    def citations(self) -> tuple[Citation, ...]:
        return tuple(item for item in self.evidence if isinstance(item, Citation))


@attrs.frozen
class Verdict:
    """An analyst's judgement of whether an option meets a screening requirement."""

    analyst: str
    option: str
    requirement: str
    verdict: str = attrs.field(validator=_one_of(VERDICTS))
    rationale: str = ""
    evidence: tuple[str, ...] = _tuple


@attrs.frozen
class Dissent:
    analyst: str
    note: str
    option: str | None = None
    criterion: str | None = None


@attrs.frozen
class Session:
    id: str
    date: str
    rubric_id: str
    rubric_version: str
    participants: tuple[Participant, ...] = _tuple
    scores: tuple[Score, ...] = _tuple
    dissent: tuple[Dissent, ...] = _tuple
    title: str = ""
    facilitator: str = ""
    illustrative: bool = False
    verdicts: tuple[Verdict, ...] = _tuple
    scenario: str | None = None   # scored as the options would perform in this scenario; None: today

    @property
    def analysts(self) -> tuple[str, ...]:
        return tuple(p.id for p in self.participants)


@attrs.frozen
class Adjustment:
    """A scenario's change to one option x criterion cell of the baseline scores, for every analyst:
    a replacement `level` or `value`, or a `shift` (in levels on a level scale, in units on a
    natural one)."""

    option: str
    criterion: str
    rationale: str
    level: int | None = None
    value: float | None = None
    shift: float | None = None


@attrs.frozen
class Scenario:
    """A future the documents warn about. The status quo is the implicit baseline scenario."""

    id: str
    name: str
    narrative: str
    drivers: tuple[str, ...] = _tuple
    decisions: tuple[str, ...] = _tuple     # empty: every decision
    probability: float | None = None
    evidence: tuple[Evidence, ...] = _tuple
    adjustments: tuple[Adjustment, ...] = _tuple

    def applies_to(self, decision_id: str | None) -> bool:
        return not self.decisions or decision_id in self.decisions


@attrs.frozen
class Defaults:
    profile: str | None = None
    method: str = "wsm"  # a name in compute.methods.AGGREGATION_METHODS (checked by the loader)
    session: str | None = None
    decision: str | None = None


@attrs.frozen
class Decision:
    """One decision maker's choice: its own option set, relevant profiles and baseline. The rubric
    is the study's. `options` is resolved at load (listed ids and the options of listed families,
    in study order)."""

    id: str
    question: str
    decision_makers: tuple[str, ...] = _tuple
    options: tuple[str, ...] = _tuple
    profiles: tuple[str, ...] = _tuple      # relevant profiles, resolved (all when the record is silent)
    default_profile: str | None = None
    baseline: str | None = None             # an option of the decision
    session: str | None = None
    title: str = ""


@attrs.frozen
class Requirement:
    """A must-pass screen. test: "threshold" (the consensus value of `criterion` at least the value
    of `level` or of the measure `value`: as good as it or better, in the criterion's direction) or
    "judgement" (the analysts' pass / fail / unclear verdicts recorded in the session)."""

    id: str
    statement: str
    rationale: str
    test: str = attrs.field(validator=_one_of(("threshold", "judgement")))
    criterion: str | None = None
    level: int | None = None
    value: float | None = None
    decisions: tuple[str, ...] = _tuple     # empty: every decision
    evidence: tuple[Evidence, ...] = _tuple

    def applies_to(self, decision_id: str | None) -> bool:
        return not self.decisions or decision_id in self.decisions


@attrs.frozen
class Study:
    id: str
    title: str
    question: str
    context: str
    root: str
    input_hash: str
    rubric: Rubric
    decision_makers: tuple[str, ...] = _tuple
    families: tuple[Family, ...] = _tuple
    consensus: str = attrs.field(default="median", validator=_one_of(CONSENSUS_RULES))
    defaults: Defaults = Defaults()
    # per aggregation method, the settings given under `methods:` in study.yaml (the method's
    # defaults fill in the rest when it runs)
    method_settings: dict[str, dict] = attrs.field(factory=dict, eq=False)
    # study.yaml `value_for_money: {cost_criterion: ID}`: the criterion whose measures are the
    # options' costs (None: the one natural cost criterion, if there is exactly one)
    cost_criterion: str | None = None
    # profile id -> its derived weights, filled once (by the loader, or on first use) and reused by
    # every command; never passed in, so a changed copy of a study starts with an empty one
    derived_weights: dict = attrs.field(factory=dict, init=False, eq=False, repr=False)
    sources: tuple[Source, ...] = _tuple
    options: tuple[Option, ...] = _tuple
    profiles: tuple[Profile, ...] = _tuple
    sessions: tuple[Session, ...] = _tuple
    decisions: tuple[Decision, ...] = _tuple
    requirements: tuple[Requirement, ...] = _tuple
    scenarios: tuple[Scenario, ...] = _tuple

    def scenario(self, scenario_id: str) -> Scenario:
        return next(s for s in self.scenarios if s.id == scenario_id)

    def decision(self, decision_id: str) -> Decision:
        return next(d for d in self.decisions if d.id == decision_id)

    def requirement(self, requirement_id: str) -> Requirement:
        return next(r for r in self.requirements if r.id == requirement_id)

    def option(self, option_id: str) -> Option:
        return next(o for o in self.options if o.id == option_id)

    def profile(self, profile_id: str) -> Profile:
        return next(p for p in self.profiles if p.id == profile_id)

    def session(self, session_id: str) -> Session:
        return next(s for s in self.sessions if s.id == session_id)

    def source(self, source_id: str) -> Source:
        return next(s for s in self.sources if s.id == source_id)
