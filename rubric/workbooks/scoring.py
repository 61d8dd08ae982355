"""The analyst scoring workbook's layout contract (`rubric template` writes it, `import-scores` reads it):
sheet names, columns, row keys, and the `_meta` fields and checksum that identify it."""

from __future__ import annotations

import hashlib
import json
import re

import attrs

from ..model import CONFIDENCES, Citation, Rubric, Study  # noqa: F401  (re-exported for the template's layout)

KIND = "rubric-scoring-workbook"
# `_meta` format: "2" added Value, Unit, Low, High and Measure (hint); a workbook without the field
# is layout "1" (level scores only) and is still read, its missing columns taken as blank
FORMAT = "2"
FORMATS = ("1", "2")
SCORES_SHEET = "Scores"
META_SHEET = "_meta"
LISTS_SHEET = "_lists"
HEADER_ROW = 5
COLUMNS = ("Key", "Option", "Option title", "Criterion", "Criterion name", "Question", "Level",
           "What the level means", "Value", "Unit", "Low", "High", "Abstain (reason)", "Confidence",
           "Rationale", "Sources cited", "Evidence (hint)", "Measure (hint)")
# Level: level criteria; Value: natural criteria (in the Unit shown); Low and High: an optional range
# (levels, or values in the unit)
INPUT_COLUMNS = ("Level", "Value", "Low", "High", "Abstain (reason)", "Confidence", "Rationale", "Sources cited")
# the input columns a layout "1" workbook has
FORMAT_1_INPUT_COLUMNS = ("Level", "Abstain (reason)", "Confidence", "Rationale", "Sources cited")
# the score field each numeric input column gives (field names of `records.load.score_problems`)
SCORE_FIELDS = {"level": "Level", "value": "Value", "low": "Low", "high": "High"}

# "Sources cited": source ids separated by commas; a score that cites quotes has one item a line,
# a quote as `source-id: “quote”` (straight quote marks are read too, ids may precede a quote on its
# line, and a quote may run over several lines: an analyst's Alt+Enter). A quote is written on one
# line, its whitespace runs collapsed (the loader compares quotes whitespace-normalised).
_ID = r"[a-z0-9]+(?:-[a-z0-9]+)*"
_QUOTE_OPEN = re.compile(rf"^([a-z0-9,;\- \t]*?)(?<![a-z0-9-])({_ID})\s*:\s*[\u201c\"]", re.MULTILINE)
_QUOTE_CLOSE = re.compile(r"[\u201d\"]")
_QUOTE_MARKS = re.compile(r"[\u201c\u201d\"]")
_CITED_SPLIT = re.compile(r"[,;\s]+")


class CitedTextError(ValueError):
    """A "Sources cited" cell that cannot be read: the message says why, in the analyst's words."""


def sources_cited_text(evidence) -> str | None:
    """A score's evidence as the "Sources cited" cell shows it (None: nothing cited)."""
    if not any(isinstance(item, Citation) for item in evidence):
        return ", ".join(evidence) or None
    return "\n".join(f"{item.source}: \u201c{' '.join(item.quote.split())}\u201d" if isinstance(item, Citation)
                     else item for item in evidence)


def parse_sources_cited(text: str) -> tuple[str | Citation, ...]:
    """The evidence a "Sources cited" cell gives, in its order: sources_cited_text read back. A quote
    opens at `source-id: “` starting a line (after any ids) and closes at the last closing mark before
    the next such line; its line breaks become spaces. Raises CitedTextError for a quote without its
    source id or never closed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    evidence: list[str | Citation] = []

    def ids(part: str) -> None:
        mark = _QUOTE_MARKS.search(part)
        if mark:
            clipped = " ".join(part[mark.start():].split())
            raise CitedTextError(f"a quote without its source id before it ({clipped[:60]!r}): write it as "
                                 "source-id: \u201cquote\u201d")
        evidence.extend(x for x in _CITED_SPLIT.split(part.strip()) if x)

    opens = list(_QUOTE_OPEN.finditer(text))
    position = 0
    for k, opened in enumerate(opens):
        ids(text[position:opened.start()] + opened.group(1))
        limit = opens[k + 1].start() if k + 1 < len(opens) else len(text)
        closes = list(_QUOTE_CLOSE.finditer(text, opened.end(), limit))
        if not closes:
            raise CitedTextError(f"the quote from {opened.group(2)} is not closed: end it with \u201d")
        evidence.append(Citation(opened.group(2), " ".join(text[opened.end():closes[-1].start()].split())))
        position = closes[-1].end()
    ids(text[position:])
    return tuple(evidence)


# judgement requirements (screening), when the study has any: one row per option x requirement that
# applies to it; optional rows (no verdict yet is "unclear"), read if the sheet is there
SCREENING_SHEET = "Screening"
SCREENING_HEADER_ROW = 3
SCREENING_COLUMNS = ("Key", "Option", "Option title", "Requirement", "Statement", "Verdict", "Rationale",
                     "Sources cited")
SCREENING_INPUTS = ("Verdict", "Rationale", "Sources cited")


def screening_keys(study: Study) -> list[str]:
    """option/requirement of every judgement the analyst may make (requirement applying to a
    decision the option belongs to; every option when the study has no decisions)."""
    keys = []
    for option in study.options:
        decisions = [d.id for d in study.decisions if option.id in d.options] or [None]
        for requirement in study.requirements:
            if requirement.test == "judgement" and any(requirement.applies_to(d) for d in decisions):
                keys.append(row_key(option.id, requirement.id))
    return keys


def rubric_hash(rubric: Rubric) -> str:
    """A digest of the rubric's content: a workbook is only imported against the rubric it was made for."""
    text = json.dumps(attrs.asdict(rubric), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def row_key(option: str, criterion: str) -> str:
    return f"{option}/{criterion}"


def expected_keys(study: Study) -> list[str]:
    return [row_key(o.id, c.id) for o in study.options for c in study.rubric.criteria]


def meta_fields(study: Study, session_id: str, analyst: str) -> dict[str, str]:
    return {"kind": KIND, "study": study.id, "session": session_id, "analyst": analyst,
            "rubric_id": study.rubric.id, "rubric_version": study.rubric.version,
            "rubric_hash": rubric_hash(study.rubric), "format": FORMAT}


def checksum(fields: dict[str, str], keys: list[str]) -> str:
    """Detects hand edits to `_meta` (not an authentication: anyone with the tool can make one)."""
    text = json.dumps([sorted(fields.items()), keys], ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()
