"""Merge imported scores into a session record, validate the result, write it atomically.

The session file is edited with ruamel.yaml's round-trip mode so the user's comments, key order
and quoting survive. The new text is validated by loading a staged copy of the whole study with
the same loader `rubric validate` uses; only then is it written (temp file, fsync, rename). A lock
on the study folder serialises concurrent imports.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import attrs

from ..errors import Problem, RubricError
from ..model import Citation, Score, Session, Study, Verdict
from . import roundtrip
from .load import load_study


_SCORE_KEYS = ("level", "value", "abstain")


def _yaml_number(x):
    """A number as the session records it: a whole value as an integer (120, not 120.0)."""
    return int(x) if isinstance(x, float) and x.is_integer() and abs(x) < 2 ** 53 else x


def _score_key(score: Score):
    """The entry's score field: `level:` on a level criterion, `value:` on a natural one, or `abstain:`."""
    if score.level is not None:
        return "level", score.level
    if score.value is not None:
        return "value", _yaml_number(score.value)
    return "abstain", score.abstain


def _score_map(score: Score):
    from ruamel.yaml.comments import CommentedMap

    entry = CommentedMap()
    entry["analyst"] = score.analyst
    entry["option"] = score.option
    entry["criterion"] = score.criterion
    key, value = _score_key(score)
    entry[key] = value
    for field in ("low", "high"):
        if getattr(score, field) is not None:
            entry[field] = _yaml_number(getattr(score, field))
    entry["confidence"] = score.confidence
    entry["rationale"] = score.rationale
    entry["evidence"] = _evidence_seq(score.evidence)
    return entry


def _evidence_seq(evidence):
    """Source ids as a flow list ([a, b]); with quotes cited, a block list of ids and {source, quote} maps."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    items = CommentedSeq(CommentedMap(source=item.source, quote=item.quote) if isinstance(item, Citation) else item
                         for item in evidence)
    if not any(isinstance(item, Citation) for item in evidence):
        items.fa.set_flow_style()
    return items


def _update_entry(entry, before: Score, after: Score):
    """Change only the fields that differ, so the rest keep their quoting and comments."""
    if (before.level, before.value, before.abstain) != (after.level, after.value, after.abstain):
        position = next((i for i, k in enumerate(entry) if k in _SCORE_KEYS), len(entry))
        for k in _SCORE_KEYS:
            entry.pop(k, None)
        entry.insert(position, *_score_key(after))
    for field in ("low", "high"):
        if getattr(before, field) != getattr(after, field):
            if getattr(after, field) is None:
                entry.pop(field, None)
            elif field in entry:
                entry[field] = _yaml_number(getattr(after, field))
            else:  # after the score (and after low, for high)
                anchor = next((i for i, k in enumerate(entry) if k in _SCORE_KEYS), len(entry) - 1)
                if field == "high" and "low" in entry:
                    anchor = list(entry).index("low")
                entry.insert(anchor + 1, field, _yaml_number(getattr(after, field)))
    for field in ("confidence", "rationale"):
        if getattr(before, field) != getattr(after, field):
            entry[field] = getattr(after, field)
    if before.evidence != after.evidence:
        entry["evidence"] = _evidence_seq(after.evidence)
    return entry


@attrs.frozen
class CellChange:
    analyst: str
    option: str
    criterion: str
    before: Score | None
    after: Score

    def describe(self) -> str:
        def level(s: Score | None) -> str:
            if s is None:
                return "(none)"
            if s.abstained:
                return f"abstain ({s.abstain})"
            shown = str(s.level) if s.level is not None else f"{s.value:g}"
            if s.low is not None or s.high is not None:
                low = "" if s.low is None else f"{s.low:g}"
                high = "" if s.high is None else f"{s.high:g}"
                shown += f" [{low}..{high}]"
            return shown

        parts = []
        what = "value" if (self.after.value is not None or self.before is not None and self.before.value is not None) \
            else "level"
        if self.before is None or level(self.before) != level(self.after):
            parts.append(f"{what} {level(self.before)} -> {level(self.after)}")
        if self.before is not None:
            for field in ("confidence", "rationale", "evidence"):
                if getattr(self.before, field) != getattr(self.after, field):
                    parts.append(f"{field} changed")
        return f"{self.analyst} {self.option}/{self.criterion}: " + "; ".join(parts)


def changes(session: Session, incoming: list[Score]) -> list[CellChange]:
    current = {(s.analyst, s.option, s.criterion): s for s in session.scores}
    found = []
    for score in incoming:
        before = current.get((score.analyst, score.option, score.criterion))
        if before != score:
            found.append(CellChange(score.analyst, score.option, score.criterion, before, score))
    return found


@attrs.frozen
class VerdictChange:
    analyst: str
    option: str
    requirement: str
    before: Verdict | None
    after: Verdict | None

    def describe(self) -> str:
        def shown(v: Verdict | None) -> str:
            return "(none)" if v is None else v.verdict
        what = f"{self.analyst} {self.option}/{self.requirement}: verdict {shown(self.before)} -> {shown(self.after)}"
        if self.before is not None and self.after is not None and self.before.verdict == self.after.verdict:
            what = f"{self.analyst} {self.option}/{self.requirement}: verdict's rationale or sources changed"
        return what


def verdict_changes(session: Session, incoming: dict[str, tuple]) -> list[VerdictChange]:
    """Each analyst's verdicts as the workbook has them against the session's (a row left blank
    removes that analyst's verdict)."""
    found = []
    for analyst, verdicts in incoming.items():
        current = {(v.option, v.requirement): v for v in session.verdicts if v.analyst == analyst}
        new = {(v.option, v.requirement): v for v in verdicts}
        for key in list(new) + [k for k in current if k not in new]:
            if current.get(key) != new.get(key):
                found.append(VerdictChange(analyst, *key, current.get(key), new.get(key)))
    return found


def _verdict_map(verdict: Verdict):
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    entry = CommentedMap()
    for field in ("analyst", "option", "requirement", "verdict", "rationale"):
        entry[field] = getattr(verdict, field)
    if verdict.evidence:
        evidence = CommentedSeq(verdict.evidence)
        evidence.fa.set_flow_style()
        entry["evidence"] = evidence
    return entry


def merged_session_text(study: Study, session: Session, incoming: dict[str, list[Score]],
                        verdicts: dict[str, tuple] | None = None) -> str:
    """The session file's new text: each analyst's scores (and, where the workbook had a Screening
    sheet, verdicts) replaced by the incoming ones."""
    path = Path(study.root) / "sessions" / f"{session.id}.yaml"
    text, newline = roundtrip.read_file(path)
    data, style = roundtrip.load(text)
    from ruamel.yaml.comments import CommentedMap

    participants = data["participants"]
    known = {p["id"] for p in participants}
    for analyst in incoming:
        if analyst not in known:
            entry = CommentedMap()
            entry["id"] = analyst
            participants.append(entry)
    # replace entries in place, by key, so unchanged entries (and their comments) stay as they were
    current = {(sc.analyst, sc.option, sc.criterion): sc for sc in session.scores}
    new = {(sc.analyst, sc.option, sc.criterion): sc for scores in incoming.values() for sc in scores}
    scores = data["scores"]
    rebuilt = []
    for entry in scores:
        key = (entry.get("analyst"), entry.get("option"), entry.get("criterion"))
        if key[0] not in incoming:
            rebuilt.append(entry)
        elif key in new:
            score = new.pop(key)
            before = current.get(key)
            rebuilt.append(entry if before == score else _update_entry(entry, before, score))
    rebuilt.extend(_score_map(score) for score in new.values())
    del scores[:]
    scores.extend(rebuilt)
    if verdicts and verdict_changes(session, verdicts):
        from ruamel.yaml.comments import CommentedSeq

        kept = [entry for entry in data.get("verdicts", []) if entry.get("analyst") not in verdicts]
        entries = CommentedSeq(kept + [_verdict_map(v) for given in verdicts.values() for v in given])
        if entries:
            data["verdicts"] = entries
        else:
            data.pop("verdicts", None)
    return roundtrip.dump(data, style, newline)


def validate_staged(study: Study, files: dict[str, str]) -> Study:
    """Load a staged copy of the study with some files' text replaced or added (relative path ->
    text); problems name the real files. Returns the staged study (root: the real folder)."""
    root = Path(study.root)
    with tempfile.TemporaryDirectory(prefix="rubric-stage-") as staging:
        staged = Path(staging) / "study"
        shutil.copytree(root, staged, ignore=shutil.ignore_patterns(".*"))
        for relative, text in files.items():
            (staged / relative).write_text(text, encoding="utf-8")
        try:
            return attrs.evolve(load_study(staged), root=study.root)
        except RubricError as error:
            raise RubricError([attrs.evolve(p, file=p.file.replace(os.fspath(staged), os.fspath(study.root)))
                               for p in error.problems]) from None


def check_replacement(session: Session, incoming: dict[str, list[Score]], replace: bool, path: str) -> None:
    scored = {s.analyst for s in session.scores}
    clashes = [a for a in incoming if a in scored]
    if clashes and not replace:
        raise RubricError(Problem(path, f"analyst(s) {', '.join(clashes)} already have scores in session "
                                  f"{session.id}; use --replace to replace them (see the diff with --dry-run)"))
