"""Read the Weights sheet of a comparison workbook a reviewer edited, back into typed values.

Layout format 2 (see workbooks/comparison.py): each profile's input column holds its values on its
own scale (workbooks/weight_inputs.py), over the criteria and, for a hierarchical profile, the group
rows. Rows are matched by criterion or group id, columns by profile id. A spare column whose header
the reviewer replaced with an id (or any column appended with one) is a new flat profile. Numbers
are kept as typed (`as_typed`).

Which items changed is decided against what the sheet was written with, not against the study as it
is now: another reviewer's import may have landed since, and a stale workbook must not undo it. The
workbook carries what it was written with on its protected Weight inputs sheet (each profile's
recorded points, or its local weights for the derived methods) and names the profiles on its Weights
sheet in `_meta` (`profiles`); any other column is a new profile.
"""

from __future__ import annotations

import math
import os
import re

import attrs

from ..errors import Problem, RubricError
from ..model import Study
from ..workbooks.comparison import (COMMENT_LABEL, CRITERION_COLUMN, FIRST_INPUT_COLUMN, FORMAT, HEADER_ROW, KIND,
                                    META_SHEET, SPARE_HEADER, WEIGHT_INPUTS_SHEET, meta_cell)
from ..workbooks.comparison import WEIGHTS_SHEET as SHEET
from ..workbooks.text import decode_text
from ..workbooks.weight_inputs import as_typed, same_value, sheet_inputs
from .xlsx_input import open_workbook


@attrs.frozen
class ReviewedWeights:
    """One input column as the reviewer left it."""

    column: str                     # the column letter, for messages
    header: str                     # the profile id the column is headed with
    values: dict                    # item id (criterion, and group for a hierarchical profile) -> number as typed
    comment: str | None = None      # the reviewer comment cell under the column
    comment_cell: str = ""          # where it is, for notes
    written: dict | None = None     # item id -> the value the sheet was written with; None: a new profile's column
    cells: dict = attrs.field(factory=dict)   # item id -> its cell ("G12"), for messages

    @property
    def header_cell(self) -> str:
        return f"{self.column}{HEADER_ROW}"


@attrs.frozen
class RowComment:
    """A reviewer comment in the shared comment column, on the row of one criterion or group."""

    cell: str
    item: str
    text: str


@attrs.frozen
class WorkbookScope:
    """What the workbook ranked, from its `_meta`: so ranks printed on import match its Results sheet."""

    decision: str | None = None        # None: written for a study without decisions
    screened_out: tuple[str, ...] = ()
    session: str | None = None


@attrs.frozen
class ReviewedSheet:
    columns: tuple[ReviewedWeights, ...]
    row_comments: tuple[RowComment, ...] = ()
    scope: WorkbookScope = WorkbookScope()
    unused_comments: tuple[str, ...] = ()   # cells of comments under an unused spare column


def read_weights_workbook(path: str | os.PathLike, study: Study, data: bytes | None = None) -> ReviewedSheet:
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
    if str(meta.get("format")) != FORMAT:
        raise RubricError(Problem.at_cell(shown, META_SHEET, meta_cell("format"),
                                          f"Weights sheet of layout format {meta.get('format')!r}; this rubric reads "
                                          f"format {FORMAT}: write the workbook again with `rubric report` and redo "
                                          "the edits there"))
    if meta.get("study_id") != study.id:
        raise RubricError(Problem.at_cell(shown, META_SHEET, meta_cell("study_id"),
                                          f"written for study {meta.get('study_id')!r}, not {study.id!r}"))
    ws = book[SHEET]
    criteria = [c.id for c in study.rubric.criteria]
    group_ids = {g.id for g in study.rubric.all_groups()}
    id_column = get_column_letter(CRITERION_COLUMN)
    rows: dict[str, int] = {}       # criterion or group id -> its row
    comment_row = None
    for r in range(HEADER_ROW + 1, ws.max_row + 1):
        value = ws.cell(row=r, column=CRITERION_COLUMN).value
        if value == COMMENT_LABEL:
            comment_row = r
            break
        if value in criteria or value in group_ids:
            if value in rows:
                problem(f"{id_column}{r}", f"{value!r} appears twice (first at row {rows[value]})")
            rows[value] = r
    missing = [c for c in criteria if c not in rows]
    if missing:
        problem(f"{id_column}{HEADER_ROW + 1}", f"rows missing for criteria {missing}")
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

    on_sheet = [p for p in str(meta.get("profiles") or "").split(",") if p]
    written = _written_inputs(book, shown)
    leaf_rows = {c: rows[c] for c in criteria if c in rows}
    reviewed: list[ReviewedWeights] = []
    unused: list[str] = []
    seen: dict[str, str] = {}
    for column in range(FIRST_INPUT_COLUMN, ws.max_column + 1):
        header = ws.cell(row=HEADER_ROW, column=column).value
        letter = get_column_letter(column)
        # input columns: every headed column but the comment column and the normalised block, which
        # repeats the ids; a column the reviewer appended anywhere (even at the right edge) counts
        if (header is None or str(header).strip() in ("", COMMENT_LABEL) or column == comment_column
                or _computed(ws, column, leaf_rows)):
            continue
        header = str(header).strip()
        if header == SPARE_HEADER:  # an unused spare column, unless the reviewer typed weights but no id
            if any(ws.cell(row=r, column=column).value not in (None, "") for r in leaf_rows.values()):
                problem(f"{letter}{HEADER_ROW}", f"weights typed under '{SPARE_HEADER}': type the new profile's id "
                        "over it")
            elif comment_row is not None and comment_text(ws.cell(row=comment_row, column=column)) is not None:
                unused.append(f"{letter}{comment_row}")
            continue
        if header in seen:
            problem(f"{letter}{HEADER_ROW}", f"a second input column headed {header!r} (first in column "
                    f"{seen[header]}); give each column its own profile id")
            continue
        seen[header] = letter
        if all(ws.cell(row=r, column=column).value in (None, "") for r in leaf_rows.values()):
            problem(f"{letter}{HEADER_ROW}", f"no weights in column {header!r}: type one for every criterion")
            continue
        values: dict[str, float] = {}
        cells: dict[str, str] = {}
        items = criteria   # a new profile's column is flat
        if header in on_sheet:   # the group rows it was written with, if it was hierarchical then
            if header not in written:
                problem(f"{letter}{HEADER_ROW}", f"the {WEIGHT_INPUTS_SHEET} sheet does not say what profile "
                        f"{header!r} held when the workbook was written: write it again with `rubric report`")
                continue
            items = [*criteria, *(g for g in written[header] if g in group_ids)]
        for item in items:
            if item not in rows:
                continue
            cell = ws.cell(row=rows[item], column=column)
            where = cell.coordinate
            cells[item] = where
            value = cell.value
            if cell.data_type == "f":
                problem(where, "a formula in a weight input cell; type a number")
            elif value is None or value == "":
                problem(where, f"no weight for {item} in column {header!r}")
            elif isinstance(value, bool) or not isinstance(value, (int, float)):
                kind = "a number stored as text" if isinstance(value, str) and re.fullmatch(
                    r"\s*[-+]?\d+(\.\d*)?\s*", value) else "not a number"
                problem(where, f"weight {value!r} is {kind}")
            elif not _finite(value) or value < 0:
                problem(where, f"weight {_shown(value)} must be a finite number of zero or more")
            else:
                values[item] = as_typed(value)
        typed_leaves = [values[c] for c in criteria if c in values]
        if len(typed_leaves) == len(leaf_rows) and leaf_rows and not any(typed_leaves):
            problem(f"{letter}{HEADER_ROW}", f"all weights in column {header!r} are zero")
        elif len(typed_leaves) == len(leaf_rows) and not math.isfinite(sum(typed_leaves)):
            problem(f"{letter}{HEADER_ROW}", f"the weights in column {header!r} add up to more than the "
                    "largest number; scale them down")
        comment, comment_cell = None, ""
        if comment_row is not None:
            cell = ws.cell(row=comment_row, column=column)
            comment, comment_cell = comment_text(cell), cell.coordinate
        reviewed.append(ReviewedWeights(letter, header, values, comment, comment_cell,
                                        written.get(header) if header in on_sheet else None, cells))
    notes = []
    if comment_column is not None:
        for item, r in rows.items():
            cell = ws.cell(row=r, column=comment_column)
            text = comment_text(cell)
            if text is not None:
                notes.append(RowComment(cell.coordinate, item, text))
    if not reviewed:
        problem(f"{get_column_letter(FIRST_INPUT_COLUMN)}{HEADER_ROW}", "no weight input columns found")
    if problems:
        raise RubricError(problems)
    return ReviewedSheet(tuple(reviewed), tuple(notes), _workbook_scope(meta), tuple(unused))


def _workbook_scope(meta: dict) -> WorkbookScope:
    def text(field: str) -> str:
        value = meta.get(field)
        return "" if value is None else str(value).strip()

    screened = tuple(o.strip() for o in text("screened_out").split(",") if o.strip())
    return WorkbookScope(text("decision") or None, screened, text("session") or None)


def changed_items(study: Study, column: ReviewedWeights) -> tuple[str, ...]:
    """The items whose typed value differs from what the sheet was written with (every item of a new
    column). `study` is unused: the comparison is with the workbook's own record, never the study now."""
    if column.written is None:
        return tuple(column.values)
    return tuple(item for item, typed in column.values.items()
                 if item not in column.written or not same_value(typed, column.written[item]))


def current_inputs(study: Study, profile_id: str) -> dict:
    """What a Weights sheet written now would show for the profile (weight_inputs.sheet_inputs)."""
    from ..compute.weights import profile_weights

    return sheet_inputs(study.profile(profile_id), profile_weights(study, profile_id)).values


def _written_inputs(book, shown: str) -> dict:
    """profile id -> item id -> the value its Weights column was written with, read from the protected
    Weight inputs sheet the same report wrote: the points where the profile records points, else the
    local weight as a percentage (what weight_inputs.sheet_inputs shows)."""
    if WEIGHT_INPUTS_SHEET not in book.sheetnames:
        raise RubricError(Problem(shown, f"no '{WEIGHT_INPUTS_SHEET}' sheet: this workbook does not say what its "
                                  "Weights sheet was written with; write it again with `rubric report`"))
    ws = book[WEIGHT_INPUTS_SHEET]
    rows = ws.iter_rows(values_only=True)
    columns = None
    for row in rows:
        if row and row[0] == "profile":
            columns = {str(name): k for k, name in enumerate(row) if name is not None}
            break
    needed = ("profile", "item / judgement", "points", "local weight")
    if columns is None or any(name not in columns for name in needed):
        raise RubricError(Problem.at_cell(shown, WEIGHT_INPUTS_SHEET, "A4", "not the header row `rubric report` "
                                          "writes: write the workbook again"))
    found: dict[str, dict] = {}
    for row in rows:
        profile, item, points, local = (row[columns[name]] if columns[name] < len(row) else None for name in needed)
        if not isinstance(profile, str) or not isinstance(item, str) or " vs " in item:   # a judgement row
            continue
        if isinstance(points, (int, float)) and not isinstance(points, bool):
            found.setdefault(profile, {})[item] = points
        elif isinstance(local, (int, float)) and not isinstance(local, bool):
            found.setdefault(profile, {})[item] = float(local) * 100
    return found


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
