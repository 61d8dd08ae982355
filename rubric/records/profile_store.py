"""Write reviewed weights as direct-points profile records, without losing any existing record.

An existing flat direct-points profile is updated in place (ruamel round trip: comments and
rationales stay). Any other existing profile keeps its own raw inputs (swing ranks, AHP
judgements...) untouched: the reviewed weights go to a new profile `<id>-reviewed` (or --as ID).
"""

from __future__ import annotations

from pathlib import Path

import attrs

from ..errors import Problem, RubricError
from ..model import Study, is_valid_id
from . import roundtrip
from ..workbooks.comparison import HEADER_ROW, WEIGHTS_SHEET
from .workbook_weights import ReviewedWeights


@attrs.frozen
class PlannedProfile:
    profile_id: str
    source_column: ReviewedWeights
    replaces: str | None      # the existing profile updated in place, if any
    based_on: str | None      # the existing profile the reviewed weights started from
    text: str


def _number(x: float):
    """Whole points are written as integers, but only as long as integers may be (yamlio's limit)."""
    return int(x) if float(x).is_integer() and abs(x) < 1e15 else x


def _new_profile_text(study: Study, profile_id: str, column: ReviewedWeights, based_on: str | None,
                      workbook: str) -> str:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    original = study.profile(based_on) if based_on else None
    data = CommentedMap()
    data["id"] = profile_id
    data["name"] = f"{original.name} (reviewed)" if original else profile_id
    data["represents"] = original.represents if original else "Weights entered by a reviewer in a comparison workbook"
    parts = [f"Direct points entered in review of {Path(workbook).name}"
             + (f", starting from profile {based_on} ({original.method})." if original else ".")]
    if column.comment:
        parts.append(f"Reviewer comment: {column.comment}")
    data["description"] = " ".join(parts)
    data["method"] = "direct"
    items = CommentedSeq()
    for criterion in study.rubric.criteria:
        item = CommentedMap()
        item["id"] = criterion.id
        item["points"] = _number(column.points[criterion.id])
        note = column.criterion_comments.get(criterion.id)
        item["rationale"] = (f"Reviewer comment: {note}" if note else
                             f"Set by the reviewer (column {column.column} of {Path(workbook).name}).")
        item.fa.set_flow_style()
        items.append(item)
    block = CommentedMap()
    block["node"] = "leaves"
    block["items"] = items
    blocks = CommentedSeq([block])
    data["blocks"] = blocks
    return roundtrip.dump(data)


def _updated_direct_text(study: Study, profile_id: str, column: ReviewedWeights) -> str:
    path = Path(study.root) / "profiles" / f"{profile_id}.yaml"
    text, newline = roundtrip.read_file(path)
    data, style = roundtrip.load(text)
    for item in data["blocks"][0]["items"]:
        item["points"] = _number(column.points[item["id"]])
        if item["id"] in column.criterion_comments:  # added to the rationale, never replacing it
            item["rationale"] = f"{item['rationale']} Reviewer comment: {column.criterion_comments[item['id']]}"
    if column.comment:
        data["description"] = ((data.get("description") or "") + f" Reviewer comment: {column.comment}").strip()
    return roundtrip.dump(data, style, newline)


def plan_profiles(study: Study, changed: list[ReviewedWeights], as_id: str | None, workbook: str) -> list[PlannedProfile]:
    known = {p.id: p for p in study.profiles}
    if as_id is not None:
        if len(changed) != 1:
            raise RubricError(Problem(workbook, f"--as names one profile, but {len(changed)} columns changed "
                                      f"({', '.join(c.header for c in changed) or 'none'})"))
        if not is_valid_id(as_id):
            raise RubricError(Problem(workbook, f"--as {as_id!r} is not a valid id (lowercase, digits and dashes)"))
    planned = []
    for column in changed:
        base = column.header if column.header in known else None
        if as_id is not None:
            target = as_id
        elif base is None:
            if not is_valid_id(column.header):
                raise RubricError(Problem.at_cell(workbook, WEIGHTS_SHEET, f"{column.column}{HEADER_ROW}",
                                                  f"new column header {column.header!r} is not a valid profile "
                                                  "id; rename it or use --as ID"))
            target = column.header
        else:
            profile = known[base]
            flat_direct = profile.method == "direct" and [b.node for b in profile.blocks] == ["leaves"]
            target = base if flat_direct else f"{base}-reviewed"
        if target in known and not (target == base and known[base].method == "direct"
                                    and [b.node for b in known[base].blocks] == ["leaves"]):
            raise RubricError(Problem(workbook, f"profile {target!r} already exists and is not the flat direct-points "
                                      "profile this column came from; choose a new id with --as"))
        if target == base:
            text = _updated_direct_text(study, base, column)
            planned.append(PlannedProfile(target, column, base, base, text))
        else:
            planned.append(PlannedProfile(target, column, None, base,
                                          _new_profile_text(study, target, column, base, workbook)))
    return planned
