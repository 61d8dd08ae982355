"""Study directory -> validated, frozen `Study`, or a RubricError listing every problem found.

Stages: read and parse every file (YAML), validate each against its JSON Schema, then build the
model and run the cross-record checks. A stage runs only when the one before it found nothing
wrong, so one mistake is not reported again as a cascade of dangling references.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import Problem, RubricError, capped
from ..model import (PREFERENCE_FUNCTIONS, Adjustment, Citation, Criterion, Decision, Defaults, Dissent, Evidence,
                     Family, Group, Judgement, Level, Measure, NaturalScale, Option, Participant, Precedent, Preference, Profile,
                     Reliability, Requirement, Rubric, Scenario, Score, Session, Source, SourcePart, Study, ValueFunction, Verdict,
                     WeightBlock, WeightItem)
from .schema import schema_problems
from .yamlio import Document, _gc_paused, load_yaml

if TYPE_CHECKING:
    from ..compute.weighting import WeightingMethod

SINGLE_FILES = {"study": "study.yaml", "sources": "sources.yaml", "rubric": "rubric.yaml"}
FOLDERS = {"option": "options", "profile": "profiles", "session": "sessions", "scenario": "scenarios"}


@contextlib.contextmanager
def unreadable_as_problem(shown: str):
    """A folder that cannot be searched or listed (permissions) is a located problem, not a
    traceback from Path.is_file or iterdir."""
    try:
        yield
    except OSError as exc:
        where = os.fspath(exc.filename) if exc.filename is not None else shown
        raise RubricError(Problem(where, f"cannot read: {exc.strerror or exc}")) from None


def study_files(root: Path) -> list[tuple[str, Path]]:
    """(kind, path) of every record file of a study, in a stable order."""
    files = [(kind, root / name) for kind, name in SINGLE_FILES.items()]
    for kind, folder in FOLDERS.items():
        directory = root / folder
        if directory.is_dir():
            files.extend((kind, p) for p in sorted(directory.iterdir())
                         if p.suffix in (".yaml", ".yml") and not p.name.startswith("."))
    return files


def misnamed_records(files) -> list[Problem]:
    """Records are `<id>.yaml`; a `.yml` file would be read here but written elsewhere as `.yaml`."""
    return [Problem(str(path), f"rename to {path.stem}.yaml: record files use the .yaml extension")
            for _, path in files if path.suffix == ".yml"]


def input_hash(root: Path, files) -> str:
    digest = hashlib.sha256()
    for _, path in files:
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def load_study(path: str | os.PathLike = "policies") -> Study:
    root = Path(path)
    shown = os.fspath(path)
    with unreadable_as_problem(shown):
        if not root.is_dir():
            raise RubricError(Problem(shown, "not a folder"))
        if not (root / "study.yaml").is_file():
            raise RubricError(Problem(shown, "not a study folder: it has no study.yaml (see `rubric init`)"))
        files = study_files(root)
    problems: list[Problem] = misnamed_records(files)
    documents: list[tuple[str, Document]] = []
    for kind, file in files:
        display = os.path.join(shown, file.relative_to(root).as_posix())
        try:
            with unreadable_as_problem(display):
                if not file.is_file():
                    problems.append(Problem(display, "missing: every study needs this file"))
                    continue
            documents.append((kind, load_yaml(file, display)))
        except RubricError as error:
            problems.extend(error.problems)
    if problems:
        raise RubricError(capped(problems))
    hidden = 0
    for kind, document in documents:
        found, more = schema_problems(kind, document)
        problems.extend(found)
        hidden += more
    if problems:
        raise RubricError(capped(problems, hidden))
    builder = _StudyBuilder(documents, shown, input_hash(root, files))
    with _gc_paused():  # ~100,000 acyclic score objects: collections would only walk them again and again
        study = builder.build()
    if builder.problems:
        raise RubricError(capped(builder.problems))
    study.derived_weights.update(builder.weights)  # derived once, here, for every later use
    return study


def preference_problems(given: dict) -> list[str]:
    """Rules across a preference function's thresholds that the schema cannot say."""
    function = given["function"]
    needs = PREFERENCE_FUNCTIONS[function]
    problems = [f"{function} takes no {name} (it reads {', '.join(needs) or 'no threshold'})"
                for name in ("q", "p", "s") if name in given and name not in needs]
    problems += [f"{function} needs {name}" for name in needs if name not in given]
    if not problems:
        if function in ("level", "linear") and not given["q"] < given["p"]:
            problems.append(f"{function} preference needs q < p (got q={given['q']:g}, p={given['p']:g})")
        for name in ("p", "s"):
            if name in needs and not given[name] > 0:
                problems.append(f"{function} preference needs {name} > 0")
    return problems


def score_problems(criterion: Criterion, level, value, low, high) -> list[tuple[str, str]]:
    """(field, message) for a score (or a documented measure) that does not fit its criterion: a
    level on a natural scale or a value on a level scale, a value outside the reference range,
    a range that is not a range. Shared by the session loader, option measures and workbook import."""
    problems: list[tuple[str, str]] = []
    if criterion.natural:
        scale = criterion.scale
        if level is not None:
            return [("level", f"{criterion.id!r} is measured in {scale.unit}: give `value:` in that unit, "
                              "not a level")]
        for field, x in (("value", value), ("low", low), ("high", high)):
            if x is not None and not scale.contains(x):
                problems.append((field, f"{field} {x:g} is outside the scale of {criterion.id} ({scale.worst:g} to "
                                        f"{scale.best:g} {scale.unit}); widen the scale's worst or best in the rubric"))
        centre = value
    else:
        if value is not None:
            return [("value", f"{criterion.id!r} is scored by level (levels {list(criterion.level_numbers)}): "
                              "give `level:`, not a value")]
        levels = set(criterion.level_numbers)
        for field, x in (("level", level), ("low", low), ("high", high)):
            if x is not None and x not in levels:
                problems.append((field, f"{field} {x:g} is not a level of {criterion.id!r} "
                                        f"(levels {list(criterion.level_numbers)})"))
        centre = level
    if problems:
        return problems
    if centre is None and (low is not None or high is not None):
        return [("low" if low is not None else "high", "an abstention has no range")]
    if low is not None and high is not None and low > high:
        problems.append(("low", f"low {low:g} is above high {high:g}"))
    elif low is not None and centre is not None and low > centre:
        problems.append(("low", f"low {low:g} is above the score {centre:g}"))
    elif high is not None and centre is not None and high < centre:
        problems.append(("high", f"high {high:g} is below the score {centre:g}"))
    return problems


def requires_cycles(graph) -> list[list[str]]:
    """Cycles of a `requires` graph given as [(node, [required, ...])] in file order: one cycle per
    strongly connected component that has one, as the path from its first node (in file order)
    back to itself. Iterative Tarjan, so a chain of thousands of options does not overflow."""
    order = {node: i for i, (node, _) in enumerate(graph)}
    edges = dict(graph)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    for root, _ in graph:
        if root in index:
            continue
        work = [(root, iter(edges[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges[child])))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        components.append(component)
    cycles = []
    for component in components:
        members = set(component)
        start = min(component, key=order.__getitem__)
        # breadth-first from start inside the component: the shortest way back to it
        previous = {start: None}
        frontier, found = [start], None
        while frontier and found is None:
            following = []
            for node in frontier:
                for child in edges[node]:
                    if child == start:
                        found = node
                        break
                    if child in members and child not in previous:
                        previous[child] = node
                        following.append(child)
                if found is not None:
                    break
            frontier = following
        path = [found]
        while previous[path[-1]] is not None:
            path.append(previous[path[-1]])
        cycles.append(path[::-1])
    return sorted(cycles, key=lambda cycle: order[cycle[0]])


def _float_or_none(x):
    return None if x is None else float(x)


def _number(x):
    """A range bound as written: an integer stays one (a level), anything else is a float."""
    return x if x is None or type(x) is int else float(x)


def _duplicates(ids):
    return {item for item, count in Counter(ids).items() if count > 1}


class _StudyBuilder:
    def __init__(self, documents, shown: str, digest: str):
        self.problems: list[Problem] = []
        self.shown = shown
        self.digest = digest
        self.by_kind: dict[str, list[Document]] = {}
        self.weights: dict = {}  # profile id -> ProfileWeights, derived while checking the profiles
        for kind, document in documents:
            self.by_kind.setdefault(kind, []).append(document)

    def report(self, document: Document, pointer: str, message: str) -> None:
        self.problems.append(document.problem(pointer, message))

    def one(self, kind: str) -> Document:
        return self.by_kind[kind][0]

    # -- build ------------------------------------------------------------------------------

    def build(self) -> Study:
        study_doc = self.one("study")
        data = study_doc.data
        sources = self.sources()
        before = len(self.problems)
        rubric = self.rubric()
        self.rubric_ok = len(self.problems) == before  # weights are only derived over a sound rubric
        families = tuple(Family(f["id"], f["name"], f.get("description", "")) for f in data["families"])
        self.unique(study_doc, "/families", [f.id for f in families], "family")
        options = self.options({f.id for f in families}, {s.id for s in sources}, rubric)
        profiles = self.profiles(rubric)
        decisions = self.decisions(study_doc, options, families, profiles)
        self.decision_records = decisions
        self.decision_options = {d.id: set(d.options) for d in decisions}
        requirements = self.requirements(study_doc, rubric, {s.id for s in sources}, {d.id for d in decisions})
        self.complete_sessions = not decisions  # with decisions, completeness is checked per decision ranked
        sessions = self.sessions(rubric, {o.id: o for o in options}, {s.id for s in sources},
                                 {r.id: r for r in requirements})
        scenarios = self.scenarios(rubric, {o.id for o in options}, {s.id for s in sources},
                                   {d.id for d in decisions}, sessions)
        defaults = Defaults(**data.get("defaults", {}))
        if defaults.decision and defaults.decision not in {d.id for d in decisions}:
            self.report(study_doc, "/defaults/decision", f"unknown decision {defaults.decision!r}" + (
                "" if decisions else " (the study defines no decisions)"))
        if defaults.profile and defaults.profile not in {p.id for p in profiles}:
            self.report(study_doc, "/defaults/profile", f"unknown profile {defaults.profile!r}")
        if defaults.session and defaults.session not in {s.id for s in sessions}:
            self.report(study_doc, "/defaults/session", f"unknown session {defaults.session!r}")
        method_settings = self.method_settings(study_doc, rubric)
        cost_criterion = self.cost_criterion(study_doc, rubric)
        return Study(
            method_settings=method_settings, id=data["id"], title=data["title"], question=data["question"],
            context=data["context"], root=self.shown, input_hash=self.digest, rubric=rubric,
            decision_makers=data["decision_makers"], families=families,
            consensus=data.get("consensus", "median"), defaults=defaults, sources=sources,
            options=options, profiles=profiles, sessions=sessions, decisions=decisions, requirements=requirements,
            scenarios=scenarios, cost_criterion=cost_criterion)

    def cost_criterion(self, document: Document, rubric: Rubric) -> str | None:
        """study.yaml `value_for_money: {cost_criterion: ID}`: a criterion of the rubric, of direction cost."""
        given = document.data.get("value_for_money", {}).get("cost_criterion")
        if given is None:
            return None
        known = {c.id: c for c in rubric.criteria}
        if given not in known:
            self.report(document, "/value_for_money/cost_criterion", f"unknown criterion {given!r}")
        elif known[given].direction != "cost":
            self.report(document, "/value_for_money/cost_criterion", f"{given!r} is not a cost criterion "
                        "(its direction is benefit): name a criterion whose direction is cost")
        return given

    def method_settings(self, document: Document, rubric: Rubric) -> dict[str, dict]:
        """The `methods:` settings of study.yaml (the schema checked each value; the rules across
        values are the methods' own)."""
        from ..compute.methods import AGGREGATION_METHODS

        default = document.data.get("defaults", {}).get("method")
        if default is not None and default not in AGGREGATION_METHODS:
            self.report(document, "/defaults/method", f"unknown method {default!r} "
                        f"(methods: {', '.join(AGGREGATION_METHODS)})")
        given = document.data.get("methods", {})
        for name, settings in given.items():
            method = AGGREGATION_METHODS.get(name)
            if method is None:
                self.report(document, f"/methods/{name}", f"unknown method {name!r} "
                            f"(methods: {', '.join(AGGREGATION_METHODS)})")
                continue
            message = method.check({**method.defaults(), **settings}) if method.check else None
            if message:
                self.report(document, f"/methods/{name}", message)
            if settings.get("on") == "measures":
                levels = [c.id for c in rubric.criteria if not c.natural]
                if not method.on_measures:
                    self.report(document, f"/methods/{name}/on", f"{method.label} runs on the 0-100 values only")
                elif levels:
                    self.report(document, f"/methods/{name}/on", f"{method.label} on measures needs every criterion "
                                f"on a natural scale; {', '.join(levels)} {'is' if len(levels) == 1 else 'are'} "
                                "scored by level")
        return {name: dict(settings) for name, settings in given.items()}

    def decisions(self, document: Document, options, families, profiles) -> tuple[Decision, ...]:
        """`decisions:` of study.yaml, with each option set resolved; every option must belong to one."""
        self.session_ids = {d.data.get("id") for d in self.by_kind.get("session", [])}
        raw = document.data.get("decisions", [])
        option_ids = [o.id for o in options]
        family_ids = {f.id for f in families}
        profile_ids = [p.id for p in profiles]
        decisions = []
        for index, d in enumerate(raw):
            pointer = f"/decisions/{index}"
            for key, known, what in (("options", set(option_ids), "option"), ("families", family_ids, "family"),
                                     ("profiles", set(profile_ids), "profile")):
                for k, item in enumerate(d.get(key, ())):
                    if item not in known:
                        self.report(document, f"{pointer}/{key}/{k}", f"unknown {what} {item!r}")
            listed, by_family = set(d.get("options", ())), set(d.get("families", ()))
            members = tuple(o.id for o in options if o.id in listed or o.family in by_family)
            relevant = tuple(p for p in profile_ids if p in set(d["profiles"])) if "profiles" in d \
                else tuple(profile_ids)
            default_profile = d.get("default_profile")
            if default_profile is not None and default_profile not in relevant:
                self.report(document, f"{pointer}/default_profile", f"{default_profile!r} is not one of the "
                            f"decision's profiles ({', '.join(relevant) or 'none'})")
            baseline = d.get("baseline")
            if baseline is not None and baseline not in members:
                self.report(document, f"{pointer}/baseline", f"baseline {baseline!r} is not an option of the decision")
            if not members:
                self.report(document, pointer, f"decision {d['id']!r} has no options")
            if default_profile is None:   # the study's default profile where it is relevant, else the first
                study_default = document.data.get("defaults", {}).get("profile")
                default_profile = study_default if study_default in relevant else (relevant[0] if relevant else None)
            session = d.get("session")
            if session is not None and session not in self.session_ids:
                self.report(document, f"{pointer}/session", f"unknown session {session!r}")
            decisions.append(Decision(d["id"], d["question"], tuple(d.get("decision_makers", ())), members, relevant,
                                      default_profile, baseline, session, d.get("title", "")))
        self.unique(document, "/decisions", [d.id for d in decisions], "decision")
        if decisions:
            covered = {o for d in decisions for o in d.options}
            for document_ in self.by_kind.get("option", []):
                if document_.data["id"] not in covered:
                    self.report(document_, "/id", f"option {document_.data['id']!r} belongs to no decision: list it, "
                                "or its family, under a decision in study.yaml")
        return tuple(decisions)

    def requirements(self, document: Document, rubric: Rubric, sources: set[str],
                     decisions: set[str]) -> tuple[Requirement, ...]:
        criteria = {c.id: c for c in rubric.criteria}
        found = []
        for index, r in enumerate(document.data.get("requirements", [])):
            pointer = f"/requirements/{index}"
            test = r["test"]
            for k, decision in enumerate(r.get("decisions", ())):
                if decision not in decisions:
                    self.report(document, f"{pointer}/decisions/{k}", f"unknown decision {decision!r}")
            for k, item in enumerate(r.get("evidence", ())):
                if item["source"] not in sources:
                    self.report(document, f"{pointer}/evidence/{k}/source", f"unknown source {item['source']!r}")
            level, value = test.get("level"), test.get("value")
            if test["kind"] == "threshold":
                criterion = criteria.get(test["criterion"])
                if criterion is None:
                    self.report(document, f"{pointer}/test/criterion", f"unknown criterion {test['criterion']!r}")
                elif criterion.natural and level is not None:
                    self.report(document, f"{pointer}/test/level", f"{criterion.id!r} is measured in "
                                f"{criterion.unit}: give the threshold as `value:`")
                elif not criterion.natural and value is not None:
                    self.report(document, f"{pointer}/test/value", f"{criterion.id!r} is scored by level: give the "
                                "threshold as `level:`")
                elif level is not None and level not in criterion.level_numbers:
                    self.report(document, f"{pointer}/test/level", f"level {level} is not a level of {criterion.id!r} "
                                f"(levels {list(criterion.level_numbers)})")
                elif value is not None and not criterion.scale.contains(value):
                    self.report(document, f"{pointer}/test/value", f"threshold {value:g} is outside "
                                f"the scale of {criterion.id} ({criterion.scale.worst:g} to {criterion.scale.best:g} "
                                f"{criterion.unit})")
            found.append(Requirement(r["id"], r["statement"], r["rationale"], test["kind"], test.get("criterion"),
                                     level, _float_or_none(value), tuple(r.get("decisions", ())),
                                     tuple(Evidence(**e) for e in r.get("evidence", ()))))
        self.unique(document, "/requirements", [r.id for r in found], "requirement")
        return tuple(found)

    def scenarios(self, rubric: Rubric, options: set[str], sources: set[str], decisions: set[str],
                  sessions) -> tuple[Scenario, ...]:
        """scenarios/<id>.yaml, checked against the rubric and against the baseline scores their
        shifts move (the study's default session, else its first session of today)."""
        criteria = {c.id: c for c in rubric.criteria}
        documents = self.by_kind.get("scenario", [])
        today = [s for s in sessions if s.scenario is None]   # any of them may be the baseline of a run
        scored = {s.scenario for s in sessions if s.scenario}
        members = {d.id: set(d.options) for d in self.decision_records}
        found = []
        for document in documents:
            d = document.data
            self.file_named_by_id(document, d["id"])
            for k, decision in enumerate(d.get("decisions", ())):
                if decision not in decisions:
                    self.report(document, f"/decisions/{k}", f"unknown decision {decision!r}" + (
                        "" if decisions else " (the study defines no decisions)"))
            for k, item in enumerate(d.get("evidence", ())):
                if item["source"] not in sources:
                    self.report(document, f"/evidence/{k}/source", f"unknown source {item['source']!r}")
            adjustments = tuple(Adjustment(a["option"], a["criterion"], a["rationale"], a.get("level"),
                                           _float_or_none(a.get("value")), _float_or_none(a.get("shift")))
                                for a in d.get("adjustments", ()))
            if adjustments and d["id"] in scored:
                self.report(document, "/adjustments", f"scenario {d['id']!r} is scored by a session; a scenario "
                            "takes a session or adjustments, not both")
            if not adjustments and d["id"] not in scored:
                self.report(document, "", f"scenario {d['id']!r} changes nothing: give it adjustments, or score it in "
                            "a session marked `scenario: " + d["id"] + "`")
            in_scope = set().union(*(members.get(x, set()) for x in d.get("decisions", ()))) \
                if d.get("decisions") else None
            seen: dict[tuple, int] = {}
            for k, adjustment in enumerate(adjustments):
                pointer = f"/adjustments/{k}"
                if adjustment.option not in options:
                    self.report(document, f"{pointer}/option", f"unknown option {adjustment.option!r}")
                elif in_scope is not None and adjustment.option not in in_scope:
                    self.report(document, f"{pointer}/option", f"{adjustment.option!r} is in none of the scenario's "
                                f"decisions ({', '.join(d['decisions'])}), so the adjustment would never apply")
                criterion = criteria.get(adjustment.criterion)
                if criterion is None:
                    self.report(document, f"{pointer}/criterion", f"unknown criterion {adjustment.criterion!r}")
                    continue
                cell = (adjustment.option, adjustment.criterion)
                if seen.setdefault(cell, k) != k:
                    self.report(document, pointer, f"{adjustment.option} on {adjustment.criterion} is adjusted twice "
                                f"(first at /adjustments/{seen[cell]})")
                if adjustment.shift is None:
                    for field, message in score_problems(criterion, adjustment.level, adjustment.value, None, None):
                        self.report(document, f"{pointer}/{field}", message)
                elif adjustment.option in options:
                    for baseline in today:
                        if self.check_shift(document, f"{pointer}/shift", adjustment, criterion, baseline):
                            break
            probability = d.get("probability")
            found.append(Scenario(d["id"], d["name"], d["narrative"], tuple(d.get("drivers", ())),
                                  tuple(d.get("decisions", ())), _float_or_none(probability),
                                  tuple(Evidence(**e) for e in d.get("evidence", ())), adjustments))
        self.unique_records("scenario", [s.id for s in found])
        for decision in sorted(decisions) or [None]:
            applying = [(doc, s) for doc, s in zip(documents, found) if s.applies_to(decision)]
            total = sum(s.probability or 0.0 for _, s in applying)
            if total > 1 + 1e-9:
                where = f" for decision {decision}" if decision else ""
                self.report(applying[-1][0], "/probability", f"the scenarios' probabilities{where} sum to {total:g}, "
                            "more than 1 (the baseline, today, takes what is left)")
        known = {s.id for s in found}
        for document in self.by_kind.get("session", []):
            scenario = document.data.get("scenario")
            if scenario is not None and scenario not in known:
                self.report(document, "/scenario", f"unknown scenario {scenario!r}")
        self.agreeing_scenario_sessions(sessions)
        return tuple(found)

    def check_shift(self, document: Document, pointer: str, adjustment: Adjustment, criterion: Criterion,
                    baseline: Session) -> bool:
        """A shift must keep every analyst's score of the cell inside the scale, in every session of
        today (any of them can be the baseline of a run). True when it reported a problem."""
        for score in baseline.scores:
            if (score.option, score.criterion) != (adjustment.option, adjustment.criterion) or score.abstained:
                continue
            moved = score.score + adjustment.shift
            if criterion.natural:
                inside = criterion.scale.contains(moved)
                scale = f"{criterion.scale.worst:g} to {criterion.scale.best:g} {criterion.unit}"
            else:
                inside = moved in set(criterion.level_numbers)
                scale = f"levels {list(criterion.level_numbers)}"
            if not inside:
                self.report(document, pointer, f"shift {adjustment.shift:+g} takes {score.analyst}'s {score.score:g} "
                            f"(session {baseline.id}) to {moved:g}, outside the scale of {criterion.id} ({scale})")
                return True
        return False

    def agreeing_scenario_sessions(self, sessions) -> None:
        """Two sessions for one scenario may share an analyst only if they agree on every cell both score."""
        documents = {Path(d.path).stem: d for d in self.by_kind.get("session", [])}
        first: dict[tuple, tuple] = {}
        for session in sessions:
            if session.scenario is None:
                continue
            for index, score in enumerate(session.scores):
                key = (session.scenario, score.analyst, score.option, score.criterion)
                given = (score.level, score.value, score.abstain is not None)
                if key in first and first[key][1] != given:
                    other = first[key][0]
                    self.report(documents.get(session.id, self.one("study")), f"/scores/{index}",
                                f"{score.analyst} scored {score.option} on {score.criterion} differently for scenario "
                                f"{session.scenario} in session {other}")
                first.setdefault(key, (session.id, given))

    def unique(self, document: Document, pointer: str, ids, what: str) -> None:
        duplicates = _duplicates(ids)
        first: dict = {}
        for index, item in enumerate(ids):
            if item in duplicates and first.setdefault(item, index) != index:
                self.report(document, f"{pointer}/{index}/id", f"duplicate {what} id {item!r}")

    def file_named_by_id(self, document: Document, record_id: str) -> None:
        stem = Path(document.path).stem
        if stem != record_id:
            self.report(document, "/id", f"id {record_id!r} must match the file name ({stem!r})")

    def sources(self) -> tuple[Source, ...]:
        document = self.one("sources")
        sources = tuple(Source(**{**s, "authors": tuple(s.get("authors", ())),
                                  "part": SourcePart(**s["part"]) if s.get("part") else None,
                                  "reliability": Reliability(**s["reliability"]) if s.get("reliability") else None})
                        for s in document.data["sources"])
        self.unique(document, "/sources", [s.id for s in sources], "source")
        return sources

    # -- rubric -----------------------------------------------------------------------------

    def rubric(self) -> Rubric:
        document = self.one("rubric")
        data = document.data
        seen: Counter = Counter()  # how often each group and criterion id has been met so far

        def criterion(raw, pointer) -> Criterion:
            if "scale" in raw:
                return self.natural_criterion(document, raw, pointer)
            levels = tuple(Level(l["level"], l["descriptor"], l.get("label", "")) for l in raw["levels"])
            numbers = [l.level for l in levels]
            for index, number in enumerate(numbers):
                if numbers.index(number) != index:
                    self.report(document, f"{pointer}/levels/{index}/level", f"duplicate level {number}")
            if numbers != sorted(numbers):
                self.report(document, f"{pointer}/levels", "levels must be listed in ascending order")
            vf_raw = raw.get("value_function", {"kind": "linear"})
            if vf_raw["kind"] in ("piecewise", "exponential"):
                self.report(document, f"{pointer}/value_function/kind", f"a {vf_raw['kind']} value function needs a "
                            "natural scale (`scale: {kind: natural, ...}`); a level scale takes linear or points")
                vf_raw = {"kind": "linear"}
            points = tuple(sorted((int(k), float(v)) for k, v in vf_raw.get("points", {}).items()))
            function = ValueFunction(vf_raw["kind"], points)
            if "preference" in raw:
                self.report(document, f"{pointer}/preference", "a preference function in units needs a natural "
                            "scale; level criteria use the study-wide PROMETHEE setting")
            result = Criterion(raw["id"], raw["name"], raw["question"], raw["direction"], levels, function,
                               raw.get("description", ""), raw.get("value_note", ""))
            if function.kind == "points":
                self.check_points(document, f"{pointer}/value_function/points", result)
            return result

        def reserved(identifier, pointer) -> None:
            if identifier in ("rubric", "leaves"):
                self.report(document, f"{pointer}/id", f"{identifier!r} is reserved and cannot be a group or "
                            "criterion id")

        def group(raw, pointer) -> Group:
            seen[raw["id"]] += 1
            reserved(raw["id"], pointer)
            children = []
            for key, make in (("criteria", criterion), ("groups", group)):
                for index, child in enumerate(raw.get(key, ())):
                    child_pointer = f"{pointer}/{key}/{index}"
                    if key == "criteria":
                        seen[child["id"]] += 1
                        reserved(child["id"], child_pointer)
                        if seen[child["id"]] > 1:
                            self.report(document, f"{child_pointer}/id", f"duplicate rubric id {child['id']!r}")
                    children.append(make(child, child_pointer))
            if seen[raw["id"]] > 1:
                self.report(document, f"{pointer}/id", f"duplicate rubric id {raw['id']!r}")
            return Group(raw["id"], raw["name"], tuple(children), raw.get("description", ""))

        groups = tuple(group(g, f"/groups/{i}") for i, g in enumerate(data["groups"]))
        return Rubric(data["id"], str(data["version"]), data["title"], groups, data.get("description", ""))

    def natural_criterion(self, document: Document, raw, pointer: str) -> Criterion:
        """A criterion on a natural scale: its reference levels, value function and preference."""
        scale_raw = raw["scale"]
        scale = NaturalScale(scale_raw["unit"], float(scale_raw["worst"]), float(scale_raw["best"]))
        direction = raw["direction"]
        if scale.worst == scale.best:
            self.report(document, f"{pointer}/scale", f"worst and best are both {scale.worst:g}: the scale needs "
                        "two different reference levels")
        elif (scale.best > scale.worst) != (direction == "benefit"):
            relation = "above" if direction == "benefit" else "below"
            self.report(document, f"{pointer}/scale", f"a {direction} criterion needs best {relation} worst (here "
                        f"worst {scale.worst:g}, best {scale.best:g}); swap them or change the direction")
        vf_raw = raw.get("value_function", {"kind": "linear"})
        kind = vf_raw["kind"]
        function = ValueFunction(kind)
        if kind == "points":
            self.report(document, f"{pointer}/value_function/kind", "a natural scale takes a linear, piecewise "
                        "or exponential value function (points are per level)")
        elif kind == "piecewise":
            points = tuple((float(x), float(v)) for x, v in vf_raw["points"])
            function = ValueFunction(kind, tuple(sorted(points)))
            self.check_piecewise(document, f"{pointer}/value_function/points", points, scale, direction)
        elif kind == "exponential":
            function = ValueFunction(kind, curvature=float(vf_raw["curvature"]))
        preference = None
        if "preference" in raw:
            given = raw["preference"]
            preference = Preference(given["function"], float(given.get("q", 0.0)), float(given.get("p", 0.0)),
                                    float(given.get("s", 0.0)))
            for message in preference_problems(given):
                self.report(document, f"{pointer}/preference", message)
        return Criterion(raw["id"], raw["name"], raw["question"], direction, (), function,
                         raw.get("description", ""), raw.get("value_note", ""), scale, preference)

    def check_piecewise(self, document: Document, pointer: str, points, scale: NaturalScale, direction: str) -> None:
        xs = [x for x, _ in points]
        if len(set(xs)) != len(xs):
            self.report(document, pointer, "two points share one measure")
            return
        ordered = sorted(points, key=lambda point: point[0] if direction == "benefit" else -point[0])
        values = [v for _, v in ordered]
        if any(b < a for a, b in zip(values, values[1:])):
            way = "rise" if direction == "benefit" else "fall"
            self.report(document, pointer, f"piecewise value function is not monotone: for a {direction} criterion "
                        f"values must {way} with the measure")
            return
        if not (min(xs) == scale.lowest and max(xs) == scale.highest):
            self.report(document, pointer, f"piecewise points must start and end at the scale's worst and best "
                        f"({scale.worst:g} and {scale.best:g}); they span {min(xs):g} to {max(xs):g}")
        elif values[0] != 0 or values[-1] != 100:
            self.report(document, pointer, f"piecewise value function must give 0 at worst ({scale.worst:g}) and "
                        f"100 at best ({scale.best:g}); got {values[0]:g} and {values[-1]:g}")

    def check_points(self, document: Document, pointer: str, criterion: Criterion) -> None:
        given = dict(criterion.value_function.points)
        levels = set(criterion.level_numbers)
        if set(given) != levels:
            missing = sorted(levels - set(given))
            extra = sorted(set(given) - levels)
            parts = ([f"missing levels {missing}"] if missing else []) + (
                [f"levels {extra} are not levels of this criterion"] if extra else [])
            self.report(document, pointer, "value function points must cover exactly the levels: " + "; ".join(parts))
            return
        ordered = [given[n] for n in sorted(levels)]
        if criterion.direction == "cost":
            ordered = ordered[::-1]
        if any(b < a for a, b in zip(ordered, ordered[1:])):
            rising = "rise" if criterion.direction == "benefit" else "fall"
            self.report(document, pointer,
                        f"value function is not monotone: for a {criterion.direction} criterion values must "
                        f"{rising} with the level")
        elif ordered[0] != 0 or ordered[-1] != 100:
            self.report(document, pointer, "value function must give 0 to the worst level and 100 to the best "
                        f"(got {ordered[0]:g} and {ordered[-1]:g})")

    # -- options ----------------------------------------------------------------------------

    def options(self, families: set[str], sources: set[str], rubric: Rubric) -> tuple[Option, ...]:
        criteria = {c.id: c for c in rubric.criteria}
        options = []
        for document in self.by_kind.get("option", []):
            d = document.data
            self.file_named_by_id(document, d["id"])
            if d["family"] not in families:
                self.report(document, "/family", f"unknown family {d['family']!r} (study.yaml lists {sorted(families)})")
            for index, item in enumerate(d.get("precedents", [])):
                if "source" in item and item["source"] not in sources:
                    self.report(document, f"/precedents/{index}/source", f"unknown source {item['source']!r}")
            for index, item in enumerate(d["evidence"]):
                if item["source"] not in sources:
                    self.report(document, f"/evidence/{index}/source", f"unknown source {item['source']!r}")
            measures = tuple(Measure(m["criterion"], float(m["value"]), m["source"], m["locator"],
                                     _float_or_none(m.get("low")), _float_or_none(m.get("high")), m.get("quote"),
                                     m.get("note")) for m in d.get("measures", ()))
            self.check_measures(document, measures, criteria, sources)
            context = d.get("context", {})
            options.append(Option(
                id=d["id"], title=d["title"], family=d["family"], baseline=d["baseline"], summary=d["summary"],
                mechanism=d["mechanism"], countries=context.get("countries", ()), actors=context.get("actors", ()),
                precedents=tuple(Precedent(**p) for p in d.get("precedents", ())),
                benefits=d.get("benefits", ()), risks=d.get("risks", ()),
                preconditions=d.get("preconditions", ()),
                evidence=tuple(Evidence(**e) for e in d["evidence"]), measures=measures,
                conflicts_with=tuple(d.get("conflicts_with", ())), requires=tuple(d.get("requires", ()))))
        self.check_package_links(options)
        if not options:
            self.problems.append(Problem(os.path.join(self.shown, "options"), "a study needs at least one option"))
        return tuple(options)

    def check_package_links(self, options) -> None:
        """`conflicts_with` and `requires` name other options of the study; `requires` has no cycle
        (each cycle reported once, at the record of its first member in file order)."""
        documents = self.by_kind.get("option", [])
        known = {option.id for option in options}
        for document, option in zip(documents, options):
            for field in ("conflicts_with", "requires"):
                for index, other in enumerate(getattr(option, field)):
                    if other == option.id:
                        self.report(document, f"/{field}/{index}", f"an option cannot name itself in {field}")
                    elif other not in known:
                        self.report(document, f"/{field}/{index}", f"unknown option {other!r}")
            for index, other in enumerate(option.requires):
                if other in option.conflicts_with:
                    self.report(document, f"/requires/{index}", f"{option.id} both requires and conflicts with "
                                f"{other!r}, so it could never be adopted")
        where = {option.id: (document, option) for document, option in zip(documents, options)}
        for cycle in requires_cycles([(o.id, [r for r in o.requires if r in known and r != o.id]) for o in options]):
            document, option = where[cycle[0]]
            index = option.requires.index(cycle[1])
            self.report(document, f"/requires/{index}", "circular requires: " + " -> ".join([*cycle, cycle[0]]))

    def check_measures(self, document: Document, measures, criteria: dict, sources: set[str]) -> None:
        seen: dict[str, int] = {}
        for index, measure in enumerate(measures):
            pointer = f"/measures/{index}"
            if measure.source not in sources:
                self.report(document, f"{pointer}/source", f"unknown source {measure.source!r}")
            criterion = criteria.get(measure.criterion)
            if criterion is None:
                self.report(document, f"{pointer}/criterion", f"unknown criterion {measure.criterion!r}")
                continue
            if not criterion.natural:
                self.report(document, f"{pointer}/criterion", f"{criterion.id!r} is a level scale; measures are "
                            "for criteria on a natural scale")
                continue
            if seen.setdefault(measure.criterion, index) != index:
                self.report(document, f"{pointer}/criterion", f"a second measure of {measure.criterion!r} "
                            f"(first at /measures/{seen[measure.criterion]})")
            for field, message in score_problems(criterion, None, measure.value, measure.low, measure.high):
                self.report(document, f"{pointer}/{field}", message)

    # -- profiles ---------------------------------------------------------------------------

    def profiles(self, rubric: Rubric) -> tuple[Profile, ...]:
        from ..compute.weighting import WEIGHTING_METHODS
        from ..compute.weighting.ahp import CR_THRESHOLD
        from ..compute.weights import derive_weights

        children = {"rubric": [g.id for g in rubric.groups], "leaves": [c.id for c in rubric.criteria]}
        for group in rubric.all_groups():
            children[group.id] = [c.id for c in group.children]
        profiles = []
        for document in self.by_kind.get("profile", []):
            d = document.data
            self.file_named_by_id(document, d["id"])
            before = len(self.problems)
            blocks = tuple(WeightBlock(
                b["node"], tuple(WeightItem(i["id"], i["rationale"], i.get("points"), i.get("rank")) for i in b["items"]),
                tuple(Judgement(j["a"], j["b"], j["ratio"], j.get("rationale", "")) for j in b.get("judgements", ())))
                for b in d["blocks"])
            method = WEIGHTING_METHODS.get(d["method"])
            if method is None:
                self.report(document, "/method", f"unknown weighting method {d['method']!r} "
                            f"(methods: {', '.join(WEIGHTING_METHODS)})")
            else:
                self.check_blocks(document, method, blocks, children)
            profile = Profile(d["id"], d["name"], d["represents"], d["method"], blocks, d.get("description", ""),
                              d.get("rank_scheme", "roc"), d.get("strict", False))
            if len(self.problems) == before and self.rubric_ok:
                weights = self.weights[profile.id] = derive_weights(profile, rubric)
                for index, block in enumerate(weights.blocks):
                    if block.ahp and block.ahp.consistency_ratio > CR_THRESHOLD and profile.strict:
                        self.report(document, f"/blocks/{index}/judgements",
                                    f"AHP consistency ratio {block.ahp.consistency_ratio:.3f} exceeds "
                                    f"{CR_THRESHOLD:.2f} and the profile is strict")
            profiles.append(profile)
        self.unique_records("profile", [p.id for p in profiles])
        return tuple(profiles)

    def check_blocks(self, document: Document, method: "WeightingMethod", blocks, children) -> None:
        nodes = [b.node for b in blocks]
        first_node: dict[str, int] = {}
        for index, node in enumerate(nodes):
            if node not in children:
                self.report(document, f"/blocks/{index}/node", f"unknown node {node!r}: use `rubric`, `leaves` "
                            "or a group id of the rubric")
            elif first_node.setdefault(node, index) != index:
                self.report(document, f"/blocks/{index}/node", f"node {node!r} is weighed twice")
        if "leaves" in nodes and len(nodes) > 1:
            self.report(document, "/blocks", "a `leaves` block weighs every criterion directly; "
                        "it cannot be combined with other blocks")
        elif "leaves" not in nodes:
            # hierarchical: the rubric root and every group need local weights for their children
            for node in children:
                if node != "leaves" and node not in nodes:
                    self.report(document, "/blocks", f"no block weighs the children of {node!r} "
                                "(a hierarchical profile needs a `rubric` block and one per group)")
        for index, block in enumerate(blocks):
            if block.node not in children:
                continue
            pointer = f"/blocks/{index}"
            ids = [item.id for item in block.items]
            expected = children[block.node]
            expected_set, first_item, given = set(expected), {}, set(ids)
            for item_index, item_id in enumerate(ids):
                if item_id not in expected_set:
                    self.report(document, f"{pointer}/items/{item_index}/id",
                                f"{item_id!r} is not a child of {block.node!r} (expected one of {expected})")
                elif first_item.setdefault(item_id, item_index) != item_index:
                    self.report(document, f"{pointer}/items/{item_index}/id", f"{item_id!r} is listed twice")
            missing = [c for c in expected if c not in given]
            if missing:
                self.report(document, f"{pointer}/items", f"no weight given for {missing}")
            for where, message in method.validate(block, pointer):
                self.report(document, where, message)

    def unique_records(self, kind: str, ids) -> None:
        documents = self.by_kind.get(kind, [])
        duplicates = _duplicates(ids)
        for document, record_id in zip(documents, ids):
            if record_id in duplicates:
                self.report(document, "/id", f"duplicate {kind} id {record_id!r}")

    # -- sessions ---------------------------------------------------------------------------

    def sessions(self, rubric: Rubric, option_records: dict[str, Option], sources: set[str],
                 requirements: dict[str, Requirement]) -> tuple[Session, ...]:
        from .evidence import clip_quote, normalise_text, recorded_quotes  # evidence.py imports this module

        options = set(option_records)
        quotes_by_option: dict[str, dict[str, set[str]]] = {}

        def quotes_of(option: str) -> dict[str, set[str]]:
            if option not in quotes_by_option:
                quotes_by_option[option] = recorded_quotes(option_records[option])
            return quotes_by_option[option]

        criteria = {c.id: c for c in rubric.criteria}
        option_order = [d.data["id"] for d in self.by_kind.get("option", [])]
        sessions = []
        for document in self.by_kind.get("session", []):
            d = document.data
            self.file_named_by_id(document, d["id"])
            if d["rubric"]["id"] != rubric.id:
                self.report(document, "/rubric/id", f"session is for rubric {d['rubric']['id']!r}, "
                            f"the study's rubric is {rubric.id!r}")
            elif str(d["rubric"]["version"]) != rubric.version:
                self.report(document, "/rubric/version", f"session is for rubric version {d['rubric']['version']!r}, "
                            f"the study's rubric is version {rubric.version!r}")
            participants = tuple(Participant(p["id"], p.get("name", ""), p.get("role", "")) for p in d["participants"])
            analyst_ids = [p.id for p in participants]
            analyst_set = set(analyst_ids)
            self.unique(document, "/participants", analyst_ids, "analyst")
            scores = []
            seen: dict[tuple, int] = {}
            for index, raw in enumerate(d["scores"]):
                pointer = f"/scores/{index}"
                evidence = tuple(Citation(item["source"], item["quote"]) if type(item) is dict else item
                                 for item in raw.get("evidence", ()))
                score = Score(raw["analyst"], raw["option"], raw["criterion"], raw["confidence"], raw["rationale"],
                              raw.get("level"), raw.get("abstain"), evidence,
                              _float_or_none(raw.get("value")), _number(raw.get("low")), _number(raw.get("high")))
                scores.append(score)
                ok = True
                if score.analyst not in analyst_set:
                    self.report(document, f"{pointer}/analyst", f"unknown analyst {score.analyst!r} (not a participant)")
                    ok = False
                if score.option not in options:
                    self.report(document, f"{pointer}/option", f"unknown option {score.option!r}")
                    ok = False
                criterion = criteria.get(score.criterion)
                if criterion is None:
                    self.report(document, f"{pointer}/criterion", f"unknown criterion {score.criterion!r}")
                    ok = False
                elif score.level is not None or score.value is not None or "low" in raw or "high" in raw:
                    for field, message in score_problems(criterion, score.level, score.value, score.low, score.high):
                        self.report(document, f"{pointer}/{field}", message)
                for ev_index, item in enumerate(score.evidence):
                    source = item.source if isinstance(item, Citation) else item
                    if source not in sources:
                        self.report(document, f"{pointer}/evidence/{ev_index}" + "/source" * (source is not item),
                                    f"unknown source {source!r}")
                    elif isinstance(item, Citation) and score.option in options and normalise_text(item.quote) \
                            not in quotes_of(score.option).get(source, ()):
                        recorded = len(quotes_of(score.option).get(source, ()))
                        self.report(document, f"{pointer}/evidence/{ev_index}/quote",
                                    f"quote not among option {score.option}'s {recorded} recorded quotes from "
                                    f"{source} (cite one verbatim): \"{clip_quote(item.quote)}\"")
                key = (score.analyst, score.option, score.criterion)
                if ok and key in seen:
                    self.report(document, pointer, f"{score.analyst} scored {score.option} on {score.criterion} "
                                f"twice (first at /scores/{seen[key]})")
                seen.setdefault(key, index)
            scored_cells: dict[tuple, list] = {}   # (option, criterion) -> [first index, anyone scored]
            for index, score in enumerate(scores):
                cell = scored_cells.setdefault((score.option, score.criterion), [index, False])
                cell[1] = cell[1] or not score.abstained
            for (option, criterion_id), (index, anyone) in scored_cells.items():
                if not anyone and len(analyst_ids) and option in options and criterion_id in criteria:
                    self.report(document, f"/scores/{index}", f"every analyst abstained on {option} / {criterion_id}: "
                                "the cell has no value to rank on (score it, or drop the option)")
            for analyst in analyst_ids if self.complete_sessions else ():
                for option in option_order:
                    missing = [c for c in criteria if (analyst, option, c) not in seen]
                    if missing:
                        self.report(document, "/scores", f"{analyst} has no score or abstention for {option} on "
                                    f"{', '.join(missing)}")
            for index, raw in enumerate(d.get("dissent", ())):
                for key, known in (("analyst", analyst_ids), ("option", options), ("criterion", criteria)):
                    if key in raw and raw[key] not in known:
                        self.report(document, f"/dissent/{index}/{key}", f"unknown {key} {raw[key]!r}")
            verdicts = []
            judged: dict[tuple, int] = {}
            for index, raw in enumerate(d.get("verdicts", ())):
                pointer = f"/verdicts/{index}"
                verdict = Verdict(raw["analyst"], raw["option"], raw["requirement"], raw["verdict"], raw["rationale"],
                                  tuple(raw.get("evidence", ())))
                verdicts.append(verdict)
                if verdict.analyst not in analyst_set:
                    self.report(document, f"{pointer}/analyst", f"unknown analyst {verdict.analyst!r} (not a participant)")
                if verdict.option not in options:
                    self.report(document, f"{pointer}/option", f"unknown option {verdict.option!r}")
                requirement = requirements.get(verdict.requirement)
                if requirement is None:
                    self.report(document, f"{pointer}/requirement", f"unknown requirement {verdict.requirement!r}")
                elif requirement.decisions and verdict.option in options and not any(
                        verdict.option in members for x, members in self.decision_options.items()
                        if x in requirement.decisions):
                    self.report(document, f"{pointer}/option", f"{verdict.option!r} is in none of the decisions "
                                f"requirement {requirement.id!r} applies to ({', '.join(requirement.decisions)})")
                elif requirement.test != "judgement":
                    self.report(document, f"{pointer}/requirement", f"requirement {requirement.id!r} is a threshold "
                                "on a criterion; only judgement requirements take verdicts")
                for ev_index, source in enumerate(verdict.evidence):
                    if source not in sources:
                        self.report(document, f"{pointer}/evidence/{ev_index}", f"unknown source {source!r}")
                key = (verdict.analyst, verdict.option, verdict.requirement)
                if judged.setdefault(key, index) != index:
                    self.report(document, pointer, f"{verdict.analyst} judged {verdict.option} on "
                                f"{verdict.requirement} twice (first at /verdicts/{judged[key]})")
            sessions.append(Session(
                d["id"], d["date"], d["rubric"]["id"], str(d["rubric"]["version"]), participants, tuple(scores),
                tuple(Dissent(x["analyst"], x["note"], x.get("option"), x.get("criterion")) for x in d.get("dissent", ())),
                d.get("title", ""), d.get("facilitator", ""), d.get("illustrative", False), tuple(verdicts),
                d.get("scenario")))
        self.unique_records("session", [s.id for s in sessions])
        return tuple(sessions)
