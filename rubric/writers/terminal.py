"""Plain-text output for the terminal, readable at 100 columns."""

from __future__ import annotations

import numpy as np

from ..model import Study
from .documents import findings_text, has_scenarios, weight_decimals
from .width import terminal_width


def study_summary(study: Study) -> str:
    rubric = study.rubric
    lines = [
        f"{study.title} ({study.id})",
        f"  question: {study.question}",
        f"  {len(study.sources)} sources, {len(study.options)} options in {len(study.families)} families, "
        f"{sum(len(o.evidence) for o in study.options)} evidence quotes",
        f"  rubric {rubric.id} v{rubric.version}: {len(rubric.criteria)} criteria in {len(rubric.groups)} groups"
        + _natural_count(rubric),
        f"  {len(study.profiles)} profiles: "
        + ", ".join(f"{p.id} ({p.method})" for p in study.profiles),
    ]
    if study.decisions:
        lines.append(f"  {len(study.decisions)} decisions: "
                     + ", ".join(f"{d.id} ({len(d.options)} options)" for d in study.decisions))
    if study.requirements:
        kinds = [r.test for r in study.requirements]
        lines.append(f"  {len(kinds)} screening requirements ({kinds.count('threshold')} thresholds, "
                     f"{kinds.count('judgement')} judgements)")
    for session in study.sessions:
        abstentions = sum(1 for s in session.scores if s.abstained)
        ranged = sum(1 for s in session.scores if s.low is not None or s.high is not None)
        citing = sum(1 for s in session.scores if s.citations)
        flag = " ILLUSTRATIVE DATA" if session.illustrative else ""
        lines.append(f"  session {session.id}{flag}: {len(session.analysts)} analysts, "
                     f"{len(session.scores)} scores ({abstentions} abstentions"
                     + (f", {ranged} with a range" if ranged else "")
                     + (f", {citing} citing quotes)" if citing else ")"))
    lines.append("valid")
    return _finish(lines)


def _natural_count(rubric) -> str:
    natural = [c for c in rubric.criteria if c.natural]
    return f" ({len(natural)} on natural scales)" if natural else ""


def scope_lines(scope) -> str:
    """Lines appended under a ranking: which decision, and what screening took out or flagged."""
    lines = []
    if scope.decision is not None:
        lines.append(f"decision {scope.decision.id}: {scope.decision.question}")
    if not scope.screening:
        lines.append("screening: off (--no-screening); every option is ranked")
    for option in scope.screened_out:
        reasons = "; ".join(f"{f.requirement}: {f.reason}" for f in scope.failures(option) if f.verdict == "fail")
        lines.append(f"screened out: {option} ({reasons})")
    for option in scope.flagged:
        reasons = "; ".join(f"{f.requirement}: {f.reason}" for f in scope.failures(option))
        lines.append(f"unclear (ranked, flagged): {option} ({reasons})")
    return _finish([""] + lines) if lines else ""


def scenarios_table(analysis, study) -> str:
    a = analysis
    lines = [f"{study.title}: scenarios, profile {a.profile}, {a.method}, session {a.session}"
             + ("" if a.higher_is_better else " (lower score ranks first)")]
    if not has_scenarios(a):
        decimals = _decimals(a.method)
        lines.append("no scenario applies here, so there is no regret or robustness to report; the baseline "
                     "ranking:")
        rows = [[int(a.ranks[0, i]), a.options[i], f"{a.scores[0, i]:.{decimals}f}"]
                for i in np.argsort(a.ranks[0], kind="stable")]
        lines.append(_table(["rank", "option", "score"], rows, [">", "<", ">"]))
        return _finish(lines)
    for k, name in zip(a.scenarios, a.names):
        lines.append(f"  {k}: {name}")
    order = np.lexsort((a.max_regret, a.ranks[0]))
    header = ["option"] + list(a.scenarios) + ["max regret"]
    decimals = _decimals(a.method)
    rows = [[a.options[i]] + [f"{int(a.ranks[s, i])} ({a.scores[s, i]:.{decimals}f})"
                                   for s in range(len(a.scenarios))]
            + [f"{a.max_regret[i]:.{decimals}f}"] for i in order]
    lines.append("rank (score) per scenario")
    lines.append(_table(header, rows))
    lines.append(f"minimax regret: {', '.join(a.minimax_regret)}")
    lines.append(f"robust (top {a.top_k} in every scenario): {', '.join(a.robust) or 'none'}")
    lines.append(f"fragile (top {a.top_k} today, out of it in some scenario): {', '.join(a.fragile) or 'none'}")
    if a.expected is None:
        lines.append("no expected score: not every scenario states a probability")
    if a.expected is not None:
        best = int(np.argmax(a.expected) if a.higher_is_better else np.argmin(a.expected))
        lines.append(f"expected score, scenario probabilities as given: best {a.options[best]} "
                     f"({a.expected[best]:.4g})")
    if a.best_ranges:
        lines.append(f"best option by the probability p of {a.scenarios[1]}: "
                     + "; ".join(f"p {lo:.3f}-{hi:.3f}: {o}" for lo, hi, o in a.best_ranges))
    return _finish(lines)


MIN_CUT_WIDTH = 10   # a column of ids is never cut narrower than this to fit the width
ELLIPSIS = "…"


class _Table(str):
    """A table's text: never wrapped (a wrapped row is unreadable); columns are sized to their
    contents and, where the terminal is too narrow, the widest column of ids is cut with an ellipsis
    and the cut ids listed in full under the table (`cut`)."""

    cut: tuple[tuple[str, str], ...] = ()


def _finish(lines) -> str:
    """Join output lines, wrapping prose lines wider than the terminal width; tables stay whole,
    followed by the full ids of any cell they cut."""
    import textwrap

    width = terminal_width()
    out = []

    def prose(text: str) -> None:
        for line in str(text).splitlines() or [""]:
            out.extend(textwrap.wrap(line, width, subsequent_indent="  ", break_on_hyphens=False,
                                     break_long_words=False) if len(line) > width else [line])

    for block in lines:
        if isinstance(block, _Table):
            out.extend(block.splitlines())
            if block.cut:
                prose(f"cut to fit {width} columns: " + "; ".join(f"{short} = {full}" for short, full in block.cut))
            continue
        prose(block)
    return "\n".join(out)


def _short_names(names, width: int = 12, marked: str | None = None) -> tuple[list[str], str | None]:
    """Column headers for ids: the ids themselves when they fit, else P1, P2, ... and a legend.
    `marked` (the default profile, say) gets a * in its header and the legend says so."""
    star = lambda n: "*" if n == marked else ""  # noqa: E731
    if all(len(n) + len(star(n)) <= width for n in names):
        return [n + star(n) for n in names], None
    short = [f"P{k + 1}{star(n)}" for k, n in enumerate(names)]
    return short, ", ".join(f"{s}={n}" for s, n in zip(short, names))


def _table(header, rows, align=None, quiet=()) -> _Table:
    """Columns as wide as their contents. When that is wider than the terminal, a column that may be
    cut (headers, and left-aligned text: ids, titles) loses a character at a time: the `quiet` ones
    (titles, whole in the JSON) first, then the one cutting the fewest ids, down to MIN_CUT_WIDTH.
    A cut cell ends in an ellipsis and, outside `quiet` columns, is listed in full under the table.
    Numbers are never cut."""
    cells = [list(map(str, header))] + [list(map(str, row)) for row in rows]
    n = len(header)
    align = align or ["<"] + [">"] * (n - 1)
    widths = [max(len(row[i]) for row in cells) for i in range(n)]
    floors = [max([len(row[i]) for row in cells[1:] if align[i] != "<"] + [min(widths[i], MIN_CUT_WIDTH)])
              for i in range(n)]
    limit = terminal_width()
    while sum(widths) + 2 * (n - 1) > limit:
        narrowable = [i for i in range(n) if widths[i] > floors[i]]
        if not narrowable:
            break  # as narrow as it goes: wider than the terminal, but nothing hidden

        def cost(i: int) -> tuple[int, int]:  # prose first (titles), then the fewest ids cut, then the widest
            ids_cut = 0 if i in quiet else len({row[i] for row in cells if len(row[i]) >= widths[i]})
            return ids_cut, -widths[i]

        widths[min(narrowable, key=cost)] -= 1
    cut = {}
    lines = []
    for k, row in enumerate(cells):
        shown = []
        for i, (value, a, w) in enumerate(zip(row, align, widths)):
            if len(value) > w:
                short = value[: w - 1] + ELLIPSIS
                if i not in quiet:
                    cut.setdefault(short, value)
                value = short
            shown.append(f"{value:{a}{w}}")
        lines.append("  ".join(shown).rstrip())
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    table = _Table("\n".join(lines))
    table.cut = tuple(cut.items())
    return table


def _decimals(method: str) -> int:
    """Digits for a score: 2 on the 0-100 values of the sums; 4 for closeness (0-1) and net flows."""
    return 2 if method in ("wsm", "wpm") else 4


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def rank_table(evaluation, study) -> str:
    who = f"analyst {evaluation.analyst}" if evaluation.analyst else f"consensus ({study.consensus})"
    session = study.session(evaluation.session_id)
    order = "" if evaluation.aggregation.higher_is_better else " (lower score ranks first)"
    lines = [f"{study.title}: profile {evaluation.profile_id}, {evaluation.aggregation.label}{order}, "
             f"session {evaluation.session_id}, {who}"]
    if session.illustrative:
        lines.append("ILLUSTRATIVE DATA: the scores are example data, not a real appraisal")
    titles = {o.id: o.title for o in study.options}
    decimals = _decimals(evaluation.method)
    rows = [(r.rank, r.option, f"{r.score:.{decimals}f}", _clip(titles[r.option], 50)) for r in evaluation.ranking()]
    lines.append(_table(["rank", "option", "score", "title"], rows, [">", "<", ">", "<"], quiet=(3,)))
    findings = findings_text(evaluation.findings())
    if findings:
        lines.append(f"{evaluation.aggregation.label}: {findings}")
    if evaluation.inputs == "measures":
        units = ", ".join(f"{c} ({u})" for c, u in zip(evaluation.criteria, evaluation.units))
        lines.append(f"on the measures in their units: {units}")
    weights = ", ".join(f"{c} {w:.3f}" for c, w in sorted(evaluation.weights.as_dict().items(), key=lambda x: -x[1])[:5])
    lines.append(f"top weights: {weights}")
    return _finish(lines)


def compare_table(comparison, study) -> str:
    c = comparison
    short, legend = _short_names(c.profiles, marked=c.default_profile)
    header = ["option"] + short + ["best", "worst"]
    rows = []
    order = np.argsort(c.profile_ranks.mean(axis=0), kind="stable")
    for i in order:
        column = c.profile_ranks[:, i]
        rows.append([c.options[i]] + [int(r) for r in column] + [int(column.min()), int(column.max())])
    lines = [f"{study.title}: ranks by profile ({c.method}, session {c.session_id})"]
    if study.session(c.session_id).illustrative:
        lines.append("ILLUSTRATIVE DATA: the scores are example data, not a real appraisal")
    if legend:
        lines.append(f"profiles: {legend}")
    lines.append(f"* the default profile ({c.default_profile}); options in order of their mean rank over the "
                 "profiles")
    lines.append(_table(header, rows))
    lines.append("")
    lines.append("Kendall's tau between profiles")
    lines.append(_table(["profile"] + short, [[p if not legend else s] + [f"{t:.2f}" for t in row]
                                              for s, p, row in zip(short, c.profiles, c.profile_tau)]))
    lines.append("")
    lines.append(f"robust (top {c.top_k} for every profile): {', '.join(c.robust) or 'none'}")
    lines.append("contested (widest rank range): " + (", ".join(f"{o} ({b}-{w})" for o, b, w in c.contested) or "none"))
    lines.append("")
    base = c.methods.index(c.method)
    lines.append(f"ranks by method, profile {c.default_profile} (same option order as above)")
    lines.append(_table(["option"] + list(c.methods),
                        [[c.options[i]] + [int(r) for r in c.method_ranks[:, i]] for i in order]))
    lines.append(f"agreement of the other methods with {c.method} (profile {c.default_profile}), Kendall's tau "
                 "between their rankings (1 the same order, -1 reversed): "
                 + ", ".join(f"{m} {c.method_tau[base, k]:.2f}" for k, m in enumerate(c.methods) if k != base))
    for evaluation in c.method_evaluations:
        findings = findings_text(evaluation.findings())
        if findings:
            lines.append(f"{evaluation.aggregation.label}: {findings}")
    return _finish(lines)


def _illustrative(study, session_id) -> list[str]:
    if study.session(session_id).illustrative:
        return ["ILLUSTRATIVE DATA: the scores are example data, not a real appraisal"]
    return []


def sensitivity_table(evaluation, result, study) -> str:
    lines = [f"{study.title}: one-way weight sensitivity, profile {result.profile_id}, weighted sum, "
             f"session {result.session_id}"] + _illustrative(study, result.session_id)
    lines.append("weight of each criterion (or group) varied over [0, 1], the others keeping their proportions")
    tops = {a.top for a in result.analyses}
    if len(tops) == 1:
        lines.append(f"top option at the current weights: {next(iter(tops))}")
    rows = []
    for a in result.analyses:
        distance = "never" if a.distance is None else weight_text(a.distance)
        row = [a.kind, a.name, weight_text(a.current)] + ([] if len(tops) == 1 else [a.top])
        rows.append(row + [f"{weight_text(a.top_interval[0])}-{weight_text(a.top_interval[1])}", distance,
                           a.takes_over or "-",
                           a.swap_count])
    header = ["kind", "name", "weight"] + ([] if len(tops) == 1 else ["top option"])
    align = ["<", "<", ">"] + ([] if len(tops) == 1 else ["<"])
    lines.append(_table(header + ["top holds", "to change", "takes over", "swaps"], rows,
                        align + [">", ">", "<", ">"]))
    lines.append("swaps: pairs whose order changes strictly inside (0, 1); a touch at 0 or 1 is not one")
    return _finish(lines)


def weight_text(weight: float, decimals: int = 3) -> str:
    """A weight in [0, 1] to 3 decimals, or to as many more as keep it apart from 0 and 1: a
    threshold of 0.00044 reads 0.0004, not 0.000 (which would say the option holds from 0)."""
    return f"{weight:.{weight_decimals(weight, decimals)}f}"


def smaa_table(study, session_id, result) -> str:
    lines = [f"{study.title}: SMAA-2 rank acceptability, session {session_id}"] + _illustrative(study, session_id)
    model = result.weights_model + (f" (concentration {result.concentration:g})" if result.concentration else "")
    lines.append(f"weights: {model}; values: {result.scores_model}")
    lines.append(f"{result.samples} samples, seed {result.seed}; Monte Carlo error <= {result.max_error:.3f} (95%)")
    shown = min(len(result.options), 5)
    header = ["option"] + [f"rank {r + 1}" for r in range(shown)] + ["conf."]
    order = sorted(range(len(result.options)), key=lambda i: tuple(-result.acceptability[i, :shown]))
    rows = [[result.options[i]] + [f"{p:.3f}" for p in result.acceptability[i, :shown]]
            + ["-" if np.isnan(result.confidence[i]) else f"{result.confidence[i]:.2f}"] for i in order]
    lines.append(_table(header, rows))
    if result.scenarios:
        given = "by their probabilities" if result.scenario_probabilities is not None else "uniformly"
        lines.append(f"scenarios drawn {given}: " + ", ".join(
            f"{k} {n / result.samples:.0%}" for k, n in zip(result.scenarios, result.scenario_draws)))
        lines.append("rank 1 acceptability per scenario: " + "; ".join(
            f"{k}: " + (", ".join(f"{result.options[i]} {table[i, 0]:.2f}" for i in np.argsort(-table[:, 0])[:3])
                        if n else "not drawn")
            for k, table, n in zip(result.scenarios, result.scenario_acceptability, result.scenario_draws)))
    return _finish(lines)


def diff_table(result, study) -> str:
    held = f"session {result.context}" if result.kind == "profiles" else f"profile {result.context}"
    lines = [f"{study.title}: {result.kind} {result.a} (A) vs {result.b} (B), {result.method}, {held}"]
    if result.kind == "profiles":
        rows = [[c, f"{x:.3f}", f"{y:.3f}", f"{y - x:+.3f}"] for c, x, y in result.weights]
        lines += ["weights", _table(["criterion", "A", "B", "B - A"], rows), ""]
    else:
        lines.append(f"{len(result.cells)} option x criterion value(s) differ")
        rows = [[o, c, f"{x:.1f}", f"{y:.1f}"] for o, c, x, y in result.cells[:40]]
        if rows:
            lines += [_table(["option", "criterion", "A", "B"], rows, ["<", "<", ">", ">"])]
            if len(result.cells) > 40:
                lines.append(f"... and {len(result.cells) - 40} more (all of them: --format json or csv)")
            lines.append("")
        lines += [f"note: {note}" for note in result.notes]
    decimals = _decimals(result.method)
    rows = [[r.option, r.rank_a, r.rank_b, f"{r.rank_a - r.rank_b:+d}" if r.rank_a != r.rank_b else "",
             f"{r.score_a:.{decimals}f}", f"{r.score_b:.{decimals}f}"] for r in result.ranks]
    lines += ["ranks", _table(["option", "rank A", "rank B", "moved", "score A", "score B"], rows)]
    return _finish(lines)


def value_for_money_table(result, study) -> str:
    lines = [f"{study.title}: value for money, profile {result.profile_id}, session {result.session_id}"]
    lines += _illustrative(study, result.session_id)
    lines.append(f"benefit: weighted value of every criterion but {result.cost_criterion} (0-100); "
                 f"cost: {result.cost_criterion} in {result.unit}")
    order = sorted(range(len(result.options)), key=lambda i: (result.cost[i], -result.benefit[i], i))
    rows = [[result.options[i], f"{result.benefit[i]:.2f}", f"{result.cost[i]:.4g}",
             "-" if np.isnan(result.ratio[i]) else f"{result.ratio[i]:.4g}", "yes" if result.efficient[i] else ""]
            for i in order]
    lines.append(_table(["option", "benefit", "cost", "per unit", "efficient"], rows,
                        ["<", ">", ">", ">", "<"]))
    lines.append("frontier (cost order): " + ", ".join(result.options[i] for i in result.frontier))
    return _finish(lines)


def packages_table(result, study) -> str:
    lines = [f"{study.title}: option packages within {result.budget:g} {result.unit}, profile {result.profile_id}, "
             f"session {result.session_id}"] + _illustrative(study, result.session_id)
    reference = (f"benefit over business as usual ({', '.join(result.baseline)}: {result.reference:.2f})"
                 if result.baseline else "benefit over doing nothing (no business-as-usual option)")
    lines.append(f"gain: {reference}; cost: {result.cost_criterion}")
    if not result.packages:
        lines.append("no package within the budget gains anything")
        return _finish(lines)
    rows = [[rank, f"{p.benefit:.2f}", f"{p.cost:.4g}", ", ".join(result.options[i] for i in p.members)]
            for rank, p in enumerate(result.packages, start=1)]
    lines.append(_table(["rank", "benefit", "cost", "options"], rows, [">", ">", ">", "<"]))
    top = result.packages[0]
    until = "any higher budget" if result.best_until is None else f"budgets below {result.best_until:g}"
    lines.append(f"package 1 stays the best from a budget of {top.cost:g} up to {until}")
    return _finish(lines)
