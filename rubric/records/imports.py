"""Importing workbooks into a study, as plan then commit.

`plan_score_import` / `plan_weight_import` read the workbooks and the study, and return a plan that
holds every change and every problem; they write nothing and take no lock. Workbooks are read once,
with a size cap, and kept in the plan as bytes (a FIFO or a device is refused here, before any lock).

`commit(plan)` takes the study lock, finishes any interrupted write (the journal), plans again from
the same workbook bytes against the study as it is now (another import may have landed since), and
writes every file of that fresh plan all or nothing through the journal. It returns the plan it
wrote, or raises RubricError with the fresh plan's problems.
"""

from __future__ import annotations

import os
from pathlib import Path

import attrs

from ..errors import Problem, RubricError
from ..model import Study
from .load import load_study
from .targets import resolve_record_target
from .xlsx_input import MAX_FILE_BYTES, read_bounded


@attrs.frozen
class SessionChanges:
    session_id: str
    analysts: tuple[str, ...]
    changes: tuple            # session_store.CellChange, in workbook order


@attrs.frozen
class ScoreImportPlan:
    study_path: str
    workbooks: tuple          # (path, bytes) of every workbook, as read
    replace: bool
    sessions: tuple[SessionChanges, ...] = ()
    files: dict = attrs.field(factory=dict)          # absolute target path -> new text
    problems: tuple[Problem, ...] = ()
    recovered: str | None = None                     # commit: the account of an interrupted write it finished

    def again(self) -> ScoreImportPlan:
        return _plan_scores(self.study_path, self.workbooks, self.replace)


@attrs.frozen
class WeightImportPlan:
    study_path: str
    workbook: tuple           # (path, bytes)
    as_id: str | None
    study: Study | None = None
    staged: Study | None = None                      # the study as it would be after the commit
    profiles: tuple = ()                             # profile_store.PlannedProfile
    notes: tuple[str, ...] = ()
    files: dict = attrs.field(factory=dict)
    problems: tuple[Problem, ...] = ()
    recovered: str | None = None
    scope: object = None                             # workbook_weights.WorkbookScope: what the workbook ranked

    def again(self) -> WeightImportPlan:
        return _plan_weights(self.study_path, self.workbook, self.as_id)


def _read_all(paths) -> tuple[tuple, list[Problem]]:
    read, problems = [], []
    for path in paths:
        try:
            read.append((os.fspath(path), read_bounded(path, MAX_FILE_BYTES)))
        except RubricError as error:
            problems.extend(error.problems)
    return tuple(read), problems


def plan_score_import(study_path: str | os.PathLike, files, replace: bool = False) -> ScoreImportPlan:
    """Plan merging filled-in scoring workbooks into their sessions; writes nothing."""
    workbooks, problems = _read_all(files)
    if problems:
        return ScoreImportPlan(os.fspath(study_path), workbooks, replace, problems=tuple(problems))
    return _plan_scores(os.fspath(study_path), workbooks, replace)


def _plan_scores(study_path: str, workbooks: tuple, replace: bool) -> ScoreImportPlan:
    from .session_store import changes, check_replacement, merged_session_text, validate_staged, verdict_changes
    from .workbook_scores import read_scores_workbook

    failed = lambda problems: ScoreImportPlan(study_path, workbooks, replace, problems=tuple(problems))  # noqa: E731
    try:
        study = load_study(study_path)
    except RubricError as error:
        return failed(error.problems)
    problems, imports = [], []
    for path, data in workbooks:
        try:
            imports.append(read_scores_workbook(path, study, data))
        except RubricError as error:
            problems.extend(error.problems)
    if problems:
        return failed(problems)
    by_session: dict[str, dict[str, list]] = {}
    judged: dict[str, dict[str, tuple]] = {}   # session -> analyst -> verdicts (workbooks with a Screening sheet)
    for item in imports:
        if item.verdicts is not None:
            judged.setdefault(item.session_id, {})[item.analyst] = item.verdicts
        incoming = by_session.setdefault(item.session_id, {})
        if item.analyst in incoming:
            problems.append(Problem(item.path, f"a second workbook for analyst {item.analyst} in session "
                                    f"{item.session_id}"))
        incoming[item.analyst] = list(item.scores)
    if problems:
        return failed(problems)
    sessions, files = [], {}
    for session_id, incoming in by_session.items():
        session = study.session(session_id)
        relative = f"sessions/{session_id}.yaml"
        try:
            check_replacement(session, incoming, replace, f"{study_path}/{relative}")
            text = merged_session_text(study, session, incoming, judged.get(session_id, {}))
            validate_staged(study, {relative: text})
        except RubricError as error:
            problems.extend(error.problems)
            continue
        found = changes(session, [s for scores in incoming.values() for s in scores])
        found += verdict_changes(session, judged.get(session_id, {}))
        sessions.append(SessionChanges(session_id, tuple(incoming), tuple(found)))
        try:  # a symlinked session is written through the link (see targets.py)
            files[os.fspath(resolve_record_target(f"{study.root}/{relative}"))] = text
        except RubricError as error:
            problems.extend(error.problems)
    if problems:
        return failed(problems)
    return ScoreImportPlan(study_path, workbooks, replace, tuple(sessions), files)


def plan_weight_import(study_path: str | os.PathLike, workbook: str | os.PathLike,
                       as_id: str | None = None) -> WeightImportPlan:
    """Plan turning the weights edited in a comparison workbook into profiles; writes nothing."""
    read, problems = _read_all([workbook])
    if problems:
        return WeightImportPlan(os.fspath(study_path), (os.fspath(workbook), b""), as_id, problems=tuple(problems))
    return _plan_weights(os.fspath(study_path), read[0], as_id)


def _plan_weights(study_path: str, workbook: tuple, as_id: str | None) -> WeightImportPlan:
    from .profile_store import at_sheet_cells, plan_profiles
    from .session_store import validate_staged
    from .workbook_weights import read_weights_workbook

    path, data = workbook
    try:
        study = load_study(study_path)
        sheet = read_weights_workbook(path, study, data)
        planned, notes = plan_profiles(study, sheet, as_id, path)
        notes = tuple(notes)
        if not planned:
            return WeightImportPlan(study_path, workbook, as_id, study, study, (), notes, scope=sheet.scope)
        try:
            staged = validate_staged(study, {f"profiles/{p.profile_id}.yaml": p.text for p in planned})
        except RubricError as error:   # at the Weights cells the profile came from
            raise RubricError(at_sheet_cells(error.problems, planned, path)) from None
    except RubricError as error:
        return WeightImportPlan(study_path, workbook, as_id, problems=tuple(error.problems))
    try:  # a symlinked profile is written through the link (see targets.py)
        files = {os.fspath(resolve_record_target(f"{study.root}/profiles/{p.profile_id}.yaml")): p.text
                 for p in planned}
    except RubricError as error:
        return WeightImportPlan(study_path, workbook, as_id, problems=tuple(error.problems))
    return WeightImportPlan(study_path, workbook, as_id, study, staged, tuple(planned), notes, files, scope=sheet.scope)


def commit(plan: ScoreImportPlan | WeightImportPlan):
    """Write a plan's files, all or nothing, under the study lock, after planning again against the
    study as it is now. Returns the plan written; raises RubricError if it has problems."""
    from ..atomic import recover_journal, study_lock, write_files_atomically

    if plan.problems:
        raise RubricError(list(plan.problems))
    root = plan.study_path
    try:
        lock = study_lock(root)
        lock.__enter__()
    except OSError as exc:
        raise RubricError(Problem(root, f"cannot lock the study folder: {exc.strerror or exc}")) from None
    try:
        recovered = recover_journal(root, locked=True)
        fresh = attrs.evolve(plan.again(), recovered=recovered)
        if fresh.problems:
            raise RubricError(list(fresh.problems))
        if fresh.files:
            write_files_atomically({path: text.encode("utf-8") for path, text in fresh.files.items()},
                                   Path(root))
        return fresh
    finally:
        lock.__exit__(None, None, None)
