"""Read an analyst's filled-in scoring workbook back into score records.

Rows are matched by their key, never by position, so sorted, inserted and hidden rows are fine.
Every problem is reported with its sheet!cell; a workbook with any problem yields no scores.
"""

from __future__ import annotations

import math
import os
import re

import attrs

from ..errors import Problem, RubricError
from ..model import VERDICTS, Citation, Score, Study, Verdict, is_valid_id
from ..workbooks.scoring import (CONFIDENCES, COLUMNS, FORMAT_1_INPUT_COLUMNS, FORMATS, INPUT_COLUMNS, KIND,
                                 META_SHEET, SCORE_FIELDS, SCORES_SHEET, SCREENING_COLUMNS, SCREENING_INPUTS,
                                 SCREENING_SHEET, CitedTextError, checksum, expected_keys, meta_fields,
                                 parse_sources_cited, screening_keys)
from .evidence import clip_quote, normalise_text, recorded_quotes
from .load import score_problems
from ..workbooks.text import decode_text
from .workbook_weights import text_limit
from .xlsx_input import open_workbook

_NUMBER_TEXT = re.compile(r"\s*[-+]?\d+(\.\d*)?\s*")
_SPLIT = re.compile(r"[,;\s]+")
_RANGE_TEXT = re.compile(r"\s*[-+]?\d+(\.\d*)?\s*(-|–|to|\.\.)\s*[-+]?\d+(\.\d*)?\s*")


@attrs.frozen
class ImportedScores:
    path: str
    session_id: str
    analyst: str
    scores: tuple[Score, ...]
    verdicts: tuple[Verdict, ...] | None = None   # None: the workbook has no Screening sheet (keep what is there)


class _Reader:
    def __init__(self, path: str, study: Study, data: bytes | None = None):
        self.path = path
        self.data = data
        self.study = study
        self.problems: list[Problem] = []
        self.text_limit = text_limit("session")
        self.sheet = SCORES_SHEET   # the sheet being read, for located problems
        self.row_key: str | None = None  # "option/criterion" of the score row being read, named in its problems

    def recorded_quotes(self, option_id: str, source: str) -> set[str]:
        option = next(o for o in self.study.options if o.id == option_id)
        return recorded_quotes(option).get(source, set())

    def as_recorded(self, option_id: str, criterion_id: str, evidence: tuple) -> tuple:
        """`evidence` with each quote typed in the same words as a recorded one up to whitespace and
        typography (a straight apostrophe typed for a curly one) kept as recorded: as the session records
        it for this score, else as the option's evidence does. Re-importing a workbook changes no quote
        it did not change."""
        session = next((s for s in self.study.sessions if s.id == self.session_id), None)
        option = next(o for o in self.study.options if o.id == option_id)
        recorded = {(e.source, normalise_text(e.quote)): Citation(e.source, e.quote)
                    for e in (*option.evidence, *option.measures) if e.quote}
        recorded |= {(c.source, normalise_text(c.quote)): c for score in (session.scores if session else ())
                    if (score.analyst, score.option, score.criterion) == (self.analyst, option_id, criterion_id)
                    for c in score.evidence if isinstance(c, Citation)}
        return tuple(recorded.get((item.source, normalise_text(item.quote)), item) if isinstance(item, Citation)
                     else item for item in evidence)

    def problem(self, message: str) -> None:
        self.problems.append(Problem(self.path, message))

    def at(self, sheet: str, cell: str | int | None, message: str) -> None:
        if self.row_key is not None and not message.startswith(self.row_key):
            message = f"{self.row_key}: {message}"  # every problem of a score row names its option and criterion
        self.problems.append(Problem.at_cell(self.path, sheet, cell, message))

    def meta(self, book) -> dict | None:
        if META_SHEET not in book.sheetnames:
            self.problem(f"sheet '{META_SHEET}' is missing: not a workbook made by `rubric template`")
            return None
        ws = book[META_SHEET]
        fields: dict[str, str] = {}
        keys: list[str] = []
        in_keys = False
        keys_at = "A1"
        for row in ws.iter_rows(min_col=1, max_col=2):
            name, value = row[0].value, row[1].value
            if name is None:
                continue
            if in_keys:
                keys.append(str(name))
            elif name == "keys":
                in_keys = True
                keys_at = row[0].coordinate
            else:
                fields[str(name)] = "" if value is None else str(value)
        if fields.get("kind") != KIND:
            self.at(META_SHEET, "B1", "not a scoring workbook made by `rubric template`")
            return None
        # a layout "1" workbook has no `format` field, and its checksum does not cover one
        stated = {k: fields.get(k, "") for k in ("kind", "study", "session", "analyst", "rubric_id",
                                                  "rubric_version", "rubric_hash", "format") if k in fields}
        if fields.get("checksum") != checksum(stated, keys):
            self.at(META_SHEET, "A1", "the hidden _meta sheet was altered; make a new template")
            return None
        stated.setdefault("format", "1")
        if stated["format"] not in FORMATS:
            self.at(META_SHEET, "B8", f"layout {stated['format']!r} comes from a newer version of rubric "
                                      f"(this one reads layouts {', '.join(FORMATS)}); update rubric")
            return None
        for k in ("study", "session", "analyst", "rubric_id", "rubric_version", "rubric_hash"):
            stated.setdefault(k, "")
        if stated["study"] != self.study.id:
            self.at(META_SHEET, "B2", f"made for study {stated['study']!r}, not {self.study.id!r}")
            return None
        if stated["session"] not in {s.id for s in self.study.sessions}:
            self.at(META_SHEET, "B3", f"made for session {stated['session']!r}, which this study does not have")
            return None
        if not is_valid_id(stated["analyst"]):
            self.at(META_SHEET, "B4", f"analyst {stated['analyst']!r} is not a valid id; make a new template")
            return None
        expected = meta_fields(self.study, stated["session"], stated["analyst"])
        for name, row in (("rubric_id", 5), ("rubric_version", 6), ("rubric_hash", 7)):
            if stated[name] != expected[name]:
                what = name.replace("_", " ")
                self.at(META_SHEET, f"B{row}", f"made for {what} {stated[name]!r}, the study's rubric has "
                             f"{expected[name]!r}; make a new template")
                return None
        if keys != expected_keys(self.study):
            self.at(META_SHEET, keys_at, "the workbook's rows do not match the study's options and criteria; "
                         "make a new template")
            return None
        return {**stated, "keys": keys}

    def header(self, ws, required=INPUT_COLUMNS, sheet: str = SCORES_SHEET,
               columns: tuple[str, ...] = COLUMNS) -> tuple[int, dict[str, int]] | None:
        """The header row (the first with 'Key' and the sheet's first input column) and its columns."""
        marker = required[0]
        for row in ws.iter_rows(min_row=1, max_row=min(ws.max_row, 60)):
            names: dict[str, int] = {}
            duplicates = []
            for c in row:
                if isinstance(c.value, str):
                    name = c.value.strip()
                    if name in names and name in columns:
                        duplicates.append(c)
                    names.setdefault(name, c.column)
            if "Key" in names and marker in names:
                for c in duplicates:
                    self.at(sheet, c.coordinate, f"a second column headed {c.value.strip()!r} "
                                 f"(the first is column {get_letter(names[c.value.strip()])}); remove or rename it")
                if duplicates:
                    return None
                missing = [n for n in columns if n in required and n not in names]
                if missing:
                    self.at(sheet, row[0].row, f"column(s) {missing} missing from the header")
                    return None
                return row[0].row, names
        self.at(sheet, "A1", f"no header row with 'Key' and '{marker}' columns")
        return None

    def read(self) -> ImportedScores:
        book = open_workbook(self.path, self.data)
        meta = self.meta(book)
        if meta is None:
            raise RubricError(self.problems)
        if SCORES_SHEET not in book.sheetnames:
            self.problem(f"sheet '{SCORES_SHEET}' is missing")
            raise RubricError(self.problems)
        ws = book[SCORES_SHEET]
        found = self.header(ws, INPUT_COLUMNS if meta["format"] != "1" else FORMAT_1_INPUT_COLUMNS)
        if found is None:
            raise RubricError(self.problems)
        header_row, columns = found
        self.analyst = meta["analyst"]
        self.session_id = meta["session"]
        for merged in ws.merged_cells.ranges:
            if merged.max_row > header_row:
                self.at(SCORES_SHEET, merged.coord.split(':')[0],
                             f"merged cells ({merged.coord}) in the score rows; unmerge them")
        criteria = {c.id: c for c in self.study.rubric.criteria}
        sources = {s.id for s in self.study.sources}
        wanted = set(meta["keys"])
        seen: dict[str, str] = {}
        scores: dict[str, Score] = {}
        key_col = columns["Key"]
        for row in ws.iter_rows(min_row=header_row + 1):
            cells = {name: row[col - 1] if col - 1 < len(row) else None for name, col in columns.items()}
            cells.update({name: None for name in INPUT_COLUMNS if name not in columns})  # layout "1"
            key_cell = cells["Key"]
            inputs = [cells[n] for n in INPUT_COLUMNS]
            if (key_cell is None or key_cell.value in (None, "")) and all(c is None or c.value in (None, "")
                                                                         for c in inputs):
                continue
            r = row[0].row
            where = key_cell.coordinate if key_cell is not None else f"A{r}"
            key = "" if key_cell is None or key_cell.value is None else str(key_cell.value)
            if key not in wanted:
                self.at(SCORES_SHEET, where, f"key {key!r} was altered or is not a row of this workbook" if key
                             else "row has inputs but no key")
                continue
            if key in seen:
                self.at(SCORES_SHEET, where, f"key {key!r} appears twice (first at {seen[key]})")
                continue
            seen[key] = f"{SCORES_SHEET}!{where}"
            if not self.shows_key(key, cells, where):
                continue
            score = self.row(key, cells, criteria, sources)
            if score is not None:
                scores[key] = score
        for key in meta["keys"]:
            if key not in seen:
                self.at(SCORES_SHEET, get_letter(key_col), f"row for {key} is missing")
        verdicts = self.verdicts(book[SCREENING_SHEET], sources) if SCREENING_SHEET in book.sheetnames else None
        if self.problems:
            raise RubricError(self.problems)
        ordered = tuple(scores[k] for k in meta["keys"])
        return ImportedScores(self.path, meta["session"], meta["analyst"], ordered, verdicts)

    def verdicts(self, ws, sources: set[str]) -> tuple[Verdict, ...]:
        """The analyst's pass / fail / unclear judgements; a row left blank is no judgement."""
        self.sheet = SCREENING_SHEET
        found = self.header(ws, SCREENING_INPUTS, SCREENING_SHEET, SCREENING_COLUMNS)
        if found is None:
            return ()
        header_row, columns = found
        wanted, seen, verdicts = set(screening_keys(self.study)), {}, []
        for row in ws.iter_rows(min_row=header_row + 1):
            cells = {name: row[col - 1] if col - 1 < len(row) else None for name, col in columns.items()}
            key_cell = cells["Key"]
            inputs = [cells[n] for n in SCREENING_INPUTS]
            if all(c is None or c.value in (None, "") for c in inputs):
                continue
            where = key_cell.coordinate if key_cell is not None else f"A{row[0].row}"
            key = "" if key_cell is None or key_cell.value is None else str(key_cell.value)
            if key not in wanted or key in seen:
                self.at(SCREENING_SHEET, where, f"key {key!r} was altered, repeated or is not a row of this workbook")
                continue
            seen[key] = where
            option, requirement = key.split("/", 1)
            before = len(self.problems)
            verdict = self.text(cells["Verdict"], "verdict")
            rationale = self.text(cells["Rationale"], "rationale")
            cited = self.text(cells["Sources cited"], "sources cited")
            verdict_at = cells["Verdict"].coordinate if cells["Verdict"] is not None else "Verdict"
            if verdict is None:
                self.at(SCREENING_SHEET, verdict_at, f"{key}: a rationale or sources but no verdict; choose pass, "
                                                     "fail or unclear, or clear the row")
            elif verdict.strip().lower() not in VERDICTS:
                self.at(SCREENING_SHEET, verdict_at, f"{key}: {verdict!r} is not a verdict (pass, fail or unclear)")
            if verdict is not None and rationale is None:
                self.at(SCREENING_SHEET, cells["Rationale"].coordinate if cells["Rationale"] is not None
                        else "Rationale", f"{key}: rationale missing")
            evidence = tuple(x for x in _SPLIT.split(cited.strip()) if x) if cited else ()
            unknown = [x for x in evidence if x not in sources]
            if unknown:
                self.at(SCREENING_SHEET, cells["Sources cited"].coordinate, f"unknown source(s) {unknown}")
            if len(self.problems) == before:
                verdicts.append(Verdict(self.analyst, option, requirement, verdict.strip().lower(), rationale,
                                        evidence))
        self.sheet = SCORES_SHEET
        return tuple(verdicts)

    def shows_key(self, key: str, cells: dict, where: str) -> bool:
        """The key must name the option and criterion the row shows: an edited or swapped key would
        otherwise file the row's level and rationale under another criterion."""
        option, criterion = key.split("/", 1)
        for name, expected in (("Option", option), ("Criterion", criterion)):
            cell = cells.get(name)
            shown = "" if cell is None or cell.value is None else str(cell.value).strip()
            if shown != expected:
                self.at(SCORES_SHEET, where, f"key {key!r} does not match the row's {name.lower()} {shown!r}: "
                             "the Key column was edited; make a new template or restore the key")
                return False
        return True

    def text(self, cell, label: str) -> str | None:
        """An input cell's text, or None when blank; a problem when it holds a formula."""
        if cell is None or cell.value is None:
            return None
        if cell.data_type == "f":
            self.at(self.sheet, cell.coordinate, f"{label}: a formula was typed into an input cell; "
                         "type the value itself")
            return None
        value = cell.value
        if isinstance(value, float) and value.is_integer() and abs(value) < 2 ** 53:
            value = int(value)
        text = decode_text(str(value))
        if len(text) > self.text_limit:
            self.at(self.sheet, cell.coordinate, f"{label} of {len(text):,} characters; the limit "
                         f"is {self.text_limit:,}")
        return text if text.strip() else None

    def number(self, cell, label: str):
        """A numeric input cell's number (float), None when blank; a problem (and None) otherwise."""
        if cell is None or cell.value in (None, ""):
            return None
        at, value = cell.coordinate, cell.value
        if cell.data_type == "f":
            self.at(SCORES_SHEET, at, f"a formula was typed into the {label} cell; "
                                      + ("choose a level" if label == "level" else "type the number itself"))
        elif isinstance(value, bool):
            self.at(SCORES_SHEET, at, f"{value!r} is not a level" if label == "level" else
                    f"{value!r} is not a number ({label})")
        elif isinstance(value, int) and abs(value) >= 2 ** 53:
            return value  # kept exact: shown as "a number of N digits", never a float overflow
        elif isinstance(value, (int, float)):
            if math.isfinite(value):
                return float(value)
            self.at(SCORES_SHEET, at, f"{label} {value!r} is not a finite number")
        elif isinstance(value, str) and _NUMBER_TEXT.fullmatch(value):
            self.at(SCORES_SHEET, at, f"{label} {value.strip()!r} is a number stored as text; enter it as a number")
        elif isinstance(value, str) and _RANGE_TEXT.fullmatch(value):
            self.at(SCORES_SHEET, at, f"{label} {value.strip()!r} is a range typed as text; put one number here "
                                      "and the range in the Low and High cells")
        else:
            self.at(SCORES_SHEET, at, f"{label} {str(value)!r} is not a number")
        return None

    def level_number(self, cell, label: str, criterion):
        """A level input (Level, or Low/High on a level criterion): an int when whole, else the float."""
        if cell is not None and isinstance(cell.value, str) and cell.data_type != "f" \
                and not _NUMBER_TEXT.fullmatch(cell.value) and not _RANGE_TEXT.fullmatch(cell.value):
            self.at(SCORES_SHEET, cell.coordinate, f"{str(cell.value)!r} is not a level of {criterion.id}")
            return None
        x = self.number(cell, label)
        if isinstance(x, float) and x.is_integer() and abs(x) < 2 ** 53:
            return int(x)
        return x

    def row(self, key: str, cells: dict, criteria: dict, sources: set[str]) -> Score | None:
        self.row_key = key
        try:
            return self._row(key, cells, criteria, sources)
        finally:
            self.row_key = None

    def _row(self, key: str, cells: dict, criteria: dict, sources: set[str]) -> Score | None:
        option, criterion_id = key.split("/", 1)
        criterion = criteria[criterion_id]
        before = len(self.problems)
        given = {}
        for field, column in SCORE_FIELDS.items():
            natural_number = criterion.natural and field != "level" or field == "value"
            given[field] = (self.number(cells[column], field) if natural_number
                            else self.level_number(cells[column], field, criterion))
            huge = isinstance(given[field], int) and abs(given[field]) >= 2 ** 53
            if huge and (natural_number or field != "level"):
                self.at(SCORES_SHEET, cells[column].coordinate, f"{field} {_shown(given[field])} is not on "
                                                                f"{criterion_id}'s scale")
                given[field] = None
        level = given["level"]
        if not criterion.natural and level is not None and level not in criterion.level_numbers:
            self.at(SCORES_SHEET, cells["Level"].coordinate, f"{_shown(level)} is not a level of {criterion_id} "
                                                             f"(levels {', '.join(map(str, criterion.level_numbers))})")
        if len(self.problems) == before:
            for field, message in score_problems(criterion, **given):
                cell = cells[SCORE_FIELDS[field]]
                self.at(SCORES_SHEET, cell.coordinate if cell is not None else SCORE_FIELDS[field],
                        f"{key}: {_cell_message(message, given[field])}")
        abstain = self.text(cells["Abstain (reason)"], "abstain")
        confidence = self.text(cells["Confidence"], "confidence")
        rationale = self.text(cells["Rationale"], "rationale")
        cited = self.text(cells["Sources cited"], "sources cited")
        main = cells["Value" if criterion.natural else "Level"]
        main_at = main.coordinate if main is not None else None
        score = given["value"] if criterion.natural else given["level"]
        if score is not None and abstain is not None:
            self.at(SCORES_SHEET, main_at, f"{key}: give a {'value' if criterion.natural else 'level'} or an "
                                           "abstention reason, not both")
        if len(self.problems) == before and score is None and abstain is None:
            self.at(SCORES_SHEET, main_at, f"{key}: no value; type one in {criterion.unit}, or give a reason to "
                                           "abstain" if criterion.natural else
                                           f"{key}: no level; choose one, or give a reason to abstain")
        conf_cell = cells["Confidence"]
        if confidence is None:
            if not (conf_cell is not None and conf_cell.data_type == "f"):
                self.at(SCORES_SHEET, conf_cell.coordinate, f"{key}: confidence missing (low, medium or high)")
        elif confidence.strip().lower() not in CONFIDENCES:
            self.at(SCORES_SHEET, conf_cell.coordinate,
                         f"{confidence!r} is not a confidence (low, medium or high)")
        if rationale is None and not (cells["Rationale"] is not None and cells["Rationale"].data_type == "f"):
            self.at(SCORES_SHEET, cells['Rationale'].coordinate, f"{key}: rationale missing")
        evidence: tuple[str | Citation, ...] = ()
        if cited is not None:
            cited_at = cells['Sources cited'].coordinate
            try:
                evidence = self.as_recorded(option, criterion_id, parse_sources_cited(cited))
            except CitedTextError as error:
                self.at(SCORES_SHEET, cited_at, str(error))
            unknown = [x for x in (item.source if isinstance(item, Citation) else item for item in evidence)
                       if x not in sources]
            if unknown:
                self.at(SCORES_SHEET, cited_at, f"unknown source(s) {unknown}")
            for item in evidence:
                if isinstance(item, Citation) and item.source in sources \
                        and normalise_text(item.quote) not in self.recorded_quotes(option, item.source):
                    self.at(SCORES_SHEET, cited_at, f"quote not among option {option}'s recorded quotes from "
                                                    f"{item.source} (cite one verbatim, as the Evidence hint shows it): "
                                                    f"\u201c{clip_quote(item.quote)}\u201d")
        if len(self.problems) > before:
            return None
        return Score(self.analyst, option, criterion_id, confidence.strip().lower(), rationale, given["level"],
                     abstain, evidence, given["value"], given["low"], given["high"])


def _cell_message(message: str, given) -> str:
    """The loader's message, in the workbook's words (its `value:` and `level:` are YAML keys)."""
    return (message.replace("give `value:` in that unit, not a level", "type the value in the Value cell, not a level")
            .replace("give `level:`, not a value", "choose a level in the Level cell, not a value"))


def _shown(value) -> str:
    text = f"{value:g}" if isinstance(value, float) else str(value) if abs(value) < 10 ** 20 else \
        f"a number of {len(str(abs(value)))} digits"
    return text


def get_letter(column: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(column)


def read_scores_workbook(path: str | os.PathLike, study: Study, data: bytes | None = None) -> ImportedScores:
    """`data`: the file's bytes when already read (see xlsx_input.read_bounded)."""
    return _Reader(os.fspath(path), study, data).read()
