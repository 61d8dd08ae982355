"""Write reviewed weights as direct-points profile records, without losing any existing record.

- An existing direct-points profile (flat or hierarchical) is updated in place (ruamel round trip:
  comments, order and every untouched item stay as they were).
- Any other profile keeps its own raw inputs (swing ranks, rank order, AHP judgements): the values
  typed for it become a new direct profile `<id>-reviewed` (or --as ID) with the same blocks,
  swing points as points and derived percentages (rank, AHP) as points.
- A column under a new id becomes a new flat direct profile.

Numbers are written as typed (weight_inputs.as_typed). Only the items whose value changed on the
sheet (against what it was written with) are changed, and get a new rationale: the old one, then who
set the new value where and when; every other item keeps its value in the study now (another import
may have landed since the workbook was written). An item changed both on the sheet and in the study
since is a conflict, refused naming its cell. A reviewer comment is reported once: imported where its
row or column changed, otherwise one note naming its cell.

Every written profile has one source column: a new-profile column whose id is taken, or two columns
making the same profile (`interior-security-reviewed` typed over a spare column while the
interior-security column is edited too), are refused naming the header cell.
"""

from __future__ import annotations

import datetime as _dt
import re
from pathlib import Path

import attrs

from ..errors import Problem, RubricError
from ..model import ID_MAX_LENGTH, Study, is_valid_id
from ..workbooks.comparison import HEADER_ROW, WEIGHTS_SHEET
from ..workbooks.weight_inputs import LEAVES, POINTS_METHODS, as_typed, same_value
from . import roundtrip
from .workbook_weights import ReviewedSheet, ReviewedWeights, changed_items, current_inputs, text_limit


@attrs.frozen
class PlannedProfile:
    profile_id: str
    source_column: ReviewedWeights
    replaces: str | None      # the existing profile updated in place, if any
    based_on: str | None      # the existing profile the reviewed weights started from
    text: str
    says: str = ""            # how the typed values were written, for the command's output


def plan_profiles(study: Study, sheet: ReviewedSheet, as_id: str | None, workbook: str,
                  today: _dt.date | None = None) -> tuple[list[PlannedProfile], list[str]]:
    """The profiles to write for the changed columns, and one note per comment not imported."""
    known = {p.id: p for p in study.profiles}
    changed = [(column, items) for column in sheet.columns if (items := changed_items(study, column))]
    if as_id is not None:
        if len(changed) != 1:
            raise RubricError(Problem(workbook, f"--as names one profile, but {len(changed)} columns changed "
                                      f"({', '.join(c.header for c, _ in changed) or 'none'})"))
        if not is_valid_id(as_id):
            raise RubricError(Problem(workbook, f"--as {as_id!r} is not a valid id (lowercase, digits and dashes)"))
    stamp = f"by the reviewer in {Path(workbook).name} on {(today or _dt.date.today()).isoformat()}"
    comments_on: dict[str, list] = {}
    for note in sheet.row_comments:
        comments_on.setdefault(note.item, []).append(note)
    imported: set[str] = set()   # the cells of the comments that went into a profile
    planned = []
    targets: dict[str, ReviewedWeights] = {}   # profile id -> the column it is written from
    for column, items in changed:
        at_header = lambda message: RubricError(Problem.at_cell(workbook, WEIGHTS_SHEET, column.header_cell, message))  # noqa: E731
        base = column.header if column.written is not None else None
        if base is None and column.header in known:
            now = current_inputs(study, column.header)
            if now.keys() == column.values.keys() and all(same_value(v, now[k]) for k, v in column.values.items()):
                continue   # this column, imported before: nothing to do
            raise at_header(f"profile id {column.header!r} is taken: a new-profile column always makes a NEW "
                            "profile; type another id (to edit that profile, write a report that shows it)")
        if base is not None:
            column, items = _as_now(study, column, items, workbook)
            if not items:   # the study already holds what was typed (this workbook imported before)
                continue
        in_place = base is not None and known[base].method == "direct"
        if as_id is not None:
            target = as_id
        elif base is None:
            if not is_valid_id(column.header):
                raise at_header(f"new column header {column.header!r} is not a valid profile id (lowercase "
                                "letters, digits and dashes); rename it or use --as ID")
            target = column.header
        else:
            target = base if in_place else f"{base}-reviewed"
            if not is_valid_id(target):
                raise at_header(f"the reviewed copy of {base} would be {target!r}, longer than an id may be "
                                f"({ID_MAX_LENGTH} characters); choose its id with --as ID")
        if target in targets:
            first = targets[target]
            raise at_header(f"profile {target!r} is also written from column {first.column} ({first.header}): "
                            "two columns cannot make one profile; type another id")
        targets[target] = column
        if target in known and not (target == base and in_place):
            raise at_header(f"profile {target!r} already exists and is not the direct-points profile this column "
                            "came from; choose a new id with --as")
        notes = {item: [n.text for n in comments_on.get(item, ())] for item in items}
        imported.update(n.cell for item in items for n in comments_on.get(item, ()))
        if column.comment:
            imported.add(column.comment_cell)
        if base is None:
            text, says = _new_profile_text(study, target, column, notes, stamp), "new flat direct-points profile"
        else:
            text = _reviewed_text(study, base, target, column, items, notes, stamp)
            method = known[base].method
            typed = "swing points" if method in POINTS_METHODS else "percentages"
            says = ("points as typed" if method == "direct" else
                    f"a direct-points copy of the {typed} typed; {base} keeps its {method} inputs")
        planned.append(PlannedProfile(target, column, base if target == base else None, base, text, says))
    notes = []
    for column in sheet.columns:
        if column.comment and column.comment_cell not in imported:
            notes.append(f"note: the comment in {WEIGHTS_SHEET}!{column.comment_cell} ({column.header}) is not "
                         "imported: no weight in its column changed")
    for cell in sheet.unused_comments:
        notes.append(f"note: the comment in {WEIGHTS_SHEET}!{cell} is not imported: its spare column has no new "
                     "profile id and no weights")
    for note in sheet.row_comments:
        if note.cell not in imported:
            notes.append(f"note: the comment in {WEIGHTS_SHEET}!{note.cell} ({note.item}) is not imported: no "
                         "profile imported changed that row")
    return planned, notes


def at_sheet_cells(problems, planned: list[PlannedProfile], workbook: str) -> list[Problem]:
    """The loader's problems with a planned profile (never written, so its file and line mean nothing
    to the reviewer) put at the Weights cells they came from: an item's cell, a block's cells, the
    column comment for the description, else the column's header."""
    by_file = {f"profiles/{p.profile_id}.yaml": p for p in planned}
    placed = []
    for problem in problems:
        profile = next((p for name, p in by_file.items() if problem.file.replace("\\", "/").endswith("/" + name)), None)
        if profile is None or problem.pointer is None:
            placed.append(problem)
            continue
        column = profile.source_column
        cell = column.header_cell
        parts = problem.pointer.split("/")[1:]
        data, _ = roundtrip.load(profile.text)
        try:
            if parts[:1] == ["blocks"] and len(parts) >= 4 and parts[2] == "items":
                item = data["blocks"][int(parts[1])]["items"][int(parts[3])]["id"]
                cell = column.cells.get(item, cell)
            elif parts[:1] == ["blocks"] and len(parts) >= 2:
                cells = [column.cells[i["id"]] for i in data["blocks"][int(parts[1])]["items"] if i["id"] in column.cells]
                rows = sorted(cells, key=lambda c: int(re.sub(r"\D", "", c)))
                cell = f"{rows[0]}:{rows[-1]}" if len(rows) > 1 else rows[0] if rows else cell
            elif parts == ["description"] and column.comment:
                cell = column.comment_cell
        except (KeyError, IndexError, ValueError, TypeError):
            pass   # the header cell, then
        message = problem.message
        field = parts[-1] if parts else ""
        if field in ("description", "rationale"):   # the loader's message quotes the whole text
            text = _at_pointer(data, parts)
            if isinstance(text, str) and len(text) > text_limit("profile"):
                message = (f"its {field} with the reviewer's note would be {len(text):,} characters; the limit "
                           f"is {text_limit('profile'):,}: shorten the comment")
        placed.append(Problem.at_cell(workbook, WEIGHTS_SHEET, cell,
                                      f"profile {profile.profile_id} as typed: {message}"))
    return placed


def _at_pointer(data, parts):
    try:
        for part in parts:
            data = data[int(part)] if isinstance(data, list) else data[part]
        return data
    except (KeyError, IndexError, ValueError, TypeError):
        return None


def _as_now(study: Study, column: ReviewedWeights, changed, workbook: str) -> tuple[ReviewedWeights, tuple]:
    """The column as the profile is in the study now, with the items changed on the sheet as typed, and
    the items still to change (not those the study already holds as typed). Refused where the study
    changed an item since the workbook was written that the sheet changed too."""
    def conflict(item, message):
        return RubricError(Problem.at_cell(workbook, WEIGHTS_SHEET, column.cells.get(item, column.header_cell),
                                           f"{message}: write the workbook again with `rubric report` and redo "
                                           "the edit there"))

    if column.header not in {p.id for p in study.profiles}:
        raise conflict(changed[0], f"profile {column.header!r} is no longer in the study")
    now = current_inputs(study, column.header)
    changed = tuple(item for item in changed if item not in now or not same_value(column.values[item], now[item]))
    for item in changed:
        if item not in now or item not in column.written:
            raise conflict(item, f"{item} is not an item of profile {column.header!r} as it is now and as the "
                           "workbook was written")
        if not same_value(now[item], column.written[item]):
            raise conflict(item, f"{item} in profile {column.header!r} changed since this workbook was written "
                           f"(was {column.written[item]:.10g}, now {now[item]:.10g}), and you changed it too")
    # untouched items as a sheet written now would show them, read back (as_typed: no binary noise)
    values = {**{item: as_typed(value) for item, value in now.items()}, **{item: column.values[item] for item in changed}}
    return attrs.evolve(column, values=values), changed


def _commented(text: str, notes) -> str:
    return " ".join(part for part in (text, *(f"Reviewer comment: {note}" for note in notes)) if part)


def _new_profile_text(study: Study, profile_id: str, column: ReviewedWeights, notes: dict, stamp: str) -> str:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    data = CommentedMap()
    data["id"] = profile_id
    data["name"] = profile_id
    data["represents"] = "Weights entered by a reviewer in a comparison workbook"
    data["description"] = _commented(f"Direct points entered {stamp} (column {column.column}).",
                                     [column.comment] if column.comment else [])
    data["method"] = "direct"
    items = CommentedSeq()
    for criterion in study.rubric.criteria:
        item = CommentedMap()
        item["id"] = criterion.id
        item["points"] = column.values[criterion.id]
        item["rationale"] = _commented(f"Set {stamp}.", notes.get(criterion.id, ()))
        item.fa.set_flow_style()
        items.append(item)
    block = CommentedMap()
    block["node"] = LEAVES
    block["items"] = items
    data["blocks"] = CommentedSeq([block])
    return roundtrip.dump(data)


def _reviewed_text(study: Study, base: str, target: str, column: ReviewedWeights, changed, notes: dict,
                   stamp: str) -> str:
    """The base profile's own file with the typed values: edited in place (target == base, a direct
    profile) or as a direct copy under `target`. Untouched items keep their points and rationale."""
    path = Path(study.root) / "profiles" / f"{base}.yaml"
    text, newline = roundtrip.read_file(path)

    def rationale(old_text, old_points, item_id):
        # numbers as the points are written (as typed, up to 10 significant digits)
        was = (f"was {_number_text(as_typed(old_points))}" if old_points is not None
               else f"was {_derived_share(study, base, item_id):.1f}%")
        return _commented(f"{(old_text or '').strip()} Set to {_number_text(column.values[item_id])} {stamp} "
                          f"({was}).".strip(),
                          notes.get(item_id, ()))

    if target == base:
        return _edited_in_place(text, column, changed, rationale).replace("\n", newline)
    data, style = roundtrip.load(text)
    profile = study.profile(base)
    data["id"] = target
    data["name"] = f"{data['name']} (reviewed)"
    description = _commented(
        f"{data.get('description') or ''} Reviewed copy of profile {base} ({profile.method}): direct points "
        f"as typed {stamp}.".strip(), [column.comment] if column.comment else [])
    if "description" in data:
        data["description"] = description
    else:  # where the profile schema lists it, before the method
        data.insert(list(data).index("method"), "description", description)
    data["method"] = "direct"
    for key in ("rank_scheme", "strict"):
        data.pop(key, None)
    for block in data["blocks"]:
        block.pop("judgements", None)
        for item in block["items"]:
            item_id, old = item["id"], item.get("points")
            item.pop("rank", None)
            item.pop("points", None)
            item.insert(1, "points", column.values[item_id])  # right after the id, where a swing item had its rank
            if item_id in changed:
                item["rationale"] = rationale(item.get("rationale"), old, item_id)
    return roundtrip.dump(data, style, newline)


def _edited_in_place(text: str, column: ReviewedWeights, changed, rationale) -> str:
    """`text` with only the changed items' points and rationales (and the description, for a column
    comment) replaced where they stand: every other byte of the file stays as it was."""
    from ruamel.yaml import YAML
    from ruamel.yaml.events import CollectionEndEvent, CollectionStartEvent, MappingStartEvent, ScalarEvent

    mappings, stack = [], []   # stack: [is_mapping, {key: (value, start, end)}, pending key]
    method_key = None          # where the top-level `method:` key starts
    for event in YAML().parse(text):
        if isinstance(event, CollectionStartEvent):
            if stack and stack[-1][0]:
                stack[-1][2] = None  # the pending key's value is this collection
            stack.append([isinstance(event, MappingStartEvent), {}, None])
        elif isinstance(event, CollectionEndEvent):
            frame = stack.pop()
            if frame[0]:
                mappings.append((len(stack), frame[1]))
        elif isinstance(event, ScalarEvent) and stack and stack[-1][0]:
            frame = stack[-1]
            if frame[2] is None:
                frame[2] = event.value
                if len(stack) == 1 and event.value == "method":
                    method_key = event.start_mark.index
            else:
                frame[1][frame[2]] = _scalar(text, event)
                frame[2] = None
    edits = []  # (start, end, new text)
    for depth, keys in mappings:
        if depth == 0 and column.comment and "description" in keys:
            value, start, end = keys["description"]
            edits.append((start, end, _quoted(_commented(value, [column.comment]))))
        elif depth == 0 and column.comment:  # a new key where the profile schema lists it, before the method
            edits.append((method_key, method_key, f"description: {_quoted(_commented('', [column.comment]))}\n"))
        elif depth and "id" in keys and keys["id"][0] in changed and {"points", "rationale"} <= set(keys):
            item_id = keys["id"][0]
            edits.append((keys["points"][1], keys["points"][2], _number_text(column.values[item_id])))
            edits.append((keys["rationale"][1], keys["rationale"][2],
                          _quoted(rationale(keys["rationale"][0], float(keys["points"][0]), item_id))))
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    return text


def _scalar(text: str, event) -> tuple[str, int, int]:
    """A scalar's value and the span of text to replace to give it a new (flow) value. A block scalar
    (`|`, `>-`) spans its indicator and its indented lines up to the line break ending its last content
    line; the blank lines the parser also took stay, so the next key keeps its line."""
    start, end = event.start_mark.index, event.end_mark.index
    if event.style not in ("|", ">"):
        return event.value, start, end
    tail = re.search(r"\n(?:[ \t]*\n)*\Z", text[start:end])
    if tail:
        end -= len(tail.group(0))
    return event.value.replace("\a", ""), start, end   # ruamel marks a folded line's break with \a


def _number_text(number) -> str:
    return str(number) if isinstance(number, int) else repr(float(number))


def _quoted(text: str) -> str:
    """A YAML scalar holding exactly `text`: single-quoted, or double-quoted with escapes when it holds
    line breaks or control characters."""
    if text.isprintable():
        return "'" + text.replace("'", "''") + "'"
    escaped = []
    for ch in text:
        code = ord(ch)
        if ch in '"\\':
            escaped.append("\\" + ch)
        elif ch in "\n\t":
            escaped.append("\\n" if ch == "\n" else "\\t")
        elif ch.isprintable():
            escaped.append(ch)
        else:
            escaped.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
    return '"' + "".join(escaped) + '"'


def _derived_share(study: Study, profile_id: str, item_id: str) -> float:
    """The local percentage a derived method gave an item (what the sheet showed)."""
    from ..compute.weights import profile_weights

    for block in profile_weights(study, profile_id).blocks:
        if item_id in block.ids:
            return 100 * float(block.local[block.ids.index(item_id)])
    raise KeyError(item_id)
