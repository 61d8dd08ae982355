"""Which options a command ranks: one decision's option set, less the options screened out by its
must-pass requirements. The result is the study narrowed to those options, so every computation
downstream (ranks, comparison, sensitivity, SMAA, the workbook) runs on it unchanged, and ranks
within a decision are by construction those of a study holding that decision's options alone."""

from __future__ import annotations

import attrs

from ..errors import Problem, RubricError, UsageError, capped
from ..model import Decision, Requirement, Study

SCREEN_TOLERANCE = 1e-9  # a consensus value this close below a threshold still meets it


@attrs.frozen
class ScreenOutcome:
    """One option against one requirement."""

    option: str
    requirement: str
    verdict: str     # "pass", "fail" or "unclear" (unclear passes, flagged)
    reason: str


@attrs.frozen
class Scope:
    study: Study                          # narrowed to the decision's options that pass screening
    decision: Decision | None             # None: the study defines no decisions
    screening: bool                       # False with --no-screening
    outcomes: tuple[ScreenOutcome, ...] = ()   # every option of the decision x applicable requirement

    @property
    def screened_out(self) -> tuple[str, ...]:
        failed = {o.option for o in self.outcomes if o.verdict == "fail"}
        return tuple(dict.fromkeys(o.option for o in self.outcomes if o.option in failed))

    @property
    def flagged(self) -> tuple[str, ...]:
        """Options that pass every requirement but are unclear on at least one."""
        failed = set(self.screened_out)
        return tuple(dict.fromkeys(o.option for o in self.outcomes if o.verdict == "unclear"
                                   and o.option not in failed))

    def failures(self, option: str) -> tuple[ScreenOutcome, ...]:
        return tuple(o for o in self.outcomes if o.option == option and o.verdict != "pass")


def pick_decision(study: Study, decision_id: str | None) -> Decision | None:
    if not study.decisions:
        if decision_id is not None:
            raise UsageError(Problem(study.root, f"--decision {decision_id}: the study defines no decisions"))
        return None
    decision_id = decision_id or study.defaults.decision or study.decisions[0].id
    if decision_id not in {d.id for d in study.decisions}:
        raise UsageError(Problem(study.root, f"unknown decision {decision_id!r} "
                                 f"(decisions: {', '.join(d.id for d in study.decisions)})"))
    return study.decision(decision_id)


def narrow(study: Study, option_ids, decision: Decision | None = None) -> Study:
    """The study with only these options (study order), their scores and verdicts; with a decision,
    its relevant profiles, default profile and session. Sessions that score none of the options
    are left out; an analyst who scored none of them is no longer a participant."""
    keep = set(option_ids)
    sessions = []
    for session in study.sessions:
        scores = tuple(s for s in session.scores if s.option in keep)
        if not scores:
            continue
        scoring = {s.analyst for s in scores}
        sessions.append(attrs.evolve(
            session, scores=scores, participants=tuple(p for p in session.participants if p.id in scoring),
            verdicts=tuple(v for v in session.verdicts if v.option in keep),
            dissent=tuple(x for x in session.dissent if x.option is None or x.option in keep)))
    profiles, defaults = study.profiles, study.defaults
    if decision is not None:
        relevant = set(decision.profiles)
        profiles = tuple(p for p in study.profiles if p.id in relevant)
        session = decision.session or defaults.session
        defaults = attrs.evolve(defaults, profile=decision.default_profile, session=session,
                                decision=decision.id)
    narrowed = attrs.evolve(study, options=tuple(o for o in study.options if o.id in keep),
                            profiles=profiles, sessions=tuple(sessions), defaults=defaults)
    narrowed.derived_weights.update({k: v for k, v in study.derived_weights.items()
                                     if k in {p.id for p in profiles}})
    return narrowed


def _check_complete(study: Study, decision: Decision | None) -> None:
    """Every analyst of a session scored (or abstained on) every option x criterion in scope."""
    criteria = [c.id for c in study.rubric.criteria]
    problems = []
    for session in study.sessions:
        seen = {(s.analyst, s.option, s.criterion) for s in session.scores}
        for analyst in session.analysts:
            for option in study.options:
                missing = [c for c in criteria if (analyst, option.id, c) not in seen]
                if missing:
                    needed = f" (needed to rank decision {decision.id})" if decision else ""
                    problems.append(Problem(f"{study.root}/sessions/{session.id}.yaml",
                                            f"{analyst} has no score or abstention for {option.id} on "
                                            f"{', '.join(missing)}{needed}", pointer="/scores"))
    if problems:
        raise RubricError(capped(problems))


def _threshold(requirement: Requirement, study: Study, analysis, option_index: int) -> tuple[str, str]:
    """A level threshold is met when the consensus value is at least the level's value; a natural
    one when the pooled measure is as good as the threshold in the criterion's direction (a flat or
    curved value function must not let a worse measure pass)."""
    criterion = study.rubric.criterion(requirement.criterion)
    k = analysis.tensor.criteria.index(criterion.id)
    if criterion.natural:
        measure = float(analysis.consensus.measure[option_index, k])
        tolerance = SCREEN_TOLERANCE * max(1.0, abs(requirement.value))
        if criterion.direction == "benefit":
            met, relation = measure >= requirement.value - tolerance, "at least"
        else:
            met, relation = measure <= requirement.value + tolerance, "at most"
        shown = f"{measure:g} {criterion.unit}, threshold {relation} {requirement.value:g} {criterion.unit}"
    else:
        value = float(analysis.consensus.value[option_index, k])
        needed = criterion.values()[requirement.level]
        met = value >= needed - SCREEN_TOLERANCE
        shown = f"value {value:.4g} against level {requirement.level}'s {needed:.4g}"
    verdict = "pass" if met else "fail"
    better = "or better" if met else "short of the threshold"
    return verdict, f"{criterion.id}: consensus {shown} ({better})"


def _judgement(requirement: Requirement, session, option: str) -> tuple[str, str]:
    """fail when most analysts who judged say fail; pass when all say pass; otherwise unclear (no
    verdict recorded is unclear too)."""
    given = [v for v in session.verdicts if v.option == option and v.requirement == requirement.id]
    if not given:
        return "unclear", "no verdict recorded in the session"
    counts = {name: sum(1 for v in given if v.verdict == name) for name in ("pass", "fail", "unclear")}
    if counts["fail"] * 2 > len(given):
        verdict = "fail"
    elif counts["pass"] == len(given):
        verdict = "pass"
    else:
        verdict = "unclear"
    tally = ", ".join(f"{n} {name}" for name, n in counts.items() if n)
    example = next((v for v in given if v.verdict == verdict), given[0])
    judged = f"{len(given)} analyst" + ("" if len(given) == 1 else "s")
    return verdict, f"{tally} ({judged}); {example.analyst}: {example.rationale}"


def scope(study: Study, decision_id: str | None = None, screening: bool = True,
          session_id: str | None = None) -> Scope:
    """The study narrowed to a decision's options (the default decision when none is named) and,
    unless `screening` is False, to those that pass every requirement applying to the decision."""
    from .evaluate import analyse_session

    decision = pick_decision(study, decision_id)
    narrowed = narrow(study, decision.options, decision) if decision else study
    if decision is not None:
        wanted = session_id or narrowed.defaults.session
        kept = {s.id for s in narrowed.sessions}
        if (wanted in {s.id for s in study.sessions} and wanted not in kept) or (study.sessions and not kept):
            wanted = wanted or study.sessions[0].id
            raise RubricError(Problem(f"{study.root}/sessions/{wanted}.yaml", f"session {wanted} has no scores for "
                                      f"the options of decision {decision.id} ({', '.join(decision.options)})"))
        _check_complete(narrowed, decision)
    requirements = [r for r in study.requirements if r.applies_to(decision.id if decision else None)]
    if not screening or not requirements:
        return Scope(narrowed, decision, screening)
    analysis = analyse_session(narrowed, session_id)
    outcomes = []
    for i, option in enumerate(analysis.tensor.options):
        for requirement in requirements:
            if requirement.test == "threshold":
                verdict, reason = _threshold(requirement, narrowed, analysis, i)
            else:
                verdict, reason = _judgement(requirement, analysis.session, option)
            outcomes.append(ScreenOutcome(option, requirement.id, verdict, reason))
    result = Scope(narrowed, decision, screening, tuple(outcomes))
    passing = [o.id for o in narrowed.options if o.id not in set(result.screened_out)]
    if not passing:
        where = f"decision {decision.id}" if decision else "the study"
        raise RubricError(Problem(study.root, f"every option of {where} fails screening; see `--no-screening`"))
    return attrs.evolve(result, study=narrow(narrowed, passing))

