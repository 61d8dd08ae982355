"""The weighting methods: one table (`WEIGHTING_METHODS`) that the loader's validation, the weight
derivation and the workbooks' description of a profile all read. Each method is a module here with
three pure functions over one block of a profile (the raw inputs over the children of one node):

- validate(block, pointer) -> [(pointer, message)]: what is wrong with the block's raw inputs,
  beyond what the profile schema already says;
- derive(profile, block) -> Derived: the block's local weights, summing to 1;
- describe(profile) -> str: the method as shown to people (e.g. "rank (roc)").

A new method: its module here, one entry below, its name in schemas/profile.schema.json (a test
checks the two agree), its tests and the README.
"""

from __future__ import annotations

from typing import Callable

import attrs

from . import ahp, direct, rank, swing
from .common import Derived


@attrs.frozen
class WeightingMethod:
    name: str
    validate: Callable = attrs.field(eq=False)
    derive: Callable = attrs.field(eq=False)
    describe: Callable = attrs.field(eq=False)


WEIGHTING_METHODS: dict[str, WeightingMethod] = {
    module.NAME: WeightingMethod(module.NAME, module.validate, module.derive, module.describe)
    for module in (direct, swing, rank, ahp)}

__all__ = ["WEIGHTING_METHODS", "WeightingMethod", "Derived"]
