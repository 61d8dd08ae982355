"""JSON Schema validation of records, with every error located in its file."""

from __future__ import annotations

import heapq
import json
import math
from functools import cache

from ..errors import Problem
from ..model import CONFIDENCES, ID_PATTERN, is_valid_id
from ..resources import schema_dir
from .yamlio import Document

KINDS = ("study", "sources", "option", "rubric", "profile", "session", "scenario")


@cache
def validator(kind: str):
    import jsonschema  # imported here: `rubric --help` should not pay for it

    with open(schema_dir() / f"{kind}.schema.json", encoding="utf-8") as handle:
        schema = json.load(handle)
    cls = jsonschema.validators.validator_for(schema)
    # the schemas are checked against their metaschema in the tests, not on every run
    return cls(schema)


def _non_finite(data, path=()):
    """JSON Schema's `minimum` lets NaN through (every comparison with NaN is false)."""
    if isinstance(data, float):
        if not math.isfinite(data):
            yield path
    elif isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, (dict, list, float)):  # only these can hold a float
                yield from _non_finite(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            if isinstance(value, (dict, list, float)):
                yield from _non_finite(value, (*path, index))


# -- fast path for a session's scores --------------------------------------------------------------
# A session holds one score per analyst x option x criterion: 96,000 of them in a study of 200
# options, 40 criteria and 12 analysts, where jsonschema spends ~100 us on each. The check below
# accepts a score only when the schema's $defs/score certainly does; if any score is not accepted,
# the whole session goes through jsonschema as before, so every message and pointer is jsonschema's.
# It is used only while session.schema.json still says what it was written for (see _fast_scores).

_SCORED_BY = ("level", "value", "abstain")  # a score has exactly one of these
# measures are at most 10^15 in size, so that sums and differences of them stay finite and exact enough
_BOUNDED = {"type": "number", "minimum": -1e15, "maximum": 1e15}
_EXPECTED_DEFS = {
    "id": {"type": "string", "pattern": ID_PATTERN, "maxLength": 48},
    "text": {"type": "string", "minLength": 1, "maxLength": 4000},
    "score": {
        "type": "object", "additionalProperties": False,
        "required": ["analyst", "option", "criterion", "confidence", "rationale"],
        "properties": {
            "analyst": {"$ref": "#/$defs/id"}, "option": {"$ref": "#/$defs/id"},
            "criterion": {"$ref": "#/$defs/id"}, "level": {"type": "integer"},
            "value": _BOUNDED, "low": _BOUNDED, "high": _BOUNDED,
            "abstain": {"$ref": "#/$defs/text"}, "confidence": {"enum": list(CONFIDENCES)},
            "rationale": {"$ref": "#/$defs/text"},
            "evidence": {"type": "array", "items": {"$ref": "#/$defs/evidence"}},
        },
        "oneOf": [{"required": [given], "not": {"anyOf": [{"required": [other]} for other in _SCORED_BY
                                                          if other != given]}}
                  for given in _SCORED_BY],
    },
    # an evidence item is a source id or a quote cited from a source
    "evidence": {"anyOf": [{"$ref": "#/$defs/id"}, {"$ref": "#/$defs/citation"}],
                 "description": "a source id, or {source: <source id>, quote: <one of the option's recorded quotes "
                                "from it>}"},
    "citation": {"type": "object", "additionalProperties": False, "required": ["source", "quote"],
                 "properties": {"source": {"$ref": "#/$defs/id"}, "quote": {"$ref": "#/$defs/text"}}},
}
_EXPECTED_SCORES = {"type": "array", "items": {"$ref": "#/$defs/score"}}
_ROOT_KEYWORDS = {"$schema", "$id", "title", "description", "type", "additionalProperties", "required",
                  "properties", "$defs"}
_SCORE_KEYS = frozenset(_EXPECTED_DEFS["score"]["properties"])
_SCORE_REQUIRED = frozenset(_EXPECTED_DEFS["score"]["required"])
_CITATION_KEYS = frozenset(_EXPECTED_DEFS["citation"]["required"])
_CONFIDENCES = frozenset(_EXPECTED_DEFS["score"]["properties"]["confidence"]["enum"])


@cache
def _fast_scores(kind: str) -> bool:
    """Whether `kind`'s schema is the session schema the fast score check mirrors."""
    if kind != "session":
        return False
    schema = validator(kind).schema
    defs = schema.get("$defs", {})
    return (set(schema) <= _ROOT_KEYWORDS and schema.get("type") == "object"
            and schema.get("properties", {}).get("scores") == _EXPECTED_SCORES
            and all(defs.get(name) == expected for name, expected in _EXPECTED_DEFS.items()))


def _scores_certainly_valid(scores: list) -> bool:
    """True only if every item passes $defs/score; False means "ask jsonschema", not "invalid"."""
    good_ids: set[str] = set()

    def is_id(value) -> bool:
        if type(value) is not str:
            return False
        if value in good_ids:
            return True
        if is_valid_id(value):
            good_ids.add(value)
            return True
        return False

    def is_text(value) -> bool:
        return type(value) is str and 1 <= len(value) <= 4000

    def is_citation(value) -> bool:
        return (type(value) is dict and value.keys() == _CITATION_KEYS and is_id(value["source"])
                and is_text(value["quote"]))

    for score in scores:
        if type(score) is not dict:
            return False
        keys = score.keys()
        if not (_SCORE_REQUIRED <= keys <= _SCORE_KEYS):
            return False
        if not (is_id(score["analyst"]) and is_id(score["option"]) and is_id(score["criterion"])
                and is_text(score["rationale"])):
            return False
        confidence = score["confidence"]
        if type(confidence) is not str or confidence not in _CONFIDENCES:
            return False
        if sum(key in score for key in _SCORED_BY) != 1:  # oneOf: a level, a value or an abstention
            return False
        if "level" in score and type(score["level"]) is not int:
            return False
        if "abstain" in score and not is_text(score["abstain"]):
            return False
        for key in ("value", "low", "high"):  # numbers, finite and bounded (the NaN walk skips these scores)
            if key in score and not ((type(score[key]) is int or (type(score[key]) is float
                                                                  and math.isfinite(score[key])))
                                     and -1e15 <= score[key] <= 1e15):
                return False
        if "evidence" in score:
            evidence = score["evidence"]
            if type(evidence) is not list or not all(is_id(item) or is_citation(item) for item in evidence):
                return False
    return True


def _message(error) -> str:
    if error.validator == "additionalProperties":
        return error.message.replace(" were unexpected", " are not allowed").replace(
            " was unexpected", " is not allowed")
    if error.validator == "oneOf" and isinstance(error.instance, dict):
        given = [key for key in _SCORED_BY if key in error.instance]
        if set(_SCORED_BY) & set(error.validator_value[0].get("required", [])):
            named = {"level": "a level", "value": "a value", "abstain": "an abstention reason"}
            if len(given) == 2:
                return f"give either {named[given[0]]} or {named[given[1]]}, not both"
            if len(given) == 3:
                return "give only one of a level, a value or an abstention reason"
            return "give a level (level scale) or a value (natural scale), or abstain with a reason"
        if {"levels", "scale"} & set(error.validator_value[0].get("required", [])):
            return "a criterion has either `levels` (an anchored scale) or `scale` (a natural scale), not both"
        if error.instance.get("kind") == "exponential" and "curvature" in error.instance:
            return "an exponential value function's curvature must be a number between -50 and 50"
        if "kind" in error.instance:
            return ("value_function must be {kind: linear}, {kind: points, points: {level: value}}, "
                    "{kind: piecewise, points: [[measure, value], ...]} or {kind: exponential, curvature: c}")
        return "must have either `criteria` or `groups`, not both or neither"
    if error.validator == "anyOf" and error.schema.get("description"):
        return f"not {error.schema['description']}"
    if error.validator == "pattern" and error.schema.get("description"):
        return f"{error.instance!r} is not valid: {error.schema['description']}"
    text = error.message
    return text if len(text) <= 200 else text[:197] + "..."


def _path_order(path) -> list:
    """Pointer order, with list indices in numeric order (item 2 before item 10)."""
    return [(0, part, "") if isinstance(part, int) else (1, 0, str(part)) for part in path]


def schema_problems(kind: str, document: Document) -> tuple[list[Problem], int]:
    """The document's first problems (at most MAX_PROBLEMS, in pointer order) and how many more
    there are: a million bad items are counted, never all kept (3.8 GB, and a million lines)."""
    from ..errors import MAX_PROBLEMS, json_pointer

    problems = []
    instance = document.data
    if (_fast_scores(kind) and type(instance) is dict and type(instance.get("scores")) is list
            and _scores_certainly_valid(instance["scores"])):
        # the scores are valid and every number in them finite: the NaN walk and jsonschema check the rest of the
        # session, whose problems (paths, messages, order) do not depend on the scores' content
        instance = {**instance, "scores": []}
    hidden = 0
    for path in _non_finite(instance):
        if len(problems) == MAX_PROBLEMS:
            hidden += 1
            continue
        pointer = json_pointer(path)
        problems.append(document.problem(pointer, "number must be finite (not NaN or infinity)"))
    found = 0

    def counted(errors):
        nonlocal found
        for error in errors:
            found += 1
            yield error

    keep = MAX_PROBLEMS - len(problems)
    errors = heapq.nsmallest(keep, counted(validator(kind).iter_errors(instance)),
                             key=lambda e: _path_order(e.absolute_path))
    if keep <= 0:  # nsmallest(0, ...) reads nothing: count the errors it did not read
        found = sum(1 for _ in validator(kind).iter_errors(instance))
    hidden += found - len(errors)
    for error in errors:
        # oneOf/if-then report the branch errors as context; the best match names the real cause
        leaf = error
        if error.validator in ("allOf",) and error.context:
            leaf = min(error.context, key=lambda e: len(e.absolute_path))
        pointer = json_pointer(leaf.absolute_path)
        problems.append(document.problem(pointer, _message(leaf)))
    return problems, hidden
