"""A ComparisonReport -> the comparison workbook (.xlsx, XlsxWriter). Lays out; computes nothing.

Every number shown is taken from the report as computed by `rubric.compute`, except the few live
formulas a reviewer can play with: the normalised weights (a profile's input over its siblings'
sum, times the same share of each group on the criterion's path) and the groups' weights, their
transposed rows, the totals per profile (SUMPRODUCT of an option's row of Scores and a profile's
row of normalised weights), the ranks (1 + the number of options with a higher total, the
engine's tie tolerance included), and on the Scenarios sheet the expected score of each option
(SUMPRODUCT of the scenario probabilities, written as inputs, and the option's scores) and the
probabilities' sum. Only functions that Excel and LibreOffice both compute without
array entry are used (SUM, SUMPRODUCT, MAX).

Every string that comes from a record is written as text (never as a formula), whatever it starts
with: see `sheet_engine.Sheet.text`. The sheets here are laid out on that generic engine
(`sheet_engine.py`: two passes, constant memory, shared formats, size limits).

XlsxWriter writes the workbook (openpyxl reads workbooks elsewhere): in its constant-memory mode
it streams each finished row to disk, so a session of 100,000 scores costs no more memory than one
of 500, and it writes styled cells about twice as fast as openpyxl's write-only mode (see
benchmarks/README.md).
"""

from __future__ import annotations

import math
import os

import attrs
import numpy as np

import xlsxwriter
from xlsxwriter.exceptions import XlsxFileError
from openpyxl.utils import get_column_letter

from ..compute.methods import AGGREGATION_METHODS
from ..compute.ranking import TIE_TOLERANCE
from ..compute.report import SMAA_RANK_SHARE
from ..compute.weighting import WEIGHTING_METHODS
from ..errors import Problem, RubricError
from ..atomic import atomic_write
from ..workbooks import comparison as layout
from ..workbooks.comparison import SHEETS
from ..workbooks.text import encode_text
from ..workbooks.scoring import sources_cited_text
from ..workbooks.weight_inputs import sheet_inputs
from .documents import findings_text, weight_decimals
from .weight_charts import chart_height, weight_chart_grid
from .sheet_engine import (DEFAULT_ROW_HEIGHT, FORMULA_FILL, HEADER_FONT, INPUT_FILL, INPUT_FONT, INTEGER, LINE_HEIGHT, PROBABILITY,
                           PROTECTION, TOP, TOP_BORDER, UNLOCKED, VALUE, WEIGHT, WORKBOOK_OPTIONS, Alignment, Book, Masthead,
                           Cell, Sheet, TooBig, check_fits, displayed, is_finite, make_alignment, make_fill, make_font,
                           wrapped_lines)

MEASURE = "General"  # a measure in its criterion's unit, as recorded
# the SMAA sheet's words for `SmaaResult.scores_model` (`rubric report --scores`)
SUMMARY_SMAA_SHARE = SMAA_RANK_SHARE
# distinct colours for criterion groups in stacked bars (ColorBrewer Set2, then Dark2)
GROUP_COLOURS = ("66C2A5", "FC8D62", "8DA0CB", "E78AC3", "A6D854", "FFD92F", "E5C494", "B3B3B3",
                 "1B9E77", "D95F02", "7570B3", "E7298A")
SMAA_CHART_RANKS = 3   # the SMAA chart shows ranks 1-3 in their own colours and the rest together
SMAA_RANK_COLOURS = ("1A9850", "91CF60", "FEE08B")   # rank 1 dark green, 2 light green, 3 yellow
SMAA_REST_COLOUR = "BFBFBF"                         # rank 4 or lower: grey
SCORE_MODEL_TEXT = {
    "consensus": "consensus: the pooled 0-100 values, fixed",
    "analysts": "analysts: each draw takes one analyst's values at random",
    "ranges": "ranges: each draw takes one analyst, then a value within their range (triangular)",
}

NORMALISED = "0.0%"                    # a normalised weight as people read it
NOT_USED_FILL = make_fill("F2F2F2")   # an input cell a profile does not use (a flat profile's group rows)
SPARE_HEADER_FONT = make_font(italic=True, color="0000FF")
SCALE_FONT = make_font(italic=True, color="404040")
RIGHT_TOP = make_alignment("right")

# the tie tolerance as the rank formulas and their notes spell it ("1E-9")
TIE_TEXT = f"{TIE_TOLERANCE:.0E}".replace("E-0", "E-")


@attrs.frozen
class _ScoreBlock:
    """Where the Scores sheet put the consensus values: one row per option, one column per criterion."""

    first_row: int
    first_col: int
    last_col: int


@attrs.frozen
class _WeightRows:
    """Where the Weights sheet put each profile's normalised weights laid out as one row."""

    row_of: dict  # profile id -> its row
    first_col: int
    last_col: int

def _about(book: Book, report) -> None:
    study, smaa = report.study, report.smaa
    decision = report.decision
    s = Sheet(book, layout.ABOUT_SHEET, _titled(report), top="Comparison workbook", banner_size=16)
    s.caps[1], s.caps[2] = 26, 110
    row = 4

    def pair(label, value, number_format=None):
        nonlocal row
        s.text(row, 1, label, bold=True, cap=26)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            s.number(row, 2, value, number_format or INTEGER)
            s.cell(row, 2).alignment = make_alignment("left")
        else:
            s.text(row, 2, value, cap=110)
        row += 1

    if decision is not None:
        pair("Decision", f"{decision.id}: {decision.title}" if decision.title else decision.id)
        pair("Decision question", decision.question)
        pair("Decision makers", "\n".join(decision.decision_makers or study.decision_makers))
        pair("Baseline option", decision.baseline or "none named")
        pair("Options ranked", _ranked_text(report))
        pair("Study question", study.question)
        pair("Context", study.context)
    else:
        pair("Decision question", study.question)
        pair("Context", study.context)
        pair("Decision makers", "\n".join(study.decision_makers))
    if report.illustrative:
        pair("Illustrative data", f"The scoring session {report.session.id} is marked illustrative: its scores are "
                                  "example data that demonstrate the method, not a real appraisal.")
    row += 1
    s.section(row, "How to read this workbook")
    row += 1
    for name, description in SHEETS:
        if _has_sheet(report, name):
            pair(name, description)
    pair("Colours", "Yellow cells with blue text are inputs you may change (Weights sheet" + (
        ", and the scenario probabilities on the Scenarios sheet" if report.scenarios is not None else "") +
        "); green cells hold live "
                    "formulas; everything else is a value written by rubric. Sheets are protected without a "
                    "password against accidental edits (Review > Unprotect sheet to lift it).")
    pair("Model", "Totals are weighted sums (multi-attribute value theory): total = sum over criteria of "
                  "normalised weight x consensus value (0-100). Ranks: 1 = best; options within "
                  f"{TIE_TEXT.lower()} of each "
                  "other share the best rank of the tie.")
    row += 1
    s.section(row, "Provenance")
    row += 1
    sessions = ", ".join(f"{x.id}{' (used here)' if x.id == report.session.id else ''}"
                         f"{' [illustrative]' if x.illustrative else ''}" for x in study.sessions)
    pair("Tool", f"rubric {report.tool_version}")
    pair("Rubric", f"{study.rubric.id} version {study.rubric.version}: {study.rubric.title}")
    pair("Study id", study.id)
    pair("Input hash (SHA-256)", study.input_hash)
    pair("Sessions", sessions)
    pair("Session used", f"{report.session.id}: {report.session.title} ({report.session.date}), "
                         f"{len(report.session.analysts)} analysts, consensus rule: {study.consensus}")
    pair("Default profile", report.default_profile)
    pair("SMAA seed", smaa.seed)
    pair("SMAA samples", smaa.samples)
    pair("SMAA weights", smaa.weights_model + (f", concentration {smaa.concentration:g}" if smaa.concentration else ""))
    pair("Written (UTC)", report.written_at)
    s.finish(freeze=None, title_rows=None, landscape=False, gridlines=False)


def _screening_flags(report) -> dict[str, str]:
    """Option -> "unclear: <requirement ids>" for each ranked option flagged by screening."""
    scoped = report.scope
    if scoped is None or not scoped.screening:
        return {}
    return {option: "unclear: " + ", ".join(f.requirement for f in scoped.failures(option))
            for option in scoped.flagged}


def _screening_findings(report) -> list[tuple[str, str]]:
    """The Summary's lines on screening: the screened-out baseline, each other option screened out
    (requirement: reason), and the flagged options."""
    scoped = report.scope
    if scoped is None or not scoped.screening or not report.study.requirements:
        return []
    baseline = report.decision.baseline if report.decision is not None else None

    def why(option):
        return "; ".join(f"{f.requirement}: {f.reason}" for f in scoped.failures(option) if f.verdict == "fail")

    lines = []
    for option in scoped.screened_out:
        if option == baseline:
            lines.insert(0, (f"Baseline {option}", f"screened out ({why(option)})"))
        else:
            lines.append(("Screened out", f"{option} ({why(option)})"))
    flags = _screening_flags(report)
    if flags:
        lines.append(("Flagged (ranked, unclear on a requirement)",
                      "; ".join(f"{option} ({flag})" for option, flag in flags.items())))
    if not lines:
        lines.append(("Screening", "every option passes every requirement"))
    return lines


SUMMARY_RANKED_UP_TO = 30   # options; a larger study's Summary ranks its best 30 (Results ranks them all)
SUMMARY_TOP_SPANS = ((2, 3), (4, 6), (7, 9))   # the columns (merged) of each profile's 1st, 2nd and 3rd


def _summary(book: Book, report) -> None:
    """The answer first. The live columns read the Results sheet (they follow weight edits); the
    rest is as written, and says so. Column B (the rank) stays narrow: the longer texts below the
    ranking (top 3, findings) sit in cells merged across the ranking's columns, so the totals stay on
    screen beside the frozen option column and the sheet prints at a legible scale."""
    summary = report.summary
    if summary is None:
        return
    default = report.evaluation(report.default_profile)
    profiles = report.profiles
    p = profiles.index(report.default_profile)
    titles = {o.id: o.title for o in report.study.options}
    question = report.decision.question if report.decision is not None else report.study.question
    s = Sheet(book, layout.SUMMARY_SHEET, f"Summary: {question}",
              f"The answer first, for profile {report.default_profile} (the default) on the weighted sum. Columns "
              "marked 'live' follow weight edits on the Weights sheet; everything else is as written by rubric. "
              "Each block names the sheet with the detail.")
    r = 4
    # past 30 options the ranking keeps the best 30 as written, so the findings below stay in view
    # (at 2,000 options they would sit 2,000 rows down, under a chart 11 m tall)
    shown = tuple(summary.order[:SUMMARY_RANKED_UP_TO])
    s.section(r, f"Ranking, profile {report.default_profile}, best first (detail: {layout.RESULTS_SHEET})" + (
        "" if len(shown) == len(summary.order) else
        f": the {len(shown)} best as written, of {len(summary.order):,} options; {layout.RESULTS_SHEET} ranks "
        "every option, live"))
    r += 1
    groups = report.top_groups
    flags = _screening_flags(report)
    first_group = 10
    last_col = max(first_group - 1 + len(groups), SUMMARY_TOP_SPANS[-1][1] + 1)
    s.header(r, 1, ["option", "rank (as written)", "title", "total (as written)", "total (live)", "rank (live)",
                    "SMAA rank-1 share", f"SMAA ranks (>= {SUMMARY_SMAA_SHARE:.0%} of draws)",
                    f"screening flag (detail: {layout.SCREENING_SHEET})",
                    *[f"{g.name} (live)" for g in groups]])
    head = r
    s.caps.update({1: 30, 3: 40, 9: 36})
    contributions = report.live.group_contributions
    for i in shown:
        r += 1
        s.text(r, 1, report.options[i], bold=True)   # column 1: the chart's categories
        s.number(r, 2, int(default.ranks[i]), INTEGER)
        s.text(r, 3, titles.get(report.options[i], ""))
        s.number(r, 4, default.scores[i], VALUE)
        # the option's row on Results, found by its id (Results may be re-sorted by its filter)
        row = f"MATCH($A{r},{layout.RESULTS_OPTIONS},0)"
        s.formula(r, 5, f"=INDEX({layout.RESULTS_TOTALS},{row},{p + 1})", VALUE, report.live.totals[p][i])
        s.formula(r, 6, f"=INDEX({layout.RESULTS_RANKS},{row},{p + 1})", INTEGER, report.live.ranks[p][i])
        s.number(r, 7, summary.smaa_first[i], PROBABILITY)
        low, high = summary.smaa_ranks[i]
        s.text(r, 8, f"{low}" if low == high else f"{low}-{high}")
        flag = flags.get(report.options[i])
        if flag:
            s.text(r, 9, flag).fill = VERDICT_FILLS["unclear"]
        for k in range(len(groups)):
            s.formula(r, first_group + k, f"=INDEX({layout.RESULTS_GROUP_CONTRIBUTIONS},{row},{k + 1})", VALUE,
                      contributions[i, k])
    s.conditional(f"F{head + 1}:F{r}", *FIRST_RANK_RULE)
    s.name(layout.SUMMARY_TOTALS, head + 1, 5, r, 5)
    s.name(layout.SUMMARY_RANKS, head + 1, 6, r, 6)
    if groups:
        s.name(layout.SUMMARY_GROUP_CONTRIBUTIONS, head + 1, first_group, r, first_group - 1 + len(groups))
    last = r
    r += 2
    s.section(r, f"Every profile's top 3 (as written; detail: {layout.COMPARE_SHEET})")
    r += 1
    labels = ["profile"] + [""] * (SUMMARY_TOP_SPANS[-1][1] - 1)
    for (first, _), label in zip(SUMMARY_TOP_SPANS, ("1st", "2nd", "3rd")):
        labels[first - 1] = label
    s.header(r, 1, labels)
    s.merges.setdefault(r, []).extend(SUMMARY_TOP_SPANS)
    for profile, top in summary.top:
        r += 1
        s.text(r, 1, profile, bold=profile == report.default_profile)
        for (first, end), option in zip(SUMMARY_TOP_SPANS, top):   # fewer than 3 with fewer options
            s.text(r, first, option, track=False)
            s.merges.setdefault(r, []).append((first, end))
    r += 2
    comparison = report.comparison
    lines = [(label, text, layout.SCREENING_SHEET) for label, text in _screening_findings(report)]
    lines += [
        (f"Robust (top {comparison.top_k} for every profile)", ", ".join(comparison.robust) or "none",
         layout.COMPARE_SHEET),
        ("Contested (widest range of ranks across profiles)",
         ", ".join(f"{o} ({b}-{w})" for o, b, w in comparison.contested) or "none", layout.COMPARE_SHEET),
    ]
    if summary.closest is not None:
        kind, name, now, change, takes = summary.closest
        lines.append(("Closest call", f"moving the weight of {kind} {name} from {now:.3f} by {change:.3f} makes "
                                      f"{takes} the top option", layout.SENSITIVITY_SHEET))
    else:
        lines.append(("Closest call", "no single weight change moves the top option", layout.SENSITIVITY_SHEET))
    for option, marker, ranks in summary.baselines:
        lines.append((f"Baseline {option} ({marker})", "ranks " + ", ".join(
            f"{r_} for {pr}" for r_, pr in zip(ranks, profiles)), layout.COMPARE_SHEET))
    pooled = report.analysis.consensus
    lines.append(("Analysts' agreement", f"Krippendorff's alpha {pooled.overall_alpha_interval:.2f} (interval, all "
                                         f"cells); {summary.flagged_cells} of {summary.cells} cells flagged as "
                                         "disagreeing", layout.DISAGREEMENT_SHEET))
    s.header(r, 1, ["finding", "as written", *[""] * (last_col - 3), "detail"])
    s.merges.setdefault(r, []).append((2, last_col - 1))
    for label, text, sheet in lines:
        r += 1
        s.text(r, 1, label, bold=True)
        s.span(r, 2, last_col - 1, text)   # wraps across the ranking's columns; its row takes the height
        s.text(r, last_col, sheet)
    r += 2
    height = max(7.5, 0.55 * len(shown) + 3.5)
    s.bar_chart(r, f"Total by criterion group, profile {report.default_profile}, best first (live)",
                "weighted value (0-100)", "stacked", height, _chart_width(s), names_row=head, first_col=first_group,
                last_col=first_group - 1 + len(groups), first_row=head + 1, last_row=last,
                colours=list(GROUP_COLOURS), categories=[report.options[i] for i in shown],
                names=[f"{g.name} (live)" for g in groups],
                values=[contributions[list(shown), k] for k in range(len(groups))])
    s.finish(freeze="B6", title_rows="1:2")


def _titled(report) -> str:
    """The study's title, and the decision the workbook is for."""
    decision = report.decision
    if decision is None:
        return report.study.title
    return f"{report.study.title} - decision {decision.id}: {decision.question}"


def _has_sheet(report, name: str) -> bool:
    if name == layout.SCREENING_SHEET:  # a report built without a scope shows none (as before scopes)
        return report.scope is not None and bool(report.study.requirements)
    if name == layout.SCENARIOS_SHEET:
        return report.scenarios is not None
    if name == layout.SUMMARY_SHEET:
        return report.summary is not None
    if name == layout.VALUE_FOR_MONEY_SHEET:
        return bool(report.value_for_money)
    if name == layout.PACKAGES_SHEET:
        return report.packages is not None
    return True


def _ranked_text(report) -> str:
    scoped = report.scope
    ranked = f"{len(report.options)} option(s): {', '.join(report.options)}"
    if scoped is None:
        return ranked
    if not scoped.screening:
        return ranked + " (screening turned off with --no-screening: every option of the decision is ranked)"
    out, flagged = scoped.screened_out, scoped.flagged
    if out:
        ranked += f". Screened out by a must-pass requirement, and absent from every other sheet: " \
            f"{', '.join(out)} (see the {layout.SCREENING_SHEET} sheet)"
    if flagged:
        ranked += f". Ranked but flagged, unclear on a requirement: {', '.join(flagged)}"
    return ranked


VERDICT_FILLS = {"pass": make_fill("C6EFCE"), "fail": make_fill("FFC7CE"), "unclear": make_fill("FFEB9C")}


def _requirement_test(requirement, study) -> str:
    if requirement.test == "judgement":
        return "judgement: the analysts' verdicts"
    criterion = study.rubric.criterion(requirement.criterion)
    if requirement.level is not None:
        return f"threshold: {criterion.id} at level {requirement.level} or better"
    relation = "at least" if criterion.direction == "benefit" else "at most"
    return f"threshold: {criterion.id} {relation} {requirement.value:g} {criterion.unit}"


def _screening(book: Book, report) -> None:
    study, scoped, outcomes = report.study, report.scope, report.screening
    decision = report.decision
    requirements = report.requirements
    where = f"decision {decision.id}" if decision else "this study"
    screening_on = scoped is None or scoped.screening
    note = ("Each option of the decision against each must-pass requirement that applies to it: pass, fail or "
            "unclear (an unclear option is ranked, and flagged). A threshold compares the consensus with the "
            "requirement's level or measure; a judgement takes the analysts' verdicts (fail when most say fail, "
            "pass when all say pass).")
    if screening_on:
        note += " An option that fails any requirement is screened out: it is absent from every other sheet."
    else:
        note += (" Screening was turned off (--no-screening): every option is ranked on the other sheets, "
                 "including those that fail; the verdicts here are what screening would have found.")
    s = Sheet(book, layout.SCREENING_SHEET, f"Screening: the must-pass requirements of {where}", note)
    s.caps.update({1: 24})
    r = 4
    if not requirements:
        s.text(r, 1, f"No requirement applies to {where}: every option is ranked.", track=False)
        s.finish(freeze=None, title_rows="1:2")
        return
    ids = [q.id for q in requirements]
    options = tuple(dict.fromkeys(o.option for o in outcomes))
    verdict = {(o.option, o.requirement): o for o in outcomes}
    failed = {o.option for o in outcomes if o.verdict == "fail"}
    unclear = {o.option for o in outcomes if o.verdict == "unclear"}
    s.header(r, 1, ["option", *ids, "outcome"])
    for k in range(len(ids)):
        s.caps[2 + k] = 16
    s.caps[2 + len(ids)] = 44
    head = r
    for option in options:
        r += 1
        s.text(r, 1, option, bold=True)
        for k, requirement in enumerate(ids):
            outcome = verdict.get((option, requirement))
            if outcome is not None:
                cell = s.text(r, 2 + k, outcome.verdict)
                cell.fill = VERDICT_FILLS[outcome.verdict]
        if option in failed:
            outcome = "screened out: absent from the other sheets" if screening_on else \
                "fails: would be screened out (ranked here, --no-screening)"
        elif option in unclear:
            outcome = "ranked, flagged: unclear on a requirement"
        else:
            outcome = "ranked"
        s.text(r, 2 + len(ids), outcome)
    if options:
        s.name(layout.SCREENING_VERDICTS, head + 1, 2, r, 1 + len(ids))
    else:
        r += 1
        s.text(r, 1, "The verdicts could not be worked out (every option would fail).", track=False)
    r += 2
    gone = [o for o in options if o in failed]
    if screening_on:
        line = (f"Screened out (absent from every other sheet of this workbook): {', '.join(gone)}" if gone
                else "No option is screened out.")
    else:
        line = (f"Would be screened out, but ranked because of --no-screening: {', '.join(gone)}" if gone
                else "No option fails a requirement.")
    s.span(r, 1, 2 + len(ids), line)
    r += 2
    # the long texts (reasons, statements) are wide enough to read: in column D (the outcome column,
    # or the one after it) widened, or merged across the requirement and outcome columns from D on (the
    # narrow requirement columns alone made each row a column of words); each requirement's statement
    # is shown once, in the requirements table
    text_last = max(4, 2 + len(ids))
    s.caps[text_last] = 80 if text_last == 4 else 64
    if s.measuring and text_last > 4:   # the outcome column widened for the reasons merged into it
        s.lengths[text_last] = max(s.lengths.get(text_last, 0), 64)
    s.section(r, "Every verdict other than pass, with its reason")
    r += 1
    s.header(r, 1, ["option", "requirement", "verdict", "reason", *[""] * (text_last - 4)])
    if text_last > 4:
        s.merges.setdefault(r, []).append((4, text_last))
    misses = [o for o in outcomes if o.verdict != "pass"]
    for outcome in misses:
        r += 1
        s.text(r, 1, outcome.option)
        s.text(r, 2, outcome.requirement)
        s.text(r, 3, outcome.verdict).fill = VERDICT_FILLS[outcome.verdict]
        if text_last == 4:
            s.text(r, 4, outcome.reason)
        else:
            s.span(r, 4, text_last, outcome.reason)
    if not misses:
        r += 1
        s.text(r, 1, "none: every option passes every requirement", track=False)
    r += 2
    s.section(r, "The requirements")
    r += 1
    s.header(r, 1, ["requirement", "statement; test; rationale", *[""] * (text_last - 2)])
    s.merges.setdefault(r, []).append((2, text_last))
    for requirement in requirements:
        r += 1
        s.text(r, 1, requirement.id, bold=True)
        s.span(r, 2, text_last, f"{requirement.statement}\nTest: {_requirement_test(requirement, study)}\n"
                                   f"Rationale: {requirement.rationale}")
    s.finish(freeze="B5", title_rows="1:2")


def _scenarios(book: Book, report) -> None:
    analysis, live = report.scenarios, report.live_scenarios
    records = {x.id: x for x in report.study.scenarios}
    options, names = analysis.options, analysis.names
    n_s, n_o = len(analysis.scenarios), len(options)
    s = Sheet(book, layout.SCENARIOS_SHEET,
              f"Scenarios: how the options fare in other futures (profile {analysis.profile}, weighted sum)",
              "Each scenario's scores come from its own session or from its adjustments to the baseline scores "
              "(today, session " + analysis.session + "). Regret: the gap to the scenario's best option. Robust: "
              f"in the top {analysis.top_k} in every scenario; fragile: in the top {analysis.top_k} today and out "
              "of it in some scenario. The probabilities are INPUTS (yellow, blue text): change them and the "
              "expected scores (green, SUMPRODUCT of the probabilities and the option's scores) recompute.")
    last_col = 1 + n_s
    expected_col = last_col + 1
    narrative_end = max(expected_col + 1, 8)
    s.caps.update({1: 24, 2: 22, 4: 22})
    s.caps.update({2 + k: 18 for k in range(n_s)})
    r = 4
    s.section(r, "The scenarios")
    r += 1
    s.header(r, 1, ["scenario", "name", "probability (as recorded)", "drivers", "narrative"])
    for k, scenario_id in enumerate(analysis.scenarios):
        r += 1
        record = records.get(scenario_id)
        s.text(r, 1, scenario_id, bold=True)
        s.text(r, 2, names[k])
        if record is None:  # the baseline
            if live.given:
                s.number(r, 3, float(live.probabilities[k]), PROBABILITY)
            else:
                s.text(r, 3, "not given").alignment = make_alignment("right")
            s.span(r, 5, narrative_end, f"Today: the consensus scores of session {analysis.session}" + (
                "; its probability is 1 minus the scenarios' sum" if live.given else ""))
        else:
            s.number(r, 3, record.probability, PROBABILITY, missing="not given")
            s.text(r, 4, "; ".join(record.drivers))
            s.span(r, 5, narrative_end, record.narrative)
    r += 2
    s.section(r, "Score of each option in each scenario, and the expected score (live)")
    r += 1
    s.header(r, 1, ["option", *names, "expected score (formula); sum of the probabilities"])
    header_row = r
    r += 1
    probability_row = r
    s.text(r, 1, "probability (INPUT)", bold=True)
    for k in range(n_s):
        cell = s.number(r, 2 + k, float(live.probabilities[k]), PROBABILITY)
        cell.fill, cell.font, cell.protection = INPUT_FILL, INPUT_FONT, UNLOCKED
        cell.comment = (f"Input: the probability of {analysis.scenarios[k]}. Type a new value; the expected "
                        "scores below recompute (they assume the probabilities sum to 1).")
    first, last = get_column_letter(2), get_column_letter(last_col)
    s.formula(r, expected_col, f"=SUM({first}{r}:{last}{r})", PROBABILITY, float(live.probabilities.sum()))
    s.validation(r, 2, r, last_col, {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 1,
                                     "error_title": "Probability",
                                     "error_message": "A probability is a number from 0 to 1."})
    for i, option in enumerate(options):
        r += 1
        s.text(r, 1, option, bold=True)
        for k in range(n_s):
            s.number(r, 2 + k, analysis.scores[k, i], VALUE)
        s.formula(r, expected_col, f"=SUMPRODUCT(${first}${probability_row}:${last}${probability_row},"
                                   f"{first}{r}:{last}{r})", VALUE, live.expected[i])
    first_option = probability_row + 1
    s.name(layout.SCENARIOS_PROBABILITIES, probability_row, 2, probability_row, last_col)
    s.name(layout.SCENARIOS_PROBABILITY_SUM, probability_row, expected_col, probability_row, expected_col)
    s.name(layout.SCENARIOS_SCORES, first_option, 2, r, last_col)
    s.name(layout.SCENARIOS_EXPECTED, first_option, expected_col, r, expected_col)
    r += 1
    s.span(r, 1, expected_col, "The probabilities recorded with the scenarios (the baseline takes 1 minus their sum)."
           if live.given else "No scenario records a probability: equal probabilities are written as a starting "
           "point to edit.")
    scores_rows = (header_row, first_option, r - 1)
    r += 2
    s.page_breaks.append(r - 1)   # ranks, regret and the choice printed together
    s.section(r, "Rank of each option in each scenario (1 = best)")
    r += 1
    s.header(r, 1, ["option", *names, "best", "worst"])
    top = r + 1
    for i, option in enumerate(options):
        r += 1
        s.text(r, 1, option, bold=True)
        for k in range(n_s):
            s.number(r, 2 + k, int(analysis.ranks[k, i]), INTEGER)
        s.number(r, 2 + n_s, int(analysis.ranks[:, i].min()), INTEGER)
        s.number(r, 3 + n_s, int(analysis.ranks[:, i].max()), INTEGER)
    s.name(layout.SCENARIOS_RANKS, top, 2, r, last_col)
    s.conditional(f"B{top}:{last}{r}", {"type": "3_color_scale", "min_type": "num", "min_value": 1,
                                        "min_color": "#63BE7B", "mid_type": "percentile", "mid_value": 50,
                                        "mid_color": "#FFEB84", "max_type": "num", "max_value": max(2, n_o),
                                        "max_color": "#F8696B"})
    r += 2
    s.section(r, "Regret: the gap to the best option of each scenario (0 = best there)")
    r += 1
    s.header(r, 1, ["option", *names, "max regret", "minimax regret"])
    top = r + 1
    minimax = set(analysis.minimax_regret)
    worst = analysis.max_regret
    for i, option in enumerate(options):
        r += 1
        s.text(r, 1, option, bold=True)
        for k in range(n_s):
            s.number(r, 2 + k, analysis.regret[k, i], VALUE)
        s.number(r, 2 + n_s, worst[i], VALUE).font = HEADER_FONT
        if option in minimax:
            s.text(r, 3 + n_s, "minimax-regret choice", bold=True)
    s.name(layout.SCENARIOS_REGRET, top, 2, r, 2 + n_s)
    r += 2
    lines = [("Minimax-regret choice", ", ".join(analysis.minimax_regret)
              + f" (largest regret {worst.min():.1f})"),
             (f"Robust (top {analysis.top_k} in every scenario)", ", ".join(analysis.robust) or "none"),
             (f"Fragile (top {analysis.top_k} today, out of it in some scenario)",
              ", ".join(analysis.fragile) or "none")]
    for label, value in lines:
        s.span(r, 1, narrative_end, f"{label}: {value}")
        r += 1
    if analysis.best_ranges:
        r += 1
        s.section(r, f"Best expected score over the probability p of {analysis.scenarios[1]} (the baseline "
                     "has 1 - p)")
        r += 1
        s.header(r, 1, ["p from", "p to", "best option"])
        for low, high, best in analysis.best_ranges:
            r += 1
            s.number(r, 1, low, PROBABILITY)
            s.number(r, 2, high, PROBABILITY)
            s.text(r, 3, best)
    r += 2
    height = min(16.0, max(9.0, 0.22 * n_o * n_s + 4.5))
    header, first_row, last_row = scores_rows
    # the options down the side (their ids read level) and one bar per scenario, named in the legend: the
    # scenarios' long names as axis labels would squash the plot
    s.bar_chart(r, "Score of each option in each scenario (weighted sum)", "score (0-100)", "clustered", height,
                _chart_width(s), header, 2, last_col, first_row, last_row, colours=list(PROFILE_COLOURS),
                value_axis={"min": 0, "max": 100}, categories=options, names=names,
                values=[analysis.scores[k] for k in range(n_s)])
    s.finish(freeze="B4", title_rows="1:2")


def _options(book: Book, report) -> None:
    study = report.study
    families = {f.id: f.name for f in study.families}
    s = Sheet(book, layout.OPTIONS_SHEET, "Options", "Each policy option appraised; 'baseline' marks the reference "
               "options (business as usual or do-minimum). Precedents, benefits and risks are as recorded from the "
               "documents; where a record goes beyond them it says '(our inference)'.", banner=False)
    s.header(4, 1, ["option", "title", "family", "baseline", "summary", "precedents", "benefits", "risks"])
    s.caps.update({2: 45, 3: 28, 5: 80, 6: 60, 7: 60, 8: 60})
    for k, option in enumerate(study.options):
        r = 5 + k
        s.text(r, 1, option.id, bold=True)
        s.text(r, 2, option.title)
        s.text(r, 3, families.get(option.family, option.family))
        s.text(r, 4, "" if option.baseline == "none" else f"BASELINE: {option.baseline}")
        s.text(r, 5, option.summary)
        s.text(r, 6, "\n".join(f"{p.date}: {p.event}" + (f" [{p.source}]" if p.source else "")
                               for p in option.precedents))
        s.text(r, 7, "\n".join(f"- {b}" for b in option.benefits))
        s.text(r, 8, "\n".join(f"- {x}" for x in option.risks))
    s.autofilter(4, 1, 4 + max(1, len(study.options)), 8)
    s.finish(freeze="B5")


def _evidence(book: Book, report) -> None:
    from ..records.evidence import normalise_text  # the loader's rule for matching a cited quote

    study = report.study
    titles = {x.id: x.title for x in study.sources}
    graded = {x.id: f"{x.reliability.grade}: {x.reliability.reason}" for x in study.sources if x.reliability}
    # (option, source, normalised quote) -> analyst -> criteria whose scores cite the quote, in session order
    cited: dict[tuple, dict[str, list[str]]] = {}
    for score in report.session.scores:
        for citation in score.citations:
            key = (score.option, citation.source, normalise_text(citation.quote))
            cited.setdefault(key, {}).setdefault(score.analyst, []).append(score.criterion)

    def cited_by(option, item) -> str:
        by_analyst = cited.get((option.id, item.source, normalise_text(item.quote)), {}) if item.quote else {}
        return "\n".join(f"{analyst}: {', '.join(criteria)}" for analyst, criteria in by_analyst.items())

    s = Sheet(book, layout.EVIDENCE_SHEET, "Evidence", "The quotes recorded with each option, verbatim from the "
               "named source (see `rubric check-sources`), with the source's reliability grade and the scores of "
               f"session {report.session.id} that cite each quote (analyst: criteria).", banner=False)
    s.header(4, 1, ["option", "source", "source title", "locator", "quote", "note (ours)", "source reliability",
                    "cited by"])
    s.caps.update({1: 28, 2: 26, 3: 36, 4: 20, 5: 70, 6: 40, 7: 50, 8: 44})
    r = 5
    for option in study.options:
        for item in option.evidence:
            s.text(r, 1, option.id)
            s.text(r, 2, item.source)
            s.text(r, 3, titles.get(item.source, ""))
            s.text(r, 4, item.locator)
            s.text(r, 5, item.quote)
            s.text(r, 6, item.note or "")
            s.text(r, 7, graded.get(item.source, ""))
            s.text(r, 8, cited_by(option, item))
            r += 1
    s.autofilter(4, 1, max(5, r - 1), 8)
    measures = [(option, m) for option in study.options for m in option.measures]
    if measures:
        units = {c.id: c.unit for c in study.rubric.criteria}
        r += 1
        s.section(r, "Measures: what each option's documents give on the criteria measured in units")
        r += 1
        s.header(r, 1, ["option", "criterion", "value", "low", "high", "unit", "source", "source title", "locator",
                        "quote", "note (ours)", "cited by"])
        for option, m in measures:
            r += 1
            s.text(r, 1, option.id)
            s.text(r, 2, m.criterion)
            s.number(r, 3, m.value, MEASURE)
            for col, bound in ((4, m.low), (5, m.high)):
                if bound is not None:
                    s.number(r, col, bound, MEASURE)
            s.text(r, 6, units.get(m.criterion, ""))
            s.text(r, 7, m.source)
            s.text(r, 8, titles.get(m.source, ""))
            s.text(r, 9, m.locator)
            s.text(r, 10, m.quote or "")
            s.text(r, 11, m.note or "")
            s.text(r, 12, cited_by(option, m))
    s.finish(freeze="B5")


def _function_text(criterion) -> str:
    function = criterion.value_function
    if function.kind == "exponential":
        return f"exponential, curvature {function.curvature:g}"
    if function.kind == "piecewise":
        return "piecewise: " + ", ".join(f"({x:g}, {v:g})" for x, v in function.points)
    return function.kind


def _rubric(book: Book, report) -> None:
    rubric = report.study.rubric
    s = Sheet(book, layout.RUBRIC_SHEET, f"Rubric {rubric.id} version {rubric.version}: {rubric.title}",
               "One row per level. 'value' is the level's 0-100 value from the criterion's value function "
               "(cost criteria: more of the thing is worse, so the value falls). A criterion measured in a unit "
               "has one row with its scale (value 0 at worst, 100 at best) and its value function, drawn below.",
               banner=False)
    s.header(4, 1, ["group", "criterion", "name", "question", "direction", "level", "label", "descriptor",
                    "value (0-100)", "unit", "worst", "best", "value function"])
    s.caps.update({1: 22, 2: 22, 3: 26, 4: 40, 7: 22, 8: 70, 10: 22, 13: 40})
    r = 5
    for path, criterion in zip(report.criterion_groups, rubric.criteria):
        rows = criterion.levels if not criterion.natural else (None,)
        values = criterion.values() if not criterion.natural else {}
        for k, level in enumerate(rows):
            s.text(r, 1, " / ".join(path))
            s.text(r, 2, criterion.id, bold=k == 0)
            if k == 0:
                s.text(r, 3, criterion.name)
                s.text(r, 4, criterion.question)
                s.text(r, 5, criterion.direction)
                for col in range(1, 14):
                    s.cell(r, col).border = TOP_BORDER
            if level is None:
                scale = criterion.scale
                s.text(r, 8, f"measured in {scale.unit}")
                s.text(r, 10, scale.unit)
                s.number(r, 11, scale.worst, MEASURE)
                s.number(r, 12, scale.best, MEASURE)
                s.text(r, 13, _function_text(criterion))
            else:
                s.number(r, 6, level.level, INTEGER)
                s.text(r, 7, level.label)
                s.text(r, 8, level.descriptor)
                s.number(r, 9, values[level.level], VALUE)
            r += 1
    if report.value_curves:
        r += 1
        s.section(r, "Value functions of the criteria measured in units: measure -> 0-100 value (the points "
                     "each chart is drawn through)")
        r += 1
        height = 7.5
        for curve in report.value_curves:
            s.header(r, 1, ["criterion", f"measure ({curve.unit})", "value (0-100)"])
            first = r + 1
            for x, v in zip(curve.measures, curve.values):
                r += 1
                s.text(r, 1, curve.criterion)
                s.number(r, 2, x, MEASURE)
                s.number(r, 3, v, VALUE)
            s.line_chart(first - 1, 4, f"{curve.criterion}: {curve.kind} value function", curve.unit,
                         "value (0-100)", height, 14.0, 2, 3, first, r,
                         (min(curve.worst, curve.best), max(curve.worst, curve.best)), (0, 100))
            r = max(r + 2, first - 1 + _rows_for(height) + 1)
    s.finish(freeze="C5")


def _scores(book: Book, report):
    study, pooled = report.study, report.analysis.consensus
    options, criteria = report.options, report.criteria
    titles = {o.id: o.title for o in study.options}
    s = Sheet(book, layout.SCORES_SHEET, f"Consensus values ({study.consensus} of the analysts), session "
               f"{report.session.id}",
               f"The {study.consensus} of the analysts' 0-100 values for each option and criterion (abstentions "
               "left out); 100 is best on every criterion. Values, not formulas: Results multiplies each row by "
               "a profile's normalised weights." + (
                   f" Right of them: each measured criterion's {study.consensus} measure in its unit, and where "
                   "an analyst gave a range, the lowest low and highest high across the analysts (an analyst "
                   "without a range counts with the score itself); these are not used by the formulas."
                   if any(c.natural for c in study.rubric.criteria) or report.analysis.tensor.has_ranges else ""))
    extra = _measure_columns(report)
    last_col = 2 + len(criteria)
    s.header(4, 1, ["option", "title", *criteria])
    if extra:
        s.header(4, last_col + 2, [header for header, _ in extra])
    s.caps[2] = 40
    first, last = 5, 4 + len(options)
    for i, option in enumerate(options):
        s.text(first + i, 1, option, bold=True)
        s.text(first + i, 2, titles.get(option, ""))
        for j in range(len(criteria)):
            s.number(first + i, 3 + j, pooled.value[i, j], VALUE)
        for k, (_, numbers) in enumerate(extra):
            if is_finite(numbers[i]):
                s.number(first + i, last_col + 2 + k, numbers[i], MEASURE)
    ref = f"C{first}:{get_column_letter(last_col)}{last}"
    s.conditional(ref, {"type": "3_color_scale", "min_type": "num", "min_value": 0, "min_color": "#F8696B",
                        "mid_type": "num", "mid_value": 50, "mid_color": "#FFEB84",
                        "max_type": "num", "max_value": 100, "max_color": "#63BE7B"})
    s.name(layout.SCORES_VALUES, first, 3, last, last_col)
    s.finish(freeze="C5")
    return _ScoreBlock(first, 3, last_col)


def _measure_columns(report) -> list[tuple[str, np.ndarray]]:
    """The columns right of the 0-100 values, as (header, [option] numbers; NaN left blank): the
    pooled measure of each natural criterion in its unit, then for each criterion on which an analyst
    gave a range, the lowest low and highest high across the analysts."""
    study = report.study
    measure, ranges = report.analysis.consensus.measure, report.score_ranges
    columns = []
    for j, criterion in enumerate(study.rubric.criteria):
        if criterion.natural:
            columns.append((f"{criterion.id} ({criterion.unit}, {study.consensus})", measure[:, j]))
    for j, criterion in enumerate(study.rubric.criteria):
        if np.isfinite(ranges[:, j, :]).any():
            unit = criterion.unit if criterion.natural else "levels"
            columns.append((f"{criterion.id} range ({unit}): lowest low", ranges[:, j, 0]))
            columns.append((f"{criterion.id} range ({unit}): highest high", ranges[:, j, 1]))
    return columns


def _plain_rows(s: Sheet, first_row: int, number_styles: dict[int, tuple[str, Alignment]], rows) -> int:
    """Write rows of plain cells straight out; returns the row after the last.

    The fast path for a sheet of uniform rows (Analysts: one row per score, about three quarters of
    the write of a large study through the per-cell path). Each value in a row fills columns 1, 2, ...:
    a string is a literal text cell, a number a cell in its column's (format, alignment) from
    `number_styles`, None or "" an empty cell. The cells, formats, column widths, wrapping and row
    heights are those s.text() and s.number() give, without a Cell per value.
    """
    s._end_row()
    r = first_row
    if s.measuring:
        lengths = s.lengths
        for values in rows:
            for col, value in enumerate(values, 1):
                if value is None or value == "":
                    continue
                if isinstance(value, str):
                    longest = len(value) if "\n" not in value else max(len(line) for line in value.split("\n"))
                else:
                    number_format, alignment = number_styles[col]
                    longest = len(displayed(value, number_format))
                    if r == first_row and first_row - 1 in s._header_rows and alignment.horizontal != "left":
                        s.layout.right_headers.add((r - 1, col))
                if longest > lengths.get(col, 0):
                    lengths[col] = longest
            r += 1
        s._row_number = r - 1
        return r
    ws, widths, book = s.ws, s.layout.widths, s.book
    probe = Cell()

    def style(alignment, number_format):
        probe.alignment, probe.number_format = alignment, number_format
        return book.format(probe)

    # a text cell's format by (wraps, right after a number: indented), the variants the per-cell path
    # makes; a number's by its column. Each row's cells go out as they are met and its height after
    # them (a row is written to disk only when the next one starts).
    text_format = {(False, False): style(TOP, None), (True, False): style(make_alignment(None, "top", True, 0), None),
                   (False, True): style(make_alignment("left", "top", False, 1), None),
                   (True, True): style(make_alignment("left", "top", True, 1), None)}
    number_format = {col - 1: style(alignment, fmt) for col, (fmt, alignment) in number_styles.items()}
    write_string, write_number = ws.write_string, ws.write_number
    for values in rows:
        check_fits(s.title, r, 1)
        lines, after_number, row = 1, False, r - 1
        for c, value in enumerate(values):
            if value is None or value == "":
                after_number = False
            elif isinstance(value, str):
                width = widths.get(c + 1, 8.43)
                wrap = len(value) > width - 2 or "\n" in value
                if wrap:
                    lines = max(lines, wrapped_lines(value, width - after_number))
                if value.startswith("<r>") and value.endswith("</r>"):   # see Sheet._write_row
                    ws.write_rich_string(row, c, value[:1], book.run_format(None), value[1:],
                                         *([text_format[wrap, after_number]] if text_format[wrap, after_number] else []))
                else:
                    write_string(row, c, value, text_format[wrap, after_number])
                after_number = False
            else:
                write_number(row, c, value if isinstance(value, int) else float(value), number_format[c])
                after_number = True
        if lines > 1:
            ws.set_row(row, min(409.0, lines * LINE_HEIGHT + 2))
        r += 1
    s._row_number = r - 1
    return r


def _analysts(book: Book, report) -> None:
    session, tensor = report.session, report.analysis.tensor
    names = {p.id: p.name for p in session.participants}
    index = [{x: i for i, x in enumerate(axis)} for axis in (tensor.analysts, tensor.options, tensor.criteria)]
    who = "; ".join(f"{a} = {n}" for a, n in names.items() if n)
    s = Sheet(book, layout.ANALYSTS_SHEET, f"Every score of session {session.id} ({session.title})",
               "One row per analyst, option and criterion as recorded. An abstention shows its reason; its value "
               "is left out of the consensus." + (f" Analysts: {who}." if who else ""))
    units = {c.id: c.unit for c in report.study.rubric.criteria}
    ranged = any(score.low is not None or score.high is not None for score in session.scores)
    measured = any(units.values())
    s.header(4, 1, ["analyst", "option", "criterion", "level or measure" if measured else "level", "value (0-100)",
                    "confidence", "rationale", "evidence", "quotes cited", *(("low", "high") if ranged else ()),
                    *(("unit",) if measured else ())])
    s.caps.update({1: 22, 2: 28, 3: 22, 4: 30, 7: 70, 8: 30, 9: 60, 12: 22})

    values = tensor.values.tolist()   # Python floats: ~10x quicker to index than the array, one by one

    def rows():
        for score in session.scores:
            if score.abstained:
                level, value = f"abstained: {score.abstain}" if score.abstain else "abstained", None
            else:
                level = score.level if score.level is not None else float(score.value)
                value = values[index[0][score.analyst]][index[1][score.option]][index[2][score.criterion]]
                value = value if math.isfinite(value) else "n/a"
            extra = ((score.low, score.high) if ranged else ()) + ((units[score.criterion],) if measured else ())
            if score.evidence:
                sources, quotes = ", ".join(score.sources), sources_cited_text(score.citations) or ""
            else:
                sources = quotes = ""
            yield (score.analyst, score.option, score.criterion, level, value, score.confidence, score.rationale,
                   sources, quotes, *extra)

    number_styles = {4: (MEASURE if measured else INTEGER, make_alignment("left")), 5: (VALUE, TOP),
                     10: (MEASURE, TOP), 11: (MEASURE, TOP)}
    r = _plain_rows(s, 5, number_styles, rows())
    s.autofilter(4, 1, max(5, r - 1), 9 + 2 * ranged + measured)
    s.finish(freeze="A5")


def _disagreement(book: Book, report) -> None:
    from ..compute.consensus import DISAGREEMENT_LEVELS, DISAGREEMENT_VALUE

    analysis, session = report.analysis, report.session
    analysts = analysis.tensor.analysts
    pooled = analysis.consensus
    measured = bool(analysis.tensor.natural.any())
    rule = (f"{DISAGREEMENT_LEVELS} or more levels apart on a criterion scored by level, or "
            f"{DISAGREEMENT_VALUE:g} or more value points (of 0-100) apart on a criterion measured in a unit")
    s = Sheet(book, layout.DISAGREEMENT_SHEET, "Where the analysts disagree",
               f"Cells whose analysts are {rule}, with each analyst's level or measure; then Krippendorff's "
               "alpha per criterion (interval: on the 0-100 values; ordinal: on the levels, n/a on criteria "
               "measured in units) and any dissent recorded with the session.")
    s.header(4, 1, ["option", "criterion", *analysts,
                    "spread (levels, or value points)" if measured else "spread (levels)", "consensus value",
                    *(("unit",) if measured else ())])
    units = {c.id: c.unit for c in report.study.rubric.criteria}
    r = 5
    for cell in report.disagreements:
        s.text(r, 1, cell.option)
        s.text(r, 2, cell.criterion)
        for k, level in enumerate(cell.levels):
            if level is None:
                s.text(r, 3 + k, "abstained")
            else:
                s.number(r, 3 + k, level, MEASURE if cell.natural else INTEGER)
        s.number(r, 3 + len(analysts), cell.spread, VALUE if cell.natural else INTEGER)
        s.number(r, 4 + len(analysts), cell.value, VALUE)
        if measured:
            s.text(r, 5 + len(analysts), units[cell.criterion])
        r += 1
    if not report.disagreements:
        s.text(r, 1, f"no cell has analysts {rule}")
        r += 1
    r += 1
    s.section(r, "Krippendorff's alpha (1 = perfect agreement; n/a = no variation to measure)")
    r += 1
    s.header(r, 1, ["criterion", "alpha (interval)", "alpha (ordinal)"])
    r += 1
    rows = [(c, pooled.alpha_interval[c], pooled.alpha_ordinal.get(c, float("nan")), False) for c in analysis.tensor.criteria]
    rows.append(("all cells", pooled.overall_alpha_interval, pooled.overall_alpha_ordinal, True))
    for label, interval, ordinal, bold in rows:
        s.text(r, 1, label, bold=bold)
        s.number(r, 2, interval, WEIGHT)
        s.number(r, 3, ordinal, WEIGHT)
        r += 1
    if measured:
        s.span(r, 1, 4 + len(analysts), "all cells: interval alpha over every cell's 0-100 value; ordinal alpha over "
                                         "the cells of the criteria scored by level only, on their 0-100 values "
                                         "(so that higher is better on every criterion)")
        r += 1
    if session.dissent:
        r += 1
        s.section(r, "Dissent recorded with the session")
        r += 1
        s.header(r, 1, ["analyst", "option", "criterion", "note"])
        r += 1
        for note in session.dissent:
            s.text(r, 1, note.analyst)
            s.text(r, 2, note.option or "")
            s.text(r, 3, note.criterion or "")
            s.span(r, 4, max(6, 4 + len(analysts)), note.note)
            r += 1
    s.finish(freeze="A5", title_rows="1:2")


def _sum_of(letter: str, rows) -> str:
    """SUM over the cells of `letter` in `rows`, consecutive rows as one range (E7:E13,E20)."""
    return "SUM(" + ",".join(f"{letter}${a}" if a == b else f"{letter}${a}:{letter}${b}" for a, b in _runs(rows)) + ")"


def _import_command(report) -> str:
    return f"rubric import-weights {os.path.basename(os.path.normpath(report.study.root))} REVIEWED.xlsx"


def _weights(book: Book, report) -> _WeightRows:
    """Each profile's inputs on its own scale (see workbooks/weight_inputs.py), spare columns for new
    profiles, and the normalised leaf weights by formula: a leaf's input over the sum of its
    siblings', times the same share of each group on its path (hierarchical profiles)."""
    study, rubric = report.study, report.study.rubric
    criteria, profiles = report.criteria, report.profiles
    names = {c.id: c.name for c in rubric.criteria}
    inputs = [sheet_inputs(study.profile(p), e.weights) for p, e in zip(profiles, report.evaluations)]
    parent: dict[str, str] = {}   # node id -> the id of the group holding it ("rubric" at the top)
    children: dict[str, list[str]] = {"rubric": [g.id for g in rubric.groups]}
    groups = rubric.all_groups()
    for group in groups:
        children[group.id] = [child.id for child in group.children]
        for child in group.children:
            parent[child.id] = group.id
    for group in rubric.groups:
        parent[group.id] = "rubric"
    group_names = {g.id: g.name for g in groups}
    with_groups = any(i.hierarchical for i in inputs)
    n_c, n_p, n_g = len(criteria), len(profiles), len(groups) if with_groups else 0
    s = Sheet(book, layout.WEIGHTS_SHEET, "Weights per profile: inputs on each profile's own scale, normalised weights",
              "Yellow cells with blue text are INPUTS. Type a new value and the normalised weights (green, formulas), "
              "the Results totals and ranks recompute. The guide below says how to bring your edits back.",
              banner=False)
    head = layout.HEADER_ROW
    first_in = layout.FIRST_INPUT_COLUMN
    first_spare = first_in + n_p
    first_norm = first_spare + layout.SPARE_COLUMNS
    comment_col = first_norm + n_p
    # the guide: what the columns hold, how to import, how to add a profile
    s.section(4, "How to review these weights")
    guide = (
        "1. Type on each profile's own scale: the 'scale' row over the profile ids says which. Points (direct, swing) are the profile's "
        "own; rank and AHP profiles show the percentages their method derives. A hierarchical profile has a value "
        "per criterion within its group and, in the group rows below the criteria, a value per group.",
        "2. Bring the edits back with:  " + _import_command(report) + "   (REVIEWED.xlsx: this workbook, saved; "
        "--dry-run shows the changes first). A direct-points profile is updated in place; any other becomes a new "
        "direct profile <id>-reviewed (or --as ID). Only the values you changed get a new rationale.",
        "3. To add a profile: type its id (lowercase letters, digits and dashes) over '" + layout.SPARE_HEADER
        + "' in one of the spare columns, and its points for every criterion below; import-weights makes it a "
        "direct-points profile. Comments: the 'reviewer comment' row (per profile) and column (per criterion).",
    )
    last_col = comment_col
    for k, line in enumerate(guide):
        s.span(5 + k, 1, last_col, line)
    s.label(head - 2, first_in, first_in + n_p - 1, "INPUTS: type here", make_font(bold=True, color="0000FF"),
            INPUT_FILL)
    s.label(head - 2, first_spare, first_norm - 1, "New profiles", make_font(bold=True, color="0000FF"), INPUT_FILL)
    s.label(head - 2, first_norm, first_norm + n_p - 1, "Normalised weights (formulas)", HEADER_FONT, FORMULA_FILL)
    # what each input column holds, over its header (the numbers right under the header align with it)
    scale_row = head - 1
    s.text(scale_row, layout.CRITERION_COLUMN, layout.SCALE_LABEL, bold=True)
    s.text(scale_row, 2, "what each input column holds", track=False)
    for k, scale in enumerate([i.scale for i in inputs] + ["points"] * layout.SPARE_COLUMNS):
        cell = s.text(scale_row, first_in + k, scale)
        cell.font, cell.alignment = SCALE_FONT, RIGHT_TOP   # over right-aligned numbers
    s.header(head, 1, ["criterion", "name", "group"])
    s.header(head, first_in, profiles, fill=INPUT_FILL)
    s.header(head, first_spare, [layout.SPARE_HEADER] * layout.SPARE_COLUMNS, fill=INPUT_FILL)
    for k in range(layout.SPARE_COLUMNS):
        cell = s.cell(head, first_spare + k)
        cell.protection, cell.font = UNLOCKED, SPARE_HEADER_FONT
        cell.comment = ("Input: type a new profile's id here (lowercase letters, digits and dashes) and its points "
                        "for every criterion below; `rubric import-weights` makes it a profile.")
    s.header(head, first_norm, profiles, fill=FORMULA_FILL)
    s.header(head, comment_col, [layout.COMMENT_LABEL])
    s.caps.update({1: 30, 2: 56, 3: 24, comment_col: 30})
    s.caps.update({first_in + k: 16 for k in range(n_p + layout.SPARE_COLUMNS)})
    s.lengths[comment_col] = 30
    first, last = head + 1, head + n_c
    sum_row = last + 1
    first_group = sum_row + 2
    row_of = {c: first + i for i, c in enumerate(criteria)}
    row_of.update({g.id: first_group + j for j, g in enumerate(groups[:n_g])})
    normalised = report.live.normalised
    input_style = {"validate": "decimal", "criteria": ">=", "value": 0, "ignore_blank": False,
                   "error_title": "Weight", "error_message": "A weight is a number of zero or more."}
    s.validation(first, first_in, last, first_norm - 1, input_style)

    def input_cell(r, col, value, fmt, comment):
        cell = s.number(r, col, value, fmt) if value is not None else s.cell(r, col)
        cell.fill, cell.font, cell.protection, cell.comment = INPUT_FILL, INPUT_FONT, UNLOCKED, comment
        return cell

    def share(letter, node, flat):
        """The node's input over the sum of its siblings' (all criteria for a flat profile)."""
        siblings = range(first, last + 1) if flat else [row_of[n] for n in children[parent[node]]]
        return f"{letter}{row_of[node]}/{_sum_of(letter, siblings)}"

    for i, criterion in enumerate(criteria):
        r = first + i
        s.text(r, layout.CRITERION_COLUMN, criterion, bold=True)
        s.text(r, 2, names[criterion])
        s.text(r, 3, group_names[parent[criterion]])
        for k, given in enumerate(inputs):
            input_cell(r, first_in + k, given.values[criterion], _input_format(given),
                       f"Input: {criterion}, profile {given.profile_id}: {given.scale}. Type a new value; the "
                       "normalised weights, Results totals and ranks recompute.")
            letter = get_column_letter(first_in + k)
            path = [criterion]
            while given.hierarchical and parent[path[-1]] != "rubric":
                path.append(parent[path[-1]])
            s.formula(r, first_norm + k, "=" + "*".join(share(letter, node, not given.hierarchical) for node in path),
                      NORMALISED, normalised[k][i])
        for k in range(layout.SPARE_COLUMNS):
            input_cell(r, first_spare + k, None, "General", None)
        cell = s.cell(r, comment_col)
        cell.protection, cell.fill = UNLOCKED, INPUT_FILL
    s.text(sum_row, layout.CRITERION_COLUMN, layout.SUM_LABEL, bold=True)
    for k in range(n_p):
        letter = get_column_letter(first_norm + k)
        s.formula(sum_row, first_norm + k, f"=SUM({letter}{first}:{letter}{last})", NORMALISED,
                  normalised[k].sum()).font = HEADER_FONT
    if n_g:
        s.text(first_group - 1, layout.CRITERION_COLUMN, "groups", bold=True)
        s.text(first_group - 1, 2, "hierarchical profiles: each group's value among its sibling groups", track=False)
        s.validation(first_group, first_in, first_group + n_g - 1, first_in + n_p - 1, input_style)
        leaf_index = {c: i for i, c in enumerate(criteria)}
        for j, group in enumerate(groups):
            r = first_group + j
            s.text(r, layout.CRITERION_COLUMN, group.id, bold=True)
            s.text(r, 2, group.name)
            s.text(r, 3, group_names.get(parent[group.id], "(top level)"))
            for k, given in enumerate(inputs):
                if given.hierarchical:
                    input_cell(r, first_in + k, given.values[group.id], _input_format(given),
                               f"Input: group {group.id}, profile {given.profile_id}: {given.scale}, among its "
                               "sibling groups. Type a new value; its criteria's weights recompute.")
                else:
                    s.cell(r, first_in + k).fill = NOT_USED_FILL
                letter = get_column_letter(first_norm + k)
                members = [leaf_index[c.id] for c in group.leaves()]
                s.formula(r, first_norm + k, f"={_sum_of(letter, [first + i for i in members])}", NORMALISED,
                          normalised[k][members].sum())
            for k in range(layout.SPARE_COLUMNS):
                s.cell(r, first_spare + k).fill = NOT_USED_FILL
            cell = s.cell(r, comment_col)
            cell.protection, cell.fill = UNLOCKED, INPUT_FILL
    comment_row = first_group + n_g + 1 if n_g else sum_row + 2
    s.text(comment_row, layout.CRITERION_COLUMN, layout.COMMENT_LABEL, bold=True)
    s.text(comment_row, 2, "about the whole column", track=False)
    for k in range(n_p + layout.SPARE_COLUMNS):
        cell = s.cell(comment_row, first_in + k)
        cell.protection, cell.fill = UNLOCKED, INPUT_FILL
    r = comment_row + 1
    s.text(r, layout.CRITERION_COLUMN, "profile name", bold=True)
    for k, profile_id in enumerate(profiles):
        s.text(r, first_in + k, study.profile(profile_id).name)
    # the normalised weights again, one row per profile, so Results can SUMPRODUCT two rows
    r += 2
    s.section(r, "Normalised weights laid out by row (formulas; Results uses these rows)")
    r += 1
    s.header(r, 1, ["profile", "", ""])
    s.header(r, first_in, criteria)
    first_row = r + 1
    rows = {}
    for k, profile_id in enumerate(profiles):
        rr = first_row + k
        s.text(rr, 1, profile_id, bold=True)
        norm_letter = get_column_letter(first_norm + k)
        for i in range(n_c):
            s.formula(rr, first_in + i, f"=${norm_letter}${first + i}", NORMALISED, normalised[k][i])
        rows[profile_id] = rr
    last_row = first_row + n_p - 1
    s.name(layout.WEIGHTS_INPUT, first, first_in, last, first_in + n_p - 1)
    if n_g:
        s.name(layout.WEIGHTS_GROUP_INPUT, first_group, first_in, first_group + n_g - 1, first_in + n_p - 1)
        s.name(layout.WEIGHTS_GROUP_NORMALISED, first_group, first_norm, first_group + n_g - 1, first_norm + n_p - 1)
    s.name(layout.WEIGHTS_SPARE, head, first_spare, last, first_norm - 1)
    s.name(layout.WEIGHTS_NORMALISED, first, first_norm, last, first_norm + n_p - 1)
    s.name(layout.WEIGHTS_NORMALISED_SUM, sum_row, first_norm, sum_row, first_norm + n_p - 1)
    s.name(layout.WEIGHTS_ROWS, first_row, first_in, last_row, first_in + n_c - 1)
    s.name(layout.WEIGHTS_COMMENTS, comment_row, first_in, comment_row, first_norm - 1)
    # one chart per profile, live from its normalised column
    r = last_row + 2
    s.section(r, "Normalised weight of each criterion, per profile (live from the formulas above)")
    r += 1
    titles = [f"{profile_id}: {given.scale}" for profile_id, given in zip(profiles, inputs)]
    r += weight_chart_grid(s, r, max(_chart_width(s), 0.19 * 0.8 * s.table_width()), titles, head, first_norm,
                           first, last, _rows_for(chart_height(n_c)))
    s.cell(r, 1)   # the sheet ends below the charts (its pagination looks that far)
    s.finish(freeze="D1", title_rows=f"{head}:{head}")
    return _WeightRows(rows, first_in, first_in + n_c - 1)


def _input_format(given) -> str:
    """Points as recorded (20, 17.5); derived percentages to one decimal (the cell keeps every digit)."""
    return "General" if given.points else "0.0"


def _weight_inputs(book: Book, report) -> None:
    study = report.study
    s = Sheet(book, layout.WEIGHT_INPUTS_SHEET, "Raw weighting inputs of every profile, as recorded",
               "Each block of a profile weighs the children of one node (the rubric's groups, a group's criteria, "
               "or all leaves at once). Local weight = the block's share; a leaf's weight is the product of the "
               "local weights along its path. AHP: pairwise judgements (a over b) and the consistency ratio.",
               banner=False)
    s.header(4, 1, ["profile", "method", "node", "item / judgement", "points", "rank", "ratio (a over b)",
                    "local weight", "consistency ratio", "rationale"])
    s.caps.update({4: 30, 10: 70})
    r = 5
    for evaluation in report.evaluations:
        profile = study.profile(evaluation.profile_id)
        method = WEIGHTING_METHODS[profile.method].describe(profile)
        for raw, derived in zip(profile.blocks, evaluation.weights.blocks):
            local = dict(zip(derived.ids, derived.local))
            for k, item in enumerate(raw.items):
                s.text(r, 1, profile.id, bold=True)
                s.text(r, 2, method)
                s.text(r, 3, raw.node)
                s.text(r, 4, item.id)
                if item.points is not None:
                    s.number(r, 5, item.points, "General")
                if item.rank is not None:
                    s.number(r, 6, item.rank, INTEGER)
                s.number(r, 8, local[item.id], WEIGHT)
                if k == 0 and derived.ahp is not None:
                    s.number(r, 9, derived.ahp.consistency_ratio, WEIGHT)
                s.text(r, 10, item.rationale)
                r += 1
            for judgement in raw.judgements:
                s.text(r, 1, profile.id, bold=True)
                s.text(r, 2, method)
                s.text(r, 3, raw.node)
                s.text(r, 4, f"{judgement.a} vs {judgement.b}")
                s.number(r, 7, judgement.ratio, "General")
                s.text(r, 10, judgement.rationale)
                r += 1
    for warning in (w for e in report.evaluations for w in e.weights.warnings):
        s.text(r, 1, f"warning: {warning}", track=False)
        r += 1
    s.autofilter(4, 1, max(5, r - 1), 10)
    s.finish(freeze="A5")


def _best_first(report) -> tuple[int, ...]:
    """Option indices in the default profile's rank order (as written), best first, ties by id: the
    order of every ranked table and chart (a sheet's autofilter re-sorts them alphabetically)."""
    if report.summary is not None:
        return tuple(report.summary.order)
    ranks = report.evaluation(report.default_profile).ranks
    return tuple(sorted(range(len(report.options)), key=lambda i: (ranks[i], report.options[i])))


def _best_first_among(report, options) -> list[int]:
    """_best_first as indices into `options` (a result's own tuple of the report's option ids)."""
    position = {option: i for i, option in enumerate(options)}
    return [position[report.options[i]] for i in _best_first(report)]


def _runs(columns) -> list[tuple[int, int]]:
    """Sorted column numbers as (first, last) runs of adjacent columns."""
    runs: list[tuple[int, int]] = []
    for c in sorted(columns):
        if runs and runs[-1][1] == c - 1:
            runs[-1] = (runs[-1][0], c)
        else:
            runs.append((c, c))
    return runs


PROFILE_COLOURS = ("1F77B4", "FF7F0E", "2CA02C", "D62728", "9467BD", "8C564B", "E377C2", "7F7F7F", "BCBD22",
                   "17BECF")   # Tableau 10: one distinct colour per profile (or option) in bars and lines
PROFILE_CHART_BARS = 60   # the totals-per-profile chart shows the top options up to about this many bars


def _results(book: Book, report, scores: _ScoreBlock, weights: _WeightRows) -> None:
    study = report.study
    options, profiles = report.options, report.profiles
    titles = {o.id: o.title for o in study.options}
    n_o, n_p = len(options), len(profiles)
    order = _best_first(report)
    s = Sheet(book, layout.RESULTS_SHEET, "Totals and ranks per profile (live formulas)",
               "Total = SUMPRODUCT of the option's row of consensus values (Scores) and the profile's row of "
               "normalised weights (Weights), on 0-100; rank = 1 + the number of options with a higher total "
               f"(ties within {TIE_TEXT.lower()} share the best rank). Change a yellow input on Weights and both "
               f"recompute. Options in the order of the default profile's ranks as written "
               f"({report.default_profile}), best first; the filter buttons re-sort them.")
    first_total, first_rank = 3, 3 + n_p + 1
    for start, label in ((first_total, "Total value (0-100)"), (first_rank, "Rank (1 = best)")):
        s.label(4, start, start + n_p - 1, label, HEADER_FONT)
    s.header(5, 1, ["option", "title"])
    s.header(5, first_total, profiles)
    s.header(5, first_rank, profiles)
    s.caps[2] = 40
    first, last = 6, 5 + n_o
    score_first_col = get_column_letter(scores.first_col)
    score_last_col = get_column_letter(scores.last_col)
    weight_first_col = get_column_letter(weights.first_col)
    weight_last_col = get_column_letter(weights.last_col)
    totals, ranks = report.live.totals, report.live.ranks
    for n, i in enumerate(order):
        r = first + n
        score_row = scores.first_row + i   # Scores keeps the report's option order
        s.text(r, 1, options[i], bold=True)
        s.text(r, 2, titles.get(options[i], ""))
        for k, profile_id in enumerate(profiles):
            w = weights.row_of[profile_id]
            s.formula(r, first_total + k,
                      f"=SUMPRODUCT({layout.SCORES_SHEET}!${score_first_col}${score_row}:${score_last_col}${score_row},"
                      f"{layout.WEIGHTS_SHEET}!${weight_first_col}${w}:${weight_last_col}${w})", VALUE, totals[k][i])
            total = get_column_letter(first_total + k)
            column = f"{total}${first}:{total}${last}"
            s.formula(r, first_rank + k, f"=1+SUMPRODUCT(--({column}>{total}{r}+{TIE_TEXT}*MAX(1,MAX({column}))))",
                      INTEGER, ranks[k][i])
    ranks_ref = f"{get_column_letter(first_rank)}{first}:{get_column_letter(first_rank + n_p - 1)}{last}"
    for k in range(n_p):
        letter = get_column_letter(first_total + k)
        s.conditional(f"{letter}{first}:{letter}{last}", {"type": "2_color_scale", "min_type": "min",
                      "min_color": "#FFFFFF", "max_type": "max", "max_color": "#63BE7B"})
    s.conditional(ranks_ref, *FIRST_RANK_RULE)
    s.autofilter(5, 1, last, first_rank + n_p - 1)
    s.name(layout.RESULTS_OPTIONS, first, 1, last, 1)
    s.name(layout.RESULTS_TOTALS, first, first_total, last, first_total + n_p - 1)
    s.name(layout.RESULTS_RANKS, first, first_rank, last, first_rank + n_p - 1)

    # weighted contributions by criterion group, default profile: live, each group's share of the
    # SUMPRODUCT behind the total (its criteria's columns, in runs of adjacent columns)
    r = last + 2
    s.section(r, f"Weighted contribution of each criterion group to the total, profile {report.default_profile} "
                 "(live formulas; their sum is the total)")
    r += 1
    groups = report.top_groups
    runs = [_runs(scores.first_col + j for j in columns) for columns in report.live.group_columns]
    w = weights.row_of[report.default_profile]
    shift = weights.first_col - scores.first_col   # Weights rows start their criteria at another column
    s.header(r, 1, ["option", "title"])
    s.header(r, 3, [g.name for g in groups])
    sum_col = 3 + len(groups)
    s.header(r, sum_col, ["sum of the groups (= the total)"])
    head = r
    contributions = report.live.group_contributions
    for n, i in enumerate(order):
        r += 1
        score_row = scores.first_row + i
        s.text(r, 1, options[i], bold=True)
        s.text(r, 2, titles.get(options[i], ""))
        for k, group_runs in enumerate(runs):
            parts = [f"SUMPRODUCT({layout.SCORES_SHEET}!${get_column_letter(a)}${score_row}:"
                     f"${get_column_letter(b)}${score_row},{layout.WEIGHTS_SHEET}!${get_column_letter(a + shift)}${w}:"
                     f"${get_column_letter(b + shift)}${w})" for a, b in group_runs]
            s.formula(r, 3 + k, "=" + ("+".join(parts) or "0"), VALUE, contributions[i, k])
        s.formula(r, sum_col, f"=SUM(C{r}:{get_column_letter(sum_col - 1)}{r})", VALUE, contributions[i].sum())
    s.name(layout.RESULTS_GROUP_CONTRIBUTIONS, head + 1, 3, r, 2 + len(groups))
    s.name(layout.RESULTS_CONTRIBUTION_SUMS, head + 1, sum_col, r, sum_col)
    r += 2
    width = _chart_width(s)
    bar_height = max(7.5, 0.6 * n_o + 3.5)
    ids = [options[i] for i in order]
    s.bar_chart(r, f"Contribution by criterion group, profile {report.default_profile} (live)",
                "weighted value (0-100)", "stacked", bar_height, width, names_row=head, first_col=3,
                last_col=2 + len(groups), first_row=head + 1, last_row=head + n_o, colours=list(GROUP_COLOURS),
                categories=ids, names=[g.name for g in groups], values=[contributions[list(order), k]
                                                                       for k in range(len(groups))])
    r += _rows_for(bar_height) + 1
    shown = min(n_o, max(3, PROFILE_CHART_BARS // max(1, n_p)))
    title = "Total value per profile (live)" + (f", the top {shown} of {n_o} options by the default profile"
                                                if shown < n_o else ", options best first by the default profile")
    s.page_breaks.append(r - 1)   # a page of its own: it follows a table and a chart of uneven heights
    s.column_chart(r, title, "total value (0-100)", 11.0, width, names_row=5, first_col=first_total,
                   last_col=first_total + n_p - 1, first_row=first, last_row=first + shown - 1,
                   colours=list(PROFILE_COLOURS), categories=ids[:shown], names=profiles,
                   values=[totals[k][list(order[:shown])] for k in range(n_p)])
    s.finish(freeze="C6", title_rows="1:2")


# conditional format: a rank of 1 in bold on green
FIRST_RANK_RULE = ({"type": "cell", "criteria": "==", "value": 1}, {"bold": True, "bg_color": "#63BE7B"})


def _chart_width(sheet: Sheet) -> float:
    """Most of the printed width of the sheet's tables (a column width unit is about 0.19 cm)."""
    return min(34.0, max(18.0, 0.19 * 0.8 * sheet.table_width()))


def _diverging(x: float) -> str:
    """Hex colour at x in [0, 1] on a green - yellow - red scale (ColorBrewer RdYlGn, reversed)."""
    stops = [(0x1A, 0x98, 0x50), (0xFE, 0xE0, 0x8B), (0xD7, 0x30, 0x27)]
    x = min(1.0, max(0.0, x)) * (len(stops) - 1)
    k = min(int(x), len(stops) - 2)
    f = x - k
    return "".join(f"{round(a + (b - a) * f):02X}" for a, b in zip(stops[k], stops[k + 1]))


def _rows_for(height_cm: float) -> int:
    """Rows a chart covers (default-height rows, one spare), so that the next thing never overlaps it."""
    return math.ceil(height_cm / (DEFAULT_ROW_HEIGHT * 2.54 / 72)) + 1


def _compare(book: Book, report) -> None:
    c = report.comparison
    s = Sheet(book, layout.COMPARE_SHEET, "How the ranking changes across profiles, methods and analysts",
               f"Ranks as computed by rubric (values, not live): weighted sum for every profile; then the default "
               f"profile ({c.default_profile}) under every aggregation method, and each analyst's own scores. "
               "Kendall's tau: 1 = same order, -1 = reversed. Options in the order of the default profile's "
               "ranks, best first.")
    order = _best_first_among(report, c.options)

    def rank_table(r, title, names, ranks, extra=True):
        s.section(r, title)
        r += 1
        s.header(r, 1, ["option", *names, *(["best", "worst"] if extra else [])])
        top = r + 1
        for i in order:
            option = c.options[i]
            r += 1
            s.text(r, 1, option, bold=True)
            for k in range(len(names)):
                s.number(r, 2 + k, int(ranks[k, i]), INTEGER)
            if extra:
                s.number(r, 2 + len(names), int(ranks[:, i].min()), INTEGER)
                s.number(r, 3 + len(names), int(ranks[:, i].max()), INTEGER)
        if len(names):
            ref = f"B{top}:{get_column_letter(1 + len(names))}{r}"
            s.conditional(ref, *FIRST_RANK_RULE)
        return r + 2, top

    def tau_table(r, title, names, matrix):
        s.section(r, title)
        r += 1
        s.header(r, 1, ["", *names])
        for i, name in enumerate(names):
            r += 1
            s.text(r, 1, name, bold=True)
            for k in range(len(names)):
                s.number(r, 2 + k, matrix[i, k], "0.00")
        return r + 2

    r, top = rank_table(4, "Ranks by profile (weighted sum; the filter buttons re-sort the options)", c.profiles,
                        c.profile_ranks)
    s.name(layout.COMPARE_PROFILE_RANKS, top, 2, top + len(c.options) - 1, 1 + len(c.profiles))
    # a sheet has one autofilter: on its first table
    s.autofilter(top - 1, 1, top + len(c.options) - 1, 3 + len(c.profiles))
    r = tau_table(r, "Kendall's tau between profiles' rankings", c.profiles, c.profile_tau)
    s.section(r, f"Robust: in every profile's top {c.top_k}")
    r += 1
    if c.robust:
        for option in c.robust:
            s.text(r, 1, option, bold=True)
            r += 1
    else:
        s.text(r, 1, "none", track=False)
        r += 1
    r += 1
    s.section(r, "Contested: widest range of ranks across profiles (2 places or more apart; robust options left out)")
    r += 1
    s.header(r, 1, ["option", "best rank", "worst rank"])
    for option, best, worst in c.contested:
        r += 1
        s.text(r, 1, option, bold=True)
        s.number(r, 2, best, INTEGER)
        s.number(r, 3, worst, INTEGER)
    if not c.contested:
        r += 1
        s.text(r, 1, "none: apart from the robust options, no option is ranked 2 places or more apart by two "
                     "profiles", track=False)
    r += 3
    r, _ = rank_table(r, f"Ranks by aggregation method (profile {c.default_profile})", c.methods, c.method_ranks)
    r = tau_table(r, "Kendall's tau between methods' rankings", c.methods, c.method_tau)
    s.section(r, "What each method does")
    r += 1
    s.header(r, 1, ["method", "name", "how it ranks"])
    for name in c.methods:
        r += 1
        method = AGGREGATION_METHODS[name]
        s.text(r, 1, name, bold=True)
        s.text(r, 2, method.label)
        s.text(r, 3, method.explain)
    r += 2
    for evaluation in c.method_evaluations:  # what a method finds beyond its ranks (VIKOR: the compromise)
        found = findings_text(evaluation.findings())
        if found:
            s.text(r, 1, f"{evaluation.aggregation.label}: {found}", track=False)
            r += 2
    if len(c.analysts):
        r, _ = rank_table(r, f"Ranks from each analyst's own scores (profile {c.default_profile}, weighted sum; "
                             "an abstention takes the others' consensus)", c.analysts, c.analyst_ranks)
    s.finish(freeze="B4", title_rows="1:2")


SWAP_TOP = 5             # a swap list too long for a sheet keeps the swaps that can change the top 5
SWAPS_ALL_UP_TO = 20_000   # swaps: the Swaps sheet lists every one up to this many, else this many of
                           # those involving a current top option, the nearest to the current weights
SENSITIVITY_POINTS = 21    # the group charts' weights: 0, 0.05, ..., 1
SENSITIVITY_CHART_OPTIONS = 12  # a group chart draws the top options by the default profile, up to this many


def _weight_format(weight: float) -> str:
    """0.000, or as many more decimals as keep a threshold apart from 0 and 1 (0.00044 is not 0.000)."""
    return "0." + "0" * weight_decimals(weight)


def _sensitivity(book: Book, report) -> None:
    result = report.sensitivity
    top = result.analyses[0].top if result.analyses else "-"
    s = Sheet(book, layout.SENSITIVITY_SHEET, f"One-way weight sensitivity, profile {result.profile_id} (weighted sum)",
               "The weight of one criterion (or the total weight of one group) varies from 0 to 1 while the others "
               f"keep their proportions. At the current weights {top} is on top; 'top from/to': the weights over "
               "which it stays on top, and beside each, the option on top beyond it; 'distance': from the current "
               "weight to the nearest change of top (never = it never changes). Rows by distance, nearest first. "
               "'swaps': pairs of options whose order changes strictly inside (0, 1), listed on the "
               f"{layout.SWAPS_SHEET} sheet. Values as computed by rubric (they do not follow weight edits).")
    s.header(4, 1, ["kind", "name", "members", "current weight", "top from", "below it, on top", "top to",
                    "above it, on top", "distance", "swaps"])
    s.caps[3] = 50
    r = 5
    analyses = sorted(result.analyses, key=lambda a: (a.distance is None, a.distance or 0.0))
    for a in analyses:
        low, high = a.top_interval
        s.text(r, 1, a.kind)
        s.text(r, 2, a.name, bold=True)
        s.text(r, 3, ", ".join(a.members) if a.kind == "group" else "")
        s.number(r, 4, a.current, WEIGHT)
        s.number(r, 5, low, _weight_format(low))
        s.text(r, 6, (a.on_top_beyond(low, above=False) if low > 0.0 else None) or "-")
        s.number(r, 7, high, _weight_format(high))
        s.text(r, 8, (a.on_top_beyond(high, above=True) if high < 1.0 else None) or "-")
        if a.distance is None:
            s.text(r, 9, "never").alignment = make_alignment("right")
        else:
            s.number(r, 9, a.distance, WEIGHT)
        s.number(r, 10, a.swap_count, INTEGER)
        r += 1
    if analyses:
        s.autofilter(4, 1, r - 1, 10)
    _sensitivity_charts(s, report, r + 1)
    s.finish(freeze="C5", title_rows="1:2")


def _sensitivity_charts(s: Sheet, report, r: int) -> None:
    """Per top criterion group: every option's total against the group's weight from 0 to 1 (the
    other weights rescaled in proportion), the current weight a dashed line; charts two abreast, then
    the computed points they draw, one table per group."""
    result = report.sensitivity
    by_name = {a.name: a for a in result.analyses if a.kind == "group"}
    varied = [by_name[g.id] for g in report.top_groups if g.id in by_name]
    if not varied:
        return
    names = {g.id: g.name for g in report.top_groups}
    drawn = _best_first_among(report, result.options)[:SENSITIVITY_CHART_OPTIONS]
    n = len(drawn)
    t = np.linspace(0.0, 1.0, SENSITIVITY_POINTS)
    s.section(r, "Every option's total against the weight of each criterion group (the other weights keep their "
                 "proportions; dashed: the current weight)" + (
                     f": the top {n} of {len(result.options)} options by the default profile" if n < len(
                         result.options) else ""))
    r += 1
    height, gap = 8.5, 0.4
    width = max(12.0, (_chart_width(s) - gap) / 2)   # two abreast across the tables' width
    chart_rows = r
    r += ((len(varied) + 1) // 2) * (_rows_for(height) + 1)
    r += 1
    marker_x, marker_y = n + 3, n + 4      # the dashed line's two points, right of the options
    charts = []
    for a in varied:
        totals = a.totals(t)[:, drawn]          # [point, option]
        low = math.floor(min(totals.min(), 100.0) / 10.0) * 10.0
        high = math.ceil(max(totals.max(), 0.0) / 10.0) * 10.0
        if high <= low:
            high = low + 10.0
        s.section(r, f"{names[a.name]} ({a.name}): totals at each weight of the group (as written by rubric)")
        r += 1
        s.header(r, 1, [f"weight of {a.name}", *[result.options[i] for i in drawn]])
        s.header(r, marker_x, ["current weight (dashed)", "dashed line: total"])
        first = r + 1
        for p, weight in enumerate(t):
            r += 1
            s.number(r, 1, float(weight), "0.00")
            for k in range(n):
                s.number(r, 2 + k, totals[p, k], VALUE)
            if p < 2:
                s.number(r, marker_x, a.current, WEIGHT)
                s.number(r, marker_y, (low, high)[p], VALUE)
        series = [{"name": result.options[i], "x_col": 1, "y_col": 2 + k, "first_row": first, "last_row": r,
                   "x": t, "y": totals[:, k], "color": PROFILE_COLOURS[k % len(PROFILE_COLOURS)],
                   "dash": k >= len(PROFILE_COLOURS)} for k, i in enumerate(drawn)]
        series.append({"name": f"current weight {a.current:.3f}", "x_col": marker_x, "y_col": marker_y,
                       "first_row": first, "last_row": first + 1, "x": [a.current, a.current], "y": [low, high],
                       "color": "404040", "dash": True})
        charts.append((f"{names[a.name]}: total against its weight", series, (low, high)))
        r += 2
    for k, (title, series, y_range) in enumerate(charts):
        row = chart_rows + (k // 2) * (_rows_for(height) + 1)
        s.lines_chart(row, title, "weight of the group", "total value (0-100)", height, width, series, (0.0, 1.0),
                      y_range, left_cm=(k % 2) * (width + gap))


def _swaps(book: Book, report) -> None:
    """Every swap of the one-way sensitivity (those involving a current top option when there are too
    many for a sheet): a long list, last, for reference."""
    result = report.sensitivity
    count = sum(a.swap_count for a in result.analyses)
    every = count <= SWAPS_ALL_UP_TO
    default = report.evaluation(result.profile_id)
    leaders = None if every else [result.options.index(o) for o, rank in zip(default.options, default.ranks)
                                  if rank <= SWAP_TOP]
    listed = _listed_swaps(result, leaders)
    shown = sum(len(weight) for _, weight, _, _ in listed)
    s = Sheet(book, layout.SWAPS_SHEET, f"Swaps: where two options change order, profile {result.profile_id}",
              "For each criterion (or group) whose weight varies as on the Sensitivity sheet: the weight at which "
              "two options' totals are equal; 'rising' is ahead above that weight, 'falling' below. Lines that only "
              "touch at 0 or 1 are not swaps. " + (
                  f"Every swap ({count:,})." if every else
                  f"{shown:,} of the {count:,} swaps: those involving a current top-{SWAP_TOP} option, nearest the "
                  "current weight first, up to " f"{SWAPS_ALL_UP_TO:,}; "
                  "`rubric sensitivity --format json` lists them all.") + " Values as computed by rubric.")
    s.header(4, 1, ["kind", "name", "weight", "rising", "falling"])
    o = result.options
    rows = ((a.kind, a.name, float(t), o[i], o[k]) for a, weight, rising, falling in listed
            for t, i, k in zip(weight, rising, falling))
    end = _plain_rows(s, 5, {3: (WEIGHT, TOP)}, rows)
    if end == 5:
        s.text(5, 1, "no swaps: no weight change reorders any two options", track=False)
    else:
        s.autofilter(4, 1, end - 1, 5)
    s.finish(freeze="A5", title_rows="1:4")


def _listed_swaps(result, leaders) -> list:
    """(analysis, weights, rising, falling) per analysis: every swap (leaders None), or the
    SWAPS_ALL_UP_TO swaps involving the leaders nearest their analysis's current weight, each
    analysis's in order of weight. Arrays throughout: a large study has millions of swaps."""
    found = [(a, *a.swap_arrays(leaders)) for a in result.analyses]
    if leaders is None:
        return found
    distances = [np.abs(weight - a.current) for a, weight, _, _ in found]
    if sum(len(d) for d in distances) <= SWAPS_ALL_UP_TO:
        return found
    cut = np.sort(np.concatenate(distances))[SWAPS_ALL_UP_TO - 1]
    room = SWAPS_ALL_UP_TO - sum(int((d < cut).sum()) for d in distances)
    listed = []
    for (a, weight, rising, falling), d in zip(found, distances):   # ties at the cut, in analysis order, until full
        level = np.flatnonzero(d == cut)[:max(room, 0)]
        room -= len(level)
        keep = np.sort(np.concatenate([np.flatnonzero(d < cut), level]))
        listed.append((a, weight[keep], rising[keep], falling[keep]))
    return listed


SMAA_ALL_RANKS_UP_TO = 30   # options; a larger study's acceptability block is cut (options x ranks grows as n^2)
SMAA_RANKS_SHOWN = 10       # the ranks a cut block shows, then one "11 or lower" column


def _smaa(book: Book, report) -> None:
    result = report.smaa
    n_o = len(result.options)
    # columns of the acceptability block: every rank, or ranks 1..k and the rest summed
    cut = n_o > SMAA_ALL_RANKS_UP_TO
    shown = SMAA_RANKS_SHOWN + 1 if cut else n_o
    acceptability = result.acceptability
    if cut:
        acceptability = np.column_stack([acceptability[:, :SMAA_RANKS_SHOWN],
                                         acceptability[:, SMAA_RANKS_SHOWN:].sum(axis=1)])
    rank_labels = [f"rank {k + 1}" for k in range(shown)]
    if cut:
        rank_labels[-1] = f"rank {SMAA_RANKS_SHOWN + 1} or lower"
    s = Sheet(book, layout.SMAA_SHEET, "SMAA-2: rank acceptability under uncertain weights",
               "Weights drawn at random (Dirichlet around the default profile's weights) and the options ranked "
               "by weighted sum for each draw. Rank acceptability: the share of draws giving the option that rank "
               "(options in the order of the default profile's ranks, best first). Confidence factor: how often "
               "the option ranks first with its central weights (the mean weights of the draws where it ranked "
               "first). Values as computed by rubric.")
    r = 4
    settings = [("weights", result.weights_model), ("concentration", result.concentration),
                ("score model", SCORE_MODEL_TEXT.get(result.scores_model, result.scores_model)),
                ("samples", result.samples), ("seed", result.seed),
                ("Monte Carlo error (95%, any index) <=", result.max_error)]
    if report.smaa_weight_spread is not None:
        settings.append(("what the concentration means", report.smaa_weight_spread))
    if not result.confidence_informative:
        settings.append(("confidence factors", "with the consensus values fixed, an option that can come first "
                                               "always does at its own central weights (1.000): the factor "
                                               "says more with --scores analysts or ranges"))
    for label, value in settings:
        s.text(r, 1, label, bold=True)
        if isinstance(value, str):
            s.text(r, 2, value, track=False)
        elif value is None:
            s.text(r, 2, "-", track=False)
        else:
            s.number(r, 2, value, INTEGER if isinstance(value, int) else PROBABILITY if value < 1 else "General")
            s.cell(r, 2).alignment = make_alignment("left", None)
        r += 1
    r += 1
    s.section(r, "Rank acceptability (share of draws)" + (" and confidence factor ('-': never first)"
                                                        if result.confidence_informative else "") + (
        f": ranks 1-{SMAA_RANKS_SHOWN} and the rest together ({n_o} options; "
        "`rubric smaa --format csv` gives every rank)" if cut else ""))
    r += 1
    # confidence factors only where the values are drawn too (with fixed values they say nothing: the note above)
    confidence = result.confidence_informative
    s.header(r, 1, ["option", *rank_labels, *(["confidence"] if confidence else [])])
    head = r
    order = _best_first_among(report, result.options)
    for i in order:
        r += 1
        s.text(r, 1, result.options[i], bold=True)
        for k in range(shown):
            s.number(r, 2 + k, acceptability[i, k], PROBABILITY)
        if confidence:
            s.number(r, 2 + shown, result.confidence[i], PROBABILITY, missing="-")
    ref = f"B{head + 1}:{get_column_letter(1 + shown)}{r}"
    s.conditional(ref, {"type": "2_color_scale", "min_type": "num", "min_value": 0, "min_color": "#FFFFFF",
                        "max_type": "num", "max_value": 1, "max_color": "#5B9BD5"})
    s.name(layout.SMAA_ACCEPTABILITY, head + 1, 2, r, 1 + shown)
    s.autofilter(head, 1, r, 1 + shown + confidence)
    r += 2
    # only the options that ranked first in some draw have central weights (at 2,000 options most never do)
    first_ever = [i for i in order if np.isfinite(result.central_weights[i]).all()]
    never = [result.options[i] for i in order if i not in set(first_ever)]
    s.section(r, "Central weights: the mean weights of the draws where the option ranked first")
    r += 1
    s.header(r, 1, ["option", *result.criteria])
    for i in first_ever:
        r += 1
        s.text(r, 1, result.options[i], bold=True)
        for k in range(len(result.criteria)):
            s.number(r, 2 + k, result.central_weights[i, k], WEIGHT, missing="-")
    if never:
        r += 1
        s.span(r, 1, 1 + len(result.criteria),
               f"Never first in any draw, so without central weights: {', '.join(never)}." if len(never) <= 30 else
               f"{len(never):,} options were never first in any draw and have no central weights (the rank "
               "acceptability table above lists every option).")
    r += 2
    # the chart: ranks 1, 2 and 3 in distinct colours and the rest together, options by rank-1 share
    grouped = result.grouped(SMAA_CHART_RANKS)
    labels = [f"rank {k + 1}" for k in range(grouped.shape[1])]
    if grouped.shape[1] > SMAA_CHART_RANKS:
        labels[-1] = f"rank {SMAA_CHART_RANKS + 1} or lower"
    s.section(r, "For the chart: the share of draws at rank 1, 2, 3 and lower, options by their share at rank 1")
    r += 1
    s.header(r, 1, ["option", *labels])
    chart_head = r
    by_share = sorted(range(n_o), key=lambda i: (-grouped[i, 0], -grouped[i, :2].sum(), result.options[i]))
    for i in by_share:
        r += 1
        s.text(r, 1, result.options[i], bold=True)
        for k in range(grouped.shape[1]):
            s.number(r, 2 + k, grouped[i, k], PROBABILITY)
    r += 2
    height = max(8.0, 0.6 * n_o + 5)
    s.bar_chart(r, "Rank acceptability: share of draws at rank 1, 2, 3 and lower", "share of draws", "stacked",
                height, _chart_width(s), names_row=chart_head, first_col=2, last_col=1 + grouped.shape[1],
                first_row=chart_head + 1, last_row=chart_head + n_o,
                colours=list(SMAA_RANK_COLOURS[:grouped.shape[1] - 1]) + [SMAA_REST_COLOUR],
                value_axis={"min": 0, "max": 1, "num_format": "0%"}, labels="0%;;;",
                categories=[result.options[i] for i in by_share], names=labels,
                values=[grouped[by_share, k] for k in range(grouped.shape[1])])
    s.finish(freeze="B4", title_rows="1:2")


def _value_for_money(book: Book, report) -> None:
    """Per profile: benefit (every criterion but the cost, weights renormalised) against cost, benefit
    per unit cost and the efficient frontier, with a chart of the options and the frontier."""
    if not report.value_for_money:
        return
    first = report.value_for_money[0]
    s = Sheet(book, layout.VALUE_FOR_MONEY_SHEET, f"Value for money: benefit against {first.cost_criterion}",
              f"Benefit: the weighted 0-100 value of every criterion except the cost criterion "
              f"({first.cost_criterion}), the profile's weights renormalised over them. Cost: the pooled measure "
              f"in {first.unit}. Efficient: no other option has at least its benefit for at most its cost. "
              "Values as computed by rubric (they do not follow weight edits on the Weights sheet).")
    r = 4
    for result in report.value_for_money:
        s.section(r, f"Profile {result.profile_id}")
        r += 1
        s.header(r, 1, ["option", "benefit (0-100)", f"cost ({result.unit})", "benefit per unit cost",
                        "efficient"])
        s.header(r, 7, ["efficient frontier, in cost order", f"cost ({result.unit})", "benefit (0-100)"])
        head = r
        order = sorted(range(len(result.options)), key=lambda i: (result.cost[i], -result.benefit[i]))
        frontier = list(result.frontier)
        for n, i in enumerate(order):
            r += 1
            s.text(r, 1, result.options[i], bold=bool(result.efficient[i]))
            s.number(r, 2, result.benefit[i], VALUE)
            s.number(r, 3, result.cost[i], MEASURE)
            s.number(r, 4, result.ratio[i], WEIGHT, missing="-")
            s.text(r, 5, "yes" if result.efficient[i] else "")
            if n < len(frontier):   # beside the table: the frontier's points in cost order, for its line
                s.text(r, 7, result.options[frontier[n]])
                s.number(r, 8, result.cost[frontier[n]], MEASURE)
                s.number(r, 9, result.benefit[frontier[n]], VALUE)
        r += 2
        height = 7.0
        s.scatter_chart(r, 1, f"{result.profile_id}: benefit against cost", f"cost ({result.unit})",
                        "benefit (0-100)", height, 16.0,
                        [{"name": "options", "x_col": 3, "y_col": 2, "first_row": head + 1,
                          "last_row": head + len(order), "line": False, "color": "5B9BD5",
                          "labels": [result.options[i] for i in order]},
                         {"name": "efficient frontier", "x_col": 8, "y_col": 9, "first_row": head + 1,
                          "last_row": head + len(frontier), "line": True, "color": "C00000"}])
        r += _rows_for(height) + 2
    s.finish(freeze="B4", title_rows="1:2")


def _packages(book: Book, report) -> None:
    """The best packages of compatible options within the budget `rubric report --budget` gave."""
    result = report.packages
    if result is None:
        return
    s = Sheet(book, layout.PACKAGES_SHEET, f"Packages within a budget of {result.budget:g} {result.unit}",
              f"Profile {result.profile_id}. A package's benefit is the sum of its options' gains over business as "
              f"usual ({', '.join(result.baseline) or 'none: gains are benefits'}); its cost the sum of their "
              "costs. This additive model assumes the options do not interact. Conflicting options are never "
              "together; an option's required options are always in. Values as computed by rubric.")
    r = 4
    s.header(r, 1, ["rank", "options", "benefit", f"cost ({result.unit})"])
    for rank, package in enumerate(result.packages, 1):
        r += 1
        s.number(r, 1, rank, INTEGER)
        s.text(r, 2, ", ".join(result.options[i] for i in package.members))
        s.number(r, 3, package.benefit, VALUE)
        s.number(r, 4, package.cost, MEASURE)
    if not result.packages:
        r += 1
        s.text(r, 1, "no package within the budget gains anything over business as usual")
    elif result.best_until is not None:
        r += 2
        s.text(r, 1, f"The first package stays the best for budgets from {result.packages[0].cost:g} up to "
                     f"{result.best_until:g} {result.unit}, where a better package becomes affordable.")
    r += 2
    s.section(r, "Each option's gain over business as usual and its cost")
    r += 1
    s.header(r, 1, ["option", "gain", f"cost ({result.unit})"])
    for i, option in enumerate(result.options):
        r += 1
        s.text(r, 1, option)
        s.number(r, 2, result.gain[i], VALUE)
        s.number(r, 3, result.cost[i], MEASURE)
    s.finish(freeze="A5", title_rows="1:4")


def _meta(book: Book, report) -> None:
    ws = book.workbook.add_worksheet(layout.META_SHEET)
    rows = [("kind", layout.KIND), ("format", layout.FORMAT), ("study_id", report.study.id),
            ("input_hash", report.study.input_hash), ("tool_version", report.tool_version),
            ("rubric_id", report.study.rubric.id), ("rubric_version", report.study.rubric.version),
            ("session", report.session.id), ("illustrative", "true" if report.illustrative else "false"),
            ("default_profile", report.default_profile), ("profiles", ",".join(report.profiles)),
            ("smaa_seed", str(report.smaa.seed)), ("smaa_samples", str(report.smaa.samples)),
            ("written_at", report.written_at),
            ("decision", report.decision.id if report.decision else ""),
            ("screened_out", ",".join(report.scope.screened_out) if report.scope else "")]
    ws.set_column(0, 0, 18)
    ws.set_column(1, 1, 70)
    assert tuple(key for key, _ in rows) == layout.META_FIELDS
    for r, (key, value) in enumerate(rows):
        ws.write_string(r, 0, key)
        ws.write_string(r, 1, str(value))
    ws.hide()
    ws.protect("", PROTECTION)


def _build(book: Book, report) -> None:
    _about(book, report)
    _summary(book, report)
    if _has_sheet(report, layout.SCREENING_SHEET):
        _screening(book, report)
    _options(book, report)
    _evidence(book, report)
    _rubric(book, report)
    scores = _scores(book, report)
    _analysts(book, report)
    _disagreement(book, report)
    weights = _weights(book, report)
    _weight_inputs(book, report)
    _results(book, report, scores, weights)
    _compare(book, report)
    if _has_sheet(report, layout.SCENARIOS_SHEET):
        _scenarios(book, report)
    _sensitivity(book, report)
    _smaa(book, report)
    _value_for_money(book, report)
    _packages(book, report)
    _swaps(book, report)
    if not book.measuring:
        _meta(book, report)


def write_workbook(report, path: str | os.PathLike) -> str:
    """Write the comparison workbook to `path` atomically (temp file + rename); returns the path.

    Two passes over the report: the first measures (column widths and the like), the second writes.
    A failure leaves whatever was at `path` untouched and no temp file behind."""
    footer = report.study.id + (f" / {report.decision.id}" if report.decision else "")
    masthead = Masthead(_titled(report), footer, layout.BANNER if report.illustrative else None)
    measured = Book(masthead)
    _build(measured, report)
    try:
        with atomic_write(path) as handle:
            workbook = xlsxwriter.Workbook(handle, WORKBOOK_OPTIONS)
            _build(Book(masthead, workbook, measured.layouts), report)
            # every formula carries its value as computed by the report, for readers that do not
            # recalculate; XlsxWriter also marks the workbook to be recalculated on opening
            workbook.set_properties({"title": encode_text(f"{_titled(report)}: comparison"),
                                     "author": f"rubric {report.tool_version}",
                                     "subject": encode_text(report.study.id)})
            workbook.close()
    except TooBig as error:
        raise RubricError(Problem(os.fspath(path), f"cannot write the workbook: {error}")) from None
    except (OSError, XlsxFileError) as error:
        # XlsxWriter reports a failed write as FileCreateError(the OSError)
        cause = error.args[0] if isinstance(error, XlsxFileError) and error.args else error
        reason = getattr(cause, "strerror", None) or cause
        raise RubricError(Problem(os.fspath(path), f"cannot write the workbook: {reason}")) from error
    return os.fspath(path)
