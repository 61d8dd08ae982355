"""The aggregation methods: one table (`AGGREGATION_METHODS`) that the CLI's --method choices, the
study schema's method list and settings, `evaluate`, the terminal, the JSON and the workbook all
read. Each method is a pure function in a module of its own, over (values, weights, **settings),
returning its scores and intermediate tables. `values` is [option, criterion] on the 0-100 value
scale (already oriented: a higher value is always better), `weights` sums to 1 over the criteria.

A new method: its module here, one `AggregationMethod` entry below, its settings' schema fragment
repeated in schemas/study.schema.json (a test checks the two agree), its tests and the README.
"""

from __future__ import annotations

import importlib
from typing import Any, Callable

import attrs

from ...terms import METHOD_NAMES, PREFERENCE_FUNCTIONS


@attrs.frozen
class Setting:
    """One setting of a method, as written under `methods: {<method>: {...}}` in study.yaml."""

    name: str
    default: Any
    schema: dict = attrs.field(eq=False)  # JSON-schema fragment; the default is added from `default`

    def fragment(self) -> dict:
        return {**self.schema, "default": self.default}


@attrs.frozen
class AggregationMethod:
    name: str                                   # as typed after --method and in study.yaml
    label: str                                  # as shown to people
    higher_is_better: bool                      # of the function's `scores`
    function: Callable = attrs.field(eq=False)  # (values, weights, **settings) -> result with .scores
    settings: tuple[Setting, ...] = ()
    # a rule across settings the schema cannot say: settings -> a message, or None when they are fine
    check: Callable[[dict], str | None] | None = attrs.field(default=None, eq=False)
    # the result's findings beyond scores and ranks, JSON-ready, given the option ids
    findings: Callable[[Any, tuple[str, ...]], dict] | None = attrs.field(default=None, eq=False)
    # whether it may run on the natural measures (the `on` setting) instead of the 0-100 values;
    # then it is also given `benefit`, per criterion, from the criteria's directions
    on_measures: bool = False
    explain: str = ""                           # one sentence for a reader who does not know the method

    def defaults(self) -> dict:
        return {s.name: s.default for s in self.settings}

    def settings_schema(self) -> dict:
        """The schema of this method's entry under `methods:` in study.yaml."""
        return {"type": "object", "additionalProperties": False,
                "properties": {s.name: s.fragment() for s in self.settings}}

    def run(self, values, weights, settings: dict | None = None, **inputs):
        """The function over `values` (or measures) with the settings over the defaults; `inputs`
        are what the caller derives from the study (cost flags, per-criterion preferences)."""
        given = {**self.defaults(), **(settings or {})}
        given.pop(ON.name, None)  # which matrix to pass is the caller's choice, not the function's
        return self.function(values, weights, **given, **inputs)


def _function(module: str, name: str) -> Callable:
    """The method's function, imported on its first call: `rubric --help` lists the methods
    without loading numpy."""
    def call(*args, **kwargs):
        return getattr(importlib.import_module(f"{__name__}.{module}"), name)(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    return call


def _promethee_check(settings: dict) -> str | None:
    function = settings["function"]
    if function in ("level", "linear") and not settings["q"] < settings["p"]:
        return f"{function} preference needs q < p (got q={settings['q']:g}, p={settings['p']:g})"
    if function == "v-shape" and not settings["p"] > 0:
        return "v-shape preference needs p > 0"
    if function == "gaussian" and not settings["s"] > 0:
        return "gaussian preference needs s > 0"
    return None


def _vikor_findings(result, options) -> dict:
    return {
        "v": result.v,
        "S": {o: float(x) for o, x in zip(options, result.group_utility)},
        "R": {o: float(x) for o, x in zip(options, result.regret)},
        "Q": {o: float(x) for o, x in zip(options, result.scores)},
        "compromise": [options[i] for i in result.compromise],
        "acceptable_advantage": result.acceptable_advantage,
        "acceptable_stability": result.acceptable_stability,
        "advantage_threshold": result.advantage_threshold,
    }


_SCALE_POINT = {"type": "number", "minimum": 0, "maximum": 100}
# which matrix a method reads: the 0-100 values, or (every criterion natural) the measures in units
ON = Setting("on", "values", {"enum": ["values", "measures"],
                              "description": "values: the 0-100 values; measures: the natural measures in "
                                             "their units (every criterion must be on a natural scale)"})

AGGREGATION_METHODS: dict[str, AggregationMethod] = {m.name: m for m in (
    AggregationMethod("wsm", "weighted sum (MAVT)", True, _function("wsm", "wsm"),
                      explain="the weighted average of the 0-100 values: a strength on one criterion makes up "
                              "for a weakness on another, in proportion to the weights"),
    AggregationMethod("wpm", "weighted product", True, _function("wpm", "wpm"),
                      explain="the product of the values raised to their weights: a very low value on any "
                              "criterion pulls the option down more than in the weighted sum"),
    AggregationMethod("topsis", "TOPSIS", True, _function("topsis", "topsis"), (ON,), on_measures=True,
                      explain="closeness to an ideal option (the best value on every criterion) relative to the "
                              "worst one"),
    AggregationMethod(
        "promethee", "PROMETHEE II", True, _function("promethee", "promethee_ii"),
        (Setting("function", "usual", {"enum": list(PREFERENCE_FUNCTIONS),
                                       "description": "preference function on the 0-100 values, the same for "
                                                      "every criterion"}),
         Setting("q", 0.0, {**_SCALE_POINT, "description": "indifference threshold on the 0-100 value scale"}),
         Setting("p", 0.0, {**_SCALE_POINT, "description": "preference threshold on the 0-100 value scale"}),
         Setting("s", 0.0, {**_SCALE_POINT, "description": "Gaussian inflection point on the 0-100 value scale"}),
         ON),
        check=_promethee_check, on_measures=True,
        explain="pairwise outranking: how much each option is preferred to every other, criterion by "
                "criterion and weighted, minus how much the others are preferred to it (net flow)"),
    AggregationMethod(
        "vikor", "VIKOR", False, _function("vikor", "vikor"),
        (Setting("v", 0.5, {"type": "number", "minimum": 0, "maximum": 1,
                            "description": "weight of the group utility S against the individual regret R"}),
         ON),
        findings=_vikor_findings, on_measures=True,
        explain="a compromise ranking that balances the weighted sum of shortfalls from the best (S) against "
                "the largest single shortfall (R); v weighs the two, lower Q ranks first"),
)}

if tuple(AGGREGATION_METHODS) != METHOD_NAMES:  # the CLI lists METHOD_NAMES without importing this module
    raise AssertionError(f"rubric.terms.METHOD_NAMES {METHOD_NAMES} != the registry's {tuple(AGGREGATION_METHODS)}")

__all__ = ["AGGREGATION_METHODS", "ON", "AggregationMethod", "Setting"]
