"""Read an analyst's filled-in scoring workbook back into score records.

Rows are matched by their key, never by position, so sorted, inserted and hidden rows are fine.
Every problem is reported with its sheet!cell; a workbook with any problem yields no scores.
"""

from __future__ import annotations

import os
import re

import attrs

from ..errors import Problem, RubricError
from ..model import Score, Study, is_valid_id
from ..workbooks.scoring import (CONFIDENCES, COLUMNS, INPUT_COLUMNS, KIND, META_SHEET, SCORES_SHEET, checksum,
                            expected_keys, meta_fields)
from ..workbooks.text import decode_text
from .workbook_weights import text_limit
from .xlsx_input import open_workbook

_NUMBER_TEXT = re.compile(r"\s*[-+]?\d+(\.\d*)?\s*")
_SPLIT = re.compile(r"[,;\s]+")


@attrs.frozen
class ImportedScores:
    path: str
    session_id: str
    analyst: str
    scores: tuple[Score, ...]


class _Reader:
    def __init__(self, path: str, study: Study, data: bytes | None = None):
        self.path = path
        self.data = data
        self.study = study
        self.problems: list[Problem] = []
        self.text_limit = text_limit("session")

    def problem(self, message: str) -> None:
        self.problems.append(Problem(self.path, message))

    def at(self, sheet: str, cell: str | int | None, message: str) -> None:
        self.problems.append(Problem.at_cell(self.path, sheet, cell, message))

    def meta(self, book) -> dict | None:
        if META_SHEET not in book.sheetnames:
            self.problem(f"sheet '{META_SHEET}' is missing: not a workbook made by `rubric template`")
            return None
        ws = book[META_SHEET]
        fields: dict[str, str] = {}
        keys: list[str] = []
        in_keys = False
        for row in ws.iter_rows(min_col=1, max_col=2):
            name, value = row[0].value, row[1].value
            if name is None:
                continue
            if in_keys:
                keys.append(str(name))
            elif name == "keys":
                in_keys = True
            else:
                fields[str(name)] = "" if value is None else str(value)
        if fields.get("kind") != KIND:
            self.at(META_SHEET, "B1", "not a scoring workbook made by `rubric template`")
            return None
        stated = {k: fields.get(k, "") for k in ("kind", "study", "session", "analyst", "rubric_id",
                                                  "rubric_version", "rubric_hash")}
        if fields.get("checksum") != checksum(stated, keys):
            self.at(META_SHEET, "A1", "the hidden _meta sheet was altered; make a new template")
            return None
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
            self.at(META_SHEET, "A9", "the workbook's rows do not match the study's options and criteria; "
                         "make a new template")
            return None
        return {**stated, "keys": keys}

    def header(self, ws) -> tuple[int, dict[str, int]] | None:
        for row in ws.iter_rows(min_row=1, max_row=min(ws.max_row, 60)):
            names: dict[str, int] = {}
            duplicates = []
            for c in row:
                if isinstance(c.value, str):
                    name = c.value.strip()
                    if name in names and name in COLUMNS:
                        duplicates.append(c)
                    names.setdefault(name, c.column)
            if "Key" in names and "Level" in names:
                for c in duplicates:
                    self.at(SCORES_SHEET, c.coordinate, f"a second column headed {c.value.strip()!r} "
                                 f"(the first is column {get_letter(names[c.value.strip()])}); remove or rename it")
                if duplicates:
                    return None
                missing = [n for n in COLUMNS if n in INPUT_COLUMNS and n not in names]
                if missing:
                    self.at(SCORES_SHEET, row[0].row, f"column(s) {missing} missing from the header")
                    return None
                return row[0].row, names
        self.at(SCORES_SHEET, "A1", "no header row with 'Key' and 'Level' columns")
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
        found = self.header(ws)
        if found is None:
            raise RubricError(self.problems)
        header_row, columns = found
        self.analyst = meta["analyst"]
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
        if self.problems:
            raise RubricError(self.problems)
        ordered = tuple(scores[k] for k in meta["keys"])
        return ImportedScores(self.path, meta["session"], meta["analyst"], ordered)

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
            self.at(SCORES_SHEET, cell.coordinate, f"{label}: a formula was typed into an input cell; "
                         "type the value itself")
            return None
        value = cell.value
        if isinstance(value, float) and value.is_integer() and abs(value) < 2 ** 53:
            value = int(value)
        text = decode_text(str(value))
        if len(text) > self.text_limit:
            self.at(SCORES_SHEET, cell.coordinate, f"{label} of {len(text):,} characters; the limit "
                         f"is {self.text_limit:,}")
        return text if text.strip() else None

    def row(self, key: str, cells: dict, criteria: dict, sources: set[str]) -> Score | None:
        option, criterion_id = key.split("/", 1)
        criterion = criteria[criterion_id]
        before = len(self.problems)
        level_cell = cells["Level"]
        level = None
        if level_cell is not None and level_cell.value not in (None, ""):
            at = level_cell.coordinate
            value = level_cell.value
            if level_cell.data_type == "f":
                self.at(SCORES_SHEET, at, "a formula was typed into the level cell; choose a level")
            elif isinstance(value, bool):
                self.at(SCORES_SHEET, at, f"{value!r} is not a level")
            elif isinstance(value, (int, float)):
                if isinstance(value, int) and value in criterion.level_numbers:
                    level = value
                elif isinstance(value, float) and value.is_integer() and int(value) in criterion.level_numbers:
                    level = int(value)
                else:
                    self.at(SCORES_SHEET, at, f"{_shown(value)} is not a level of {criterion_id} "
                                 f"(levels {', '.join(map(str, criterion.level_numbers))})")
            elif isinstance(value, str) and _NUMBER_TEXT.fullmatch(value):
                self.at(SCORES_SHEET, at, f"level {value.strip()!r} is a number stored as text; enter it as a number")
            else:
                self.at(SCORES_SHEET, at, f"{str(value)!r} is not a level of {criterion_id}")
        abstain = self.text(cells["Abstain (reason)"], "abstain")
        confidence = self.text(cells["Confidence"], "confidence")
        rationale = self.text(cells["Rationale"], "rationale")
        cited = self.text(cells["Sources cited"], "sources cited")
        level_at = level_cell.coordinate if level_cell is not None else None
        if level is not None and abstain is not None:
            self.at(SCORES_SHEET, level_at, f"{key}: give a level or an abstention reason, not both")
        if len(self.problems) == before and level is None and abstain is None:
            self.at(SCORES_SHEET, level_at, f"{key}: no level; choose one, or give a reason to abstain")
        conf_cell = cells["Confidence"]
        if confidence is None:
            if not (conf_cell is not None and conf_cell.data_type == "f"):
                self.at(SCORES_SHEET, conf_cell.coordinate, f"{key}: confidence missing (low, medium or high)")
        elif confidence.strip().lower() not in CONFIDENCES:
            self.at(SCORES_SHEET, conf_cell.coordinate,
                         f"{confidence!r} is not a confidence (low, medium or high)")
        if rationale is None and not (cells["Rationale"] is not None and cells["Rationale"].data_type == "f"):
            self.at(SCORES_SHEET, cells['Rationale'].coordinate, f"{key}: rationale missing")
        evidence: tuple[str, ...] = ()
        if cited is not None:
            evidence = tuple(s for s in _SPLIT.split(cited.strip()) if s)
            unknown = [s for s in evidence if s not in sources]
            if unknown:
                self.at(SCORES_SHEET, cells['Sources cited'].coordinate, f"unknown source(s) {unknown}")
        if len(self.problems) > before:
            return None
        return Score(self.analyst, option, criterion_id, confidence.strip().lower(), rationale, level,
                     abstain, evidence)


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
