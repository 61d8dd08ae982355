"""The workbook one analyst fills in: one row per option x criterion, grouped by option."""

from __future__ import annotations

import os
from datetime import datetime, timezone

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from ..model import Session, Study
from ..model import VERDICTS
from ..workbooks.scoring import (COLUMNS, CONFIDENCES, HEADER_ROW, INPUT_COLUMNS, LISTS_SHEET, META_SHEET,
                                 SCORES_SHEET, SCREENING_COLUMNS, SCREENING_HEADER_ROW, SCREENING_INPUTS,
                                 SCREENING_SHEET, checksum, expected_keys, meta_fields, row_key, screening_keys,
                                 sources_cited_text)
from ..atomic import atomic_write
from ..workbooks.text import put_text
from .sheet_engine import FONT, PAGE_FOOTER, PAGE_MARGINS

def _font(**properties) -> Font:
    """A font named as the comparison workbook's: one without a name prints in LibreOffice's serif face."""
    return Font(name=FONT, **{"size": 11, **properties})


INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
INPUT_FONT = _font(color="1F4E79")
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
BANNER_FILL = PatternFill("solid", fgColor="C00000")
WIDTHS = {"Key": 10, "Option": 22, "Option title": 30, "Criterion": 20, "Criterion name": 22, "Question": 40,
          "Level": 8, "What the level means": 40, "Abstain (reason)": 20, "Confidence": 12, "Rationale": 50,
          "Sources cited": 44, "Evidence (hint)": 60, "Value": 11, "Unit": 22, "Low": 9, "High": 9,
          "Measure (hint)": 40}
LOCKED_FILL = PatternFill("solid", fgColor="E7E6E6")  # an input cell that does not apply to the row


def _lists(book: Workbook, study: Study) -> dict[str, int]:
    """Hidden sheet with each criterion's levels and descriptors, behind defined names."""
    ws = book.create_sheet(LISTS_SHEET)
    ws.sheet_state = "hidden"
    numbers: dict[str, int] = {}
    row = 1
    for n, criterion in enumerate(study.rubric.criteria, 1):
        numbers[criterion.id] = n
        first = row
        for level in criterion.levels:
            put_text(ws, row, 1, criterion.id)
            ws.cell(row=row, column=2, value=level.level)
            put_text(ws, row, 3, f"{level.label}: {level.descriptor}" if level.label else level.descriptor)
            row += 1
        # names look nothing like cell references (e.g. not "LV1")
        for name, column in ((f"Levels_c{n}", "B"), (f"Meanings_c{n}", "C")):
            book.defined_names[name] = DefinedName(name, attr_text=f"'{LISTS_SHEET}'!${column}${first}:${column}${row - 1}")
    ws.protection.sheet = True
    return numbers


def build_template(study: Study, session: Session, analyst: str, prefill: bool,
                   prefill_from: Session | None = None) -> Workbook:
    """prefill: the analyst's own scores in `session`; prefill_from: their scores in another session
    (today's, when scoring a scenario) wherever `session` has none of theirs."""
    book = Workbook()
    ws = book.active
    ws.title = SCORES_SHEET
    numbers = _lists(book, study)
    col = {name: i for i, name in enumerate(COLUMNS, 1)}
    ws.cell(row=1, column=2, value="Scoring workbook").font = _font(bold=True, size=14)
    put_text(ws, 1, 3, study.title)
    put_text(ws, 2, 2, f"Session {session.id}, analyst {analyst}, rubric {study.rubric.id} v{study.rubric.version}")
    put_text(ws, 3, 2, "Fill in the yellow cells: a level from the drop-down, or on a criterion measured in a "
                       "unit a Value in that unit (or leave it blank and give a reason to abstain); optionally "
                       "a range (Low and High); your confidence, a one-sentence rationale, and the source ids "
                       "you rely on, or a quote from the Evidence hint as source-id: \u201cquote\u201d on its own "
                       "line. Do not edit the Key column; rows may be sorted or hidden.")
    ws.cell(row=3, column=2).alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells(start_row=3, start_column=2, end_row=3, end_column=8)
    ws.row_dimensions[3].height = 60
    if session.illustrative:
        # red across the columns beside it (a scenario's text takes row 4 from column D on)
        _banner(ws, 4, 2, 3 if session.scenario is not None else 8)
    if session.scenario is not None:
        scenario = study.scenario(session.scenario)
        put_text(ws, 4, 4, f"SCENARIO {scenario.name}: score each option as it would perform in this future. "
                           f"{scenario.narrative}" + (f" Drivers: {', '.join(scenario.drivers)}." if scenario.drivers
                                                      else "")).font = _font(bold=True, color="7F3F00")
        ws.cell(row=4, column=4).alignment = Alignment(wrap_text=True, vertical="top")
        ws.merge_cells(start_row=4, start_column=4, end_row=4, end_column=10)
        ws.row_dimensions[4].height = 45
    for name, i in col.items():
        cell = ws.cell(row=HEADER_ROW, column=i, value=name)
        cell.font = _font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.column_dimensions[cell.column_letter].width = WIDTHS[name]
    ws.column_dimensions["A"].hidden = True
    existing = {}
    if prefill_from is not None:
        existing = {(s.option, s.criterion): s for s in prefill_from.scores if s.analyst == analyst}
    if prefill or prefill_from is not None:
        existing.update({(s.option, s.criterion): s for s in session.scores if s.analyst == analyst})
    level_rows: dict[str, list[str]] = {c.id: [] for c in study.rubric.criteria}
    row = HEADER_ROW
    for option in study.options:
        hint = "\n".join(f"[{e.source}, {e.locator}] \u201c{e.quote}\u201d" for e in option.evidence)
        for k, criterion in enumerate(study.rubric.criteria):
            row += 1
            put_text(ws, row, col["Key"], row_key(option.id, criterion.id))
            put_text(ws, row, col["Option"], option.id).font = _font(bold=(k == 0))
            put_text(ws, row, col["Option title"], option.title)
            put_text(ws, row, col["Criterion"], criterion.id)
            put_text(ws, row, col["Criterion name"], criterion.name)
            put_text(ws, row, col["Question"], criterion.question)
            cells = {name: ws.cell(row=row, column=col[name]).coordinate for name in ("Level", "Value", "Low", "High")}
            if criterion.natural:
                scale = criterion.scale
                put_text(ws, row, col["Unit"], scale.unit)
                put_text(ws, row, col["What the level means"], f"a value from {scale.worst:g} (worst) to "
                                                               f"{scale.best:g} (best)")
                put_text(ws, row, col["Measure (hint)"], measure_hint(option.measure(criterion.id)))
                level_rows[criterion.id].extend((cells["Value"], cells["Low"], cells["High"]))
            else:
                level_cell = cells["Level"]
                n = numbers[criterion.id]
                ws.cell(row=row, column=col["What the level means"],
                        value=f'=IF({level_cell}="","",IFERROR(INDEX(Meanings_c{n},MATCH({level_cell},Levels_c{n},0)),'
                              f'"(not a level of this criterion)"))')
                level_rows[criterion.id].extend((level_cell, cells["Low"], cells["High"]))
            if k == 0:
                put_text(ws, row, col["Evidence (hint)"], hint)
            score = existing.get((option.id, criterion.id))
            if score is not None:
                for field in ("level", "value", "low", "high"):
                    if getattr(score, field) is not None:
                        ws.cell(row=row, column=col[field.capitalize()], value=getattr(score, field))
                put_text(ws, row, col["Abstain (reason)"], score.abstain)
                put_text(ws, row, col["Confidence"], score.confidence)
                put_text(ws, row, col["Rationale"], score.rationale)
                put_text(ws, row, col["Sources cited"], sources_cited_text(score.evidence))
            unused = "Level" if criterion.natural else "Value"
            for name in COLUMNS:
                cell = ws.cell(row=row, column=col[name])
                cell.alignment = Alignment(wrap_text=True, vertical="top")
                if name == unused:
                    cell.fill = LOCKED_FILL
                elif name in INPUT_COLUMNS:
                    cell.fill = INPUT_FILL
                    cell.font = INPUT_FONT
                    cell.protection = Protection(locked=False)
                if name in ("Value", "Low", "High"):
                    cell.number_format = "General"
            _fit_height(ws, row, col)
    last = row
    for criterion in study.rubric.criteria:
        if criterion.natural:
            scale = criterion.scale
            validation = DataValidation(type="decimal", operator="between", formula1=repr(float(scale.lowest)),
                                        formula2=repr(float(scale.highest)), allow_blank=True, showErrorMessage=True,
                                        errorTitle="Outside the scale",
                                        error=f"Type a number in {scale.unit} from {scale.lowest:g} to "
                                              f"{scale.highest:g} ({criterion.name})")
        else:
            validation = DataValidation(type="list", formula1=f"=Levels_c{numbers[criterion.id]}", allow_blank=True,
                                        showErrorMessage=True, errorTitle="Not a level",
                                        error=f"Choose one of the levels of {criterion.name}")
        validation.sqref = " ".join(level_rows[criterion.id]) or None
        ws.add_data_validation(validation)
    confidence = DataValidation(type="list", formula1='"' + ",".join(CONFIDENCES) + '"', allow_blank=True)
    confidence_letter = ws.cell(row=HEADER_ROW, column=col["Confidence"]).column_letter
    confidence.add(f"{confidence_letter}{HEADER_ROW + 1}:{confidence_letter}{last}")
    ws.add_data_validation(confidence)
    ws.cell(row=HEADER_ROW, column=col["Level"]).comment = Comment("Input: pick a level from the drop-down.", "rubric")
    ws.cell(row=HEADER_ROW, column=col["Value"]).comment = Comment(
        "Input, on criteria measured in a unit: a number in the row's Unit, between its worst and best.", "rubric")
    ws.cell(row=HEADER_ROW, column=col["Low"]).comment = Comment(
        "Optional: the low and high ends of your range (levels, or numbers in the unit).", "rubric")
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=col["Criterion"])
    _print_setup(ws, HEADER_ROW)
    ws.auto_filter.ref = f"B{HEADER_ROW}:{ws.cell(row=last, column=len(COLUMNS)).coordinate}"
    ws.protection.sheet = True
    ws.protection.sort = False
    ws.protection.autoFilter = False
    ws.protection.formatRows = False
    ws.protection.formatColumns = False
    _screening(book, study, session, analyst, prefill or prefill_from is not None)
    _meta(book, study, session, analyst)
    return book


def _screening(book: Workbook, study: Study, session: Session, analyst: str, prefill: bool) -> None:
    """The judgement requirements the analyst may rule on: pass, fail or unclear, with a rationale."""
    keys = screening_keys(study)
    if not keys:
        return
    ws = book.create_sheet(SCREENING_SHEET, 1)
    ws.cell(row=1, column=2, value="Screening judgements").font = _font(bold=True, size=14)
    put_text(ws, 2, 2, "Must-pass requirements judged by the analysts: for each option, choose pass, fail or "
                       "unclear, with a one-sentence rationale and the source ids you rely on. Leave a row blank "
                       "if you make no judgement (it counts as unclear). An option most analysts fail is "
                       "screened out of the ranking.")
    ws.merge_cells(start_row=2, start_column=2, end_row=2, end_column=7)
    ws.cell(row=2, column=2).alignment = Alignment(wrap_text=True, vertical="top")
    ws.row_dimensions[2].height = 45
    if session.illustrative:
        _banner(ws, 1, 4, 7)
    widths = {"Key": 10, "Option": 22, "Option title": 30, "Requirement": 20, "Statement": 45, "Verdict": 10,
              "Rationale": 50, "Sources cited": 18}
    col = {name: i for i, name in enumerate(SCREENING_COLUMNS, 1)}
    for name, i in col.items():
        cell = ws.cell(row=SCREENING_HEADER_ROW, column=i, value=name)
        cell.font, cell.fill = _font(bold=True), HEADER_FILL
        ws.column_dimensions[cell.column_letter].width = widths[name]
    ws.column_dimensions["A"].hidden = True
    given = {(v.option, v.requirement): v for v in session.verdicts if v.analyst == analyst} if prefill else {}
    titles = {o.id: o.title for o in study.options}
    row = SCREENING_HEADER_ROW
    for key in keys:
        row += 1
        option, requirement_id = key.split("/", 1)
        requirement = study.requirement(requirement_id)
        for name, value in (("Key", key), ("Option", option), ("Option title", titles[option]),
                            ("Requirement", requirement_id), ("Statement", requirement.statement)):
            put_text(ws, row, col[name], value)
        verdict = given.get((option, requirement_id))
        if verdict is not None:
            put_text(ws, row, col["Verdict"], verdict.verdict)
            put_text(ws, row, col["Rationale"], verdict.rationale)
            put_text(ws, row, col["Sources cited"], ", ".join(verdict.evidence) if verdict.evidence else None)
        for name, i in col.items():
            cell = ws.cell(row=row, column=i)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if name in SCREENING_INPUTS:
                cell.fill, cell.font, cell.protection = INPUT_FILL, INPUT_FONT, Protection(locked=False)
        _fit_height(ws, row, col, widths)
    choice = DataValidation(type="list", formula1='"' + ",".join(VERDICTS) + '"', allow_blank=True,
                            showErrorMessage=True, errorTitle="Not a verdict", error="Choose pass, fail or unclear")
    letter = ws.cell(row=SCREENING_HEADER_ROW, column=col["Verdict"]).column_letter
    choice.add(f"{letter}{SCREENING_HEADER_ROW + 1}:{letter}{row}")
    ws.add_data_validation(choice)
    ws.freeze_panes = ws.cell(row=SCREENING_HEADER_ROW + 1, column=col["Requirement"])
    _print_setup(ws, SCREENING_HEADER_ROW)
    ws.protection.sheet = True


def _print_setup(ws, header_row: int) -> None:
    """Printed (or saved as PDF) on A4 landscape, every column on one page wide, the rows down to the
    table's header repeated on every page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.print_title_rows = f"1:{header_row}"
    for side, inches in PAGE_MARGINS.items():
        setattr(ws.page_margins, side, inches)
    ws.oddFooter.center.text = PAGE_FOOTER.removeprefix("&C")


ILLUSTRATIVE_BANNER = "ILLUSTRATIVE DATA: this session is example data, not a real appraisal"


def _banner(ws, row: int, first: int, last: int) -> None:
    """The illustrative-data banner: white on red, merged over columns first..last so it is not clipped."""
    banner = put_text(ws, row, first, ILLUSTRATIVE_BANNER)
    banner.font = _font(bold=True, color="FFFFFF")
    banner.fill = BANNER_FILL
    banner.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
    ws.row_dimensions[row].height = max(ws.row_dimensions[row].height or 0, 30 if last - first < 2 else 20)


def _fit_height(ws, row: int, col: dict[str, int], widths: dict[str, float] = WIDTHS) -> None:
    """Tall enough for the row's wrapped text (spreadsheets do not grow a row written without a height)."""
    lines = 1
    for name, i in col.items():
        value = ws.cell(row=row, column=i).value
        if isinstance(value, str) and not value.startswith("=IF("):
            per_line = max(1, int(widths[name] * 1.1))
            lines = max(lines, sum(-(-max(1, len(part)) // per_line) for part in value.split("\n")))
    if lines > 1:
        ws.row_dimensions[row].height = min(409, 15 * lines)


def measure_hint(measure) -> str | None:
    """An option's documented measure on a natural criterion, for the analyst's eye (not an input)."""
    if measure is None:
        return None
    shown = f"{measure.value:g}"
    if measure.low is not None or measure.high is not None:
        low = "" if measure.low is None else f"{measure.low:g}"
        high = "" if measure.high is None else f"{measure.high:g}"
        shown += f" (range {low} to {high})"
    return f"{shown} [{measure.source}, {measure.locator}]" + (f" \u201c{measure.quote}\u201d" if measure.quote else "")


def _meta(book: Workbook, study: Study, session: Session, analyst: str) -> None:
    ws = book.create_sheet(META_SHEET)
    ws.sheet_state = "hidden"
    fields = meta_fields(study, session.id, analyst)
    keys = expected_keys(study)
    rows = list(fields.items()) + [("written", datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")),
                                   ("checksum", checksum(fields, keys))]
    for i, (name, value) in enumerate(rows, 1):
        put_text(ws, i, 1, name)
        put_text(ws, i, 2, value)
    put_text(ws, len(rows) + 2, 1, "keys")
    for i, key in enumerate(keys, len(rows) + 3):
        put_text(ws, i, 1, key)
    ws.protection.sheet = True


def write_template(study: Study, session: Session, analyst: str, path: str | os.PathLike, prefill: bool,
                   prefill_from: Session | None = None) -> str:
    from ..errors import Problem, RubricError

    book = build_template(study, session, analyst, prefill, prefill_from)
    try:
        with atomic_write(path) as handle:
            book.save(handle)
    except OSError as exc:
        raise RubricError(Problem(os.fspath(path), f"cannot write the workbook: {exc.strerror or exc}")) from None
    return os.fspath(path)
