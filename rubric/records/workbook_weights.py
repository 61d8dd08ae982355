"""Read the Weights sheet of a comparison workbook a reviewer edited, back into profile records.

Each raw-weight input column (header = profile id) becomes direct points over the leaf criteria.
Rows are matched by criterion id, columns by profile id; a column the reviewer added with a new
profile id (or any header, with --as) becomes a new profile.
"""

from __future__ import annotations

import math
import os
import re

import attrs
import numpy as np

from ..errors import Problem, RubricError
from ..model import Study
from ..workbooks.comparison import (COMMENT_LABEL, CRITERION_COLUMN, FIRST_INPUT_COLUMN, HEADER_ROW, KIND,
                                    META_SHEET, SUM_LABEL, meta_cell)
from ..workbooks.comparison import WEIGHTS_SHEET as SHEET
from ..workbooks.text import decode_text
from .xlsx_input import open_workbook


@attrs.frozen
class ReviewedWeights:
    column: str                     # the column letter, for messages
    header: str                     # the profile id the column is headed with
    points: dict                    # criterion id -> raw weight as typed
    comment: str | None             # the reviewer comment cell under the column
    criterion_comments: dict        # criterion id -> the reviewer comment of that row


def read_weights_workbook(path: str | os.PathLike, study: Study, data: bytes | None = None) -> list[ReviewedWeights]:
    """`data`: the file's bytes when already read (see xlsx_input.read_bounded)."""
    from openpyxl.utils import get_column_letter

    shown = os.fspath(path)
    problems: list[Problem] = []

    def problem(cell, message):
        problems.append(Problem.at_cell(shown, SHEET, cell, message))

    book = open_workbook(path, data)
    if META_SHEET not in book.sheetnames or SHEET not in book.sheetnames:
        raise RubricError(Problem(shown, "not a comparison workbook written by `rubric report` "
                                  f"(no '{SHEET}' or '{META_SHEET}' sheet)"))
    meta = {str(r[0].value): r[1].value for r in book[META_SHEET].iter_rows(min_col=1, max_col=2) if r[0].value}
    if meta.get("kind") != KIND:
        raise RubricError(Problem.at_cell(shown, META_SHEET, meta_cell("kind"), "not a comparison workbook written by `rubric report`"))
    if meta.get("study_id") != study.id:
        raise RubricError(Problem.at_cell(shown, META_SHEET, meta_cell("study_id"),
                                          f"written for study {meta.get('study_id')!r}, not {study.id!r}"))
    ws = book[SHEET]
    criteria = [c.id for c in study.rubric.criteria]
    rows: dict[str, int] = {}
    for r in range(HEADER_ROW + 1, ws.max_row + 1):
        value = ws.cell(row=r, column=CRITERION_COLUMN).value
        if value in criteria:
            if value in rows:
                problem(f"{get_column_letter(CRITERION_COLUMN)}{r}", f"criterion {value!r} appears twice (first at row {rows[value]})")
            rows[value] = r
        elif value == SUM_LABEL:
            break
    missing = [c for c in criteria if c not in rows]
    if missing:
        problem(f"{get_column_letter(CRITERION_COLUMN)}{HEADER_ROW + 1}", f"rows missing for criteria {missing}")
    comment_row = next((r for r in range(HEADER_ROW + 1, ws.max_row + 1)
                        if ws.cell(row=r, column=CRITERION_COLUMN).value == COMMENT_LABEL), None)
    comment_column = next((c for c in range(FIRST_INPUT_COLUMN, ws.max_column + 1)
                           if ws.cell(row=HEADER_ROW, column=c).value == COMMENT_LABEL), None)
    limit = text_limit("profile")

    def comment_text(cell) -> str | None:
        if cell.value in (None, ""):
            return None
        text = decode_text(str(cell.value)).strip()
        if len(text) > limit:
            problem(cell.coordinate, f"reviewer comment of {len(text):,} characters; the limit is "
                    f"{limit:,}")
        return text or None

    reviewed: list[ReviewedWeights] = []
    seen: dict[str, str] = {}
    for column in range(FIRST_INPUT_COLUMN, ws.max_column + 1):
        header = ws.cell(row=HEADER_ROW, column=column).value
        letter = get_column_letter(column)
        # input columns: every headed column but the comment column and the normalised block, which
        # repeats the ids; a column the reviewer appended anywhere (even at the right edge) counts
        if header is None or str(header).strip() in ("", COMMENT_LABEL) or _computed(ws, column, rows):
            continue
        header = str(header).strip()
        if header in seen:
            problem(f"{letter}{HEADER_ROW}", f"a second input column headed {header!r} (first in column "
                    f"{seen[header]}); give each column its own profile id")
            continue
        seen[header] = letter
        points: dict[str, float] = {}
        for criterion, r in rows.items():
            cell = ws.cell(row=r, column=column)
            where = cell.coordinate
            value = cell.value
            if cell.data_type == "f":
                problem(where, "a formula in a weight input cell; type a number")
            elif value is None or value == "":
                problem(where, f"no weight for {criterion} in column {header!r}")
            elif isinstance(value, bool) or not isinstance(value, (int, float)):
                kind = "a number stored as text" if isinstance(value, str) and re.fullmatch(
                    r"\s*[-+]?\d+(\.\d*)?\s*", value) else "not a number"
                problem(where, f"weight {value!r} is {kind}")
            elif not _finite(value) or value < 0:
                problem(where, f"weight {_shown(value)} must be a finite number of zero or more")
            else:
                points[criterion] = float(value)
        if len(points) == len(rows) and rows and not any(points.values()):
            problem(f"{letter}{HEADER_ROW}", f"all weights in column {header!r} are zero")
        elif len(points) == len(rows) and not math.isfinite(sum(points.values())):
            problem(f"{letter}{HEADER_ROW}", f"the weights in column {header!r} add up to more than the "
                    "largest number; scale them down")
        comment = None
        if comment_row is not None:
            comment = comment_text(ws.cell(row=comment_row, column=column))
        notes = {}
        if comment_column is not None:
            for criterion, r in rows.items():
                note = comment_text(ws.cell(row=r, column=comment_column))
                if note is not None:
                    notes[criterion] = note
        reviewed.append(ReviewedWeights(letter, header, points, comment, notes))
    if not reviewed:
        problem(f"{get_column_letter(FIRST_INPUT_COLUMN)}{HEADER_ROW}", "no weight input columns found")
    if problems:
        raise RubricError(problems)
    return reviewed


def changed_columns(study: Study, reviewed: list[ReviewedWeights]) -> list[ReviewedWeights]:
    """Columns whose normalised weights differ from the profile's derived ones, and new columns."""
    from ..compute.weights import profile_weights

    criteria = [c.id for c in study.rubric.criteria]
    known = {p.id for p in study.profiles}
    result = []
    for column in reviewed:
        if column.header not in known:
            result.append(column)
            continue
        derived = profile_weights(study, column.header).leaf
        given = np.array([column.points[c] for c in criteria])
        if np.abs(given / given.sum() - derived).max() > 1e-9:
            result.append(column)
    return result


def _computed(ws, column: int, rows: dict) -> bool:
    """The normalised block repeats the profile ids over formula cells (=D6/SUM(...)): not inputs."""
    cells = [ws.cell(row=r, column=column) for r in rows.values()]
    return bool(cells) and all(c.data_type == "f" and "/SUM(" in str(c.value).upper() for c in cells)


def _finite(value) -> bool:
    try:
        return math.isfinite(float(value))
    except OverflowError:  # an integer of hundreds of digits
        return False


def _shown(value) -> str:
    text = repr(value)
    return text if len(text) <= 24 else f"{text[:12]}...({len(text)} digits)"


def text_limit(kind: str) -> int:
    """The longest free text a record of `kind` holds, as its schema says (one place)."""
    from .schema import validator

    return validator(kind).schema["$defs"]["text"]["maxLength"]
