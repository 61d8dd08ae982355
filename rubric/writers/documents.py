"""Result objects -> plain JSON-ready dicts and CSV rows. Shared by the JSON, CSV and table writers."""

from __future__ import annotations

import csv
import io
import json
import math


def weight_decimals(weight: float, decimals: int = 3) -> int:
    """Decimals that show a weight in [0, 1] apart from 0 and 1 when it is not 0 or 1 (at least
    `decimals`): the terminal and the workbook's Sensitivity sheet print thresholds with them."""
    while 0 < weight < 1 and round(weight, decimals) in (0.0, 1.0) and decimals < 12:
        decimals += 1
    return decimals


def _number(x) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def rank_document(evaluation) -> dict:
    """The object `rubric rank --format json` prints."""
    return {
        "study": evaluation.study_id,
        "profile": evaluation.profile_id,
        "method": evaluation.method,
        "higher_is_better": evaluation.aggregation.higher_is_better,
        "session": evaluation.session_id,
        "analyst": evaluation.analyst,
        "weights": evaluation.weights.as_dict(),
        "consistency": consistency(evaluation.weights),
        "values": {option: {c: _number(v) for c, v in zip(evaluation.criteria, row)}
                   for option, row in zip(evaluation.options, evaluation.values)},
        "inputs": evaluation.inputs,
        **_measures(evaluation),
        "ranking": [{"option": r.option, "score": r.score, "rank": r.rank} for r in evaluation.ranking()],
        "findings": evaluation.findings(),
    }


def consistency(weights) -> list[dict]:
    """Each AHP block's consistency ratio (Saaty: 0.10 or less is acceptable); empty for other methods."""
    return [{"node": block.node, "consistency_ratio": float(block.ahp.consistency_ratio)}
            for block in weights.blocks if block.ahp is not None]


def _measures(evaluation) -> dict:
    """The pooled measures of the natural criteria, in their units (nothing when there are none)."""
    natural = [k for k, unit in enumerate(evaluation.units) if unit]
    if not natural:
        return {}
    return {"units": {evaluation.criteria[k]: evaluation.units[k] for k in natural},
            "measures": {option: {evaluation.criteria[k]: _number(row[k]) for k in natural}
                         for option, row in zip(evaluation.options, evaluation.measures)}}


def scope_fields(scope) -> dict:
    """The decision ranked and the screening, added to every ranking document (nothing for a study
    without decisions or requirements)."""
    fields = {}
    if scope.decision is not None:
        fields["decision"] = scope.decision.id
    if scope.outcomes or not scope.screening:
        fields["screening"] = {
            "applied": scope.screening,
            "screened_out": [{"option": o, "failed": [{"requirement": f.requirement, "reason": f.reason}
                                                     for f in scope.failures(o) if f.verdict == "fail"]}
                             for o in scope.screened_out],
            "flagged": [{"option": o, "unclear": [{"requirement": f.requirement, "reason": f.reason}
                                                  for f in scope.failures(o)]} for o in scope.flagged],
        }
    return fields


def findings_text(findings: dict) -> str | None:
    """A method's scalar and list findings on one line, for the terminal and the workbook (its
    per-option tables are in the JSON)."""
    def shown(value) -> str:
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, float):
            return f"{value:.4g}"
        return ", ".join(value) if isinstance(value, list) else str(value)

    parts = [f"{key.replace('_', ' ')}: {shown(value)}" for key, value in findings.items()
             if not isinstance(value, dict)]
    return "; ".join(parts) or None


def _matrix(names, matrix) -> dict:
    return {a: {b: _number(matrix[i, j]) for j, b in enumerate(names)} for i, a in enumerate(names)}


def compare_document(comparison) -> dict:
    c = comparison
    return {
        "study": c.evaluations[0].study_id if c.evaluations else None,
        "method": c.method,
        "session": c.session_id,
        "profiles": {e.profile_id: rank_document(e) for e in c.evaluations},
        "ranks": {p: {o: int(r) for o, r in zip(c.options, row)} for p, row in zip(c.profiles, c.profile_ranks)},
        "kendall_tau": _matrix(c.profiles, c.profile_tau),
        "top_k": c.top_k,
        "robust": list(c.robust),
        "contested": [{"option": o, "best_rank": b, "worst_rank": w} for o, b, w in c.contested],
        "methods": {
            "profile": c.default_profile,
            "ranks": {m: {o: int(r) for o, r in zip(c.options, row)} for m, row in zip(c.methods, c.method_ranks)},
            "kendall_tau": _matrix(c.methods, c.method_tau),
            "findings": {e.method: e.findings() for e in c.method_evaluations if e.findings()},
        },
        "analysts": {
            "profile": c.default_profile,
            "ranks": {a: {o: int(r) for o, r in zip(c.options, row)} for a, row in zip(c.analysts, c.analyst_ranks)},
        },
    }


def to_json(document) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def to_csv(header, rows) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def rank_rows(evaluation):
    header = ["rank", "option", "score"] + list(evaluation.criteria)
    index = {o: i for i, o in enumerate(evaluation.options)}
    rows = [[r.rank, r.option, repr(r.score)] + [repr(float(v)) for v in evaluation.values[index[r.option]]]
            for r in evaluation.ranking()]
    return header, rows


def compare_rows(comparison):
    c = comparison
    header = ["option"] + [f"rank:{p}" for p in c.profiles] + [f"rank:{m}" for m in c.methods]
    rows = [[o] + [int(r) for r in c.profile_ranks[:, i]] + [int(r) for r in c.method_ranks[:, i]]
            for i, o in enumerate(c.options)]
    return header, rows


def sensitivity_document(evaluation, result) -> dict:
    return {
        "study": evaluation.study_id, "profile": result.profile_id, "method": "wsm", "session": result.session_id,
        "weights": evaluation.weights.as_dict(),
        "ranking": [{"option": r.option, "score": r.score, "rank": r.rank} for r in evaluation.ranking()],
        "analyses": [{
            "name": a.name, "kind": a.kind, "members": list(a.members), "current_weight": a.current,
            "top": a.top, "top_interval": list(a.top_interval), "distance_to_top_change": a.distance,
            "takes_over": a.takes_over,
            "top_changes": [{"weight": c.weight, "top": c.top, "before": c.before} for c in a.top_changes],
            "swaps": [{"weight": s.weight, "rising": s.rising, "falling": s.falling} for s in a.swaps],
        } for a in result.analyses],
    }


def sensitivity_rows(result):
    header = ["kind", "name", "current_weight", "top", "top_from", "top_to", "distance", "takes_over", "swaps"]
    rows = [[a.kind, a.name, repr(a.current), a.top, repr(a.top_interval[0]), repr(a.top_interval[1]),
             "" if a.distance is None else repr(a.distance), a.takes_over or "", a.swap_count]
            for a in result.analyses]
    return header, rows


def smaa_document(study_id: str, session_id: str, result) -> dict:
    def optional(x):
        return None if not math.isfinite(float(x)) else float(x)

    return {
        "study": study_id, "session": session_id, "method": "smaa-2 (weighted sum)",
        "samples": result.samples, "seed": result.seed, "weights_model": result.weights_model,
        "concentration": result.concentration, "scores_model": result.scores_model,
        "max_error_95": result.max_error,
        "acceptability": {o: [float(p) for p in row] for o, row in zip(result.options, result.acceptability)},
        "standard_error": {o: [float(e) for e in row] for o, row in zip(result.options, result.standard_error)},
        "central_weights": {o: ({c: optional(w) for c, w in zip(result.criteria, row)}
                                if math.isfinite(float(row[0])) else None)
                            for o, row in zip(result.options, result.central_weights)},
        "confidence": {o: optional(c) for o, c in zip(result.options, result.confidence)},
        **({"scenarios": {
            "probabilities": (None if result.scenario_probabilities is None else
                              {k: float(p) for k, p in zip(result.scenarios, result.scenario_probabilities)}),
            "draws": {k: int(n) for k, n in zip(result.scenarios, result.scenario_draws)},
            "acceptability": {k: {o: [optional(p) for p in row] for o, row in zip(result.options, table)}
                              for k, table in zip(result.scenarios, result.scenario_acceptability)},
        }} if result.scenarios else {}),
    }


def scenarios_document(analysis) -> dict:
    """The object `rubric scenarios --format json` prints."""
    a = analysis
    expected = a.expected
    if not has_scenarios(a):  # the baseline alone: no regret, nothing robust or fragile to claim
        return {
            "study": a.study_id, "profile": a.profile, "method": a.method, "session": a.session,
            "higher_is_better": a.higher_is_better, "scenarios": [],
            "note": "no scenario applies here: the baseline ranking alone",
            "scores": {a.scenarios[0]: {o: float(x) for o, x in zip(a.options, a.scores[0])}},
            "ranks": {a.scenarios[0]: {o: int(r) for o, r in zip(a.options, a.ranks[0])}},
        }
    return {
        "study": a.study_id, "profile": a.profile, "method": a.method, "session": a.session,
        "higher_is_better": a.higher_is_better, "top_k": a.top_k,
        "scenarios": [{"id": k, "name": name, "probability": None if a.probabilities is None else float(a.probabilities[i])}
                      for i, (k, name) in enumerate(zip(a.scenarios, a.names))],
        "scores": {k: {o: float(x) for o, x in zip(a.options, row)} for k, row in zip(a.scenarios, a.scores)},
        "ranks": {k: {o: int(r) for o, r in zip(a.options, row)} for k, row in zip(a.scenarios, a.ranks)},
        "regret": {k: {o: float(x) for o, x in zip(a.options, row)} for k, row in zip(a.scenarios, a.regret)},
        "max_regret": {o: float(x) for o, x in zip(a.options, a.max_regret)},
        "minimax_regret": list(a.minimax_regret),
        "robust": list(a.robust),
        "fragile": list(a.fragile),
        "expected": None if expected is None else {o: float(x) for o, x in zip(a.options, expected)},
        "best_ranges": [{"from": lo, "to": hi, "option": o} for lo, hi, o in a.best_ranges],
    }


def has_scenarios(analysis) -> bool:
    """Whether any scenario applies beside the baseline (the analysis's first column)."""
    return len(analysis.scenarios) > 1


def scenarios_rows(analysis):
    a = analysis
    regret = has_scenarios(a)
    header = (["option"] + [f"score:{k}" for k in a.scenarios] + [f"rank:{k}" for k in a.scenarios]
              + (["max_regret"] if regret else []))
    rows = [[o] + [repr(float(x)) for x in a.scores[:, i]] + [int(r) for r in a.ranks[:, i]]
            + ([repr(float(a.max_regret[i]))] if regret else []) for i, o in enumerate(a.options)]
    return header, rows


def smaa_rows(result):
    n = len(result.options)
    header = ["option"] + [f"rank{r + 1}" for r in range(n)] + ["confidence"]
    rows = [[o] + [repr(float(p)) for p in row] + ["" if not math.isfinite(c) else repr(float(c))]
            for o, row, c in zip(result.options, result.acceptability, result.confidence)]
    return header, rows


def diff_document(result) -> dict:
    return {
        "kind": result.kind, "a": result.a, "b": result.b, "method": result.method,
        ("session" if result.kind == "profiles" else "profile"): result.context,
        "weights": {c: {"a": x, "b": y} for c, x, y in result.weights},
        "values": [{"option": o, "criterion": c, "a": x, "b": y} for o, c, x, y in result.cells],
        "ranks": [{"option": r.option, "rank_a": r.rank_a, "rank_b": r.rank_b, "score_a": r.score_a,
                   "score_b": r.score_b} for r in result.ranks],
        "notes": list(result.notes),
    }


def diff_rows(result):
    header = ["option", "rank_a", "rank_b", "score_a", "score_b"]
    return header, [[r.option, r.rank_a, r.rank_b, repr(r.score_a), repr(r.score_b)] for r in result.ranks]


def _optional(x) -> float | None:
    return None if x is None or not math.isfinite(float(x)) else float(x)


def value_for_money_document(result) -> dict:
    """The object `rubric value-for-money --format json` prints."""
    return {
        "study": result.study_id, "profile": result.profile_id, "session": result.session_id,
        "cost_criterion": result.cost_criterion, "unit": result.unit,
        "options": [{"option": o, "benefit": float(b), "cost": float(c), "benefit_per_cost": _optional(r),
                     "efficient": bool(e)}
                    for o, b, c, r, e in zip(result.options, result.benefit, result.cost, result.ratio,
                                             result.efficient)],
        "frontier": [result.options[i] for i in result.frontier],
    }


def value_for_money_rows(result):
    header = ["option", "benefit", "cost", "benefit_per_cost", "efficient"]
    rows = [[o, repr(float(b)), repr(float(c)), "" if _optional(r) is None else repr(float(r)), str(bool(e)).lower()]
            for o, b, c, r, e in zip(result.options, result.benefit, result.cost, result.ratio, result.efficient)]
    return header, rows


def packages_document(result) -> dict:
    """The object `rubric packages --format json` prints."""
    packages = []
    for rank, package in enumerate(result.packages, start=1):
        item = {"rank": rank, "options": [result.options[i] for i in package.members],
                "benefit": package.benefit, "cost": package.cost}
        if rank == 1:
            item["best_for_budgets"] = {"from": package.cost, "below": _optional(result.best_until)}
        packages.append(item)
    return {
        "study": result.study_id, "profile": result.profile_id, "session": result.session_id,
        "cost_criterion": result.cost_criterion, "unit": result.unit, "budget": result.budget,
        "baseline": list(result.baseline), "reference_benefit": result.reference,
        "gains": {o: float(g) for o, g in zip(result.options, result.gain)},
        "packages": packages,
    }


def packages_rows(result):
    header = ["rank", "benefit", "cost", "options"]
    rows = [[rank, repr(p.benefit), repr(p.cost), " ".join(result.options[i] for i in p.members)]
            for rank, p in enumerate(result.packages, start=1)]
    return header, rows
