"""JSON Schema validation of records, with every error located in its file."""

from __future__ import annotations

import json
import math
from functools import cache

from ..errors import Problem
from ..resources import schema_dir
from .yamlio import Document

KINDS = ("study", "sources", "option", "rubric", "profile", "session")


@cache
def validator(kind: str):
    import jsonschema  # imported here: `rubric --help` should not pay for it

    with open(schema_dir() / f"{kind}.schema.json", encoding="utf-8") as handle:
        schema = json.load(handle)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _non_finite(data, path=()):
    """JSON Schema's `minimum` lets NaN through (every comparison with NaN is false)."""
    if isinstance(data, float) and not math.isfinite(data):
        yield path
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from _non_finite(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _non_finite(value, (*path, index))


def _message(error) -> str:
    if error.validator == "additionalProperties":
        return error.message.replace(" were unexpected", " are not allowed").replace(
            " was unexpected", " is not allowed")
    if error.validator == "oneOf" and isinstance(error.instance, dict):
        if "level" in error.instance and "abstain" in error.instance:
            return "give either a level or an abstention reason, not both"
        if {"level", "abstain"} & set(error.validator_value[0].get("required", [])):
            return "give a level, or abstain with a reason"
        if "kind" in error.instance:
            return f"value_function must be {{kind: linear}} or {{kind: points, points: {{level: value}}}}"
        return "must have either `criteria` or `groups`, not both or neither"
    if error.validator == "pattern" and error.schema.get("description"):
        return f"{error.instance!r} is not valid: {error.schema['description']}"
    text = error.message
    return text if len(text) <= 200 else text[:197] + "..."


def schema_problems(kind: str, document: Document) -> list[Problem]:
    from ..errors import json_pointer

    problems = []
    for path in _non_finite(document.data):
        pointer = json_pointer(path)
        problems.append(document.problem(pointer, "number must be finite (not NaN or infinity)"))
    errors = sorted(validator(kind).iter_errors(document.data), key=lambda e: list(map(str, e.absolute_path)))
    for error in errors:
        # oneOf/if-then report the branch errors as context; the best match names the real cause
        leaf = error
        if error.validator in ("allOf",) and error.context:
            leaf = min(error.context, key=lambda e: len(e.absolute_path))
        pointer = json_pointer(leaf.absolute_path)
        problems.append(document.problem(pointer, _message(leaf)))
    return problems
